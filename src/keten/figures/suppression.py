"""Small-cell suppression: hide aggregates over fewer than KETEN_MIN_CELL cases.

Plain functions on pandas frames and KPI results, no Django, so the pages, CSV downloads,
the API and the report apply the very same rule. A cell is hidden when it rests on at least one
and fewer than `min_cell` cases; an empty cell (0 cases) reveals nobody and stays visible.
Hidden numbers become missing (NA) and the row gets `suppressed = True`, so templates and
charts can say "fewer than N" instead of showing a number.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

import pandas as pd

SUPPRESSED = "suppressed"


def is_small(count, min_cell: int) -> bool:
    """True when a cell of `count` cases must be hidden."""
    if count is None or pd.isna(count):
        return False
    return 0 < count < min_cell


def small_mask(counts: pd.Series, min_cell: int) -> pd.Series:
    """Boolean mask of the rows whose case count must be hidden."""
    numeric = pd.to_numeric(counts, errors="coerce")
    return (numeric > 0) & (numeric < min_cell)


def hide_small_rows(
    frame: pd.DataFrame, count_column: str, value_columns: Iterable[str], min_cell: int
) -> pd.DataFrame:
    """Return a copy where rows resting on few cases have their count and values hidden."""
    out = frame.copy()
    mask = small_mask(out[count_column], min_cell).fillna(False).astype(bool)
    for column in [count_column, *value_columns]:
        if column in out.columns:
            out[column] = out[column].astype("object").where(~mask, None)
    out[SUPPRESSED] = mask.to_numpy()
    return out


def hide_small_counts(frame: pd.DataFrame, count_columns: Iterable[str], min_cell: int) -> pd.DataFrame:
    """Return a copy where each small count is hidden on its own (inflow, outflow, WIP)."""
    out = frame.copy()
    any_hidden = pd.Series(False, index=out.index)
    for column in count_columns:
        if column not in out.columns:
            continue
        mask = small_mask(out[column], min_cell).fillna(False).astype(bool)
        out[column] = out[column].astype("object").where(~mask, None)
        any_hidden |= mask
    out[SUPPRESSED] = any_hidden.to_numpy()
    return out


def fold_small_rows(
    frame: pd.DataFrame, count_column: str, label_column: str, other_label: str, min_cell: int
) -> pd.DataFrame:
    """Fold rows with few cases into one `other_label` row (for variant lists).

    The folded row is itself hidden when it too rests on fewer than `min_cell` cases. Other
    numeric columns of folded rows are dropped: their values cannot be combined honestly.
    """
    mask = small_mask(frame[count_column], min_cell).fillna(False).astype(bool)
    kept = frame.loc[~mask].copy()
    kept[SUPPRESSED] = False
    if not mask.any():
        return kept
    folded_cases = int(frame.loc[mask, count_column].sum())
    other = {column: None for column in frame.columns}
    other[label_column] = other_label
    other[count_column] = None if is_small(folded_cases, min_cell) else folded_cases
    other[SUPPRESSED] = True
    return pd.concat([kept, pd.DataFrame([other])], ignore_index=True)


def suppress_kpi(kpi, min_cell: int):
    """Return the KPI result with its value (and trend points) hidden where they rest on few cases.

    Works on any dataclass with `value`, `status`, `cases` and `trend` (a list of
    (period, value, cases, mature)); returns it unchanged when nothing is small.
    """
    trend = [
        (period, None, None, mature) if is_small(cases, min_cell) else (period, value, cases, mature)
        for period, value, cases, mature in (kpi.trend or [])
    ]
    if is_small(kpi.cases, min_cell):
        return dataclasses.replace(kpi, value=None, status=SUPPRESSED, cases=None, trend=trend)
    return dataclasses.replace(kpi, trend=trend)


# --- secondary suppression ---------------------------------------------------------------------
#
# Hiding a small cell is not enough when the cells around it are tied by arithmetic: work in
# progress follows WIP(t) = WIP(t-1) + inflow(t) - outflow(t), and an "all" row is the sum of
# its period rows. A reader who can solve one of those equations for a hidden cell gets it back
# exactly. As CBS's tau-argus does, we hide a few more cells ("secondary suppression") until no
# hidden cell can be solved for; a cell hidden only to protect another is listed in the row's
# PROTECTING column, so pages say "hidden" rather than "fewer than N" for it.

PROTECTING = "hidden_to_protect"


def _best_cover(candidates: list[tuple[object, int]], min_cell: int):
    """The cell to hide as a cover: the smallest one holding at least `min_cell` cases, so the
    sum a reader can still work out says little about the small cell; else the largest."""
    if not candidates:
        return None
    big = [c for c in candidates if c[1] >= min_cell]
    if big:
        return min(big, key=lambda c: c[1])[0]
    return max(candidates, key=lambda c: c[1])[0]


def _protect_sum(frame, count_column, hidden_rows, total_row, parts, min_cell) -> list:
    """The rows to hide so that the total minus the visible `parts` gives no single hidden row."""
    if total_row is None or total_row in hidden_rows:
        return []
    parts_hidden = [i for i in parts if i in hidden_rows]
    if len(parts_hidden) != 1:
        return []
    # A zero row is no cover: hiding it leaves the sum equal to the small cell. The latest
    # period is no cover either: it is the figure a monitor is read for; rather the total goes.
    latest = max(parts, key=lambda i: str(frame.at[i, "period"]))
    candidates = [
        (i, int(frame.at[i, count_column]))
        for i in parts
        if i not in hidden_rows and i != latest and (frame.at[i, count_column] or 0) > 0
    ]
    cover = _best_cover(candidates, min_cell)
    return [cover if cover is not None else total_row]


def hide_period_rows(
    frame: pd.DataFrame,
    count_column: str,
    value_columns: Iterable[str],
    min_cell: int,
    group_by: Iterable[str] = (),
    summed: str | None = None,
) -> pd.DataFrame:
    """`hide_small_rows` for a frame of period rows with an "all" row (per `group_by` group)
    that adds them up (only the rows where the boolean column `summed` is true, when given):
    when exactly one of those rows of a group is hidden, a second one (or the "all" row) is
    hidden too, so the total minus the visible rows does not give it back."""
    value_columns = list(value_columns)
    out = hide_small_rows(frame, count_column, value_columns, min_cell)
    out[PROTECTING] = ""
    if out.empty or "period" not in out.columns:
        return out
    group_by = list(group_by)
    groups = [g.index for _key, g in out.groupby(group_by, sort=False)] if group_by else [out.index]
    covers = []
    for index in groups:
        part = frame.loc[index]
        hidden = set(part.index[out.loc[index, SUPPRESSED].astype(bool)])
        totals = part.index[part["period"] == "all"]
        total = totals[0] if len(totals) else None
        parts = part.index[part["period"] != "all"]
        if summed and summed in part.columns:
            parts = part.index[(part["period"] != "all") & part[summed].fillna(False).astype(bool)]
        covers += _protect_sum(part, count_column, hidden, total, list(parts), min_cell)
    columns = [c for c in [count_column, *value_columns] if c in out.columns]
    for i in covers:
        for column in columns:
            out[column] = out[column].astype("object")
            out.at[i, column] = None
        out.at[i, SUPPRESSED] = True
        out.at[i, PROTECTING] = ",".join(columns)
    return out


FLOW_COUNTS = ("inflow", "outflow", "wip")


def hide_stage_flow(frame: pd.DataFrame, min_cell: int) -> pd.DataFrame:
    """`hide_small_counts` for stage flow, closed against WIP(t) = WIP(t-1) + in(t) - out(t).

    Per stage, periods in order, with WIP before the first period zero. After the small cells
    are hidden, cover cells are hidden until `solvable_flow_cells` finds none.
    """
    out = hide_small_counts(frame, list(FLOW_COUNTS), min_cell)
    out[PROTECTING] = ""
    if out.empty:
        return out
    for _stage, index in frame.groupby("stage", sort=False).groups.items():
        index = list(frame.loc[index].sort_values("period", kind="stable").index)
        values, hidden = {}, set()
        for c in FLOW_COUNTS:  # whole columns at once: a stage can have tens of thousands of days
            counts = frame.loc[index, c].astype(int).tolist()
            values.update(((t, c), n) for t, n in enumerate(counts))
            hidden.update((t, c) for t in out.loc[index, c].isna().to_numpy().nonzero()[0].tolist())
        for t, column in _flow_covers(len(index), values, hidden, min_cell):
            i = index[t]
            out[column] = out[column].astype("object")
            out.at[i, column] = None
            out.at[i, SUPPRESSED] = True
            out.at[i, PROTECTING] = ",".join(filter(None, [out.at[i, PROTECTING], column]))
    return out


def _flow_blocks(periods: int, hidden: set, skip=None) -> list[list[int]]:
    """Periods whose equations are chained by a hidden WIP (other than `skip`): within a block
    only their sum can be used, in which the chained WIPs cancel out."""
    blocks, current = [], [0]
    for t in range(1, periods):
        if (t - 1, "wip") in hidden and (t - 1, "wip") != skip:
            current.append(t)
        else:
            blocks.append(current)
            current = [t]
    blocks.append(current)
    return blocks


def _pinned(block: list[int], periods: int, hidden: set, skip) -> bool:
    """True when the block's summed equation holds another hidden cell than `skip`, so it
    cannot be solved for one cell."""
    for t in block:
        for column in ("inflow", "outflow"):
            if (t, column) in hidden and (t, column) != skip:
                return True
    last = periods - 1
    return last in block and (last, "wip") in hidden and (last, "wip") != skip


def solvable_flow_cells(periods: int, hidden: set) -> list[tuple[int, str]]:
    """The hidden cells of one stage a reader can compute exactly from the visible ones.

    A combination of the period equations with coefficients c(t) isolates a cell when every
    other hidden cell drops out: a hidden inflow/outflow forces c(t) = 0 and a hidden WIP(t)
    forces c(t) = c(t+1) (or c(t) = 0 in the last period). So a hidden inflow or outflow is
    solvable when its block is free of other hidden cells, and a hidden WIP(t) when the block
    before or after it is. Counted with running sums, in one pass over the periods: a century
    of days is 36,500 periods, and the cells of a long case are all hidden together.
    """
    last = periods - 1
    last_wip_hidden = (last, "wip") in hidden
    flows_before = [0] * (periods + 1)  # hidden inflows and outflows in the periods before t
    for t in range(periods):
        flows_before[t + 1] = flows_before[t] + ((t, "inflow") in hidden) + ((t, "outflow") in hidden)
    block_end = [0] * periods
    block_start = [0] * periods
    for t in range(periods):
        block_start[t] = block_start[t - 1] if t and (t - 1, "wip") in hidden else t
    for t in reversed(range(periods)):
        block_end[t] = block_end[t + 1] if t < last and (t, "wip") in hidden else t

    def flows(first: int, end: int) -> int:
        return flows_before[end + 1] - flows_before[first]

    solvable = []
    for cell in sorted(hidden):
        t, column = cell
        start, end = block_start[t], block_end[t]
        if column != "wip":
            free = flows(start, end) == 1 and not (end == last and last_wip_hidden)
        elif t == last:
            free = flows(start, end) == 0
        else:  # without this WIP the block splits into start..t and t+1..end
            free = flows(start, t) == 0 or (flows(t + 1, end) == 0 and not (end == last and last_wip_hidden))
        if free:
            solvable.append(cell)
    return solvable


def _flow_covers(periods: int, values: dict, hidden: set, min_cell: int) -> list[tuple[int, str]]:
    hidden = set(hidden)
    covers = []
    while solvable := solvable_flow_cells(periods, hidden):
        t, column = solvable[0]
        blocks = _flow_blocks(periods, hidden, skip=(t, column))
        where = {p: b for b in blocks for p in b}
        options = [where[t]] if column != "wip" or t == periods - 1 else [where[t], where[t + 1]]
        block = next(b for b in options if not _pinned(b, periods, hidden, (t, column)))
        candidates = [
            ((p, c), values[(p, c)])
            for p in block
            for c in ("inflow", "outflow")
            if (p, c) not in hidden and values[(p, c)] > 0
        ]
        cover = _best_cover(candidates, min_cell)
        if cover is None and (block[-1], "wip") not in hidden:
            # No flow to hide: hide the WIP that closes the block, which joins it to the next.
            cover = (block[-1], "wip")
        if cover is None:
            # Only empty flows left: a weak cover, but the block has one (it is free).
            cover = next((p, c) for p in block for c in ("inflow", "outflow") if (p, c) not in hidden)
        hidden.add(cover)
        covers.append(cover)
    return covers
