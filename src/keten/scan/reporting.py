"""The scan as plain data for the monthly report (and anyone else who needs a summary).

`latest_scan_summary(chain, audience="steering")` is the contract with the report: plain
dataclasses, small groups already hidden (None), never an open answer for steering.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from django.utils.translation import get_language

from keten.chains.models import Chain
from keten.scan.models import Wave
from keten.scan.results import (
    Audience,
    gains_results,
    level_label,
    open_answers,
    partner_names,
    wave_scores,
)
from keten.scan.scoring import largest_spreads


@dataclass(frozen=True)
class ThemeScore:
    code: str
    name: str
    chain: float | None  # None when hidden (too few respondents)
    partners: dict[str, float | None]  # partner code -> score, None when hidden or no answers
    levels: dict[str, float | None]
    previous: float | None  # the chain score in the previous wave
    delta: float | None
    hidden: frozenset[str] = frozenset()  # partner codes with too few respondents to show


@dataclass(frozen=True)
class SpreadSummary:
    theme: str
    theme_name: str
    dimension: Literal["partner", "level"]
    low: str  # partner or level name
    low_score: float
    high: str
    high_score: float
    gap: float


@dataclass(frozen=True)
class PerceptionGapSummary:
    rater: str  # partner name: who thinks ...
    about: str  # ... this partner gains `perceived`
    perceived: int
    reported: int  # what `about` reports itself
    gap: int  # perceived - reported


@dataclass(frozen=True)
class ScanSummary:
    wave_name: str
    opened_at: datetime
    closed_at: datetime | None
    is_open: bool
    item_bank: str  # e.g. "keten-scan v1"
    min_cell: int
    responses_total: int
    responses_per_partner: dict[str, int | None]  # partner name -> count, None when hidden
    responses_per_level: dict[str, int | None]  # level label -> count, None when hidden
    partner_names: dict[str, str]
    themes: list[ThemeScore]
    largest_spreads: list[SpreadSummary]
    perception_gaps: list[PerceptionGapSummary]
    previous_wave_name: str | None
    open_answers: list[tuple[str, list[str]]] | None = field(default=None)  # coordinator only
    invited: frozenset[str] = frozenset()  # codes of the partners anyone was invited for


def latest_scan_summary(
    chain: Chain, *, audience: Literal["steering", "coordinator"] = "steering"
) -> ScanSummary | None:
    """Return the summary of the chain's most recent wave, or None when there is no wave."""
    wave = Wave.objects.filter(chain=chain).select_related("item_bank", "chain").first()
    if wave is None:
        return None
    language = get_language()
    names = partner_names(wave)
    scores = wave_scores(wave)
    previous_wave = wave.previous()
    previous = wave_scores(previous_wave) if previous_wave else None
    themes = []
    for row in scores.themes:
        before = previous.theme(row.code) if previous else None
        prev = before.chain.score if before and before.chain.shown else None
        now = row.chain.score if row.chain.shown else None
        themes.append(
            ThemeScore(
                row.code,
                wave.bank.theme(row.code).name.get(language),
                now,
                {p: (c.score if c.shown else None) for p, c in row.partners.items()},
                {lv: (c.score if c.shown else None) for lv, c in row.levels.items()},
                prev,
                None if now is None or prev is None else now - prev,
                frozenset(p for p, c in row.partners.items() if c.suppressed),
            )
        )
    spreads = []
    for theme, dimension, s in largest_spreads(scores):
        label = names.get if dimension == "partner" else level_label
        spreads.append(
            SpreadSummary(
                theme,
                wave.bank.theme(theme).name.get(language),
                dimension,
                label(s.low),
                s.low_score,
                label(s.high),
                s.high_score,
                s.gap,
            )
        )
    gains = gains_results(wave, Audience(audience))
    gaps = [
        PerceptionGapSummary(names[c.rater], names[c.about], c.perceived, c.reported, c.gap)
        for c in gains.largest_gaps
    ]
    opens = None
    if audience == "coordinator":
        groups = open_answers(wave, scores)
        opens = [(g.question, [a[0] for a in g.answers]) for g in groups] if groups is not None else None
    return ScanSummary(
        wave_name=wave.name,
        opened_at=wave.opened_at,
        closed_at=wave.closed_at,
        is_open=wave.is_open,
        item_bank=str(wave.item_bank),
        min_cell=scores.min_cell,
        responses_total=scores.counts.total,
        responses_per_partner={names[p]: n for p, n in scores.counts.partners.items()},
        responses_per_level={level_label(lv): n for lv, n in scores.counts.levels.items()},
        partner_names=names,
        themes=themes,
        largest_spreads=spreads,
        perception_gaps=gaps,
        previous_wave_name=previous_wave.name if previous_wave else None,
        open_answers=opens,
        invited=frozenset(wave.invited_partner_codes()),
    )
