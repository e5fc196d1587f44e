"""Verbs of the reports app: make a report, publish it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction

from keten.chains.actions import record_audit
from keten.periods import Month
from keten.reports.assemble import assemble_report
from keten.reports.document import BESTUURLIJK, Report
from keten.reports.figures import month_figures
from keten.reports.render import chart_svgs, render_html, render_pdf


@dataclass
class RenderedReport:
    report: Report
    pdf: bytes | None
    html: str | None
    store_version: str


def make_report(
    chain: Any,
    month: str | Month,
    *,
    edition: str = BESTUURLIJK,
    language: str = "nl",
    suppress: bool = True,
    formats: tuple[str, ...] = ("pdf", "html"),
    progress: Any = None,
) -> RenderedReport:
    """Compute, assemble and render one month's report; `progress(step)` hears each step."""
    say = progress or (lambda step: None)
    month = Month.parse(month) if isinstance(month, str) else month
    say("figures")
    figures = month_figures(chain, month)
    say("assemble")
    report = assemble_report(
        chain, month, edition=edition, language=language, suppress=suppress, figures=figures
    )
    say("charts")
    svgs = chart_svgs(report)
    html = pdf = None
    if "html" in formats:
        say("html")
        html = render_html(report, svgs=svgs)
    if "pdf" in formats:
        say("pdf")
        pdf = render_pdf(report, svgs=svgs)
    return RenderedReport(report, pdf, html, figures.store_version)


def publish_report(chain: Any, month: str | Month, *, edition: str, language: str, user: Any) -> Any:
    """Publish (or re-publish) a month's report so members find it in the archive.

    A published report always hides small numbers: it is read by more people than the one who
    made it (the steering group, every partner's analysts).
    """
    from keten.reports.models import PublishedReport

    month = Month.parse(month) if isinstance(month, str) else month
    rendered = make_report(chain, month, edition=edition, language=language, suppress=True)
    with transaction.atomic():
        published, created = PublishedReport.objects.update_or_create(
            chain=chain,
            month=month.first,
            edition=edition,
            language=language,
            defaults={
                "title": rendered.report.title,
                "pdf": rendered.pdf,
                "html": rendered.html,
                "store_version": rendered.store_version,
                "suppressed": True,
                "published_by": user if getattr(user, "is_authenticated", False) else None,
            },
        )
        record_audit(
            user,
            chain,
            "report.published" if created else "report.republished",
            month=str(month),
            edition=edition,
            language=language,
        )
    return published
