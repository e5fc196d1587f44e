"""The suite's materialised preparation (one sort, shortcuts for stage visits) gives the
same frames as each metric computed on its own from the raw events."""

import pandas as pd
import pytest

from keten.analytics import flow, norms, suite
from keten.analytics.prepare import make_filters, prepare

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
