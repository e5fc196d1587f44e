"""Pages of the governance register. Every view starts with the chain role check: outsiders
get 404, members without the right for a change get 403."""

from __future__ import annotations

import mimetypes
from pathlib import PurePosixPath

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from keten.chains.models import Chain
from keten.chains.permissions import chain_and_membership
from keten.chains.query import chains_visible_to
from keten.governance import actions, forms
from keten.governance.metrics import LEVELS
from keten.governance.models import (
    Covenant,
    Decision,
    Escalation,
    Meeting,
    RelationshipActivity,
    Seat,
    SuccessStory,
    Table,
)
from keten.governance.query import rights_of, stories_visible_to
from keten.governance.reporting import (
    attendance_by_month,
    escalation_metrics,
    representation,
    representation_warnings,
)

GRAINS = ("month", "quarter", "year")


def _member(request, slug):
    """Return (chain, rights) for a member of the chain; 404 for anyone else."""
    chain, membership = chain_and_membership(request, slug)
    return chain, rights_of(request.user, chain, membership)


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _page(request, chain, rights, template, **context):
    return render(
        request, template, {"chain": chain, "rights": rights, "membership": rights.membership, **context}
    )


def _edit(request, chain, rights, form_class, *, instance=None, title, back, form_kwargs=None, intro=""):
    """Show and save one governance form; on success audit the change and go `back`.

    The coordinator may also delete an existing record from the same page (a POST with
    `delete`); whoever else may edit it may not remove it from the register."""
    form_kwargs = {"chain": chain, **(form_kwargs or {})}
    may_delete = instance is not None and rights.is_coordinator
    if request.method == "POST" and "delete" in request.POST:
        _require(may_delete)
        actions.delete_record(request.user, chain, instance)
        messages.success(request, _("Deleted: %(record)s.") % {"record": str(instance)[:120]})
        return redirect(back)
    if request.method == "POST":
        form = form_class(request.POST, request.FILES, instance=instance, **form_kwargs)
        if form.is_valid():
            actions.save_record(request.user, chain, form)
            messages.success(request, _("Saved."))
            return redirect(back)
    else:
        form = form_class(instance=instance, **form_kwargs)
    return _page(
        request,
        chain,
        rights,
        "governance/form.html",
        form=form,
        title=title,
        back=back,
        intro=intro,
        may_delete=may_delete,
    )


def _url(name: str, chain: Chain, *args) -> str:
    return reverse(f"governance:{name}", args=[chain.slug, *args])


@login_required
def overview(request, slug):
    chain, rights = _member(request, slug)
    today = timezone.localdate()
    figures = escalation_metrics(chain)
    return _page(
        request,
        chain,
        rights,
        "governance/overview.html",
        covenant=chain.covenants.prefetch_related("parties", "agreements").first(),
        warnings=representation_warnings(chain),
        tables=chain.governance_tables.prefetch_related("seats__partner"),
        open_decisions=Decision.objects.filter(
            table__chain=chain, status__in=[Decision.Status.OPEN, Decision.Status.IN_PROGRESS]
        ).select_related("table", "owner_partner")[:10],
        figures=figures[-6:],
        current=figures[-1] if figures else None,
        stories=chain.success_stories.filter(status=SuccessStory.Status.APPROVED).prefetch_related(
            "partners"
        )[:3],
        activities=chain.relationship_activities.prefetch_related("present")[:3],
        today=today,
    )


@login_required
def covenant_list(request, slug):
    chain, rights = _member(request, slug)
    covenants = chain.covenants.prefetch_related("parties", "agreements__owners")
    return _page(
        request, chain, rights, "governance/covenants.html", covenants=covenants, today=timezone.localdate()
    )


@login_required
def covenant_edit(request, slug, pk=None):
    chain, rights = _member(request, slug)
    _require(rights.is_coordinator)
    covenant = get_object_or_404(Covenant, chain=chain, pk=pk) if pk else None
    return _edit(
        request,
        chain,
        rights,
        forms.CovenantForm,
        instance=covenant,
        title=_("Covenant"),
        back=_url("covenants", chain),
    )


@login_required
def covenant_document(request, slug, pk):
    """The signed covenant, for members of the chain only."""
    chain, _rights = _member(request, slug)
    covenant = get_object_or_404(Covenant, chain=chain, pk=pk)
    if not covenant.document:
        raise Http404("No document.")
    name = PurePosixPath(covenant.document.name).name
    return FileResponse(covenant.document.open("rb"), as_attachment=True, filename=name)


@login_required
def table_list(request, slug):
    chain, rights = _member(request, slug)
    tables = sorted(
        chain.governance_tables.prefetch_related("seats__partner", "seats__user"),
        key=lambda t: (-t.level_rank, t.name),
    )
    return _page(
        request,
        chain,
        rights,
        "governance/tables.html",
        tables=tables,
        matrix=representation(chain),
        levels=LEVELS,
        warnings=representation_warnings(chain),
        today=timezone.localdate(),
    )


@login_required
def table_edit(request, slug, pk=None):
    chain, rights = _member(request, slug)
    _require(rights.is_coordinator)
    table = get_object_or_404(Table, chain=chain, pk=pk) if pk else None
    back = _url("table-detail", chain, pk) if pk else _url("tables", chain)
    return _edit(request, chain, rights, forms.TableForm, instance=table, title=_("Table"), back=back)


@login_required
def table_detail(request, slug, pk):
    chain, rights = _member(request, slug)
    table = get_object_or_404(Table, chain=chain, pk=pk)
    today = timezone.localdate()
    seats = table.seats.select_related("partner", "user")
    return _page(
        request,
        chain,
        rights,
        "governance/table_detail.html",
        table=table,
        seats=seats,
        today=today,
        meetings=table.meetings.prefetch_related("present")[:20],
        decisions=table.decisions.select_related("owner_partner").prefetch_related("kpis", "agreements"),
        may_add=rights.may_add_to(table),
    )


@login_required
def seat_edit(request, slug, table_pk, pk=None):
    chain, rights = _member(request, slug)
    _require(rights.is_coordinator)
    table = get_object_or_404(Table, chain=chain, pk=table_pk)
    seat = get_object_or_404(Seat, table=table, pk=pk) if pk else None
    return _edit(
        request,
        chain,
        rights,
        forms.SeatForm,
        instance=seat,
        title=_("Member of %(table)s") % {"table": table.name},
        back=_url("table-detail", chain, table.pk),
        form_kwargs={"table": table},
    )


@login_required
def meeting_edit(request, slug, table_pk, pk=None):
    chain, rights = _member(request, slug)
    table = get_object_or_404(Table, chain=chain, pk=table_pk)
    _require(rights.may_add_to(table))
    meeting = get_object_or_404(Meeting, table=table, pk=pk) if pk else None
    return _edit(
        request,
        chain,
        rights,
        forms.MeetingForm,
        instance=meeting,
        title=_("Meeting of %(table)s") % {"table": table.name},
        back=_url("table-detail", chain, table.pk),
        form_kwargs={"table": table},
    )


@login_required
def decision_list(request, slug):
    chain, rights = _member(request, slug)
    decisions = Decision.objects.filter(table__chain=chain).select_related(
        "table", "owner_partner", "meeting"
    )
    status = request.GET.get("status", "")
    if status in Decision.Status.values:
        decisions = decisions.filter(status=status)
    return _page(
        request,
        chain,
        rights,
        "governance/decisions.html",
        decisions=decisions.prefetch_related("kpis", "agreements"),
        statuses=Decision.Status.choices,
        status=status,
    )


@login_required
def decision_edit(request, slug, table_pk, pk=None):
    chain, rights = _member(request, slug)
    table = get_object_or_404(Table, chain=chain, pk=table_pk)
    _require(rights.may_add_to(table))
    decision = get_object_or_404(Decision, table=table, pk=pk) if pk else None
    return _edit(
        request,
        chain,
        rights,
        forms.DecisionForm,
        instance=decision,
        title=_("Decision of %(table)s") % {"table": table.name},
        back=_url("table-detail", chain, table.pk),
        form_kwargs={"table": table},
    )


@login_required
def attendance(request, slug):
    chain, rights = _member(request, slug)
    months, rows = attendance_by_month(chain)
    return _page(request, chain, rights, "governance/attendance.html", months=months, rows=rows)


@login_required
def escalation_list(request, slug):
    chain, rights = _member(request, slug)
    grain = request.GET.get("grain", "month")
    if grain not in GRAINS:
        grain = "month"
    figures = escalation_metrics(chain, grain)
    return _page(
        request,
        chain,
        rights,
        "governance/escalations.html",
        escalations=chain.escalations.select_related("raised_by", "agreement", "kpi"),
        figures=list(reversed(figures)),
        current=figures[-1] if figures else None,
        grain=grain,
        grains=GRAINS,
    )


@login_required
def escalation_edit(request, slug, pk=None):
    chain, rights = _member(request, slug)
    _require(rights.may_log_escalations)
    escalation = get_object_or_404(Escalation, chain=chain, pk=pk) if pk else None
    return _edit(
        request,
        chain,
        rights,
        forms.EscalationForm,
        instance=escalation,
        title=_("Escalation"),
        back=_url("escalations", chain),
    )


@login_required
def story_list(request, slug):
    chain, rights = _member(request, slug)
    stories = stories_visible_to(chain, request.user, rights)
    return _page(
        request,
        chain,
        rights,
        "governance/stories.html",
        stories=stories,
        pending=stories.filter(status=SuccessStory.Status.SUBMITTED) if rights.is_coordinator else [],
        review_form=forms.StoryReviewForm(),
        max_selected=SuccessStory.MAX_SELECTED_PER_MONTH,
    )


@login_required
def story_edit(request, slug, pk=None):
    chain, rights = _member(request, slug)
    story = get_object_or_404(SuccessStory, chain=chain, pk=pk) if pk else None
    _require(rights.may_edit_story(story, request.user) if story else rights.may_write_stories)
    if request.method == "POST":
        form = forms.SuccessStoryForm(request.POST, instance=story, chain=chain)
        if form.is_valid():
            if story is None:
                form.instance.author = request.user
            elif not rights.is_coordinator:
                # A reworked story goes back to the coordinator for approval.
                form.instance.status = SuccessStory.Status.SUBMITTED
            actions.save_record(request.user, chain, form)
            messages.success(request, _("Saved. A coordinator approves the story before it is published."))
            return redirect(_url("stories", chain))
    else:
        form = forms.SuccessStoryForm(instance=story, chain=chain, initial={"month": timezone.localdate()})
    return _page(
        request,
        chain,
        rights,
        "governance/story_form.html",
        form=form,
        title=_("Success story"),
        back=_url("stories", chain),
    )


@login_required
@require_POST
def story_review(request, slug, pk):
    """Approve, return, select or deselect a story (coordinators)."""
    chain, rights = _member(request, slug)
    _require(rights.is_coordinator)
    story = get_object_or_404(SuccessStory, chain=chain, pk=pk)
    verb = request.POST.get("action")
    try:
        if verb == "approve":
            actions.approve_story(request.user, story)
        elif verb == "return":
            form = forms.StoryReviewForm(request.POST)
            form.is_valid()
            actions.return_story(request.user, story, form.cleaned_data.get("note", ""))
        elif verb == "select":
            actions.select_story(request.user, story, True)
        elif verb == "deselect":
            actions.select_story(request.user, story, False)
        else:
            messages.error(request, _("Unknown action."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(_url("stories", chain))


@login_required
def activity_list(request, slug):
    chain, rights = _member(request, slug)
    activities = chain.relationship_activities.prefetch_related("present")
    return _page(request, chain, rights, "governance/activities.html", activities=activities)


@login_required
def activity_edit(request, slug, pk=None):
    chain, rights = _member(request, slug)
    _require(rights.may_log_activities)
    activity = get_object_or_404(RelationshipActivity, chain=chain, pk=pk) if pk else None
    return _edit(
        request,
        chain,
        rights,
        forms.RelationshipActivityForm,
        instance=activity,
        title=_("Relationship activity"),
        back=_url("activities", chain),
    )


@login_required
def identity(request, slug):
    chain, rights = _member(request, slug)
    _require(rights.is_coordinator)
    if request.method == "POST":
        form = forms.IdentityForm(request.POST, request.FILES, instance=chain)
        if form.is_valid():
            actions.save_identity(request.user, chain, form)
            messages.success(request, _("Saved."))
            return redirect(_url("identity", chain))
        chain.refresh_from_db()  # the header keeps showing the saved identity
    else:
        form = forms.IdentityForm(instance=chain)
    return _page(request, chain, rights, "governance/identity.html", form=form)


@login_required
def logo(request, name):
    """Serve a chain logo (MEDIA_URL/logos/...) to members of a chain that uses it."""
    chain = chains_visible_to(request.user).filter(logo=f"logos/{name}").first()
    if chain is None:
        raise Http404("No such logo.")
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    response = FileResponse(chain.logo.open("rb"), content_type=content_type)
    response["Content-Security-Policy"] = "default-src 'none'"
    response["Cache-Control"] = "private, max-age=3600"
    return response
