"""Governance figures as plain functions on plain data, so they can be checked by hand.

Definitions (written down for people in docs/governance.md):

- An issue is *delegated upward* when it was passed up without an attempt at its own level,
  or was resolved at a higher level than the one it arose at.
- An issue counts towards a period's upward-delegation rate in the period its outcome became
  known: the day it was resolved, or — when it was passed up without an attempt — the day it
  was raised (the hand-off itself is the outcome). Rate = upward / counted; None when nothing
  was counted.
- Median days to resolution: over the issues resolved in the period, resolved_on - raised_on.
- Open issues by age: at the end of the period (or today, for the running period), the issues
  raised by then and not yet resolved, by days since they were raised.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from keten.periods import periods_between

RANK = {"operational": 1, "tactical": 2, "strategic": 3}
LEVELS = ("strategic", "tactical", "operational")

# Upper bounds (inclusive, in days) of the age buckets for open issues; the last is open-ended.
AGE_BUCKETS: tuple[tuple[str, int | None], ...] = (
    ("0-30", 30),
    ("31-90", 90),
    ("91-180", 180),
    ("180+", None),
)


@dataclass(frozen=True)
class EscalationFacts:
    """What the figures need to know about one issue."""

    raised_level: str
    raised_on: dt.date
    passed_up_without_attempt: bool = False
    resolved_level: str = ""
    resolved_on: dt.date | None = None

    @property
    def upward(self) -> bool:
        if self.passed_up_without_attempt:
            return True
        return bool(self.resolved_level) and RANK[self.resolved_level] > RANK[self.raised_level]

    @property
    def outcome_on(self) -> dt.date | None:
        """The day the issue's fate became known (see the module docstring)."""
        return self.raised_on if self.passed_up_without_attempt else self.resolved_on


@dataclass(frozen=True)
class AgeBucket:
    label: str
    count: int


@dataclass(frozen=True)
class EscalationPeriod:
    """Escalation figures for one period (a month, quarter or year)."""

    label: str
    start: dt.date
    end: dt.date
    raised: int
    resolved: int
    counted: int
    upward: int
    upward_rate: float | None
    median_days_to_resolution: float | None
    open_at_end: int
    open_by_age: tuple[AgeBucket, ...] = field(default_factory=tuple)

    @property
    def upward_percentage(self) -> int | None:
        return None if self.upward_rate is None else round(self.upward_rate * 100)


def age_buckets(ages: Iterable[int]) -> tuple[AgeBucket, ...]:
    """Count ages (in days) per bucket of AGE_BUCKETS."""
    counts = dict.fromkeys((label for label, _ in AGE_BUCKETS), 0)
    for age in ages:
        for label, upper in AGE_BUCKETS:
            if upper is None or age <= upper:
                counts[label] += 1
                break
    return tuple(AgeBucket(label, n) for label, n in counts.items())


def period_figures(
    issues: Sequence[EscalationFacts], start: dt.date, end: dt.date, label: str, today: dt.date
) -> EscalationPeriod:
    """Return the figures of one period; a period still running is measured up to `today`."""
    cut = min(end, today)

    def within(day: dt.date | None) -> bool:
        return day is not None and start <= day <= cut

    counted = [i for i in issues if within(i.outcome_on)]
    upward = sum(i.upward for i in counted)
    resolved = [i for i in issues if within(i.resolved_on)]
    still_open = [i for i in issues if i.raised_on <= cut and (i.resolved_on is None or i.resolved_on > cut)]
    return EscalationPeriod(
        label=label,
        start=start,
        end=end,
        raised=sum(within(i.raised_on) for i in issues),
        resolved=len(resolved),
        counted=len(counted),
        upward=upward,
        upward_rate=upward / len(counted) if counted else None,
        median_days_to_resolution=(
            float(statistics.median((i.resolved_on - i.raised_on).days for i in resolved))
            if resolved
            else None
        ),
        open_at_end=len(still_open),
        open_by_age=age_buckets((cut - i.raised_on).days for i in still_open),
    )


def escalation_periods(
    issues: Sequence[EscalationFacts],
    grain: str = "month",
    *,
    today: dt.date,
    first: dt.date | None = None,
    last: dt.date | None = None,
) -> list[EscalationPeriod]:
    """Return figures per period, oldest first, from `first` (default: the first issue) to
    `last` (default: today). No issues and no `first`: an empty list."""
    if first is None:
        if not issues:
            return []
        first = min(i.raised_on for i in issues)
    last = last or today
    return [period_figures(issues, s, e, label, today) for s, e, label in periods_between(first, last, grain)]


@dataclass(frozen=True)
class SeatFacts:
    """One seat as the representation check needs it."""

    partner: str
    level: str
    mandate: bool


@dataclass(frozen=True)
class PartnerFacts:
    code: str
    name: str
    kind: str = "producing"


@dataclass(frozen=True)
class RepresentationCell:
    """One partner at one level: required?, how many seats, how many of them mandated."""

    level: str
    required: bool
    seats: int
    mandated: int

    @property
    def status(self) -> str:
        """ok | missing | unmandated | not_required."""
        if self.seats == 0:
            return "missing" if self.required else "not_required"
        return "ok" if self.mandated else "unmandated"


def required_at(partner: PartnerFacts, level: str) -> bool:
    """Producing partners belong at every level; network partners (financiers, brokers) add
    value outside the sequence of work, so only the steering group needs them."""
    return partner.kind == "producing" or level == "strategic"


def representation_matrix(
    partners: Sequence[PartnerFacts], seats: Sequence[SeatFacts]
) -> list[tuple[PartnerFacts, list[RepresentationCell]]]:
    """Return per partner one cell per level (strategic, tactical, operational)."""
    rows = []
    for partner in partners:
        cells = []
        for level in LEVELS:
            here = [s for s in seats if s.partner == partner.code and s.level == level]
            cells.append(
                RepresentationCell(
                    level, required_at(partner, level), len(here), sum(s.mandate for s in here)
                )
            )
        rows.append((partner, cells))
    return rows
