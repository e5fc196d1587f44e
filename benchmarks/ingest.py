"""Benchmark: ingest a large CSV delivery (default 10 million events) and report speed and memory.

    uv run python benchmarks/ingest.py [--events 10000000] [--csv FILE] [--keep] [--floor]

The CSV is a chain-wide export of the labour-participation reference chain (`werk`), made by the demo
generator (`keten.demo.generator.generate_events`; `keten.analytics.synthetic` when the demo
app is absent). Local Amsterdam times, no event ids, a JSON attributes
column: what a partner's export looks like. The ingestion runs in a fresh child process, so the
peak resident memory reported is that of the ingestion alone. Goal: >= 1M events/s on 2 cores,
peak RSS < 2 GB, within 1.5x of the bare copy. `--floor` also times a bare DuckDB copy of the
same CSV to Parquet, with and without the row numbers Keten keeps (the delivery position):
the least any pass over the file costs on this machine.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup_django(data_dir: Path) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "keten.conf.ci"
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    import django
    from django.conf import settings

    django.setup()
    settings.KETEN_DATA_DIR = data_dir


def werk_spec():
    from keten.chains.definition import load_chain_definition

    return load_chain_definition(ROOT / "src" / "keten" / "demo" / "chains" / "werk.yaml")


def make_csv(path: Path, events: int) -> str:
    """Write the delivery; return which generator made it."""
    import duckdb
    import pyarrow.parquet as pq

    spec = werk_spec()
    try:
        from keten.demo.generator import cases_for_events, generate_events

        summary = generate_events(
            spec, cases=cases_for_events(spec, events, seed=0), seed=0, out_path=path.with_suffix(".parquet")
        )
        table, source = pq.read_table(summary.path), "keten.demo.generator"
        summary.path.unlink()
    except ImportError:
        from keten.analytics.synthetic import synthetic_events

        table, source = synthetic_events(spec, events), "keten.analytics.synthetic"
    con = duckdb.connect()
    con.execute("SET TimeZone = 'Europe/Amsterdam'")
    con.register("generated", table)
    con.execute(
        "COPY (SELECT case_id, partner, activity, strftime(timestamp, '%Y-%m-%d %H:%M:%S') AS timestamp, "
        f"lifecycle, attributes FROM generated) TO '{path}' (HEADER, DELIMITER ',')"
    )
    return source


def _cpu_seconds() -> float:
    """CPU time of this process, all threads: unlike wall time, barely moved by other load."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run_ingest(csv: Path) -> dict:
    """In the child: migrate an in-memory database, save the chain, ingest once, report."""
    data_dir = Path(tempfile.mkdtemp(prefix="keten-bench-"))
    setup_django(data_dir)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from keten.chains.actions import save_chain_spec
    from keten.events.actions import ingest_file

    spec = werk_spec()
    chain = save_chain_spec(spec)
    chain.reject_policy = "reject_file"
    chain.save()
    phases: list[tuple[str, float]] = []
    cpu_before = _cpu_seconds()
    started = time.perf_counter()
    report = ingest_file(
        chain, csv, partner=None, progress=lambda step: phases.append((step, time.perf_counter()))
    )
    seconds = time.perf_counter() - started
    cpu = _cpu_seconds() - cpu_before
    marks = [*phases, ("end", started + seconds)]
    timings = {step: round(marks[i + 1][1] - at, 2) for i, (step, at) in enumerate(marks[:-1])}
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "status": report.status,
        "problems": [p.code for p in report.problems],
        "rows_read": report.rows_read,
        "rows_stored": report.rows_stored,
        "seconds": seconds,
        "cpu_seconds": cpu,
        "phases": timings,
        "peak_rss_mb": peak_kb / 1024,
        "cpus": os.cpu_count(),
        "store_mb": sum(p.stat().st_size for p in (data_dir / "events").rglob("*.parquet")) / 1e6,
    }


def run_floor(csv: Path) -> dict:
    """In the child: the least any CSV-to-store pass must do, with the store's own Parquet settings.

    `plain copy` reads the CSV and writes its columns as they are; `copy + row numbers` also
    numbers the rows in file order, as Keten does for the delivery position.
    No mapping, no checks, no BSN guard, no time zone: a lower bound for the real ingestion.
    """
    import duckdb

    out = Path(tempfile.mkdtemp(prefix="keten-floor-")) / "floor.parquet"
    con = duckdb.connect()
    con.execute(f"SET memory_limit = '{os.environ.get('KETEN_INGEST_MEMORY', '1GB')}'")
    con.execute("SET preserve_insertion_order = false")
    src = f"read_csv('{csv}', all_varchar = true, header = true, delim = ',', quote = '\"', escape = '\"')"
    timings = {}
    numbered = "*, row_number() OVER () AS batch_row"
    for label, columns in (("plain copy", "*"), ("copy + row numbers", numbered)):
        started = time.perf_counter()
        con.execute(
            f"COPY (SELECT {columns} FROM {src}) TO '{out}' "  # noqa: S608
            "(FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1, ROW_GROUP_SIZE 250000)"
        )
        timings[label] = time.perf_counter() - started
    out.unlink()
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--csv", type=Path, help="ingest this CSV instead of generating one")
    parser.add_argument("--keep", action="store_true", help="keep the generated CSV")
    parser.add_argument(
        "--floor", action="store_true", help="also time a bare CSV-to-Parquet copy (the lower bound)"
    )
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--floor-child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--generate-to", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        print(json.dumps(run_ingest(args.child)))
        return
    if args.floor_child:
        print(json.dumps(run_floor(args.floor_child)))
        return
    if args.generate_to:
        setup_django(args.generate_to.parent)
        print(make_csv(args.generate_to, args.events))
        return

    workdir = Path(tempfile.mkdtemp(prefix="keten-bench-csv-"))
    csv = args.csv
    source = "given"
    if csv is None:
        csv = workdir / "werk-events.csv"
        started = time.perf_counter()
        # Generate in a child of its own: Linux carries a parent's peak RSS over into a forked
        # child's ru_maxrss, so the generator's memory must not live in this process.
        generated = subprocess.run(
            [sys.executable, __file__, "--generate-to", str(csv), "--events", str(args.events)],
            capture_output=True,
            text=True,
            check=True,
        )
        source = generated.stdout.strip().splitlines()[-1]
        print(
            f"generated {csv} ({csv.stat().st_size / 1e6:.0f} MB) with {source} "
            f"in {time.perf_counter() - started:.1f} s",
            file=sys.stderr,
        )
    child = subprocess.run(
        [sys.executable, __file__, "--child", str(csv)], capture_output=True, text=True, check=False
    )
    if child.returncode != 0:
        print(child.stderr, file=sys.stderr)
        sys.exit(child.returncode)
    result = json.loads(child.stdout.strip().splitlines()[-1])
    floor = {}
    if args.floor:
        floor_child = subprocess.run(
            [sys.executable, __file__, "--floor-child", str(csv)], capture_output=True, text=True, check=True
        )
        floor = json.loads(floor_child.stdout.strip().splitlines()[-1])
    if args.csv is None and not args.keep:
        csv.unlink()

    rate = result["rows_read"] / result["seconds"]
    rows = [
        ("generator", source),
        ("status", f"{result['status']} {','.join(result['problems'])}".strip()),
        ("events read", f"{result['rows_read']:,}"),
        ("events stored", f"{result['rows_stored']:,}"),
        ("CSV size (MB)", f"{csv.stat().st_size / 1e6:,.0f}" if csv.exists() else "-"),
        ("store size (MB)", f"{result['store_mb']:,.0f}"),
        ("CPU cores", str(result["cpus"])),
        ("seconds", f"{result['seconds']:.2f}"),
        ("CPU seconds", f"{result['cpu_seconds']:.2f}  (all threads; 2 cores give 2 per second)"),
        ("  by phase", ", ".join(f"{k} {v:.2f}" for k, v in result["phases"].items())),
        ("events / second", f"{rate:,.0f}  (goal >= 1,000,000)"),
        ("peak RSS (MB)", f"{result['peak_rss_mb']:,.0f}  (goal < 2,048)"),
    ]
    for label, seconds in floor.items():
        ratio = result["seconds"] / seconds
        rows.append(
            (
                f"floor: {label}",
                f"{seconds:.2f} s = {result['rows_read'] / seconds:,.0f} events/s; Keten {ratio:.2f}x"
                + ("  (goal <= 1.5x)" if label == "plain copy" else ""),
            )
        )
    width = max(len(k) for k, _ in rows)
    print(f"{'measure':<{width}}  value")
    for key, value in rows:
        print(f"{key:<{width}}  {value}")


if __name__ == "__main__":
    main()
