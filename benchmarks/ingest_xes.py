"""Benchmark: ingest generated XES logs and print events, MB, seconds, peak RSS and events/s.

    uv run python benchmarks/ingest_xes.py [--events 50000 300000] [--keys 30] [--cli] [--keep]

Each log is one partner's (`gemeente` of the reference chain `werk`): traces of about ten events,
`lifecycle:transition` start and complete, `org:resource`, and `--keys` attribute keys per event
in all. A few of those keys first appear only in the last tenth of the log, so the reader has to
widen its table late, as real logs make it do. The ingestion runs in a fresh child process
(`ingest_file`, the default `KETEN_INGEST_MEMORY`), so the peak RSS is that of one ingestion
alone, Python, Django and the libraries included. `--cli` also times `keten ingest` end to end
(interpreter start, Django, the command) in a data directory of its own.
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
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WERK = ROOT / "src" / "keten" / "demo" / "chains" / "werk.yaml"
ACTIVITIES = (
    "aanmelding_bijstand",
    "intakegesprek",
    "brede_diagnose",
    "trajectplan_vastgesteld",
    "uitkering_beeindigd",
    "nazorggesprek",
    "werkend_na_zes_maanden",
)
LATE_KEYS = 5  # keys that first appear in the last tenth of the log
EVENTS_PER_TRACE = 10


def write_xes(path: Path, events: int, keys: int) -> None:
    """Write a log of `events` events with `keys` attribute keys per event (streamed, never whole)."""
    start = datetime(2023, 1, 2, 8, 0)
    fixed = 4  # concept:name, time:timestamp, lifecycle:transition, org:resource
    extra = max(0, keys - fixed)
    late = min(LATE_KEYS, extra)
    early_keys = [f"Kenmerk {k}" for k in range(extra - late)]
    late_keys = [f"Laat kenmerk {k}" for k in range(late)]
    late_from = events - events // 10
    with open(path, "w", encoding="utf-8") as out:
        out.write(
            '<?xml version="1.0" encoding="UTF-8"?>\n<log xes.version="1.0" xmlns="http://www.xes-standard.org/">\n'
        )
        out.write('<string key="concept:name" value="generated"/>\n')
        for n in range(events):
            if n % EVENTS_PER_TRACE == 0:
                if n:
                    out.write("</trace>\n")
                case = n // EVENTS_PER_TRACE
                out.write(
                    f'<trace>\n<string key="concept:name" value="zaak-{case:07d}"/>\n'
                    f'<string key="Regio" value="regio {case % 12}"/>\n'
                )
            step = n % EVENTS_PER_TRACE
            when = start + timedelta(minutes=(n // EVENTS_PER_TRACE) * 7 + step * 90 + (n % 60) / 60)
            parts = [
                f'<string key="concept:name" value="{ACTIVITIES[(step // 2) % len(ACTIVITIES)]}"/>',
                f'<date key="time:timestamp" value="{when:%Y-%m-%dT%H:%M:%S}.{n % 1000:03d}+01:00"/>',
                f'<string key="lifecycle:transition" value="{"start" if step % 2 == 0 else "complete"}"/>',
                f'<string key="org:resource" value="medewerker {n % 40}"/>',
            ]
            parts += [
                f'<string key="{k}" value="waarde {(n * (i + 3)) % 500} van {k}"/>'
                for i, k in enumerate(early_keys)
            ]
            if n >= late_from:
                # One more late key every few thousand events: the table grows more than once.
                shown = min(late, 1 + (n - late_from) * late // max(1, events - late_from))
                parts += [f'<string key="{k}" value="laat {n % 50}"/>' for k in late_keys[:shown]]
            out.write("<event>" + "".join(parts) + "</event>\n")
        out.write("</trace>\n</log>\n")


def setup_django(data_dir: Path) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "keten.conf.ci"
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    import django
    from django.conf import settings

    django.setup()
    settings.KETEN_DATA_DIR = data_dir


def run_ingest(path: Path) -> dict:
    """In the child: migrate an in-memory database, save the chain, ingest once, report."""
    data_dir = Path(tempfile.mkdtemp(prefix="keten-bench-xes-"))
    setup_django(data_dir)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from keten.chains.actions import save_chain_spec
    from keten.chains.definition import load_chain_definition
    from keten.events.actions import ingest_file

    chain = save_chain_spec(load_chain_definition(WERK))
    phases: list[tuple[str, float]] = []
    usage = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    report = ingest_file(
        chain, path, partner="gemeente", progress=lambda step: phases.append((step, time.perf_counter()))
    )
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = after.ru_utime + after.ru_stime - usage.ru_utime - usage.ru_stime
    marks = [*phases, ("end", started + seconds)]
    return {
        "status": report.status,
        "problems": [p.code for p in report.problems],
        "rows_stored": report.rows_stored,
        "seconds": seconds,
        "cpu_seconds": cpu,
        "phases": " ".join(f"{step} {marks[i + 1][1] - at:.2f}" for i, (step, at) in enumerate(marks[:-1])),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def run_cli(path: Path) -> float:
    """Seconds for `keten ingest werk FILE --partner gemeente`, a fresh process, wall clock."""
    data_dir = Path(tempfile.mkdtemp(prefix="keten-bench-cli-"))
    env = {**os.environ, "KETEN_DATA_DIR": str(data_dir), "DJANGO_SETTINGS_MODULE": "keten.conf.dev"}
    keten = [sys.executable, "-m", "keten.cli"]
    subprocess.run([*keten, "migrate", "-v0"], env=env, check=True, capture_output=True)
    subprocess.run([*keten, "chain", "import", str(WERK)], env=env, check=True, capture_output=True)
    started = time.perf_counter()
    subprocess.run(
        [*keten, "ingest", "werk", str(path), "--partner", "gemeente"],
        env=env,
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, nargs="+", default=[50_000, 300_000])
    parser.add_argument("--keys", type=int, default=30, help="attribute keys per event (default 30)")
    parser.add_argument("--cli", action="store_true", help="also time `keten ingest` end to end")
    parser.add_argument("--keep", action="store_true", help="keep the generated logs")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_ingest(args.child)))
        return

    workdir = Path(tempfile.mkdtemp(prefix="keten-bench-xes-"))
    rows = []
    for events in args.events:
        path = workdir / f"werk-{events}.xes"
        write_xes(path, events, args.keys)
        child = subprocess.run(
            [sys.executable, __file__, "--child", str(path)], capture_output=True, text=True
        )
        if child.returncode != 0:
            print(child.stderr, file=sys.stderr)
            sys.exit(child.returncode)
        result = json.loads(child.stdout.strip().splitlines()[-1])
        cli = f"{run_cli(path):.2f}" if args.cli else "-"
        status = f"{result['status']} {','.join(result['problems'])}".strip()
        rows.append(
            (
                f"{events:,}",
                f"{args.keys}",
                f"{path.stat().st_size / 1e6:,.0f}",
                f"{result['seconds']:.2f}",
                f"{result['cpu_seconds']:.2f}",
                cli,
                f"{events / result['seconds']:,.0f}",
                f"{result['peak_rss_mb']:,.0f}",
                status,
                result["phases"],
            )
        )
        if not args.keep:
            path.unlink()
    header = (
        "events",
        "keys",
        "MB",
        "seconds",
        "CPU s",
        "keten ingest s",
        "events/s",
        "peak RSS MB",
        "status",
        "by phase (s)",
    )
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    print("  ".join(h.rjust(w) for h, w in zip(header, widths, strict=True)))
    for row in rows:
        print("  ".join(v.rjust(w) for v, w in zip(row, widths, strict=True)))
    memory = os.environ.get("KETEN_INGEST_MEMORY", "1GB")
    print(f"memory cap: KETEN_INGEST_MEMORY={memory}; CPU cores: {os.cpu_count()}")


if __name__ == "__main__":
    main()
