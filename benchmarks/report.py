"""Benchmark: the monthly chain report for a chain with about 1M events.

Usage:
    uv run python benchmarks/report.py [--events 1000000] [--month 2024-06] [--data-dir DIR]

Loads the labour-participation reference chain (`werk.yaml`) into a scratch data dir, stores
synthetic events (`keten.analytics.synthetic`, two years from 2023-01-01) as one batch, then
makes the report as `keten report` does and prints a table: the month's figures (cold: the
metric suite over all events up to the month's end), assembly, the charts (vl-convert SVG),
HTML, PDF (typst), the whole cold run for both editions and a warm run (figures from the
cache). The target is a whole cold report within 30 s.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path


def setup(data_dir: Path) -> None:
    os.environ["KETEN_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "keten.conf.dev")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def load_chain(events: int):
    import pyarrow.parquet as pq
    from django.conf import settings

    from keten.analytics.synthetic import synthetic_events
    from keten.chains.actions import save_chain_spec
    from keten.chains.definition import REFERENCE_DIR, load_chain_definition
    from keten.events.models import IngestBatch
    from keten.events.store import batch_path

    spec = load_chain_definition(Path(REFERENCE_DIR) / "werk.yaml")
    chain = save_chain_spec(spec)
    if IngestBatch.objects.filter(chain=chain).exists():
        return chain
    table = synthetic_events(spec, events, start="2023-01-01", span_days=730, batch_id="bench")
    # Written straight into the store with its manifest row: ingestion has its own benchmark.
    target = batch_path(chain, "bench")
    target.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, target)
    IngestBatch.objects.create(
        chain=chain,
        batch_id="bench",
        source_name="synthetic",
        source_format="parquet",
        source_sha256="bench",
        rows_read=table.num_rows,
        rows_accepted=table.num_rows,
        rows_stored=table.num_rows,
    )
    print(f"{table.num_rows:,} events stored in {settings.KETEN_DATA_DIR}", file=sys.stderr)
    return chain


def timed(label: str, rows: list, fn):
    start = time.perf_counter()
    result = fn()
    rows.append((label, time.perf_counter() - start))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--month", default="2024-06")
    parser.add_argument("--data-dir", type=Path, help="reuse this data dir (default: a scratch dir)")
    args = parser.parse_args()
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="keten-report-bench-"))
    setup(data_dir)
    from keten.figures.metrics import result_cache
    from keten.reports.assemble import assemble_report
    from keten.reports.figures import Month, month_figures
    from keten.reports.render import chart_svgs, render_html, render_pdf

    chain = load_chain(args.events)
    month = Month.parse(args.month)
    result_cache().clear(chain.slug)
    rows: list[tuple[str, float]] = []
    cold = time.perf_counter()
    figures = timed("month figures (cold)", rows, lambda: month_figures(chain, month))
    pages = {}
    for edition in ("bestuurlijk", "uitvoering"):
        report = timed(
            f"assemble {edition}",
            rows,
            lambda e=edition: assemble_report(chain, month, edition=e, figures=figures),
        )
        svgs = timed(f"charts {edition}", rows, lambda r=report: chart_svgs(r))
        timed(f"html {edition}", rows, lambda r=report, s=svgs: render_html(r, svgs=s))
        pdf = timed(f"pdf {edition}", rows, lambda r=report, s=svgs: render_pdf(r, svgs=s))
        import io

        from pypdf import PdfReader

        pages[edition] = len(PdfReader(io.BytesIO(pdf)).pages)
        if edition == "bestuurlijk":
            rows.append(("steering PDF, as `keten report` (cold)", time.perf_counter() - cold))
    rows.append(("whole report, both editions (cold)", time.perf_counter() - cold))

    def warm() -> None:
        report = assemble_report(chain, month, edition="bestuurlijk")
        render_pdf(report)

    timed("steering PDF again (figures cached)", rows, warm)
    print(f"\nMonthly report, {figures.events:,} events up to the end of {month}, {figures.cases:,} cases")
    print(f"{'step':<40} {'seconds':>8}")
    print("-" * 49)
    for label, seconds in rows:
        print(f"{label:<40} {seconds:>8.2f}")
    print(f"\npages: steering {pages['bestuurlijk']}, operations {pages['uitvoering']}")


if __name__ == "__main__":
    main()
