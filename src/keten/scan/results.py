"""Results of a wave as each viewer may see them: scores, trend, open answers, mutual gains.

Everything here reads the database and hands plain data to the pages, the CSV export and
the report. Small groups are already hidden by `scoring`; this module only narrows what a
viewer sees further (a partner analyst sees the chain and their own partner).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, replace

import pandas as pd
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from keten import csvsafe
from keten.chains import roles
from keten.scan.models import (
    Answer,
    GainsStatement,
    Level,
    OpenAnswer,
    Response,
    Wave,
)
from keten.scan.scoring import Cell, ScoreRow, WaveScores, score_wave

LEVELS = list(Level.values)


@dataclass(frozen=True)
class Audience:
    """Who reads the scan's results: a role and, for an analyst, their partner's code (a
    member, or a report's readers); the rules are `keten.chains.roles`."""

    role: str
    partner: str | None = None

    @classmethod
    def of(cls, membership) -> Audience:
        return cls(membership.role, membership.partner_code)

    @property
    def sees_all_partners(self) -> bool:
        return roles.sees_all_scan_partners(self.role)

    @property
    def sees_open_answers(self) -> bool:
        return roles.sees_open_answers(self.role)


def partner_codes(wave: Wave) -> list[str]:
    return list(wave.chain.partners.values_list("code", flat=True))


def partner_names(wave: Wave) -> dict[str, str]:
    return dict(wave.chain.partners.values_list("code", "name"))


def wave_scores(wave: Wave) -> WaveScores:
    """Score every submitted response of the wave, small groups hidden."""
    responses = pd.DataFrame(
        list(Response.objects.filter(wave=wave).values_list("id", "partner__code", "level")),
        columns=["response", "partner", "level"],
    )
    answers = pd.DataFrame(
        list(Answer.objects.filter(response__wave=wave).values_list("response_id", "item_code", "value")),
        columns=["response", "item", "value"],
    )
    return score_wave(
        responses,
        answers,
        wave.bank,
        partners=partner_codes(wave),
        levels=LEVELS,
        min_cell=wave.effective_min_cell,
    )


def _narrow_row(row: ScoreRow, partner: str | None) -> ScoreRow:
    partners = {partner: row.partners[partner]} if partner in row.partners else {}
    return replace(row, partners=partners, partner_spread=None)


def for_viewer(scores: WaveScores, viewer: Audience) -> WaveScores:
    """Return the scores this viewer may see: analysts get the chain, the levels and their partner."""
    if viewer.sees_all_partners:
        return scores
    p = viewer.partner
    counts = replace(
        scores.counts, partners={p: scores.counts.partners[p]} if p in scores.counts.partners else {}
    )
    return WaveScores(
        scores.min_cell,
        counts,
        [_narrow_row(r, p) for r in scores.themes],
        [_narrow_row(r, p) for r in scores.items],
    )


@dataclass(frozen=True)
class TrendRow:
    theme: str
    current: Cell
    previous: Cell | None

    @property
    def delta(self) -> float | None:
        if self.previous is None or not self.current.shown or not self.previous.shown:
            return None
        return self.current.score - self.previous.score


def trend(current: WaveScores, previous: WaveScores | None, *, partner: str | None = None) -> list[TrendRow]:
    """Theme scores against the previous wave, for the chain or one partner; themes match by code."""

    def cell(row: ScoreRow) -> Cell:
        return row.chain if partner is None else row.partners.get(partner, Cell(None, 0))

    rows = []
    for row in current.themes:
        before = previous.theme(row.code) if previous else None
        rows.append(TrendRow(row.code, cell(row), cell(before) if before else None))
    return rows


@dataclass(frozen=True)
class OpenAnswerGroup:
    question: str
    answers: list[tuple[str, str | None, str | None]]  # text, partner name or None, level label or None


def open_answers(wave: Wave, scores: WaveScores) -> list[OpenAnswerGroup] | None:
    """Open answers by question, sorted by text (not by arrival); None while the wave is too small.

    A partner or level is named beside an answer only where that group's size is shown.
    """
    if scores.counts.total < scores.min_cell:
        return None
    names = partner_names(wave)
    levels = dict(Level.choices)
    language = get_language()
    rows = OpenAnswer.objects.filter(wave=wave).values_list("question_code", "text", "partner__code", "level")
    by_question: dict[str, list] = {q.code: [] for q in wave.bank.open_questions}
    for code, text, partner, level in rows:
        if code in by_question:
            by_question[code].append(
                (
                    text,
                    names[partner] if scores.counts.partners.get(partner) is not None else None,
                    str(levels[level]) if scores.counts.levels.get(level) is not None else None,
                )
            )
    return [
        OpenAnswerGroup(q.text.get(language), sorted(by_question[q.code], key=lambda a: a[0].casefold()))
        for q in wave.bank.open_questions
    ]


def scores_csv(wave: Wave, scores: WaveScores) -> str:
    """The (viewer's) scores as CSV rows: one per theme or statement and group; hidden stays hidden."""
    language = get_language()
    bank = wave.bank
    names = partner_names(wave)
    levels = dict(Level.choices)
    out = io.StringIO()
    writer = csvsafe.writer(out)
    writer.writerow(
        ["wave", "kind", "theme", "code", "text", "group_type", "group", "score", "respondents", "hidden"]
    )

    def write(kind: str, row: ScoreRow, text: str) -> None:
        groups = [("chain", wave.chain.name, row.chain)]
        groups += [("partner", names.get(p, p), c) for p, c in row.partners.items()]
        groups += [("level", str(levels[lv]), c) for lv, c in row.levels.items()]
        for group_type, group, c in groups:
            writer.writerow(
                [
                    wave.name,
                    kind,
                    row.theme,
                    row.code,
                    text,
                    group_type,
                    group,
                    "" if c.score is None else f"{c.score:.2f}",
                    "" if c.n is None else c.n,
                    "yes" if c.suppressed else "",
                ]
            )

    for row in scores.themes:
        write("theme", row, bank.theme(row.code).name.get(language))
    for row in scores.items:
        write("statement", row, bank.item(row.code).text.get(language))
    writer.writerow([])
    writer.writerow(["wave", "kind", "", "", "", "group_type", "group", "", "responses", "hidden"])
    writer.writerow(
        [wave.name, "responses", "", "", "", "chain", wave.chain.name, "", scores.counts.total, ""]
    )
    for p, n in scores.counts.partners.items():
        writer.writerow(
            [
                wave.name,
                "responses",
                "",
                "",
                "",
                "partner",
                names.get(p, p),
                "",
                "" if n is None else n,
                "yes" if n is None else "",
            ]
        )
    for lv, n in scores.counts.levels.items():
        writer.writerow(
            [
                wave.name,
                "responses",
                "",
                "",
                "",
                "level",
                str(levels[lv]),
                "",
                "" if n is None else n,
                "yes" if n is None else "",
            ]
        )
    return out.getvalue()


# --- mutual gains ----------------------------------------------------------------------------


@dataclass(frozen=True)
class LedgerRow:
    partner: str
    name: str
    statement: GainsStatement | None
    objectives: list[tuple[str, int | None]]  # objective name, own benefit
    seen_by_others: float | None  # mean of what the other partners think this partner gains


@dataclass(frozen=True)
class PerceptionCell:
    rater: str
    about: str
    perceived: int | None
    reported: int | None
    highlighted: bool = False

    @property
    def gap(self) -> int | None:
        if self.perceived is None or self.reported is None:
            return None
        return self.perceived - self.reported


@dataclass(frozen=True)
class GainsResults:
    partners: list[tuple[str, str]]  # code, name
    ledger: list[LedgerRow]
    matrix: dict[tuple[str, str], PerceptionCell]  # (rater, about); the diagonal holds own reports
    largest_gaps: list[PerceptionCell]

    def matrix_rows(self) -> list[tuple[str, str, list[PerceptionCell]]]:
        """Rows for a table: rater code, rater name, one cell per partner (diagonal: own report).

        A cell the viewer may not see is None; rows with nothing to see are left out.
        """
        rows = [(r, n, [self.matrix.get((r, a)) for a, _n in self.partners]) for r, n in self.partners]
        return [row for row in rows if any(c is not None for c in row[2])]


GAPS_HIGHLIGHTED = 3


def gains_results(wave: Wave, viewer: Audience | None = None) -> GainsResults:
    """Ledger and perceived-gains matrix of the wave; the largest perception gaps highlighted.

    An analyst sees their own partner's row and column (what they think of others, and what
    others think of them); coordinators and steering members see everything.
    """
    partners = list(wave.chain.partners.values_list("code", "name"))
    objectives = list(wave.chain.objectives.values_list("pk", "name"))
    statements = {
        s.partner.code: s
        for s in GainsStatement.objects.filter(wave=wave)
        .select_related("partner")
        .prefetch_related("benefits", "perceptions__about")
    }
    reported = {code: s.overall_benefit for code, s in statements.items()}
    perceived = {(code, p.about.code): p.score for code, s in statements.items() for p in s.perceptions.all()}
    cells = {}
    for rater, _n in partners:
        for about, _m in partners:
            if rater == about:
                cells[(rater, about)] = PerceptionCell(rater, about, None, reported.get(about))
            else:
                cells[(rater, about)] = PerceptionCell(
                    rater, about, perceived.get((rater, about)), reported.get(about)
                )
    gaps = sorted(
        (c for c in cells.values() if c.gap),
        key=lambda c: (-abs(c.gap), c.rater, c.about),
    )[:GAPS_HIGHLIGHTED]
    for c in gaps:
        cells[(c.rater, c.about)] = replace(c, highlighted=True)
    gaps = [cells[(c.rater, c.about)] for c in gaps]
    ledger = []
    for code, name in partners:
        s = statements.get(code)
        own = {b.objective_id: b.score for b in s.benefits.all()} if s else {}
        others = [perceived[(r, code)] for r, _n in partners if (r, code) in perceived]
        ledger.append(
            LedgerRow(
                code,
                name,
                s,
                [(oname, own.get(pk)) for pk, oname in objectives],
                sum(others) / len(others) if others else None,
            )
        )
    if viewer is not None and not viewer.sees_all_partners:
        mine = viewer.partner
        cells = {k: v for k, v in cells.items() if mine in k}
        gaps = [c for c in gaps if mine in (c.rater, c.about)]
        ledger = [row for row in ledger if row.partner == mine]
    return GainsResults(partners, ledger, cells, gaps)


def gains_csv(wave: Wave, gains: GainsResults) -> str:
    out = io.StringIO()
    writer = csvsafe.writer(out)
    writer.writerow(
        ["wave", "partner", "staff_hours_per_month", "money_per_year", "overall_benefit", "seen_by_others"]
    )
    for row in gains.ledger:
        s = row.statement
        writer.writerow(
            [
                wave.name,
                row.name,
                "" if s is None or s.effort_hours is None else s.effort_hours,
                "" if s is None or s.effort_money is None else s.effort_money,
                "" if s is None else s.overall_benefit,
                "" if row.seen_by_others is None else f"{row.seen_by_others:.2f}",
            ]
        )
    writer.writerow([])
    writer.writerow(["wave", "rater", "about", "perceived", "reported_by_partner", "gap"])
    names = dict(gains.partners)
    for (rater, about), c in gains.matrix.items():
        if rater != about:
            writer.writerow(
                [
                    wave.name,
                    names[rater],
                    names[about],
                    c.perceived or "",
                    c.reported or "",
                    "" if c.gap is None else c.gap,
                ]
            )
    return out.getvalue()


def level_label(code: str) -> str:
    return str(dict(Level.choices).get(code, code))


def chart_cell(cell: Cell, *, invited: bool) -> float | str:
    """A cell as a chart draws it: the score, or the words that say why there is none."""
    if cell.shown:
        return cell.score
    if cell.suppressed:
        return _("hidden")
    if not invited:
        return _("not invited")
    return _("no answers")


def describe_cell(cell: Cell, min_cell: int) -> str:
    """Plain words for a cell (used in tables and tooltips)."""
    if cell.suppressed:
        return _("hidden: fewer than %(n)s respondents") % {"n": min_cell}
    if cell.score is None:
        return _("no answers")
    return f"{cell.score:.2f}"
