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
