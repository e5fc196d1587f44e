"""Benchmark of the demo event generator: events per second and peak memory for 1M and 10M events.

    uv run python benchmarks/generator.py [--events 1000000 10000000] [--chain werk] [--chunk-cases 50000]

Each run is a fresh subprocess, so its peak RSS (resource.getrusage) is its own. The output
file goes to a temporary directory and is removed afterwards.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile

from rich.console import Console
from rich.table import Table

RUN = """
import datetime as dt, json, resource, sys, time
from keten.chains.definition import load_chain_definition, reference_chain_files
from keten.demo.generator import cases_for_events, generate_events
chain, events, out, chunk = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
spec = [load_chain_definition(p) for p in reference_chain_files() if p.stem == chain][0]
end = dt.date(2025, 6, 1)
cases = cases_for_events(spec, events, seed=1, end=end)
start = time.perf_counter()
summary = generate_events(spec, cases=cases, seed=1, out_dir=out, end=end, chunk_cases=chunk)
seconds = time.perf_counter() - start
print(json.dumps({
    "cases": summary.cases, "events": summary.events, "seconds": seconds,
    "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "file_mb": summary.path.stat().st_size / 1e6,
}))
"""


def measure(chain: str, events: int, chunk_cases: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="keten-bench-") as out:
        done = subprocess.run(
            [sys.executable, "-c", RUN, chain, str(events), out, str(chunk_cases)],
            capture_output=True,
            text=True,
            check=True,
        )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--chain", choices=["werk", "strafrecht"], default="werk")
    parser.add_argument("--chunk-cases", type=int, default=50_000)
    args = parser.parse_args()

    table = Table(title=f"keten demo generate ({args.chain}, chunks of {args.chunk_cases:,} cases)")
    for column in ("events", "cases", "seconds", "events/s", "peak RSS (MB)", "file (MB)"):
        table.add_column(column, justify="right")
    for events in args.events:
        r = measure(args.chain, events, args.chunk_cases)
        table.add_row(
            f"{r['events']:,}",
            f"{r['cases']:,}",
            f"{r['seconds']:.1f}",
            f"{r['events'] / r['seconds']:,.0f}",
            f"{r['peak_mb']:.0f}",
            f"{r['file_mb']:.0f}",
        )
    Console().print(table)


if __name__ == "__main__":
    main()
