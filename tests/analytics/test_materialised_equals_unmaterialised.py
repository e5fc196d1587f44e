"""The suite's materialised preparation (one sort, shortcuts for stage visits) gives the
same frames as each metric computed on its own from the raw events."""

import datetime as dt

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from keten.analytics import engine, flow, norms, suite
from keten.analytics.prepare import make_filters, prepare

from .conftest import log

# Stages (tests/conftest.py small_spec): intake (a: aanmelding, intake), behandeling (b: start,
# klaar), afsluiting (a: afgerond). "memo" belongs to no stage.
NO_GAPS = (
    ("c1", "a", "memo", "2024-01-01 09:00"),
    ("c1", "a", "aanmelding", "2024-01-01 10:00"),
    ("c1", "b", "start", "2024-01-05 10:00"),
    ("c1", "a", "intake", "2024-01-06 10:00"),
    ("c1", "b", "klaar", "2024-01-10 10:00"),
    ("c1", "a", "afgerond", "2024-01-11 10:00"),
    ("c1", "a", "memo", "2024-01-12 10:00"),
    ("c2", "a", "aanmelding", "2024-02-01 10:00"),
    ("c2", "b", "start", "2024-02-01 10:00"),
)
# c3: an event without a stage between two visits to intake and inside behandeling.
WITH_GAPS = (
    *NO_GAPS,
    ("c3", "a", "aanmelding", "2024-03-01 10:00"),
    ("c3", "a", "memo", "2024-03-02 10:00"),
    ("c3", "a", "intake", "2024-03-03 10:00"),
    ("c3", "b", "start", "2024-03-04 10:00"),
    ("c3", "b", "memo", "2024-03-05 10:00"),
    ("c3", "a", "intake", "2024-03-06 10:00"),
)


def _separately(events, spec) -> dict[str, pd.DataFrame]:
    return {
        "stage_times": flow.stage_times(events, spec),
        "handovers": flow.handovers(events, spec),
        "dfg_activity": flow.dfg(events, spec, level="activity"),
        "dfg_partner": flow.dfg(events, spec, level="partner"),
        "variants": flow.variants(events, spec),
        "rework": flow.rework(events, spec),
        "dropout_points": flow.dropout_points(events, spec),
        "stage_flow": flow.stage_flow(events, spec),
        "norm_compliance": norms.norm_compliance(events, spec),
        "cases_per_partner": suite.cases_per_partner(prepare(events, spec, make_filters(spec))),
    }


@pytest.mark.parametrize("rows", [NO_GAPS, WITH_GAPS], ids=["no-gaps", "gaps"])
def test_suite_frames_equal_metrics_computed_on_their_own(events_of, small_spec, rows):
    events = events_of(*rows)
    together = suite.run_suite(events, small_spec)
    alone = _separately(events, small_spec)
    for name in alone:
        pd.testing.assert_frame_equal(together[name], alone[name], check_dtype=False, obj=name)


@pytest.mark.parametrize("materialised", [False, True], ids=["alone", "materialised"])
def test_a_dfg_without_case_counts_has_the_same_edges_and_durations(events_of, small_spec, materialised):
    p = prepare(events_of(*WITH_GAPS), small_spec, make_filters(small_spec))
    if materialised:
        p.cache()
    for level in ("activity", "partner"):
        full = flow.dfg(p, small_spec, level=level)
        lean = flow.dfg(p, small_spec, level=level, with_cases=False)
        assert "cases" not in lean.columns
        pd.testing.assert_frame_equal(lean, full.drop(columns="cases"), obj=level)


def test_an_event_without_a_stage_does_not_break_a_visit(events_of, small_spec):
    p = prepare(events_of(*WITH_GAPS), small_spec, make_filters(small_spec)).cache()
    v = flow.stage_visits(p).join(p.case_ids, "case")
    v = v.filter(v.case_id == "c3").mutate(stage=p.stage_name(v.stage_order))
    visits = v.to_pyarrow().to_pandas()
    visits = visits.sort_values("visit")
    # aanmelding, memo, intake: one intake visit; then behandeling (start, memo); intake again.
    assert visits["stage"].tolist() == ["intake", "behandeling", "intake"]
    assert visits["reentry"].tolist() == [False, False, True]
    assert [t.day for t in visits["start"]] == [1, 4, 6]
    assert [t.day for t in visits["end"]] == [3, 4, 6]
    assert [None if pd.isna(t) else t.day for t in visits["next_start"]] == [4, 6, None]


def test_variants_of_long_cases_collected_as_arrays_equal_the_packed_ones(events_of, small_spec, monkeypatch):
    # Cases too long to pack into MAX_KEY_COLUMNS integers fall back to ordered arrays.
    events = events_of(*WITH_GAPS)
    packed = suite.run_suite(events, small_spec)
    monkeypatch.setattr(flow, "MAX_KEY_COLUMNS", 0)
    arrays = suite.run_suite(events, small_spec)
    for name in ("variants", "dfg_activity", "dfg_partner"):
        pd.testing.assert_frame_equal(packed[name], arrays[name], obj=name)
    assert packed["variant_count"] == arrays["variant_count"] == 3


def test_the_suite_orders_events_at_the_same_moment_by_event_id(duck, small_spec):
    # The materialised preparation sorts by time alone and sorts again only the cases with
    # events at the same moment. Here the event ids run against the file order, so an order
    # that ignored them would show the opposite edges.
    rows = []
    for i in range(40):
        rows += [
            (f"t{i}", "b", "start", "2024-03-01 09:00"),
            (f"t{i}", "a", "aanmelding", "2024-03-01 09:00"),
        ]
        rows += [
            (f"u{i}", "a", "aanmelding", "2024-03-01 09:00"),
            (f"u{i}", "a", "intake", "2024-03-02 09:00"),
        ]
    frame = log(*rows)
    frame["event_id"] = [f"e{len(frame) - i:06d}" for i in range(len(frame))]
    events = engine.events_from_frame(duck, frame)
    together = suite.run_suite(events, small_spec)["dfg_activity"].set_index(["source", "target"])
    assert together["frequency"].to_dict() == {("aanmelding", "intake"): 40, ("aanmelding", "start"): 40}
    alone = flow.dfg(events, small_spec).set_index(["source", "target"])
    pd.testing.assert_frame_equal(together, alone)


STEPS = [
    ("a", "memo"),
    ("a", "aanmelding"),
    ("a", "intake"),
    ("b", "start"),
    ("b", "klaar"),
    ("a", "afgerond"),
]
long_logs = st.lists(
    st.tuples(st.sampled_from(["x", "y", "z"]), st.sampled_from(STEPS), st.integers(0, 5_000)),
    min_size=1,
    max_size=120,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=long_logs)
@pytest.mark.slow
def test_packed_sequence_keys_equal_ordered_arrays_for_cases_of_any_length(
    duck, small_spec, monkeypatch, rows
):
    # Up to six activities (3 bits: 20 positions per integer column) and up to twelve
    # activity-partner pairs (4 bits: 15 positions): cases of up to 120 events span several
    # columns and cross their boundaries.
    events = engine.events_from_frame(
        duck,
        log(
            *[
                (case, partner, activity, dt.datetime(2024, 1, 1) + dt.timedelta(hours=h))
                for case, (partner, activity), h in rows
            ]
        ),
    )
    packed = suite.run_suite(events, small_spec)
    with monkeypatch.context() as m:
        m.setattr(flow, "MAX_KEY_COLUMNS", 0)
        arrays = suite.run_suite(events, small_spec)
    for name in ("variants", "rework"):
        pd.testing.assert_frame_equal(packed[name], arrays[name], obj=name)
    assert packed["variant_count"] == arrays["variant_count"]


def test_sequences_that_differ_in_one_position_are_different_variants(duck, small_spec):
    # One case per position 0..44: "intake" everywhere but "klaar" at that position. Every
    # place of every packed column must tell them apart (two activities: 2 bits, 31 places
    # per column, so the cases span two columns).
    start = dt.datetime(2024, 1, 1)
    rows = [
        (f"c{k}", "a", "klaar" if i == k else "intake", start + dt.timedelta(hours=i))
        for k in range(45)
        for i in range(45)
    ]
    result = suite.run_suite(engine.events_from_frame(duck, log(*rows)), small_spec)
    assert result["variant_count"] == 45
    assert result["variants"]["cases"].tolist() == [1] * 45
