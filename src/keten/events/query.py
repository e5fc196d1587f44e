"""Which batches a member of the chain may see."""

from __future__ import annotations

from django.db import models

from keten.chains.models import Membership


def batches_visible_to(membership: Membership) -> models.QuerySet:
    """Coordinators and steering members see every batch of the chain (steering: the list only,
    never the rejected rows); a partner analyst sees the batches of their own partner."""
    from keten.events.models import IngestBatch

    batches = IngestBatch.objects.filter(chain_id=membership.chain_id).select_related("partner")
    if membership.role == Membership.Role.ANALYST:
        return batches.filter(partner_id=membership.partner_id)
    return batches


def may_download_rejects(membership: Membership, batch) -> bool:
    """Rejected rows are case rows: the coordinator, or the analyst of the delivering partner
    (the members who may deliver for it)."""
    return membership.delivers_for(batch.partner)


def stored_batches(chain) -> models.QuerySet:
    """The chain's active deliveries that stored events, oldest first."""
    from keten.events.models import IngestBatch

    return (
        IngestBatch.objects.filter(
            chain__slug=chain.slug, status=IngestBatch.Status.ACTIVE, rows_stored__gt=0
        )
        .select_related("partner")
        .order_by("created_at", "id")
    )
