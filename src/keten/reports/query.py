"""Filters on published reports."""

from __future__ import annotations

from django.db import models

from keten.reports.assemble import BESTUURLIJK


def published_visible_to(chain, role: str) -> models.QuerySet:
    """The chain's published reports a member with `role` may open: steering members see the
    steering edition only; coordinators and analysts see every edition."""
    from keten.reports.models import PublishedReport

    reports = PublishedReport.objects.filter(chain=chain).defer("pdf", "html")
    if role == "steering":
        reports = reports.filter(edition=BESTUURLIJK)
    return reports
