"""Directly-follows counts, their mean/median durations and case durations equal PM4Py's,
on the real logs in ../shared/data and on generated logs. PM4Py is a dev-only oracle."""

import pytest

from keten.analytics import engine, flow, suite
from keten.analytics.model import ChainSpec
from keten.analytics.synthetic import synthetic_events

from .oracle import DATA, from_canonical, pm4py_results, read_log, to_canonical

pytest.importorskip("pm4py", reason="pm4py is a dev dependency (uv sync)")

# file: (variants, directly-follows pairs) from ../shared/data/README.md
REAL_LOGS = {
    "running-example.xes": None,
    "roadtraffic100traces.xes": (10, 18),
    "receipt.xes": (116, 99),
    "sepsis.csv": (846, 115),
    "helpdesk.xes.gz": (226, 55),
    "BPIC15_1.xes.gz": (1170, 4699),
}
PLAIN = ChainSpec(slug="log", name="Log", timezone="UTC")


def assert_equal_to_pm4py(events, frame):
    """The metrics as the monitor computes them, and as the benchmark's like-for-like run
    (`suite.pm4py_metrics`) does."""
    oracle = pm4py_results(frame)
    lean = suite.pm4py_metrics(events, PLAIN)
    for ours in (flow.dfg(events, PLAIN), lean["dfg_activity"]):
        assert (
            dict(zip(zip(ours["source"], ours["target"], strict=True), ours["frequency"], strict=True))
            == oracle["dfg"]
        )
        for row in ours.itertuples(index=False):
            stats = oracle["perf"][(row.source, row.target)]
            assert row.mean_days * 86400 == pytest.approx(stats["mean"], rel=1e-9, abs=1e-6)
            assert row.median_days * 86400 == pytest.approx(stats["median"], rel=1e-9, abs=1e-6)
    for durations in (flow.case_durations(events, PLAIN), lean["case_durations"]):
        seconds = sorted(durations["duration_days"] * 86400)
        assert seconds == pytest.approx(oracle["durations"], rel=1e-9, abs=1e-6)


@pytest.mark.parametrize("name", list(REAL_LOGS))
def test_metrics_equal_pm4py_on_a_real_log(name, duck):
    if not (DATA / name).exists():
        pytest.skip(f"{DATA / name} is not here (the shared data folder sits next to the work tree)")
    frame = read_log(name)
    events = engine.events_from_frame(duck, to_canonical(frame))
    assert_equal_to_pm4py(events, frame)
    expected = REAL_LOGS[name]
    if expected:
        variants, pairs = expected
        assert flow.variant_count(events, PLAIN) == variants
        assert len(flow.dfg(events, PLAIN)) == pairs


@pytest.mark.parametrize("seed", [1, 2])
def test_metrics_equal_pm4py_on_a_generated_log(seed, duck):
    from keten.chains.definition import load_chain_definition, reference_chain_files

    spec = load_chain_definition(next(p for p in reference_chain_files() if p.stem == "werk"))
    table = synthetic_events(spec, 20_000, seed=seed)
    events = engine.events_from_frame(duck, table)
    assert_equal_to_pm4py(events, from_canonical(table.to_pandas()))
