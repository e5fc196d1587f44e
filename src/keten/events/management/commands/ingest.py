"""`keten ingest CHAIN FILE --partner P [--mapping FILE]`: deliver one file of events.

Prints a progress line per phase and a summary table; exits 1 when the file was not accepted.
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from django.core.management.base import CommandError, CommandParser
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from keten.chains.models import Chain
from keten.cli import DataCommand
from keten.events.actions import ingest_file

PHASES = {
    "read": "Reading the file",
    "bsn": "Checking every text column for BSNs",
    "validate": "Validating events against the chain model",
    "store": "Storing new events",
}


def _problem_table(title: str, problems) -> Table:
    table = Table(title=title, show_lines=True)
    for column in ("code", "count", "message", "first rows", "examples"):
        table.add_column(column)
    for p in problems:
        table.add_row(
            p.code, str(p.count or ""), p.message, ", ".join(map(str, p.rows)), "; ".join(p.examples)
        )
    return table


class Command(DataCommand):
    help = "Validate a partner's event file (CSV, XES, XES.gz, Parquet, Excel, ODS) and store its new events."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("chain", metavar="CHAIN", help="chain slug")
        parser.add_argument("file", metavar="FILE", type=Path)
        parser.add_argument(
            "--partner",
            metavar="P",
            help="code of the delivering partner; leave out for a chain-wide file with a 'partner' column",
        )
        parser.add_argument(
            "--mapping",
            metavar="FILE",
            type=Path,
            help="column mapping (YAML or JSON) instead of the one stored with the partner",
        )
        parser.add_argument("--json", action="store_true", help="print the report as JSON")

    def handle(self, *args, chain: str, file: Path, partner: str | None, mapping: Path | None, **options):
        chain_obj = Chain.objects.filter(slug=chain).first()
        if chain_obj is None:
            known = ", ".join(Chain.objects.values_list("slug", flat=True)) or "none yet"
            raise CommandError(f"No chain '{chain}'. Known chains: {known}.")
        if not file.is_file():
            raise CommandError(f"File {file} does not exist.")
        mapping_dict = None
        if mapping is not None:
            try:
                mapping_dict = yaml.safe_load(mapping.read_text(encoding="utf-8")) or {}
            except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
                raise CommandError(f"Cannot read the mapping file {mapping}: {exc}") from exc
        console = Console(stderr=True)
        with Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        ) as progress:
            current = {"task": None}

            def step(name: str) -> None:
                if current["task"] is not None:
                    progress.update(current["task"], completed=1, total=1)
                current["task"] = progress.add_task(PHASES.get(name, name), total=None)

            report = ingest_file(chain_obj, file, partner=partner, mapping=mapping_dict, progress=step)
            if current["task"] is not None:
                progress.update(current["task"], completed=1, total=1)

        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
        else:
            out = Console(file=self.stdout, width=120)
            summary = Table(title=f"{report.file} -> {report.chain}", show_header=False)
            summary.add_row("status", report.status)
            summary.add_row("format", report.format or "-")
            summary.add_row("policy", report.policy)
            for key, value in report.counts.items():
                summary.add_row(key.replace("_", " "), f"{value:,}")
            summary.add_row("batch", report.batch_id or "-")
            out.print(summary)
            for title, problems in (
                ("Problems", report.problems),
                ("Notices (nothing refused)", report.notices),
            ):
                if problems:
                    out.print(_problem_table(title, problems))
        if not report.accepted and report.status != "already_delivered":
            raise SystemExit(1)
