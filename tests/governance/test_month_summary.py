"""The report's view of governance: plain data for one month."""

import dataclasses
import datetime as dt

import pytest
from django.utils import translation

from keten.governance.models import Decision, Escalation, Meeting, RelationshipActivity
from keten.governance.reporting import GovernanceSummary, attendance_by_partner, month_summary

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def february(tables, personas):
    chain = personas.chain
    a, b, fin = (chain.partners.get(code=c) for c in ("a", "b", "fin"))
    steering, tactical = tables["strategic"], tables["tactical"]
    # Steering group: A, B and the financier have seats. Two meetings; B misses one.
    m1 = Meeting.objects.create(table=steering, held_on=D(2025, 2, 3))
    m1.present.set([a, b, fin])
    m2 = Meeting.objects.create(table=steering, held_on=D(2025, 2, 24))
    m2.present.set([a, fin])
    # Tactical table: A and B have seats; both came.
    Meeting.objects.create(table=tactical, held_on=D(2025, 2, 10)).present.set([a, b])
    Meeting.objects.create(table=tactical, held_on=D(2025, 3, 10))  # next month: not counted
    decision = Decision.objects.create(
        table=steering,
        text="Warme overdracht wordt de norm",
        decided_on=D(2025, 2, 3),
        due_on=D(2025, 2, 20),
        owner="Directeur A",
        owner_partner=a,
    )
    decision.agreements.set(chain.agreements.all())
    Decision.objects.create(table=steering, text="Oud besluit", decided_on=D(2025, 1, 6), status="done")
    Escalation.objects.create(
        chain=chain,
        topic="Wachtlijst B",
        raised_level="operational",
        raised_by=a,
        raised_on=D(2025, 2, 1),
        resolved_level="tactical",
        resolved_on=D(2025, 2, 11),
    )
    Escalation.objects.create(
        chain=chain, topic="Open punt", raised_level="tactical", raised_by=b, raised_on=D(2025, 2, 20)
    )
    RelationshipActivity.objects.create(chain=chain, kind="cafe", title="Ketencafé", held_on=D(2025, 2, 14))
    return chain


def test_the_summary_holds_the_months_decisions_escalations_and_attendance(february):
    summary = month_summary(february, 2025, 2, today=D(2025, 3, 15))
    assert isinstance(summary, GovernanceSummary)
    assert [d.text for d in summary.decisions] == ["Warme overdracht wordt de norm"]
    (decision,) = summary.decisions
    assert (decision.owner_partner, decision.agreements, decision.overdue) == (
        "Partner A",
        ("Snel gestart",),
        True,
    )
    assert (summary.open_decisions, summary.overdue_decisions) == (1, 1)
    assert [e.topic for e in summary.escalations_raised] == ["Wachtlijst B", "Open punt"]
    assert [e.topic for e in summary.escalations_resolved] == ["Wachtlijst B"]
    assert summary.escalation_figures.upward_rate == 1.0
    assert summary.escalation_figures.median_days_to_resolution == 10
    assert summary.escalation_figures.open_at_end == 1
    assert len(summary.escalation_trend) == 12
    assert summary.escalation_trend[-1].label == "2025-02"
    assert summary.meetings_held == 3
    assert {(r.partner, r.attended, r.expected) for r in summary.attendance} == {
        ("Partner A", 3, 3),
        ("Partner B", 2, 3),
        ("Financier", 2, 2),
    }
    assert summary.warnings == (
        "Partner B has no mandated representative at the tactical level.",
        "Partner B is not represented at the operational level.",
    )
    assert summary.relationship_activities == ("14-02 Chain café: Ketencafé",)
    assert summary.identity.colour == february.colour


def test_the_summary_is_plain_data_without_django_objects(february):
    from django.db.models import Model

    def walk(value):
        assert not isinstance(value, Model), value
        if dataclasses.is_dataclass(value):
            for f in dataclasses.fields(value):
                walk(getattr(value, f.name))
        elif isinstance(value, tuple | list):
            for item in value:
                walk(item)
        else:
            assert isinstance(value, str | int | float | bool | dt.date | type(None)) or hasattr(
                value, "is_file"
            )

    walk(month_summary(february, 2025, 2))


def test_a_partner_that_came_without_a_seat_counts_as_expected(february):
    chain = february
    operational = chain.governance_tables.get(level="operational")
    Meeting.objects.create(table=operational, held_on=D(2025, 4, 2)).present.set(
        chain.partners.filter(code="b")
    )
    rows = {
        r.partner: (r.attended, r.expected)
        for r in attendance_by_partner(chain, D(2025, 4, 1), D(2025, 4, 30))
    }
    assert rows == {"Partner A": (0, 1), "Partner B": (1, 1)}
