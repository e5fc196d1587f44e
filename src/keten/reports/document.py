"""The report as plain data (sections, tables, charts, stories) and how its figures are written.

`assemble` fills these; the HTML and the typst templates both read them, so the two formats
cannot tell different stories.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from django.utils import dateformat
from django.utils.translation import gettext as _

from keten import formatting
from keten.chains import roles
from keten.figures import suppression as sup

BESTUURLIJK = roles.STEERING_VIEW
UITVOERING = roles.OPERATIONS_VIEW


def edition_label(edition: str) -> str:
    return {BESTUURLIJK: _("Steering edition"), UITVOERING: _("Operations edition")}[edition]


# --- the plain data -------------------------------------------------------------------------


@dataclass
class Table:
    caption: str
    columns: list[str]
    rows: list[list[str]]
    # Per column: right-aligned numbers.
    numeric: list[bool] = field(default_factory=list)
    note: str = ""
    # In the PDF, the headers of all columns but the first read bottom-up, so that a table of
    # many narrow columns (a score per partner) fits the page without headers running together.
    turned_headers: bool = False


@dataclass
class Chart:
    key: str
    title: str
    # The text alternative: what the chart shows, in words.
    description: str
    spec: dict[str, Any]
    # Drawing width in px for a chart sized to its container (0: the report's default).
    width: int = 0
    # A drawing made elsewhere (the process map, keten.figures.processmap): SVG text used as
    # it is instead of drawing `spec`.
    svg: str = ""


@dataclass
class Story:
    title: str
    text: str
    date: str = ""
    partners: str = ""


@dataclass
class Section:
    key: str
    title: str
    notice: str = ""
    paragraphs: list[str] = field(default_factory=list)
    facts: list[tuple[str, str]] = field(default_factory=list)
    bullets: list[str] = field(default_factory=list)
    stories: list[Story] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)


@dataclass
class Report:
    chain_slug: str
    chain_name: str
    colour: str
    month: str  # YYYY-MM
    month_label: str
    edition: str
    edition_label: str
    language: str
    title: str
    generated_at: str
    suppressed: bool
    min_cell: int
    sections: list[Section]
    # The chain's own words about itself, under its name on the first page.
    description: str = ""
    # The chain's logo as a data: URI (PNG or JPEG, as the identity form accepts), '' without.
    logo: str = ""

    def section(self, key: str) -> Section:
        return next(s for s in self.sections if s.key == key)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able data (for the typst template)."""
        from dataclasses import asdict

        return asdict(self)


# --- formatting -----------------------------------------------------------------------------


def num(value: Any, decimals: int = 0) -> str:
    """A number in the active language's notation (1.234,5 in Dutch), rounded."""
    return formatting.number(value, decimals)


def pct(share: Any) -> str:
    """A share as a percentage (see `keten.formatting.share`)."""
    return formatting.share(share)


def days(value: Any) -> str:
    return formatting.days(value, unit=True)


class Formatter:
    """Formats figures for one report; hidden (suppressed) cells become "<N"."""

    def __init__(self, min_cell: int) -> None:
        self.small = f"<{min_cell}"
        # A figure hidden only so that a small one cannot be worked out from it.
        self.hidden = _("hidden")

    def missing(self, value: Any) -> bool:
        return value is None or (not isinstance(value, str) and pd.isna(value))

    def cases(self, value: Any) -> str:
        return self.small if self.missing(value) else num(value)

    def share(self, value: Any, hidden: bool = False) -> str:
        if hidden:
            return self.small
        return "–" if self.missing(value) else pct(value)

    def days(self, value: Any, hidden: bool = False) -> str:
        if hidden:
            return self.small
        return "–" if self.missing(value) else days(value)

    def kpi(self, value: Any, unit: str, hidden: bool = False, target: Any = None) -> str:
        if hidden:
            return self.small
        return formatting.figure(value, unit, target)


def status_label(status: str, min_cell: int) -> str:
    if status == sup.SUPPRESSED:
        return _("Fewer than %(n)s cases") % {"n": min_cell}
    return formatting.word(status)


def month_label(period: str | dt.date) -> str:
    return formatting.month_label(period)


def is_missing(value: Any) -> bool:
    return value is None or pd.isna(value)


def get(item: Any, *names: str, default: Any = "") -> Any:
    """The first present attribute or key of `item` (inputs from other apps, dicts or objects)."""
    for name in names:
        if isinstance(item, dict) and item.get(name) not in (None, ""):
            return item[name]
        value = getattr(item, name, None)
        if value not in (None, ""):
            return value
    return default


def story_of(item: Any) -> Story:
    when = get(item, "occurred_on", "date", "month", default=None)
    partners = get(item, "partners", default=())
    if hasattr(partners, "all"):
        partners = [str(p) for p in partners.all()]
    if isinstance(when, dt.date) and getattr(item, "month", None) == when:
        when = None  # a story's month is the report's month: no need to repeat it
    return Story(
        title=str(get(item, "title", "name")),
        text=str(get(item, "body", "summary", "text", "description")),
        date=dateformat.format(when, "j F Y") if isinstance(when, dt.date) else str(when or ""),
        partners=", ".join(str(p) for p in partners) if not isinstance(partners, str) else partners,
    )
