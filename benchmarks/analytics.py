"""Keten's full metric suite against PM4Py's DFG, performance DFG and case durations.

    uv run python benchmarks/analytics.py [--sizes 1000000,10000000] [--real receipt.xes] [--threads 2]
        [--memory-limit 1500MB]

For each log (a real one from ../shared/data and generated logs of the werk chain) it runs, in
separate child processes so peak memory is measured per side:

- keten: read the Parquet file and run the whole suite (every flow metric, norms, KPIs, case
  durations) on DuckDB; and, in another child, compute only the same three metrics PM4Py
  computes (`keten.analytics.suite.pm4py_metrics`);
- pm4py: read the same Parquet file with pandas, format it, discover_dfg,
  discover_performance_dfg, get_all_case_durations.

It prints a table: events, keten's seconds for the three metrics and for the full suite,
PM4Py's seconds, both ratios, the CPU seconds of each run (all threads: on a machine whose two
cores are busy with other work, wall time alone misleads), peak RSS per side (keten: the full
suite's child), and whether the directly-follows counts, mean/median durations and case
durations are equal (for both keten runs). PM4Py is a dev dependency, used here only as a
yardstick.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import resource
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"

# PM4Py is only the yardstick: keep its progress bars, optional-speedup warning and welcome
# banner (printed once per process that imports it from a script) out of the table's output.
os.environ.setdefault("PM4PY_SHOW_PROGRESS_BAR", "False")
warnings.filterwarnings("ignore", message="Install the optional requirement")
sys._pm4py_welcome_shown = True  # type: ignore[attr-defined]  # the flag PM4Py itself sets


def _peak_rss_mb() -> float:
    """Peak resident memory of this process (VmHWM; ru_maxrss would carry the parent's over exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_keten(parquet: str, out: str, threads: int, memory_limit: str, *, only_pm4py_metrics: bool) -> None:
    """The whole suite, or with `only_pm4py_metrics` just the three metrics PM4Py computes
    (directly-follows counts, their durations, case durations): the like-for-like run."""
    from keten.analytics import engine, suite
    from keten.analytics.model import ChainSpec
    from keten.chains.definition import load_chain_definition

    spec_path = os.environ.get("BENCH_SPEC")
    spec = (
        load_chain_definition(spec_path) if spec_path else ChainSpec(slug="log", name="Log", timezone="UTC")
    )
    # Load Ibis' DuckDB backend outside the timing, as PM4Py is imported outside its own.
    engine.connect("duckdb").disconnect()
    started, cpu_started = time.perf_counter(), time.process_time()
    con = engine.connect("duckdb", threads=threads, memory_limit=memory_limit or None)
    events = engine.read_events(con, [parquet])
    if only_pm4py_metrics:
        result = suite.pm4py_metrics(events, spec)
    else:
        result = suite.run_suite(events, spec, with_case_durations=True)
    seconds = time.perf_counter() - started
    payload = {
        "seconds": seconds,
        "cpu": time.process_time() - cpu_started,
        "rss": _peak_rss_mb(),
        **_comparable(result["dfg_activity"], result["case_durations"]),
    }
    Path(out).write_bytes(pickle.dumps(payload))


def _comparable(dfg, case_durations) -> dict:
    """Directly-follows counts with mean and median seconds, and sorted case durations."""
    return {
        "dfg": {
            (s, t): (f, m * 86400, md * 86400)
            for s, t, f, m, md in dfg[
                ["source", "target", "frequency", "mean_days", "median_days"]
            ].itertuples(index=False)
        },
        "durations": sorted((case_durations["duration_days"] * 86400).tolist()),
    }


def run_pm4py(parquet: str, out: str) -> None:
    import pandas as pd
    import pm4py

    started, cpu_started = time.perf_counter(), time.process_time()
    raw = pd.read_parquet(parquet, columns=["batch_row", "case_id", "activity", "timestamp"])
    raw = raw.sort_values("batch_row", kind="stable")  # the file order, as a delivery numbers it
    df = pd.DataFrame(
        {
            "case:concept:name": raw["case_id"].to_numpy(),
            "concept:name": raw["activity"].to_numpy(),
            "time:timestamp": raw["timestamp"].to_numpy(),
        }
    )
    df = pm4py.format_dataframe(
        df, case_id="case:concept:name", activity_key="concept:name", timestamp_key="time:timestamp"
    )
    dfg, _, _ = pm4py.discover_dfg(df)
    perf, _, _ = pm4py.discover_performance_dfg(df)
    durations = pm4py.get_all_case_durations(df)
    seconds = time.perf_counter() - started
    payload = {
        "seconds": seconds,
        "cpu": time.process_time() - cpu_started,
        "rss": _peak_rss_mb(),
        "dfg": {k: (v, perf[k]["mean"], perf[k]["median"]) for k, v in dfg.items()},
        "durations": sorted(durations),
    }
    Path(out).write_bytes(pickle.dumps(payload))


def _child(side: str, parquet: Path, threads: int, env: dict[str, str], memory_limit: str = "") -> dict:
    with tempfile.NamedTemporaryFile(suffix=".pkl", delete=False) as fh:
        out = fh.name
    cmd = [sys.executable, __file__, "--child", side, str(parquet), out, str(threads), memory_limit]
    # taskset pins the child to `threads` cores, so "2 cores" means two cores.
    cores = ",".join(str(i) for i in range(min(threads, os.cpu_count() or 1)))
    if Path("/usr/bin/taskset").exists():
        cmd = ["/usr/bin/taskset", "-c", cores, *cmd]
    subprocess.run(cmd, check=True, env={**os.environ, **env})
    payload = pickle.loads(Path(out).read_bytes())  # noqa: S301 - written by our own child
    Path(out).unlink()
    return payload


def _equal(a: dict, b: dict) -> bool:
    import math

    if a["dfg"].keys() != b["dfg"].keys():
        return False
    for key, (freq, mean, median) in a["dfg"].items():
        f2, m2, md2 = b["dfg"][key]
        if (
            freq != f2
            or not math.isclose(mean, m2, rel_tol=1e-9, abs_tol=1e-6)
            or not math.isclose(median, md2, rel_tol=1e-9, abs_tol=1e-6)
        ):
            return False
    if len(a["durations"]) != len(b["durations"]):
        return False
    return all(
        math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-6)
        for x, y in zip(a["durations"], b["durations"], strict=True)
    )


def _real_log(name: str, folder: Path) -> Path:
    """A real log as a canonical Parquet file (event ids in file order)."""
    sys.path.insert(0, str(ROOT))
    import pyarrow as pa
    import pyarrow.parquet as pq
    from tests.analytics.oracle import read_log, to_canonical

    from keten.analytics import engine

    frame = to_canonical(read_log(name))
    table = engine.events_from_frame(None, frame).to_pyarrow()
    path = folder / f"{Path(name).stem}.parquet"
    pq.write_table(pa.table(table), path)
    return path


def _generated(events: int, folder: Path) -> Path:
    import pyarrow.parquet as pq

    from keten.analytics.synthetic import synthetic_events
    from keten.chains.definition import load_chain_definition

    spec = load_chain_definition(ROOT / "src/keten/demo/chains/werk.yaml")
    path = folder / f"werk-{events}.parquet"
    pq.write_table(synthetic_events(spec, events), path, row_group_size=1_000_000)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="1000000,10000000", help="generated log sizes (events)")
    parser.add_argument("--real", default="BPIC15_1.xes.gz", help="real log in ../shared/data ('' to skip)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--skip-pm4py-above", type=int, default=20_000_000)
    parser.add_argument(
        "--memory-limit", default="1500MB", help="DuckDB memory_limit for keten ('' for DuckDB's default)"
    )
    args = parser.parse_args()

    from rich.console import Console
    from rich.table import Table

    rows = []
    with tempfile.TemporaryDirectory(prefix="keten-bench-") as tmp:
        folder = Path(tmp)
        logs: list[tuple[str, Path, dict[str, str]]] = []
        if args.real and (DATA / args.real).exists():
            logs.append((args.real, _real_log(args.real, folder), {}))
        werk = str(ROOT / "src/keten/demo/chains/werk.yaml")
        for size in [int(s) for s in args.sizes.split(",") if s]:
            logs.append((f"generated werk {size:,}", _generated(size, folder), {"BENCH_SPEC": werk}))
        for name, path, env in logs:
            import pyarrow.parquet as pq

            n = pq.ParquetFile(path).metadata.num_rows
            ours = _child("keten", path, args.threads, env, args.memory_limit)
            ours["three"] = _child("keten-pm4py-metrics", path, args.threads, env, args.memory_limit)
            ours["three_seconds"] = ours["three"]["seconds"]
            theirs = _child("pm4py", path, args.threads, env) if n <= args.skip_pm4py_above else None
            rows.append((name, n, ours, theirs))
            print(
                json.dumps(
                    {
                        "log": name,
                        "events": n,
                        "keten_3_metrics_s": round(ours["three_seconds"], 2),
                        "keten_suite_s": round(ours["seconds"], 2),
                        "pm4py_s": round(theirs["seconds"], 2) if theirs else None,
                    }
                ),
                flush=True,
            )

    table = Table(title=f"Keten vs PM4Py (DFG + performance DFG + case durations), {args.threads} cores")
    columns = (
        "log",
        "events",
        "keten s (same 3 metrics)",
        "keten s (full suite)",
        "pm4py s (3 metrics)",
        "ratio (3 metrics)",
        "ratio (full suite)",
        "CPU s (3 / suite / pm4py)",
        "keten RSS MB",
        "pm4py RSS MB",
        "equal",
    )
    for col in columns:
        table.add_column(col, justify="left" if col == "log" else "right")
    for name, n, ours, theirs in rows:
        table.add_row(
            name,
            f"{n:,}",
            f"{ours['three_seconds']:.2f}",
            f"{ours['seconds']:.2f}",
            f"{theirs['seconds']:.2f}" if theirs else "-",
            f"{theirs['seconds'] / ours['three_seconds']:.1f}x" if theirs else "-",
            f"{theirs['seconds'] / ours['seconds']:.1f}x" if theirs else "-",
            f"{ours['three']['cpu']:.1f} / {ours['cpu']:.1f} / {theirs['cpu']:.1f}" if theirs else "-",
            f"{ours['rss']:.0f}",
            f"{theirs['rss']:.0f}" if theirs else "-",
            ("yes" if _equal(ours, theirs) and _equal(ours["three"], theirs) else "NO") if theirs else "-",
        )
    Console(width=230).print(table)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        side, parquet, out, threads, memory_limit = sys.argv[2:7]
        if side.startswith("keten"):
            run_keten(parquet, out, int(threads), memory_limit, only_pm4py_metrics=side != "keten")
        else:
            run_pm4py(parquet, out)
    else:
        main()
