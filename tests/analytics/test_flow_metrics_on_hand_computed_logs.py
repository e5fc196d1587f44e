"""Each flow metric on small logs worked out by hand (chain: tests/conftest.py small_spec).

Stages: intake (partner a: aanmelding, intake), behandeling (b: start, klaar),
afsluiting (a: afgerond). Goal: afgerond. Horizon: 90 days. Time zone: Europe/Amsterdam.
"""

import pandas as pd
import pytest

from keten.analytics import flow

# Case c1 goes a -> b -> a (rework into intake) -> b -> a and reaches the goal in 10 days.
# Case c2 is a single event at 23:30 UTC on 31 January: 1 February in Amsterdam.
# Case c3 has two events at the same moment.
ROWS = (
    ("c1", "a", "aanmelding", "2024-01-01 10:00"),
    ("c1", "a", "intake", "2024-01-03 10:00"),
    ("c1", "b", "start", "2024-01-05 10:00"),
    ("c1", "a", "intake", "2024-01-06 10:00"),
    ("c1", "b", "klaar", "2024-01-10 10:00"),
    ("c1", "a", "afgerond", "2024-01-11 10:00"),
    ("c2", "a", "aanmelding", "2024-01-31 23:30"),
    ("c3", "a", "aanmelding", "2024-02-10 10:00"),
    ("c3", "b", "start", "2024-02-10 10:00"),
)


@pytest.fixture
def events(events_of):
    return events_of(*ROWS)


def test_case_duration_runs_from_first_to_last_event(events, small_spec):
    df = flow.case_durations(events, small_spec).set_index("case_id")
    assert df.loc["c1", "duration_days"] == 10
    assert df.loc["c1", "events"] == 6
    assert df.loc["c1", "status"] == "reached"


def test_a_single_event_case_lasts_zero_days_and_stays_open(events, small_spec):
    df = flow.case_durations(events, small_spec).set_index("case_id")
    assert df.loc["c2", "duration_days"] == 0
    assert df.loc["c2", "status"] == "open"


def test_a_case_belongs_to_the_local_period_of_its_first_event(events, small_spec):
    df = flow.case_durations(events, small_spec).set_index("case_id")
    assert df.loc["c2", "period"] == "2024-02-01"  # 00:30 on 1 February in Amsterdam


def test_duration_summary_per_period_and_overall(events, small_spec):
    df = flow.duration_summary(events, small_spec).set_index("period")
    assert list(df.index) == ["2024-01-01", "2024-02-01", "all"]
    assert df.loc["2024-01-01", "cases"] == 1
    assert df.loc["2024-02-01", "cases"] == 2
    assert df.loc["all", "cases"] == 3
    assert df.loc["all", "mean_days"] == pytest.approx(10 / 3)
    assert df.loc["all", "median_days"] == 0
    # Linear interpolation over (0, 0, 10): p80 at position 1.6 -> 6, p90 at 1.8 -> 8.
    assert df.loc["all", "p80_days"] == pytest.approx(6)
    assert df.loc["all", "p90_days"] == pytest.approx(8)
    assert df.loc["all", "closed"] == 1


def test_stage_times_are_contiguous_blocks_of_one_partner(events, small_spec):
    df = flow.stage_times(events, small_spec).set_index("partner")
    # a: c1 [aanmelding..intake] 2 d, [intake] 0, [afgerond] 0; c2 0; c3 0.
    assert df.loc["a", "blocks"] == 5
    assert df.loc["a", "cases"] == 3
    assert df.loc["a", "total_days"] == pytest.approx(2)
    assert df.loc["b", "blocks"] == 3
    assert df.loc["b", "total_days"] == 0


def test_handover_time_is_the_gap_where_the_partner_changes(events, small_spec):
    df = flow.handovers(events, small_spec).set_index(["from_partner", "to_partner"])
    ab = df.loc[("a", "b")]
    # c1: 3 Jan -> 5 Jan (2 d), 6 Jan -> 10 Jan (4 d); c3: same moment (0 d).
    assert ab["transitions"] == 3
    assert ab["cases"] == 2
    assert ab["mean_days"] == pytest.approx(2)
    assert ab["median_days"] == pytest.approx(2)
    ba = df.loc[("b", "a")]
    assert (ba["transitions"], ba["cases"], ba["mean_days"]) == (2, 1, 1)


def test_stage_and_handover_times_add_up_to_the_case_duration(events, small_spec):
    stages = flow.stage_times(events, small_spec)["total_days"].sum()
    handovers = flow.handovers(events, small_spec)
    handover_total = (handovers["mean_days"] * handovers["transitions"]).sum()
    total = flow.case_durations(events, small_spec)["duration_days"].sum()
    assert stages + handover_total == pytest.approx(total)


def test_dfg_counts_each_directly_follows_pair_with_its_durations(events, small_spec):
    df = flow.dfg(events, small_spec).set_index(["source", "target"])
    assert df.loc[("aanmelding", "intake"), "frequency"] == 1
    assert df.loc[("intake", "klaar"), "mean_days"] == 4
    assert df.loc[("aanmelding", "start"), "max_days"] == 0
    assert df["frequency"].sum() == 6  # 9 events in 3 cases


def test_dfg_at_partner_level_keeps_work_within_a_partner(events, small_spec):
    df = flow.dfg(events, small_spec, level="partner").set_index(["source", "target"])
    assert df.loc[("a", "a"), "frequency"] == 1
    assert df.loc[("a", "b"), "frequency"] == 3
    assert df.loc[("b", "a"), "frequency"] == 2


def test_at_the_same_moment_the_chain_stage_order_decides_before_the_file_order(events_of, small_spec):
    # B's start (stage 2) comes first in the file; A's aanmelding (stage 1) comes first in the chain.
    events = events_of(("x", "b", "start", "2024-03-01 09:00"), ("x", "a", "aanmelding", "2024-03-01 09:00"))
    df = flow.dfg(events, small_spec)
    assert list(zip(df["source"], df["target"], strict=True)) == [("aanmelding", "start")]


def test_at_the_same_moment_in_one_stage_the_file_order_decides(events_of, small_spec):
    events = events_of(("x", "a", "intake", "2024-03-01 09:00"), ("x", "a", "aanmelding", "2024-03-01 09:00"))
    df = flow.dfg(events, small_spec)
    assert list(zip(df["source"], df["target"], strict=True)) == [("intake", "aanmelding")]


def test_variants_count_cases_and_share(events_of, small_spec):
    events = events_of(
        ("x", "a", "aanmelding", "2024-03-01"),
        ("x", "a", "intake", "2024-03-02"),
        ("y", "a", "aanmelding", "2024-03-01"),
        ("y", "a", "intake", "2024-03-04"),
        ("z", "a", "intake", "2024-03-01"),
    )
    df = flow.variants(events, small_spec)
    assert list(df["variant"]) == ["aanmelding > intake", "intake"]
    assert list(df["cases"]) == [2, 1]
    assert df["share"].tolist() == pytest.approx([2 / 3, 1 / 3])
    assert df.loc[0, "median_days"] == pytest.approx(2)
    assert flow.variant_count(events, small_spec) == 2


def test_rework_is_a_reentry_into_an_earlier_stage(events, small_spec):
    df = flow.rework(events, small_spec).set_index("stage")
    assert df.loc["intake", "reentries"] == 1
    assert df.loc["intake", "cases_reentering"] == 1
    assert df.loc["behandeling", "reentries"] == 0  # going forward again is no rework
    assert df.loc["all", "cases_reentering"] == 1
    assert df.loc["all", "share"] == pytest.approx(1 / 3)


def test_dropout_needs_the_horizon_to_have_passed(events_of, small_spec):
    events = events_of(
        ("done", "a", "aanmelding", "2024-01-01"),
        ("done", "a", "afgerond", "2024-02-01"),
        ("late", "a", "aanmelding", "2024-01-01"),
        ("late", "a", "afgerond", "2024-06-01"),  # goal after the 90-day horizon
        ("gone", "a", "aanmelding", "2024-01-02"),
        ("young", "a", "aanmelding", "2024-05-01"),
    )
    df = flow.dropout(events, small_spec).set_index("period")
    jan = df.loc["2024-01-01"]
    assert (jan["cases"], jan["reached"], jan["dropped"], jan["open"]) == (3, 1, 2, 0)
    assert jan["dropout_share"] == pytest.approx(2 / 3)
    assert df.loc["2024-05-01", "open"] == 1  # as_of (1 June) is within its horizon
    points = flow.dropout_points(events, small_spec)
    # "gone" stopped after aanmelding; "late" reached the goal only after the horizon.
    assert points.to_dict("records") == [
        {"partner": "a", "activity": "aanmelding", "cases": 1},
        {"partner": "a", "activity": "afgerond", "cases": 1},
    ]


def test_stage_flow_keeps_wip_until_the_next_stage_starts(events, small_spec):
    df = flow.stage_flow(events, small_spec, grain="month").set_index(["stage", "period"])
    # intake: c1 enters twice in January and leaves twice; c2 and c3 enter in February,
    # c3 leaves for behandeling at once, c2 is still in intake.
    assert tuple(df.loc[("intake", "2024-01-01"), ["inflow", "outflow", "wip"]]) == (2, 2, 0)
    assert tuple(df.loc[("intake", "2024-02-01"), ["inflow", "outflow", "wip"]]) == (2, 1, 1)
    # c3 is open in behandeling; c1's last visit (afsluiting) ends with the goal.
    assert df.loc[("behandeling", "2024-02-01"), "wip"] == 1
    assert df.loc[("afsluiting", "2024-01-01"), "outflow"] == 1


def test_week_and_day_grains_use_local_calendar_periods(events, small_spec):
    weeks = flow.duration_summary(events, small_spec, grain="week")
    assert "2024-01-29" in set(weeks["period"])  # Thursday 1 Feb lies in ISO week from Monday 29 Jan
    days = flow.case_durations(events, small_spec, grain="day").set_index("case_id")
    assert days.loc["c2", "period"] == "2024-02-01"


def test_periods_follow_daylight_saving_time(events_of, small_spec):
    events = events_of(
        ("summer", "a", "aanmelding", "2024-10-26 22:30"),  # 00:30 CEST on 27 October
        ("winter", "a", "aanmelding", "2024-10-27 22:30"),  # 23:30 CET on 27 October
        ("spring", "a", "aanmelding", "2024-03-30 23:30"),  # 00:30 CET on 31 March
    )
    df = flow.case_durations(events, small_spec, grain="day").set_index("case_id")
    assert df.loc["summer", "period"] == "2024-10-27"
    assert df.loc["winter", "period"] == "2024-10-27"
    assert df.loc["spring", "period"] == "2024-03-31"


def test_start_and_end_select_cases_by_their_first_event_in_local_time(events, small_spec):
    jan = flow.case_durations(events, small_spec, start="2024-01-01", end="2024-02-01")
    assert list(jan["case_id"]) == ["c1"]  # c2 starts 1 Feb 00:30 local
    feb = flow.case_durations(events, small_spec, start="2024-02-01")
    assert sorted(feb["case_id"]) == ["c2", "c3"]


def test_partner_filter_keeps_whole_cases_the_partner_worked_on(events, small_spec):
    df = flow.case_durations(events, small_spec, partner="b")
    assert sorted(df["case_id"]) == ["c1", "c3"]
    assert df.set_index("case_id").loc["c1", "events"] == 6


def test_attribute_filter_matches_a_json_key(events_of, small_spec):
    events = events_of(
        ("x", "a", "aanmelding", "2024-03-01", '{"regio": "noord", "leeftijd": 23}'),
        ("y", "a", "aanmelding", "2024-03-01", '{"regio": "zuid"}'),
        ("y", "b", "start", "2024-03-03"),
    )
    assert list(flow.case_durations(events, small_spec, attribute=("regio", "zuid"))["case_id"]) == ["y"]
    assert list(flow.case_durations(events, small_spec, attribute=("leeftijd", "23"))["case_id"]) == ["x"]


def test_bad_filters_get_clear_messages(events, small_spec):
    with pytest.raises(ValueError, match="Grain 'year'"):
        flow.case_durations(events, small_spec, grain="year")
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        flow.case_durations(events, small_spec, start="gisteren")
    with pytest.raises(ValueError, match="Attribute filter key"):
        flow.case_durations(events, small_spec, attribute=("a'b", "x"))


def test_an_empty_store_gives_empty_frames(small_spec):
    from keten.analytics import engine, suite

    result = suite.run_suite(engine.read_events(engine.connect(), []), small_spec)
    assert result["extent"]["events"] == 0
    assert result["dfg_activity"].empty
    assert result["stage_flow"].empty
    assert all(k.status == "no_data" for k in result["kpis"])
    assert isinstance(result["duration_summary"], pd.DataFrame)
