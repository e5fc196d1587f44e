"""The governance register as plain data, for the monitor and the monthly report.

Contracts (other apps call these; keep the names):
- `month_summary(chain, year, month) -> GovernanceSummary`
- `success_stories_for_report(chain, year, month, limit=5) -> list[StoryData]`
- `representation_warnings(chain) -> list[str]`
- `escalation_metrics(chain, grain="month", ...) -> list[EscalationPeriod]`
Everything returned is frozen dataclasses, strings, numbers and dates: no Django objects.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from django.utils import timezone
from django.utils.translation import gettext as _

from keten.chains.models import Chain, Partner
from keten.governance.metrics import (
    LEVELS,
    EscalationFacts,
    EscalationPeriod,
    PartnerFacts,
    RepresentationCell,
    SeatFacts,
    escalation_periods,
    period_figures,
    representation_matrix,
)
from keten.governance.models import Decision, Escalation, Level, Meeting, SuccessStory
from keten.governance.query import active_seats
from keten.periods import add_months, period_bounds

__all__ = [
    "AttendanceRow",
    "DecisionData",
    "EscalationData",
    "EscalationPeriod",
    "GovernanceSummary",
    "IdentityData",
    "RepresentationRow",
    "StoryData",
    "attendance_by_month",
    "escalation_metrics",
    "month_summary",
    "representation",
    "representation_warnings",
    "success_stories_for_report",
]


@dataclass(frozen=True)
class IdentityData:
    name: str
    colour: str
    # Absolute path of the logo file, for the PDF; None when the chain has no logo.
    logo_path: Path | None


@dataclass(frozen=True)
class DecisionData:
    text: str
    table: str
    level: str
    decided_on: dt.date
    owner: str
    owner_partner: str | None
    due_on: dt.date | None
    status: str
    status_label: str
    overdue: bool
    kpis: tuple[str, ...]
    agreements: tuple[str, ...]


@dataclass(frozen=True)
class EscalationData:
    topic: str
    raised_level: str
    raised_by: str
    raised_on: dt.date
    about: str | None
    passed_up_without_attempt: bool
    resolved_level: str | None
    resolved_on: dt.date | None
    days_to_resolution: int | None
    delegated_upward: bool


@dataclass(frozen=True)
class AttendanceRow:
    """One partner's attendance at the meetings it was expected at (it had a seat, or came)."""

    partner: str
    expected: int
    attended: int

    @property
    def rate(self) -> float | None:
        return self.attended / self.expected if self.expected else None


@dataclass(frozen=True)
class RepresentationRow:
    partner: str
    partner_code: str
    cells: tuple[RepresentationCell, ...]


@dataclass(frozen=True)
class StoryData:
    title: str
    body: str
    partners: tuple[str, ...]
    month: dt.date
    kpi: str | None
    selected: bool


@dataclass(frozen=True)
class GovernanceSummary:
    chain: str
    year: int
    month: int
    identity: IdentityData
    decisions: tuple[DecisionData, ...]
    open_decisions: int
    overdue_decisions: int
    escalations_raised: tuple[EscalationData, ...]
    escalations_resolved: tuple[EscalationData, ...]
    # This month's figures and the twelve months up to and including it (oldest first).
    escalation_figures: EscalationPeriod
    escalation_trend: tuple[EscalationPeriod, ...]
    warnings: tuple[str, ...]
    meetings_held: int
    attendance: tuple[AttendanceRow, ...]
    relationship_activities: tuple[str, ...]


def identity(chain: Chain) -> IdentityData:
    """Return the chain's name, colour and logo file."""
    logo = None
    if chain.logo:
        try:
            logo = Path(chain.logo.path)
        except NotImplementedError:  # a storage without local files
            logo = None
    return IdentityData(chain.name, chain.colour, logo)


def _level_label(level: str) -> str:
    return str(Level(level).label)


def _facts(chain: Chain) -> list[EscalationFacts]:
    rows = chain.escalations.values_list(
        "raised_level", "raised_on", "passed_up_without_attempt", "resolved_level", "resolved_on"
    )
    return [EscalationFacts(*row) for row in rows]


def escalation_metrics(
    chain: Chain,
    grain: str = "month",
    *,
    first: dt.date | None = None,
    last: dt.date | None = None,
    today: dt.date | None = None,
) -> list[EscalationPeriod]:
    """Return the escalation figures per period (month, quarter or year), oldest first, from
    the first escalation (or `first`) up to today (or `last`)."""
    return escalation_periods(
        _facts(chain), grain, today=today or timezone.localdate(), first=first, last=last
    )


def representation(chain: Chain, day: dt.date | None = None) -> list[RepresentationRow]:
    """Return per partner whether it is represented, and mandated, at each level on `day`."""
    seats = [SeatFacts(s.partner.code, s.table.level, s.mandate) for s in active_seats(chain, day)]
    partners = [PartnerFacts(p.code, p.name, p.kind) for p in chain.partners.all()]
    return [
        RepresentationRow(p.name, p.code, tuple(cells)) for p, cells in representation_matrix(partners, seats)
    ]


def representation_warnings(chain: Chain, day: dt.date | None = None) -> list[str]:
    """Return one sentence per gap: a level without a table, a partner missing at a level, or
    a partner whose representatives at a level have no mandate."""
    levels_with_table = set(chain.governance_tables.values_list("level", flat=True))
    warnings = [
        _("There is no %(level)s table yet.") % {"level": _level_label(level).lower()}
        for level in LEVELS
        if level not in levels_with_table
    ]
    for row in representation(chain, day):
        for cell in row.cells:
            if cell.level not in levels_with_table:
                continue
            values = {"partner": row.partner, "level": _level_label(cell.level).lower()}
            if cell.status == "missing":
                warnings.append(_("%(partner)s is not represented at the %(level)s level.") % values)
            elif cell.status == "unmandated":
                warnings.append(
                    _("%(partner)s has no mandated representative at the %(level)s level.") % values
                )
    return warnings


def _decision_data(d: Decision) -> DecisionData:
    return DecisionData(
        text=d.text,
        table=d.table.name,
        level=d.table.level,
        decided_on=d.decided_on,
        owner=d.owner,
        owner_partner=d.owner_partner.name if d.owner_partner else None,
        due_on=d.due_on,
        status=d.status,
        status_label=str(d.get_status_display()),
        overdue=d.is_overdue,
        kpis=tuple(k.name for k in d.kpis.all()),
        agreements=tuple(a.name for a in d.agreements.all()),
    )


def _escalation_data(e: Escalation) -> EscalationData:
    about = e.agreement.name if e.agreement else (e.kpi.name if e.kpi else None)
    return EscalationData(
        topic=e.topic,
        raised_level=e.raised_level,
        raised_by=e.raised_by.name,
        raised_on=e.raised_on,
        about=about,
        passed_up_without_attempt=e.passed_up_without_attempt,
        resolved_level=e.resolved_level or None,
        resolved_on=e.resolved_on,
        days_to_resolution=e.days_to_resolution,
        delegated_upward=e.delegated_upward,
    )


def attendance_by_partner(chain: Chain, first: dt.date, last: dt.date) -> list[AttendanceRow]:
    """Return per partner how many meetings between `first` and `last` it was expected at and came to."""
    meetings = (
        Meeting.objects.filter(table__chain=chain, held_on__range=(first, last))
        .select_related("table")
        .prefetch_related("present")
    )
    expected: dict[int, int] = {}
    attended: dict[int, int] = {}
    for meeting in meetings:
        present = {p.pk for p in meeting.present.all()}
        for partner_id in meeting.expected_partners():
            expected[partner_id] = expected.get(partner_id, 0) + 1
            attended[partner_id] = attended.get(partner_id, 0) + (partner_id in present)
    return [
        AttendanceRow(p.name, expected.get(p.pk, 0), attended.get(p.pk, 0))
        for p in chain.partners.all()
        if p.pk in expected
    ]


def attendance_by_month(chain: Chain, months: int = 12, today: dt.date | None = None):
    """Return (month labels, [(partner name, [AttendanceRow per month])]) for the last `months` months."""
    today = today or timezone.localdate()
    periods = []
    start, end, label = period_bounds(today, "month")
    for _i in range(months):
        periods.insert(0, (start, end, label))
        start, end, label = period_bounds(start - dt.timedelta(days=1), "month")
    per_month = [{row.partner: row for row in attendance_by_partner(chain, s, e)} for s, e, _label in periods]
    rows = []
    for partner in chain.partners.all():
        cells = [m.get(partner.name) for m in per_month]
        if any(cells):
            rows.append((partner.name, cells))
    return [label for _s, _e, label in periods], rows


def month_summary(chain: Chain, year: int, month: int, today: dt.date | None = None) -> GovernanceSummary:
    """Return the chain's governance for one month as plain data for the report."""
    today = today or timezone.localdate()
    start, end, label = period_bounds(dt.date(year, month, 1), "month")
    decisions = (
        Decision.objects.filter(table__chain=chain, decided_on__range=(start, end))
        .select_related("table", "owner_partner")
        .prefetch_related("kpis", "agreements")
        .order_by("decided_on", "id")
    )
    all_decisions = Decision.objects.filter(table__chain=chain, decided_on__lte=end)
    open_states = (Decision.Status.OPEN, Decision.Status.IN_PROGRESS)
    escalations = chain.escalations.select_related("raised_by", "agreement", "kpi").order_by(
        "raised_on", "id"
    )
    facts = _facts(chain)
    trend_start = add_months(start, -11)
    trend = escalation_periods(facts, "month", today=today, first=trend_start, last=start)
    activities = chain.relationship_activities.filter(held_on__range=(start, end)).order_by("held_on")
    return GovernanceSummary(
        chain=chain.name,
        year=year,
        month=month,
        identity=identity(chain),
        decisions=tuple(_decision_data(d) for d in decisions),
        open_decisions=all_decisions.filter(status__in=open_states).count(),
        overdue_decisions=all_decisions.filter(status__in=open_states, due_on__lt=min(end, today)).count(),
        escalations_raised=tuple(
            _escalation_data(e) for e in escalations.filter(raised_on__range=(start, end))
        ),
        escalations_resolved=tuple(
            _escalation_data(e) for e in escalations.filter(resolved_on__range=(start, end))
        ),
        escalation_figures=period_figures(facts, start, end, label, today),
        escalation_trend=tuple(trend),
        warnings=tuple(representation_warnings(chain, min(end, today))),
        meetings_held=Meeting.objects.filter(table__chain=chain, held_on__range=(start, end)).count(),
        attendance=tuple(attendance_by_partner(chain, start, end)),
        relationship_activities=tuple(
            f"{a.held_on:%d-%m} {a.get_kind_display()}: {a.title}" for a in activities
        ),
    )


def success_stories_for_report(chain: Chain, year: int, month: int, limit: int = 5) -> list[StoryData]:
    """Return up to `limit` approved stories of the month, the coordinator's selection first."""
    stories = (
        SuccessStory.objects.filter(
            chain=chain, month=dt.date(year, month, 1), status=SuccessStory.Status.APPROVED
        )
        .select_related("kpi")
        .prefetch_related("partners")
        .order_by("-selected", "-created_at", "-id")[:limit]
    )
    return [
        StoryData(
            title=s.title,
            body=s.body,
            partners=tuple(p.name for p in s.partners.all()),
            month=s.month,
            kpi=s.kpi.name if s.kpi else None,
            selected=s.selected,
        )
        for s in stories
    ]


def partner_names(chain: Chain) -> list[str]:
    """Words that are no person's name in this chain (for the sensitive-text check)."""
    words = [chain.name] + [p.name for p in Partner.objects.filter(chain=chain)]
    words += list(chain.stages.values_list("name", flat=True))
    words += list(chain.governance_tables.values_list("name", flat=True))
    return words
