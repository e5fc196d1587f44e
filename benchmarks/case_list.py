"""The case list (the monitor's "zaken" page, the API's cases, cases.csv) at 10M events, within
DuckDB's memory cap: each operation runs in a fresh process capped like the web worker
(KETEN_DUCKDB_MEMORY_LIMIT, default 1500MB), and its wall time and peak resident memory are
printed. Only a page, or a stream of record batches, may leave the engine.

Usage:
    uv run python benchmarks/case_list.py [--events 10000000] [--memory-limit 1500MB]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from analytics import _generated, _peak_rss_mb  # noqa: E402 - the shared generator and meter

OPERATIONS = {
    "count": "the number of cases (the page's heading)",
    "first page": "50 cases from the start, with their latest partner and stage",
    "last page": "the last 50 cases (offset = count - 50)",
    "open, from a month": "status=open, start = the middle month: zaken/?start=...",
    "every case streamed": "cases.csv: all cases in record batches of 10,000",
}


def middle_month(parquet: Path) -> str:
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    low, high = pc.min_max(pq.read_table(parquet, columns=["timestamp"])["timestamp"]).values()
    return (low.as_py() + (high.as_py() - low.as_py()) / 2).strftime("%Y-%m-01")


def child(parquet: str, operation: str, memory_limit: str, out: str, middle: str) -> None:
    from keten.analytics import engine
    from keten.analytics.cases import case_list
    from keten.chains.definition import load_chain_definition

    spec = load_chain_definition(ROOT / "src/keten/demo/chains/werk.yaml")
    engine.connect("duckdb").disconnect()  # Ibis' backend loaded outside the timing
    started = time.perf_counter()
    con = engine.connect("duckdb", threads=2, memory_limit=memory_limit)
    events = engine.read_events(con, [parquet])
    rows = 0
    if operation == "count":
        rows = case_list(events, spec).count()
    elif operation == "first page":
        rows = len(case_list(events, spec).page(0, 50))
    elif operation == "last page":
        cases = case_list(events, spec)
        rows = len(cases.page(max(0, cases.count() - 50), 50))
    elif operation == "open, from a month":
        rows = len(case_list(events, spec, status="open", start=middle).page(0, 50))
    elif operation == "every case streamed":
        for batch in case_list(events, spec).batches(10_000):
            rows += batch.num_rows
    seconds = time.perf_counter() - started
    Path(out).write_text(json.dumps({"seconds": seconds, "rows": rows, "peak_mb": _peak_rss_mb()}))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--memory-limit", default="1500MB")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="keten-cases-") as tmp:
        print(f"generating {args.events:,} events...", flush=True)
        parquet = _generated(args.events, Path(tmp))
        middle = middle_month(parquet)
        print(f"\ncase list at {args.events:,} events, DuckDB memory_limit {args.memory_limit}, 2 threads\n")
        print(f"| {'operation':<22} | {'rows':>10} | {'seconds':>8} | {'peak RSS MB':>11} | what")
        print(f"|{'-' * 24}|{'-' * 12}|{'-' * 10}|{'-' * 13}|------")
        for operation, what in OPERATIONS.items():
            out = Path(tmp) / "out.json"
            cmd = [
                sys.executable,
                __file__,
                "--child",
                str(parquet),
                operation,
                args.memory_limit,
                str(out),
                middle,
            ]
            subprocess.run(cmd, check=True)  # noqa: S603 - this script, fixed arguments
            r = json.loads(out.read_text())
            print(
                f"| {operation:<22} | {r['rows']:>10,} | {r['seconds']:>8.2f} | {r['peak_mb']:>11.0f} "
                f"| {what}"
            )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(*sys.argv[2:7])
    else:
        main()
