"""`keten report CHAIN --month 2026-10`: the monthly chain report as PDF or HTML."""

from __future__ import annotations

import time
from pathlib import Path

from django.core.management.base import CommandError
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from keten.chains.models import Chain
from keten.cli import DataCommand
from keten.periods import Month
from keten.reports.actions import make_report
from keten.reports.assemble import EDITIONS, LANGUAGES
from keten.reports.forms import last_complete_month
from keten.reports.models import report_filename

STEPS = {
    "figures": "Computing the month's figures",
    "assemble": "Assembling the sections",
    "charts": "Drawing the charts",
    "html": "Writing HTML",
    "pdf": "Typesetting the PDF",
}


class Command(DataCommand):
    help = "Make the monthly chain report (steering or operations edition) as PDF or HTML."

    def add_arguments(self, parser) -> None:
        parser.add_argument("chain", help="The chain's slug.")
        parser.add_argument("--month", help="YYYY-MM; default: last month.")
        parser.add_argument("--edition", choices=EDITIONS, default="bestuurlijk")
        parser.add_argument("--format", choices=("pdf", "html"), default="pdf", dest="fmt")
        parser.add_argument("--language", choices=LANGUAGES, default="nl")
        parser.add_argument(
            "--out", help="Output file; default: <chain>-<month>-<edition>-<language>.<format>."
        )
        parser.add_argument(
            "--suppress",
            action="store_true",
            help="Hide small numbers in the operations edition too (the steering edition always does).",
        )

    def handle(
        self,
        *args,
        chain: str,
        month: str | None,
        edition: str,
        fmt: str,
        language: str,
        out: str | None,
        suppress: bool,
        **options,
    ) -> None:
        found = Chain.objects.filter(slug=chain).first()
        if found is None:
            known = ", ".join(Chain.objects.values_list("slug", flat=True)) or "none yet"
            raise CommandError(f"No chain {chain!r}. Known chains: {known}.")
        try:
            period = Month.parse(month) if month else last_complete_month()
        except ValueError as exc:
            raise CommandError(f"--month: {exc}") from None
        target = Path(out or report_filename(found.slug, str(period), edition, language, fmt))
        if not target.parent.exists():
            raise CommandError(f"--out {target}: the folder {target.parent} does not exist.")
        console = Console(file=self.stderr._out, stderr=True)
        started = time.perf_counter()
        steps = [s for s in STEPS if s not in ({"pdf", "html"} - {fmt})]
        with Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=False,
            disable=not console.is_terminal and options.get("verbosity", 1) < 2,
        ) as progress:
            task = progress.add_task(STEPS[steps[0]], total=len(steps))

            def step(name: str) -> None:
                done = steps.index(name)
                progress.update(task, completed=done, description=STEPS[name])

            try:
                rendered = make_report(
                    found,
                    period,
                    edition=edition,
                    language=language,
                    # The command is run by whoever runs the server: coordinator-level.
                    suppress=suppress,
                    formats=(fmt,),
                    progress=step,
                )
            except (OSError, ValueError) as exc:
                raise CommandError(f"The report could not be made: {exc}") from None
            progress.update(task, completed=len(steps), description="Done")
        content = rendered.pdf if fmt == "pdf" else rendered.html.encode("utf-8")
        # Write to a temporary name first: a reader never finds half a report.
        temp = target.with_name(f".{target.name}.tmp")
        temp.write_bytes(content)
        temp.replace(target)
        seconds = time.perf_counter() - started
        hidden = "small numbers hidden" if rendered.report.suppressed else "small numbers NOT hidden"
        self.stdout.write(
            f"Wrote {target} ({len(content) / 1024:.0f} KB, "
            f"{rendered.report.edition_label}, {hidden}) in {seconds:.1f} s."
        )
