"""Norm compliance and KPI evaluation on hand-computed logs (chain: small_spec).

Agreement `snel`: intake -> start within 7 days, target 80 %.
KPI `binnen_maand` (chain level): share of cases from aanmelding to afgerond within 30 days.
KPI `starts` (partner b only): cases started at b per period.
"""

import dataclasses

import pytest

from keten.analytics import kpis, norms
from keten.analytics.model import KpiSpec, ObjectiveSpec

ROWS = (
    # within the norm (3 days)
    ("c1", "a", "intake", "2024-01-02"),
    ("c1", "b", "start", "2024-01-05"),
    # late (10 days)
    ("c2", "a", "intake", "2024-01-10"),
    ("c2", "b", "start", "2024-01-20"),
    # a start before the intake does not stop the clock; the later one does (2 days)
    ("c3", "b", "start", "2024-01-14"),
    ("c3", "a", "intake", "2024-01-15"),
    ("c3", "b", "start", "2024-01-17"),
    # open past the norm at as_of (1 March): late
    ("c4", "a", "intake", "2024-02-01"),
    # open within the norm at as_of: not decided yet
    ("c5", "a", "intake", "2024-02-28"),
    ("c6", "a", "aanmelding", "2024-03-01"),
)


@pytest.fixture
def events(events_of):
    return events_of(*ROWS)


def test_norm_compliance_counts_within_late_and_late_open_cases(events, small_spec):
    df = norms.norm_compliance(events, small_spec).set_index("period")
    jan = df.loc["2024-01-01"]
    assert (jan["cases"], jan["within"], jan["late"], jan["late_open"], jan["open"]) == (3, 2, 1, 0, 0)
    assert jan["share"] == pytest.approx(2 / 3)
    assert jan["target_share"] == 0.8
    assert not jan["meets"]
    feb = df.loc["2024-02-01"]
    assert (feb["cases"], feb["late_open"], feb["open"]) == (1, 1, 1)
    assert feb["share"] == 0
    # February still has an open case within the norm: not mature, so no verdict, and the
    # total (the figure a status may use) sums the mature months only.
    assert jan["mature"] and not feb["mature"]
    assert feb["meets"] is None
    assert feb["oldest_open_days"] > 0
    total = df.loc["all"]
    assert (total["cases"], total["within"]) == (3, 2)
    assert set(df["agreement"]) == {"snel"}


def test_a_period_with_only_undecided_cases_has_no_share(events_of, small_spec):
    events = events_of(("c", "a", "intake", "2024-02-28"), ("d", "a", "aanmelding", "2024-03-01"))
    df = norms.norm_compliance(events, small_spec).set_index("period")
    assert df.loc["2024-02-01", "cases"] == 0
    assert df.loc["2024-02-01", "open"] == 1
    assert df.loc["2024-02-01", "meets"] is None


def test_status_thresholds_follow_the_direction():
    assert kpis.status_of(0.6, 0.6, "higher") == "on_target"
    assert kpis.status_of(0.55, 0.6, "higher") == "at_risk"  # within 10 % below
    assert kpis.status_of(0.5, 0.6, "higher") == "off_target"
    assert kpis.status_of(100, 100, "lower") == "on_target"
    assert kpis.status_of(109, 100, "lower") == "at_risk"
    assert kpis.status_of(111, 100, "lower") == "off_target"
    assert kpis.status_of(None, 100, "lower") == "no_data"


def _with_kpis(spec, *kpi_specs):
    return dataclasses.replace(spec, objectives=(ObjectiveSpec("doel", "Doel", kpis=kpi_specs),))


def test_share_reached_reads_start_cohorts_and_leaves_undecided_cases_out(events_of, small_spec):
    events = events_of(
        ("r1", "a", "aanmelding", "2024-01-01"),
        ("r1", "a", "afgerond", "2024-01-20"),  # 19 days: reached
        ("r2", "a", "aanmelding", "2024-01-05"),
        ("r2", "a", "afgerond", "2024-03-01"),  # 56 days: too late
        ("r3", "a", "aanmelding", "2024-01-06"),  # never: not reached
        ("r4", "a", "aanmelding", "2024-02-20"),  # 10 days old at as_of: undecided
        ("r5", "a", "aanmelding", "2024-03-01"),
        # as_of 5 March: the January cohort is mature (1 February + 30 days = 2 March)
        ("r6", "a", "intake", "2024-03-05"),
    )
    [share, starts] = kpis.evaluate_kpis(events, small_spec)
    assert share.code == "binnen_maand"
    assert share.is_chain_level
    assert share.trend == [("2024-01-01", pytest.approx(1 / 3), 3, True)]
    assert share.value == pytest.approx(1 / 3)
    assert share.status == "off_target"
    assert not starts.is_chain_level
    assert (starts.value, starts.status) == (0.0, "off_target")  # no starts at b is a real zero
    assert kpis.chain_level_share([share, starts]) == 0.5


def test_lead_time_reads_the_period_of_completion_with_its_statistic(events, small_spec):
    spec = _with_kpis(
        small_spec,
        KpiSpec("lt", "Lead", "lead_time", 5, "lower", {"from_activity": "intake", "to_activity": "start"}),
        KpiSpec(
            "lt90",
            "Lead p90",
            "lead_time",
            5,
            "lower",
            {"from_activity": "intake", "to_activity": "start", "statistic": "mean"},
        ),
    )
    [median, mean] = kpis.evaluate_kpis(events, spec)
    # January completions: 3, 10 and 2 days.
    assert median.trend == [("2024-01-01", 3.0, 3, True)]
    assert median.value == 3.0 and median.status == "on_target"
    assert mean.value == pytest.approx(5.0) and mean.status == "on_target"
    assert median.unit == "days"


def test_durability_counts_confirmations_of_cases_old_enough(events_of, small_spec):
    spec = _with_kpis(
        small_spec,
        KpiSpec(
            "duur",
            "Duurzaam",
            "durability",
            0.7,
            "higher",
            {"from_activity": "start", "confirm_activity": "afgerond", "after_days": 30},
        ),
    )
    events = events_of(
        ("d1", "b", "start", "2024-01-01"),
        ("d1", "a", "afgerond", "2024-02-01"),
        ("d2", "b", "start", "2024-01-03"),
        ("d3", "b", "start", "2024-02-20"),  # only 10 days old: not counted
        ("d3", "a", "afgerond", "2024-03-01"),
        # as_of 5 March: the January cohort is mature (1 February + 30 days = 2 March)
        ("d4", "a", "intake", "2024-03-05"),
    )
    [result] = kpis.evaluate_kpis(events, spec)
    assert result.trend == [("2024-01-01", 0.5, 2, True)]
    assert result.status == "off_target"


def test_share_reached_only_reports_cohorts_whose_cases_are_all_old_enough(events_of, small_spec):
    # within_days 30, as_of 10 March. January's cohort matured on 2 March (1 Feb + 30 d);
    # February's matures on 31 March, so its one early success must not read as 100 %.
    events = events_of(
        ("j1", "a", "aanmelding", "2024-01-03"),
        ("j1", "a", "afgerond", "2024-01-13"),  # 10 days: reached
        ("j2", "a", "aanmelding", "2024-01-10"),  # never: not reached
        ("j3", "a", "aanmelding", "2024-01-20"),
        ("j3", "a", "afgerond", "2024-03-01"),  # 41 days: too late
        ("j4", "a", "aanmelding", "2024-01-25"),
        ("j4", "a", "afgerond", "2024-02-05"),  # 11 days: reached
        ("f1", "a", "aanmelding", "2024-02-01"),
        ("f1", "a", "afgerond", "2024-02-04"),  # reached, but its cohort is not mature
        ("f2", "a", "aanmelding", "2024-02-20"),  # 19 days old: could still reach
        ("m1", "a", "intake", "2024-03-10"),
    )
    [share, _starts] = kpis.evaluate_kpis(events, small_spec)
    # February stays in the trend, marked immature; it never gives the headline.
    assert share.trend == [("2024-01-01", 0.5, 4, True), ("2024-02-01", 1.0, 1, False)]
    assert (share.period, share.value, share.cases) == ("2024-01-01", 0.5, 4)
    assert share.status == "off_target"


def test_share_reached_has_no_value_while_the_only_cohort_is_immature(events_of, small_spec):
    events = events_of(
        ("a1", "a", "aanmelding", "2024-01-03"),
        ("a1", "a", "afgerond", "2024-01-05"),
        ("a2", "a", "aanmelding", "2024-01-04"),
        ("a2", "a", "afgerond", "2024-01-06"),
        ("a3", "a", "aanmelding", "2024-01-05"),
        ("a3", "a", "afgerond", "2024-01-07"),
        ("x1", "a", "intake", "2024-02-15"),  # as_of: January is over, but not 30 days over
    )
    [share, _starts] = kpis.evaluate_kpis(events, small_spec)
    assert (share.value, share.status) == (None, "no_data")
    assert [mature for _p, _v, _c, mature in share.trend] == [False]


def test_durability_only_reports_cohorts_whose_cases_are_all_old_enough(events_of, small_spec):
    spec = _with_kpis(
        small_spec,
        KpiSpec(
            "duur",
            "Duurzaam",
            "durability",
            0.7,
            "higher",
            {"from_activity": "start", "confirm_activity": "afgerond", "after_days": 30},
        ),
    )
    events = events_of(
        ("d1", "b", "start", "2024-01-01"),
        ("d1", "a", "afgerond", "2024-02-01"),
        ("d2", "b", "start", "2024-01-03"),
        # February's cohort matures on 31 March: its 37-day-old confirmed case alone
        # must not read as 100 %.
        ("d3", "b", "start", "2024-02-02"),
        ("d3", "a", "afgerond", "2024-02-10"),
        ("d4", "b", "start", "2024-02-20"),
        ("d5", "a", "intake", "2024-03-10"),
    )
    [result] = kpis.evaluate_kpis(events, spec)
    assert result.trend == [("2024-01-01", 0.5, 2, True), ("2024-02-01", 1.0, 1, False)]
    assert (result.period, result.value) == ("2024-01-01", 0.5)


def test_volume_counts_cases_per_period_and_skips_the_running_period(events_of, small_spec):
    events = events_of(
        ("v1", "b", "start", "2024-01-03"),
        ("v2", "b", "start", "2024-01-04"),
        ("v2", "b", "start", "2024-01-05"),  # the same case counts once
        ("v3", "b", "start", "2024-03-02"),
        ("v4", "a", "aanmelding", "2024-03-05"),
    )
    [_, starts] = kpis.evaluate_kpis(events, small_spec)
    assert starts.trend == [
        ("2024-01-01", 2.0, 2, True),
        ("2024-02-01", 0.0, 0, True),
        ("2024-03-01", 1.0, 1, False),
    ]
    # March is still running on 5 March: February is the headline.
    assert starts.period == "2024-02-01"
    assert starts.value == 0.0
    assert starts.previous == 2.0
    assert starts.change == -2.0
    assert starts.status == "off_target"


def test_wip_reads_stage_flow_at_period_end(events, small_spec):
    spec = _with_kpis(small_spec, KpiSpec("wip", "In intake", "wip", 1, "lower", {"stage": "intake"}))
    [wip] = kpis.evaluate_kpis(events, spec, grain="month")
    by_period = {p: v for p, v, _c, _m in wip.trend}
    # End of February: c4 and c5 are still in intake.
    assert by_period["2024-02-01"] == 2
    assert wip.value == 2 and wip.status == "off_target"


def test_a_kpi_with_missing_parameters_reports_no_data_and_why(events, small_spec):
    spec = _with_kpis(
        small_spec, KpiSpec("kapot", "Kapot", "lead_time", 5, "lower", {"from_activity": "intake"})
    )
    [result] = kpis.evaluate_kpis(events, spec)
    assert result.status == "no_data"
    assert "to_activity" in result.error
