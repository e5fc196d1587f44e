"""Tables beside every chart and the CSV downloads: one column list per dataset.

A dataset is a named frame of `MonitorData` with the columns people see. The page shows it as
an accessible HTML table (the chart's text alternative); the CSV download gives the same rows
with plain values, hidden cells empty and a `suppressed` column, so nothing reaches a file
that the page would not show.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import pandas as pd
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from keten import csvsafe, formatting
from keten.figures.suppression import PROTECTING, SUPPRESSED
from keten.monitor.data import MonitorData


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = "text"  # text, int, float, days, share, date, bool, word


def _missing(value) -> bool:
    return formatting.is_missing(value)


#: A float in a row that names its unit (a KPI's value and target) is shown in that unit.
KPI_UNIT_KINDS = {"share": "share", "days": "days", "cases": "int"}


def display(value, kind: str) -> str:
    """A value as people read it in the active language (`keten.formatting`: rounded, never
    cut off). Kinds: text, int, float, days, share, date, bool, word (a code as a word)."""
    if _missing(value):
        return formatting.MISSING
    if kind == "int":
        return formatting.count(value)
    if kind in ("days", "float"):
        return formatting.days(value)
    if kind == "share":
        return formatting.share(value)
    if kind == "date":
        # Periods arrive as ISO text: a month ("2025-10") reads as "okt 2025", a week or a
        # day by its first day; "all" is the row for the whole selection.
        if value == "all":
            return _("whole selection")
        if isinstance(value, str) and len(value) == 7:
            return formatting.month_label(value, short=True)
        try:
            return formatting.date_label(value)
        except ValueError:
            return str(value)
    if kind == "bool":
        return _("yes") if value else _("no")
    if kind == "word":
        return formatting.word(value)
    return str(value)


def kind_of(column: Column, record: dict) -> str:
    """The display kind of a cell: a float takes the kind of the row's unit when it has one
    (a KPI of unit "share" is 37%, not 0,4)."""
    if column.kind == "float":
        return KPI_UNIT_KINDS.get(str(record.get("unit") or ""), "float")
    return column.kind


def csv_value(value, kind: str):
    """A plain value for CSV: numbers unformatted (full precision to 6 decimals), dates ISO."""
    if _missing(value):
        return ""
    if kind in ("days", "share", "float") and isinstance(value, float) and math.isfinite(value):
        return round(value, 6)
    if kind == "date" and not isinstance(value, str):
        return pd.Timestamp(value).isoformat()
    return value


@dataclass(frozen=True)
class Dataset:
    name: str
    title: str
    columns: tuple[Column, ...]
    frame: Callable[[MonitorData], pd.DataFrame]
    case_rows: bool = False


def _c(key, label, kind="text"):
    return Column(key, label, kind)


DATASETS: dict[str, Dataset] = {
    d.name: d
    for d in (
        Dataset(
            "kpis",
            gettext_lazy("KPIs"),
            (
                _c("objective", gettext_lazy("Objective")),
                _c("code", gettext_lazy("Code")),
                _c("name", gettext_lazy("KPI")),
                _c("level", gettext_lazy("Level"), "word"),
                _c("value", gettext_lazy("Value"), "float"),
                _c("target", gettext_lazy("Target"), "float"),
                _c("unit", gettext_lazy("Unit"), "word"),
                _c("status", gettext_lazy("Status"), "word"),
                _c("period", gettext_lazy("Period"), "date"),
                _c("cases", gettext_lazy("Cases"), "int"),
            ),
            lambda d: kpi_frame(d),
        ),
        Dataset(
            "handovers",
            gettext_lazy("Handovers between partners"),
            (
                _c("from_name", gettext_lazy("From")),
                _c("to_name", gettext_lazy("To")),
                _c("cases", gettext_lazy("Cases"), "int"),
                _c("transitions", gettext_lazy("Handovers"), "int"),
                _c("median_days", gettext_lazy("Median days"), "days"),
                _c("p80_days", gettext_lazy("80th percentile (days)"), "days"),
                _c("mean_days", gettext_lazy("Mean days"), "days"),
                _c("slowest", gettext_lazy("Slowest"), "bool"),
            ),
            lambda d: d.handovers(),
        ),
        Dataset(
            "throughput",
            gettext_lazy("Throughput time per period in which the goal was reached"),
            (
                _c("period", gettext_lazy("Period"), "date"),
                _c("cases", gettext_lazy("Goal reached"), "int"),
                _c("open", gettext_lazy("Still open at the end of the period"), "int"),
                _c("median_days", gettext_lazy("Median days"), "days"),
                _c("p20_days", gettext_lazy("20th percentile (days)"), "days"),
                _c("p80_days", gettext_lazy("80th percentile (days)"), "days"),
                _c("mean_days", gettext_lazy("Mean days"), "days"),
                _c("mature", gettext_lazy("Period complete"), "bool"),
            ),
            lambda d: d.throughput(),
        ),
        Dataset(
            "chain_stage_times",
            gettext_lazy("Time per chain stage"),
            (
                _c("stage_name", gettext_lazy("Stage")),
                _c("cases", gettext_lazy("Cases"), "int"),
                _c("visits", gettext_lazy("Visits"), "int"),
                _c("median_days", gettext_lazy("Median days"), "days"),
                _c("p20_days", gettext_lazy("20th percentile (days)"), "days"),
                _c("p80_days", gettext_lazy("80th percentile (days)"), "days"),
                _c("mean_days", gettext_lazy("Mean days"), "days"),
            ),
            lambda d: d.chain_stage_times(),
        ),
        Dataset(
            "stage_times",
            gettext_lazy("Time per partner"),
            (
                _c("partner_name", gettext_lazy("Partner")),
                _c("cases", gettext_lazy("Cases"), "int"),
                _c("blocks", gettext_lazy("Stays"), "int"),
                _c("median_days", gettext_lazy("Median days"), "days"),
                _c("p80_days", gettext_lazy("80th percentile (days)"), "days"),
                _c("mean_days", gettext_lazy("Mean days"), "days"),
            ),
            lambda d: d.stage_times(),
        ),
        Dataset(
            "norms",
            gettext_lazy("Norm compliance"),
            (
                _c("agreement_name", gettext_lazy("Agreement")),
                _c("period", gettext_lazy("Period"), "date"),
                _c("cases", gettext_lazy("Cases"), "int"),
                _c("within", gettext_lazy("Within the norm"), "int"),
                _c("late", gettext_lazy("Late"), "int"),
                _c("late_open", gettext_lazy("Late, still open"), "int"),
                _c("open", gettext_lazy("Open, within the norm so far"), "int"),
                _c("oldest_open_days", gettext_lazy("Oldest open case (days)"), "days"),
                _c("share", gettext_lazy("Share within the norm"), "share"),
                _c("target_share", gettext_lazy("Agreed share"), "share"),
                _c("meets", gettext_lazy("Meets the agreement"), "bool"),
                _c("mature", gettext_lazy("Period complete"), "bool"),
            ),
            lambda d: d.norms(),
        ),
        Dataset(
            "stage_flow",
            gettext_lazy("Inflow, outflow and work in progress per stage"),
            (
                _c("stage_name", gettext_lazy("Stage")),
                _c("period", gettext_lazy("Period"), "date"),
                _c("inflow", gettext_lazy("Inflow"), "int"),
                _c("outflow", gettext_lazy("Outflow"), "int"),
                _c("wip", gettext_lazy("Work in progress"), "int"),
            ),
            lambda d: d.stage_flow(),
        ),
        Dataset(
            "variants",
            gettext_lazy("Most frequent variants"),
            (
                _c("rank", gettext_lazy("Rank"), "int"),
                _c("path", gettext_lazy("Variant (activities in order)")),
                _c("length", gettext_lazy("Steps"), "int"),
                _c("cases", gettext_lazy("Cases"), "int"),
                _c("share", gettext_lazy("Share of cases"), "share"),
                _c("median_days", gettext_lazy("Median days"), "days"),
            ),
            lambda d: d.variants(),
        ),
        Dataset(
            "routes",
            gettext_lazy("Routes to the goal: cases by the partners they passed through"),
            (
                _c("rank", gettext_lazy("Rank"), "int"),
                _c("path", gettext_lazy("Route (partners in order)")),
                _c("cases", gettext_lazy("Cases"), "int"),
                _c("share", gettext_lazy("Share of cases"), "share"),
                _c("reached_share", gettext_lazy("Reached the goal"), "share"),
                _c("median_days_to_goal", gettext_lazy("Median days to the goal"), "days"),
                _c("dropout_share", gettext_lazy("Dropped out"), "share"),
                _c("open", gettext_lazy("Still open"), "int"),
            ),
            lambda d: d.routes(),
        ),
        Dataset(
            "rework",
            gettext_lazy("Rework: cases returning to an earlier stage"),
            (
                _c("stage_name", gettext_lazy("Stage")),
                _c("cases_visiting", gettext_lazy("Cases in stage"), "int"),
                _c("cases_reentering", gettext_lazy("Cases returning"), "int"),
                _c("reentries", gettext_lazy("Returns"), "int"),
                _c("share", gettext_lazy("Share returning"), "share"),
            ),
            lambda d: d.rework(),
        ),
        Dataset(
            "dropout",
            gettext_lazy("Dropout per period"),
            (
                _c("period", gettext_lazy("Period"), "date"),
                _c("cases", gettext_lazy("Cases"), "int"),
                _c("reached", gettext_lazy("Goal reached"), "int"),
                _c("dropped", gettext_lazy("Dropped out"), "int"),
                _c("open", gettext_lazy("Open"), "int"),
                _c("dropout_share", gettext_lazy("Dropout share"), "share"),
                _c("mature", gettext_lazy("Period complete"), "bool"),
            ),
            lambda d: d.dropout(),
        ),
        Dataset(
            "dropout_points",
            gettext_lazy("Where cases drop out"),
            (
                _c("partner_name", gettext_lazy("Partner")),
                _c("activity_name", gettext_lazy("Last activity")),
                _c("cases", gettext_lazy("Cases"), "int"),
            ),
            lambda d: d.dropout_points(),
        ),
        Dataset(
            "cases",
            gettext_lazy("Cases (pseudonymised)"),
            (
                _c("case_id", gettext_lazy("Case (pseudonym)")),
                _c("first_event", gettext_lazy("First event"), "date"),
                _c("last_event", gettext_lazy("Last event"), "date"),
                _c("events", gettext_lazy("Events"), "int"),
                _c("duration_days", gettext_lazy("Days"), "days"),
                _c("current_stage_name", gettext_lazy("Current stage")),
                _c("current_partner_name", gettext_lazy("Last partner")),
                _c("status", gettext_lazy("Status"), "word"),
            ),
            # The first rows only: pages and the CSV read MonitorData.case_rows a page or a
            # stream of batches at a time, never the whole list.
            lambda d: pd.DataFrame(d.case_rows()[:100]),
            case_rows=True,
        ),
    )
}


def kpi_frame(data: MonitorData) -> pd.DataFrame:
    objectives = {o.code: o.name for o in data.spec.objectives}
    rows = [
        {
            "objective": objectives.get(k.objective, k.objective),
            "code": k.code,
            "name": k.name,
            "level": "chain" if k.is_chain_level else "partner",
            "value": k.value,
            "target": k.target,
            "unit": k.unit,
            "status": k.status,
            "period": k.period,
            "cases": k.cases,
            SUPPRESSED: k.status == SUPPRESSED,
        }
        for k in data.kpis()
    ]
    return pd.DataFrame(rows, columns=[c.key for c in DATASETS["kpis"].columns] + [SUPPRESSED])


def html_table(
    frame: pd.DataFrame, columns: tuple[Column, ...], min_cell: int, limit: int | None = None
) -> dict:
    """Rows of display cells for templates/monitor/includes/table.html."""
    suppressed_text = _("fewer than %(n)s") % {"n": min_cell}
    # A cell hidden only so that a small one cannot be computed from it (see suppression.py).
    protecting_text = _("hidden")
    records = frame.head(limit).to_dict("records") if limit else frame.to_dict("records")
    rows = []
    for record in records:
        hidden = bool(record.get(SUPPRESSED, False))
        protecting = set(filter(None, str(record.get(PROTECTING) or "").split(",")))
        cells = []
        for col in columns:
            value = record.get(col.key)
            numeric = col.kind in ("int", "days", "share", "float")
            if hidden and _missing(value) and numeric:
                text = protecting_text if col.key in protecting else suppressed_text
                cells.append({"text": text, "num": True, "suppressed": True})
            else:
                cells.append(
                    {"text": display(value, kind_of(col, record)), "num": numeric, "suppressed": False}
                )
        rows.append({"cells": cells, "suppressed": hidden, "record": record})
    return {"columns": columns, "rows": rows, "truncated": bool(limit and len(frame) > limit)}


def to_csv(frame: pd.DataFrame, columns: tuple[Column, ...]) -> str:
    """CSV text with the dataset's columns (codes as headers), a `suppressed` column and, where
    secondary suppression applies, `hidden_to_protect` (the columns hidden as a cover)."""
    out = io.StringIO()
    writer = csvsafe.writer(out)
    keys = [c.key for c in columns]
    with_flag = SUPPRESSED in frame.columns
    with_covers = PROTECTING in frame.columns
    writer.writerow(keys + ([SUPPRESSED] if with_flag else []) + ([PROTECTING] if with_covers else []))
    for record in frame.to_dict("records"):
        row = [csv_value(record.get(c.key), c.kind) for c in columns]
        if with_flag:
            row.append("true" if record.get(SUPPRESSED) else "false")
        if with_covers:
            row.append(record.get(PROTECTING) or "")
        writer.writerow(row)
    return out.getvalue()


def csv_chunks(frames: Iterable[pd.DataFrame], columns: tuple[Column, ...]) -> Iterator[str]:
    """`to_csv` a frame at a time: the header, then the rows of each frame as one piece of
    text (for a streamed download); every cell goes through `keten.csvsafe` as in `to_csv`."""
    header = True
    for frame in frames:
        text = to_csv(frame, columns)
        if not header:
            text = text.split("\r\n", 1)[1]
        header = False
        if text:
            yield text
    if header:
        yield to_csv(pd.DataFrame(columns=[c.key for c in columns]), columns)
