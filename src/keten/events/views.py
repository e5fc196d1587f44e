"""Deliveries page: upload a file, read its validation report, see (and withdraw) batches."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from keten.chains.actions import record_audit
from keten.chains.models import Membership
from keten.chains.permissions import chain_and_membership
from keten.events.actions import RestoreConflict, ingest_file, restore_batch, withdraw_batch
from keten.events.forms import DeliveryForm
from keten.events.query import batches_visible_to, may_download_rejects
from keten.events.uploads import save_upload, upload_refused

Role = Membership.Role


@login_required
def deliveries(request, slug):
    chain, membership = chain_and_membership(request, slug)
    partners = membership.deliverable_partners()
    report = None
    upload_error = ""
    form = DeliveryForm(partners=partners) if partners.exists() else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        form = DeliveryForm(request.POST, request.FILES, partners=partners)
        if upload_error := upload_refused(request):
            form = DeliveryForm(partners=partners, initial={"partner": request.POST.get("partner")})
        elif form.is_valid():
            upload = form.cleaned_data["file"]
            path = save_upload(upload, chain)
            try:
                report = ingest_file(
                    chain,
                    path,
                    partner=form.cleaned_data["partner"],
                    user=request.user,
                    source_name=upload.name,
                )
            finally:
                path.unlink(missing_ok=True)
    batches = batches_visible_to(membership)
    return render(
        request,
        "events/deliveries.html",
        {
            "chain": chain,
            "membership": membership,
            "form": form,
            "report": report,
            "upload_error": upload_error,
            "batches": [(b, may_download_rejects(membership, b)) for b in batches[:200]],
            "is_coordinator": membership.is_coordinator,
        },
    )


def _batch(request, slug, batch_id, roles=None):
    chain, membership = chain_and_membership(request, slug, roles)
    batch = get_object_or_404(batches_visible_to(membership), batch_id=batch_id)
    return chain, membership, batch


@login_required
@require_POST
def withdraw(request, slug, batch_id):
    chain, _membership, batch = _batch(request, slug, batch_id, roles=(Role.COORDINATOR,))
    withdraw_batch(batch, request.user)
    messages.success(
        request, _("Batch %(batch)s is withdrawn: analytics no longer read it.") % {"batch": batch_id}
    )
    return redirect("events-deliveries", chain.slug)


@login_required
@require_POST
def restore(request, slug, batch_id):
    chain, _membership, batch = _batch(request, slug, batch_id, roles=(Role.COORDINATOR,))
    try:
        restore_batch(batch, request.user)
        messages.success(request, _("Batch %(batch)s is active again.") % {"batch": batch_id})
    except RestoreConflict as exc:
        messages.error(request, str(exc))
    return redirect("events-deliveries", chain.slug)


@login_required
def rejects(request, slug, batch_id):
    chain, membership, batch = _batch(request, slug, batch_id)
    if not may_download_rejects(membership, batch):
        raise PermissionDenied
    path = batch.rejects_path
    if path is None or not path.is_file():
        raise Http404("This batch has no rejected rows.")
    record_audit(
        request.user, chain, "events.rejects_downloaded", batch=batch.batch_id, rows=batch.rows_rejected
    )
    return FileResponse(open(path, "rb"), as_attachment=True, filename=f"rejects-{batch.batch_id}.csv")  # noqa: SIM115
