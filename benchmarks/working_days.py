"""What working days cost: the whole suite with the werk chain's norms in calendar days and in
working days, on the same generated log (DuckDB).

    uv run python benchmarks/working_days.py [--events 1000000] [--repeat 3] [--threads 2]

Both runs compute the handovers' `median_working_days` (the suite always does); the working
run also counts every norm in working days (two joins with the working-day index per norm).
It also times the handover frame alone with and without the working-day column. It prints the
events, the best of `--repeat` runs in seconds for each and the ratios.
"""

from __future__ import annotations

import argparse
import dataclasses
import time

from keten.analytics import engine, flow, suite
from keten.analytics.flow import SECONDS_PER_DAY, _handover_edges, day_stats, stats_table, to_frame
from keten.analytics.prepare import make_filters, prepare
from keten.analytics.synthetic import synthetic_events
from keten.chains.definition import load_chain_definition, reference_chain_files


def _best(repeat: int, run) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return min(times)


def _calendar_handovers(p) -> None:
    """The handover frame as before working days: the same statistics without the joins."""
    h = _handover_edges(p)
    to_frame(stats_table(h.group_by("from_partner", "to_partner").agg(**day_stats(h.seconds))))


def _working_handovers(p) -> None:
    h = p.with_working_seconds(_handover_edges(p), "ts", "left", "working_seconds")
    median = (h.working_seconds / SECONDS_PER_DAY).median()
    to_frame(
        stats_table(
            h.group_by("from_partner", "to_partner").agg(**day_stats(h.seconds), median_working_days=median)
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()

    werk = load_chain_definition(next(p for p in reference_chain_files() if p.stem == "werk"))
    working = dataclasses.replace(
        werk, agreements=tuple(dataclasses.replace(a, days_kind="working") for a in werk.agreements)
    )
    con = engine.connect("duckdb", threads=args.threads)
    table = synthetic_events(werk, args.events, seed=7)
    events = engine.events_from_frame(con, table)

    calendar_s = _best(args.repeat, lambda: suite.run_suite(events, werk))
    working_s = _best(args.repeat, lambda: suite.run_suite(events, working))
    p = prepare(events, werk, make_filters(werk)).cache()
    flow.handovers(p, werk)  # the working-day index built once, as in the suite
    plain_h = _best(args.repeat, lambda: _calendar_handovers(p))
    working_h = _best(args.repeat, lambda: _working_handovers(p))
    cases = suite.extent(p)["cases"]
    print(f"events: {table.num_rows:,}  cases: {cases:,}  agreements: {len(werk.agreements)}")
    print(f"suite, norms in calendar days: {calendar_s:.2f} s")
    print(f"suite, norms in working days:  {working_s:.2f} s  (ratio {working_s / calendar_s:.2f})")
    print(f"handovers without working days: {plain_h:.3f} s")
    print(f"handovers with median_working_days: {working_h:.3f} s  (ratio {working_h / plain_h:.2f})")


if __name__ == "__main__":
    main()
