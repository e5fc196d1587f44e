"""Properties that hold for any log: time adds up, counts conserve cases."""

import datetime as dt

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from keten.analytics import engine, flow
from keten.analytics.prepare import make_filters, prepare

ACTIVITIES = [
    ("a", "aanmelding"),
    ("a", "intake"),
    ("b", "start"),
    ("b", "klaar"),
    ("a", "afgerond"),
    ("fin", "geld"),
]
BASE = dt.datetime(2024, 3, 20, tzinfo=dt.UTC)  # near the March DST change

event = st.tuples(
    st.sampled_from(["c1", "c2", "c3", "c4"]),
    st.sampled_from(ACTIVITIES),
    # Minutes up to ~100 days, coarse enough to make equal timestamps common.
    st.integers(min_value=0, max_value=144_000).map(lambda m: m - m % 30),
)
logs = st.lists(event, min_size=1, max_size=40)


def _events(con, rows):
    frame = pd.DataFrame(
        {
            "event_id": [f"e{i:04d}" for i in range(len(rows))],
            "case_id": [r[0] for r in rows],
            "partner": [r[1][0] for r in rows],
            "activity": [r[1][1] for r in rows],
            "timestamp": [BASE + dt.timedelta(minutes=r[2]) for r in rows],
        }
    )
    return engine.events_from_frame(con, frame)


@pytest.fixture(scope="module")
def con():
    return engine.connect()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=logs)
@pytest.mark.slow
def test_stage_and_handover_times_of_each_case_add_up_to_its_duration(con, small_spec, rows):
    p = prepare(_events(con, rows), small_spec, make_filters(small_spec))
    blocks = (
        flow.stage_blocks(p)
        .join(p.case_ids, "case")
        .group_by("case_id")
        .agg(stage_s=lambda t: t.seconds.sum())
        .to_pyarrow()
        .to_pandas()
    )
    hand = (
        flow.handover_edges(p)
        .group_by("case_id")
        .agg(handover_s=lambda t: t.seconds.sum())
        .to_pyarrow()
        .to_pandas()
    )
    cases = flow.case_durations(p, small_spec)
    merged = cases.merge(blocks, on="case_id", how="left").merge(hand, on="case_id", how="left").fillna(0)
    assert (merged["stage_s"] + merged["handover_s"]).tolist() == pytest.approx(
        (merged["duration_days"] * 86400).tolist(), abs=1e-6
    )


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=logs, grain=st.sampled_from(["day", "week", "month"]))
@pytest.mark.slow
def test_counts_conserve_cases(con, small_spec, rows, grain):
    events = _events(con, rows)
    p = prepare(events, small_spec, make_filters(small_spec, grain=grain))
    n_cases = len({r[0] for r in rows})
    n_events = len(rows)

    summary = flow.duration_summary(p, small_spec)
    assert summary.loc[summary["period"] != "all", "cases"].sum() == n_cases
    assert summary.loc[summary["period"] == "all", "cases"].item() == n_cases

    drop = flow.dropout(p, small_spec)
    total = drop[drop["period"] == "all"].iloc[0]
    assert total["reached"] + total["dropped"] + total["open"] == n_cases

    assert flow.variants(p, small_spec, limit=None)["cases"].sum() == n_cases
    assert flow.dfg(p, small_spec)["frequency"].sum() == n_events - n_cases
    assert flow.dfg(p, small_spec, level="partner")["frequency"].sum() == n_events - n_cases
    stages = flow.stage_times(p, small_spec)
    hand = flow.handovers(p, small_spec)
    # Each case has one more partner block than it has handovers.
    assert stages["blocks"].sum() == hand["transitions"].sum() + n_cases

    sf = flow.stage_flow(p, small_spec)
    if not sf.empty:
        assert (sf["wip"] >= 0).all()
        totals = sf.groupby("stage")[["inflow", "outflow"]].sum()
        last_wip = sf.groupby("stage")["wip"].last()
        # Every visit is either still open at the end or has left.
        assert (totals["inflow"] - totals["outflow"]).to_dict() == last_wip.to_dict()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=logs)
@pytest.mark.slow
def test_filters_only_ever_remove_whole_cases(con, small_spec, rows):
    events = _events(con, rows)
    everything = flow.case_durations(events, small_spec).set_index("case_id")
    for partner in ("a", "b", "fin"):
        part = flow.case_durations(events, small_spec, partner=partner).set_index("case_id")
        assert set(part.index) == {r[0] for r in rows if r[1][0] == partner}
        assert (part["events"] == everything.loc[part.index, "events"]).all()
