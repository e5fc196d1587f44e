"""Filters on published reports."""

from __future__ import annotations

from django.db import models

from keten.chains import roles


def published_visible_to(chain, membership) -> models.QuerySet:
    """The chain's published reports this member may open (`roles.report_editions_seen`:
    steering members the steering edition only)."""
    from keten.reports.models import PublishedReport

    editions = roles.report_editions_seen(membership.role)
    return PublishedReport.objects.filter(chain=chain, edition__in=editions).defer("pdf", "html")
