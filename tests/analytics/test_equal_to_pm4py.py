"""Through the real delivery path, Keten's figures equal PM4Py's reading the same file.

Each real log in ../shared/data is delivered once (`ingest_file`, as `keten ingest` does) to
a one-stage chain, read back from the store and measured by the suite; PM4Py (a dev-only
oracle) reads the original file. Equal: the event count, the variants, every directly-follows
edge's count and mean/median duration, and every case duration. Several of these logs have
events of one case at the same moment (day-granular times) and repeated events, so the tie
order (file order) and the identity (repeats kept) are both on trial here.
"""

from __future__ import annotations

import pandas as pd
import pytest

from keten.analytics import engine, flow, suite
from keten.analytics.model import ActivitySpec, ChainSpec, PartnerSpec, StageSpec
from keten.analytics.prepare import make_filters, prepare
from keten.analytics.synthetic import synthetic_events
from keten.events.actions import ingest_file
from keten.events.store import active_batch_paths

from .oracle import DATA, pm4py_results, read_log

pytest.importorskip("pm4py", reason="pm4py is a dev dependency (uv sync)")

# file: (variants, directly-follows pairs) from ../shared/data/README.md
REAL_LOGS = {
    "running-example.xes": None,
    "roadtraffic100traces.xes": (10, 18),
    "receipt.xes": (116, 99),
    "receipt.csv": (116, 99),
    "sepsis.csv": (846, 115),
    "helpdesk.xes.gz": (226, 55),
    "BPIC15_1.xes.gz": (1170, 4699),
}


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path):
    settings.KETEN_DATA_DIR = tmp_path / "data"


def one_stage_chain(names) -> tuple[ChainSpec, dict[str, str]]:
    """A chain with one partner and one stage holding every activity name; the codes map."""
    codes = {name: f"a{i:04d}" for i, name in enumerate(sorted(set(names)))}
    stage = StageSpec("log", "Log", "log", tuple(ActivitySpec(c, n[:200]) for n, c in codes.items()))
    spec = ChainSpec(
        slug="log", name="Log", timezone="UTC", partners=(PartnerSpec("log", "Log"),), stages=(stage,)
    )
    return spec, codes


def deliver(spec: ChainSpec, path, mapping: dict):
    """Save the chain, deliver `path` as its one partner, and return the stored events."""
    from keten.chains.actions import save_chain_spec

    chain = save_chain_spec(spec)
    report = ingest_file(chain, path, partner="log", mapping=mapping)
    assert report.status == "stored", report.as_dict()
    return report, engine.read_events(engine.connect("duckdb"), active_batch_paths(chain))


def assert_equal_to_pm4py(events, spec: ChainSpec, frame: pd.DataFrame, codes: dict[str, str]):
    """Unmaterialised metrics, the monitor's materialised preparation and the like-for-like
    benchmark run all equal PM4Py; activity codes are translated back to the log's names."""
    oracle = pm4py_results(frame)
    name = {c: n for n, c in codes.items()}
    materialised = prepare(events, spec, make_filters(spec)).cache()
    for ours in (
        flow.dfg(events, spec),
        flow.dfg(materialised, spec),
        suite.pm4py_metrics(events, spec)["dfg_activity"],
    ):
        pairs = zip(ours["source"], ours["target"], ours["frequency"], strict=True)
        edges = {(name[s], name[t]): f for s, t, f in pairs}
        assert edges == oracle["dfg"]
        for row in ours.itertuples(index=False):
            stats = oracle["perf"][(name[row.source], name[row.target])]
            assert row.mean_days * 86400 == pytest.approx(stats["mean"], rel=1e-9, abs=1e-6)
            assert row.median_days * 86400 == pytest.approx(stats["median"], rel=1e-9, abs=1e-6)
    for durations in (flow.case_durations(events, spec), flow.case_durations(materialised, spec)):
        seconds = sorted(durations["duration_days"] * 86400)
        assert seconds == pytest.approx(oracle["durations"], rel=1e-9, abs=1e-6)
    return materialised


def pm4py_variants(frame: pd.DataFrame) -> int:
    import pm4py

    df = pm4py.format_dataframe(
        frame.copy(), case_id="case:concept:name", activity_key="concept:name", timestamp_key="time:timestamp"
    )
    return len(pm4py.get_variants(df))


def mapping_for(name: str, codes: dict[str, str]) -> dict:
    mapping: dict = {"activity_values": codes}
    if name == "sepsis.csv":
        mapping |= {"timestamp_format": "%Y/%m/%d %H:%M:%S.%f", "timezone": "UTC"}
    return mapping


@pytest.mark.django_db
@pytest.mark.parametrize("name", list(REAL_LOGS))
@pytest.mark.slow
def test_a_delivered_real_log_measures_as_pm4py_measures_the_file(name):
    if not (DATA / name).exists():
        pytest.skip(f"{DATA / name} is not here (the shared data folder sits next to the work tree)")
    frame = read_log(name)
    spec, codes = one_stage_chain(frame["concept:name"])
    report, events = deliver(spec, DATA / name, mapping_for(name, codes))
    assert report.rows_stored == len(frame) == engine.to_arrow(events.count()).as_py()
    materialised = assert_equal_to_pm4py(events, spec, frame, codes)
    variants = flow.variant_count(materialised, spec)
    assert variants == flow.variant_count(events, spec) == pm4py_variants(frame)
    expected = REAL_LOGS[name]
    if expected:
        assert (variants, len(flow.dfg(materialised, spec))) == expected


@pytest.mark.django_db
@pytest.mark.parametrize("seed", [1, 2])
def test_a_delivered_generated_log_with_ties_measures_as_pm4py(seed, tmp_path):
    """Generated events rounded to the day, so most cases have events at the same moment, in a
    CSV whose order of those tied events is random: it is the file's order, for both sides."""
    from keten.chains.definition import load_chain_definition, reference_chain_files

    werk = load_chain_definition(next(p for p in reference_chain_files() if p.stem == "werk"))
    table = synthetic_events(werk, 5_000, seed=seed).to_pandas()
    table["timestamp"] = table["timestamp"].dt.floor("D")
    table = table.sample(frac=1, random_state=seed).sort_values(["case_id", "timestamp"], kind="stable")
    path = tmp_path / "generated.csv"
    table[["case_id", "activity", "timestamp"]].to_csv(path, index=False)
    frame = pd.DataFrame(
        {
            "case:concept:name": table["case_id"].to_numpy(),
            "concept:name": table["activity"].to_numpy(),
            "time:timestamp": pd.to_datetime(table["timestamp"], utc=True).to_numpy(),
        }
    )
    spec, codes = one_stage_chain(frame["concept:name"])
    frame["concept:name"] = frame["concept:name"].astype(str)
    report, events = deliver(spec, path, {"activity_values": codes})
    assert report.rows_stored == len(frame)
    assert_equal_to_pm4py(events, spec, frame, codes)
