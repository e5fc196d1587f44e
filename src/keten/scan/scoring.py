"""Scores of a scan wave: per theme and statement, for the chain, per partner and per level,
with small groups suppressed before anything leaves this module.

Plain pandas, no Django: the results page, the CSV export and the report all read these
dataclasses. The rules, in words:

- A statement's score is the mean of the answers given (1-5), "don't know" left out; a
  reversed statement counts as 6 minus the answer, so higher is always healthier.
- A theme's score for a respondent is the mean of their scores on its statements; a group's
  theme score is the mean over its respondents (every respondent weighs the same).
- The chain score is the mean over all respondents of the wave.
- A number is shown only when at least `min_cell` respondents stand behind it. When a group
  is hidden, its siblings (the other partners, or the other levels) are checked too: if the
  hidden groups together are still smaller than `min_cell`, the next-smallest group is
  hidden as well, so no hidden score can be worked out from the chain score and the others.
- The spread is the gap between the highest and the lowest shown group.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from keten.scan.itembank import ItemBank

RESPONSE_COLUMNS = ["response", "partner", "level"]
ANSWER_COLUMNS = ["response", "item", "value"]


@dataclass(frozen=True)
class Cell:
    """A score and the number of respondents behind it; both None when the group is hidden."""

    score: float | None
    n: int | None
    suppressed: bool = False

    @property
    def shown(self) -> bool:
        return not self.suppressed and self.score is not None


HIDDEN = Cell(None, None, True)
EMPTY = Cell(None, 0, False)


@dataclass(frozen=True)
class Spread:
    """The highest and lowest shown group on one theme or statement."""

    low: str
    low_score: float
    high: str
    high_score: float

    @property
    def gap(self) -> float:
        return self.high_score - self.low_score


@dataclass(frozen=True)
class ScoreRow:
    """The scores of one theme or statement."""

    code: str
    theme: str
    chain: Cell
    partners: dict[str, Cell]
    levels: dict[str, Cell]
    partner_spread: Spread | None
    level_spread: Spread | None
    dont_know: float | None = None  # share of "don't know" among the chain's answers (statements)


@dataclass(frozen=True)
class Counts:
    """Submitted responses: the total, and per partner and level (None when hidden)."""

    total: int
    partners: dict[str, int | None]
    levels: dict[str, int | None]


@dataclass(frozen=True)
class WaveScores:
    min_cell: int
    counts: Counts
    themes: list[ScoreRow] = field(default_factory=list)
    items: list[ScoreRow] = field(default_factory=list)

    def theme(self, code: str) -> ScoreRow | None:
        return next((row for row in self.themes if row.code == code), None)

    def item(self, code: str) -> ScoreRow | None:
        return next((row for row in self.items if row.code == code), None)


def suppressed_groups(sizes: Mapping[str, int], min_cell: int) -> set[str]:
    """Return the groups to hide: those under `min_cell`, plus the smallest others until the
    hidden groups together reach `min_cell` (or nothing is left to hide)."""
    hidden = {g for g, n in sizes.items() if 0 < n < min_cell}
    while hidden and sum(sizes[g] for g in hidden) < min_cell:
        rest = sorted((n, g) for g, n in sizes.items() if n > 0 and g not in hidden)
        if not rest:
            break
        hidden.add(rest[0][1])
    return hidden


def _spread(cells: Mapping[str, Cell]) -> Spread | None:
    shown = [(c.score, g) for g, c in cells.items() if c.shown]
    if len(shown) < 2:
        return None
    low = min(shown, key=lambda t: (t[0], t[1]))
    high = max(shown, key=lambda t: (t[0], t[1]))
    return Spread(low[1], float(low[0]), high[1], float(high[0]))


def _cells(
    values: pd.DataFrame, column: str, groups: Iterable[str], min_cell: int, total: int
) -> dict[str, Cell]:
    """Cells per group of `column` from per-respondent values (columns: column, v)."""
    stats = values.groupby(column, observed=True)["v"].agg(["mean", "count"])
    sizes = {g: int(stats["count"].get(g, 0)) for g in groups}
    hidden = suppressed_groups(sizes, min_cell) if total >= min_cell else {g for g, n in sizes.items() if n}
    cells = {}
    for g in groups:
        if g in hidden:
            cells[g] = HIDDEN
        elif sizes[g] == 0:
            cells[g] = EMPTY
        else:
            cells[g] = Cell(float(stats["mean"][g]), sizes[g])
    return cells


def _row(
    code: str, theme: str, values: pd.DataFrame, partners: list[str], levels: list[str], min_cell: int
) -> ScoreRow:
    total = len(values)
    if total == 0:
        chain = EMPTY
    elif total < min_cell:
        chain = HIDDEN
    else:
        chain = Cell(float(values["v"].mean()), total)
    partner_cells = _cells(values, "partner", partners, min_cell, total)
    level_cells = _cells(values, "level", levels, min_cell, total)
    return ScoreRow(
        code, theme, chain, partner_cells, level_cells, _spread(partner_cells), _spread(level_cells)
    )


def _counts(responses: pd.DataFrame, partners: list[str], levels: list[str], min_cell: int) -> Counts:
    total = len(responses)

    def per(column: str, groups: list[str]) -> dict[str, int | None]:
        sizes = {g: int((responses[column] == g).sum()) for g in groups}
        hidden = (
            suppressed_groups(sizes, min_cell) if total >= min_cell else {g for g, n in sizes.items() if n}
        )
        return {g: (None if g in hidden else n) for g, n in sizes.items()}

    return Counts(total, per("partner", partners), per("level", levels))


def score_wave(
    responses: pd.DataFrame,
    answers: pd.DataFrame,
    bank: ItemBank,
    *,
    partners: list[str],
    levels: list[str],
    min_cell: int,
) -> WaveScores:
    """Score one wave.

    `responses`: one row per submitted response (response, partner, level).
    `answers`: one row per answered statement (response, item, value), value NaN for "don't know".
    `bank`: the wave's statements (for themes and reversed statements).
    """
    meta = pd.DataFrame(
        [(i.code, i.theme, i.reverse) for i in bank.items], columns=["item", "theme", "reverse"]
    )
    a = answers[ANSWER_COLUMNS].merge(meta, on="item", how="inner")
    a = a.merge(responses[RESPONSE_COLUMNS], on="response", how="inner")
    raw = pd.to_numeric(a["value"], errors="coerce").astype(float)
    a = a.assign(v=np.where(a["reverse"].astype(bool), 6 - raw, raw))

    items = []
    for item in bank.items:
        rows = a[a["item"] == item.code]
        given = rows.dropna(subset=["v"])
        row = _row(item.code, item.theme, given, partners, levels, min_cell)
        dont_know = float(rows["v"].isna().mean()) if len(rows) >= min_cell else None
        items.append(
            ScoreRow(
                row.code,
                row.theme,
                row.chain,
                row.partners,
                row.levels,
                row.partner_spread,
                row.level_spread,
                dont_know,
            )
        )

    per_respondent = (
        a.dropna(subset=["v"]).groupby(["response", "partner", "level", "theme"], as_index=False)["v"].mean()
    )
    themes = [
        _row(t.code, t.code, per_respondent[per_respondent["theme"] == t.code], partners, levels, min_cell)
        for t in bank.themes
    ]
    return WaveScores(min_cell, _counts(responses, partners, levels, min_cell), themes, items)


def largest_spreads(scores: WaveScores, *, limit: int = 5) -> list[tuple[str, str, Spread]]:
    """Return (theme, "partner"|"level", spread) for the widest theme spreads, widest first."""
    found = []
    for row in scores.themes:
        for dimension, spread in (("partner", row.partner_spread), ("level", row.level_spread)):
            if spread is not None and spread.gap > 0:
                found.append((row.code, dimension, spread))
    found.sort(key=lambda t: (-t[2].gap, t[0], t[1]))
    return found[:limit]
