"""Published monthly reports: the archive the steering group reads."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from keten.chains.models import Chain


class PublishedReport(models.Model):
    """One month's report as the coordinator published it: the PDF and HTML are frozen, so the
    archive shows what the steering group was given even after later deliveries."""

    class Edition(models.TextChoices):
        BESTUURLIJK = "bestuurlijk", _("Steering edition")
        UITVOERING = "uitvoering", _("Operations edition")

    class Language(models.TextChoices):
        NL = "nl", _("Dutch")
        EN = "en", _("English")

    chain = models.ForeignKey(Chain, on_delete=models.CASCADE, related_name="published_reports")
    month = models.DateField(_("month"), help_text=_("The first day of the month the report covers."))
    edition = models.CharField(_("edition"), max_length=20, choices=Edition.choices)
    language = models.CharField(_("language"), max_length=2, choices=Language.choices, default=Language.NL)
    title = models.CharField(_("title"), max_length=200)
    pdf = models.BinaryField(_("PDF"))
    html = models.TextField(_("HTML"))
    # The store version the figures were computed from, to tell whether data has changed since.
    store_version = models.CharField(_("store version"), max_length=64, blank=True)
    suppressed = models.BooleanField(_("small numbers hidden"), default=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(_("published at"), auto_now=True)

    class Meta:
        ordering = ["chain", "-month", "edition", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["chain", "month", "edition", "language"],
                name="one_published_report_per_month_edition",
            )
        ]
        verbose_name = _("published report")
        verbose_name_plural = _("published reports")

    def __str__(self) -> str:
        return f"{self.chain.slug} {self.month:%Y-%m} {self.edition} ({self.language})"

    @property
    def month_key(self) -> str:
        """The month as 'YYYY-MM'."""
        return f"{self.month:%Y-%m}"

    def filename(self, extension: str = "pdf") -> str:
        """A download name such as `werk-2026-10-bestuurlijk-nl.pdf`."""
        return report_filename(self.chain.slug, self.month, self.edition, self.language, extension)


def report_filename(slug: str, month: dt.date | str, edition: str, language: str, extension: str) -> str:
    """`<chain>-<YYYY-MM>-<edition>-<language>.<extension>`."""
    key = month if isinstance(month, str) else f"{month:%Y-%m}"
    return f"{slug}-{key}-{edition}-{language}.{extension}"
