"""The manifest of the event store: one IngestBatch per accepted delivery.

The Parquet files under `<KETEN_DATA_DIR>/events/chain=<slug>/` hold the events; a file is
only part of the store once its IngestBatch row exists, so a crash between writing the file
and recording it leaves nothing visible (see `keten.events.store`).
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from keten.chains.models import Chain, Partner


class IngestBatch(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    chain = models.ForeignKey(Chain, on_delete=models.CASCADE, related_name="batches")
    batch_id = models.CharField(_("batch"), max_length=64, unique=True)
    # The delivery's number in the chain (1, 2, ...): with the row in the delivery it orders
    # events of a case at the same moment, so it is stored in the batch file too.
    sequence = models.PositiveBigIntegerField(_("delivery number"))
    # Empty for a chain-wide registration (the demo generator's output holds every partner).
    partner = models.ForeignKey(
        Partner, on_delete=models.PROTECT, null=True, blank=True, related_name="batches"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    username = models.CharField(_("delivered by"), max_length=150, blank=True)
    created_at = models.DateTimeField(_("delivered at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    source_name = models.CharField(_("file"), max_length=255)
    source_format = models.CharField(_("format"), max_length=20)
    source_sha256 = models.CharField(_("checksum (SHA-256)"), max_length=64, db_index=True)
    # Files of another size cannot be a re-delivery: ingestion then need not wait for the checksum.
    source_size = models.PositiveBigIntegerField(_("file size (bytes)"), null=True, blank=True)
    rows_read = models.PositiveBigIntegerField(_("rows read"), default=0)
    rows_accepted = models.PositiveBigIntegerField(_("rows accepted"), default=0)
    rows_rejected = models.PositiveBigIntegerField(_("rows rejected"), default=0)
    rows_already_present = models.PositiveBigIntegerField(_("rows already present"), default=0)
    rows_stored = models.PositiveBigIntegerField(_("rows stored"), default=0)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE)
    report = models.JSONField(_("validation report"), default=dict, blank=True)
    status_changed_by = models.CharField(_("status changed by"), max_length=150, blank=True)
    status_changed_at = models.DateTimeField(_("status changed at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["chain", "sequence"], name="events_batch_sequence_unique")
        ]
        verbose_name = _("ingest batch")
        verbose_name_plural = _("ingest batches")

    def __str__(self) -> str:
        return f"{self.chain.slug}/{self.batch_id}"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    @property
    def path(self) -> Path | None:
        """Return the batch's Parquet file, or None when the delivery added no new events."""
        from keten.events.store import batch_path

        return batch_path(self.chain.slug, self.batch_id) if self.rows_stored else None

    @property
    def rejects_path(self) -> Path | None:
        """Return the quarantined rows (CSV), or None when no row was rejected."""
        from keten.events.store import rejects_path

        return rejects_path(self.chain.slug, self.batch_id) if self.rows_rejected else None
