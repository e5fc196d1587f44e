"""Upward-delegation rate, days to resolution and open issues by age, on a log computed by hand."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from keten.governance.metrics import EscalationFacts, escalation_periods
from keten.governance.models import Escalation
from keten.governance.reporting import escalation_metrics
from keten.periods import period_bounds

D = dt.date
TODAY = D(2025, 3, 15)

# (raised at, raised on, passed up without attempt, resolved at, resolved on)
HAND_LOG = [
    ("operational", D(2025, 1, 6), False, "operational", D(2025, 1, 16)),  # 10 days, at its own level
    ("operational", D(2025, 1, 10), True, "tactical", D(2025, 2, 14)),  # passed up: counts in January
    ("tactical", D(2025, 1, 20), False, "strategic", D(2025, 2, 3)),  # 14 days, resolved above
    ("tactical", D(2025, 2, 5), False, "tactical", D(2025, 2, 25)),  # 20 days, at its own level
    ("operational", D(2025, 2, 10), False, "", None),  # open
    ("strategic", D(2024, 12, 1), False, "", None),  # open
]
FACTS = [EscalationFacts(*row) for row in HAND_LOG]


def by_label(periods):
    return {p.label: p for p in periods}


def ages(period):
    return {b.label: b.count for b in period.open_by_age}


def test_january_counts_the_issue_passed_up_in_january():
    jan = by_label(escalation_periods(FACTS, today=TODAY))["2025-01"]
    assert (jan.raised, jan.resolved, jan.counted, jan.upward) == (3, 1, 2, 1)
    assert jan.upward_rate == 0.5
    assert jan.median_days_to_resolution == 10
    assert jan.open_at_end == 3
    assert ages(jan) == {"0-30": 2, "31-90": 1, "91-180": 0, "180+": 0}


def test_february_counts_an_issue_resolved_above_its_level_as_upward():
    feb = by_label(escalation_periods(FACTS, today=TODAY))["2025-02"]
    assert (feb.raised, feb.resolved, feb.counted, feb.upward) == (2, 3, 2, 1)
    assert feb.upward_rate == 0.5
    assert feb.median_days_to_resolution == 20  # median of 35, 14 and 20
    assert feb.open_at_end == 2
    assert ages(feb) == {"0-30": 1, "31-90": 1, "91-180": 0, "180+": 0}


def test_the_running_month_is_measured_up_to_today():
    mar = by_label(escalation_periods(FACTS, today=TODAY))["2025-03"]
    assert (mar.raised, mar.resolved, mar.counted) == (0, 0, 0)
    assert mar.upward_rate is None
    assert mar.median_days_to_resolution is None
    assert ages(mar) == {"0-30": 0, "31-90": 1, "91-180": 1, "180+": 0}  # 33 and 104 days


def test_periods_run_from_the_first_issue_to_today():
    assert [p.label for p in escalation_periods(FACTS, today=TODAY)] == [
        "2024-12",
        "2025-01",
        "2025-02",
        "2025-03",
    ]


def test_a_quarter_takes_all_its_months_together():
    q1 = by_label(escalation_periods(FACTS, "quarter", today=TODAY))["2025-K1"]
    assert (q1.raised, q1.resolved, q1.counted, q1.upward) == (5, 4, 4, 2)
    assert q1.median_days_to_resolution == 17  # median of 10, 35, 14, 20
    assert q1.open_at_end == 2


def test_an_even_number_of_resolutions_has_the_mean_of_the_middle_two_as_median():
    facts = [
        EscalationFacts("operational", D(2025, 1, 1), False, "operational", D(2025, 1, 4)),
        EscalationFacts("operational", D(2025, 1, 1), False, "operational", D(2025, 1, 8)),
    ]
    (jan,) = escalation_periods(facts, today=D(2025, 1, 31))
    assert jan.median_days_to_resolution == 5.0


def test_an_empty_register_has_no_periods():
    assert escalation_periods([], today=TODAY) == []


def test_an_unknown_grain_is_refused_with_the_choices():
    with pytest.raises(ValueError, match="month, quarter or year"):
        period_bounds(TODAY, "week")


LEVELS = ["operational", "tactical", "strategic"]


@st.composite
def issues(draw):
    raised_level = draw(st.sampled_from(LEVELS))
    raised_on = draw(st.dates(D(2023, 1, 1), D(2025, 3, 15)))
    passed_up = raised_level != "strategic" and draw(st.booleans())
    if draw(st.booleans()):
        higher = [lv for lv in LEVELS if LEVELS.index(lv) > LEVELS.index(raised_level)]
        resolved_level = draw(st.sampled_from(higher if passed_up else LEVELS))
        resolved_on = raised_on + dt.timedelta(days=draw(st.integers(0, 400)))
        return EscalationFacts(raised_level, raised_on, passed_up, resolved_level, resolved_on)
    return EscalationFacts(raised_level, raised_on, passed_up)


@given(st.lists(issues(), max_size=30))
def test_every_issue_whose_outcome_is_known_is_counted_in_exactly_one_month(facts):
    periods = escalation_periods(facts, today=TODAY)
    known = [f for f in facts if f.outcome_on is not None and f.outcome_on <= TODAY]
    assert sum(p.counted for p in periods) == len(known)
    assert sum(p.upward for p in periods) == sum(f.upward for f in known)
    assert sum(p.raised for p in periods) == len(facts)
    for p in periods:
        assert p.upward_rate is None or 0 <= p.upward_rate <= 1
        assert sum(b.count for b in p.open_by_age) == p.open_at_end


@given(st.lists(issues(), max_size=30))
def test_months_add_up_to_their_quarter(facts):
    months = escalation_periods(facts, "month", today=TODAY, first=D(2023, 1, 1))
    quarters = escalation_periods(facts, "quarter", today=TODAY, first=D(2023, 1, 1))
    for q in quarters:
        inside = [m for m in months if q.start <= m.start <= q.end]
        assert q.counted == sum(m.counted for m in inside)
        assert q.resolved == sum(m.resolved for m in inside)
        assert q.open_at_end == inside[-1].open_at_end


@pytest.mark.django_db
def test_the_chain_figures_come_from_its_register(small_chain):
    partner = small_chain.partners.get(code="a")
    for level, raised_on, passed_up, resolved_level, resolved_on in HAND_LOG:
        Escalation.objects.create(
            chain=small_chain,
            topic="x",
            raised_level=level,
            raised_by=partner,
            raised_on=raised_on,
            passed_up_without_attempt=passed_up,
            resolved_level=resolved_level,
            resolved_on=resolved_on,
        )
    assert escalation_metrics(small_chain, today=TODAY) == escalation_periods(FACTS, today=TODAY)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "field_in_error"),
    [
        ({"resolved_level": "tactical", "resolved_on": D(2025, 1, 1)}, "resolved_on"),
        ({"resolved_level": "tactical"}, "resolved_on"),
        (
            {
                "passed_up_without_attempt": True,
                "resolved_level": "operational",
                "resolved_on": D(2025, 3, 1),
            },
            "resolved_level",
        ),
        ({"raised_level": "strategic", "passed_up_without_attempt": True}, "passed_up_without_attempt"),
    ],
)
def test_an_inconsistent_escalation_is_refused(small_chain, fields, field_in_error):
    values = {"raised_level": "operational", "raised_on": D(2025, 2, 1), **fields}
    escalation = Escalation(
        chain=small_chain, topic="x", raised_by=small_chain.partners.get(code="a"), **values
    )
    with pytest.raises(ValidationError) as error:
        escalation.full_clean()
    assert field_in_error in error.value.message_dict
