"""Use cases of the governance register; every change is written to the chain's audit log."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.forms import ModelForm
from django.utils import timezone
from django.utils.translation import gettext as _

from keten.chains.actions import record_audit
from keten.chains.models import Chain
from keten.governance.models import SuccessStory


def _audit_name(obj: models.Model) -> str:
    return f"governance.{obj._meta.model_name}"


@transaction.atomic
def save_record(user, chain: Chain, form: ModelForm) -> models.Model:
    """Save a valid governance form (with its many-to-many fields) and audit the change."""
    created = form.instance.pk is None
    obj = form.save()
    changed = sorted(form.changed_data)
    record_audit(
        user,
        chain,
        f"{_audit_name(obj)}.{'created' if created else 'updated'}",
        id=obj.pk,
        label=str(obj)[:120],
        fields=changed,
    )
    return obj


@transaction.atomic
def delete_record(user, chain: Chain, obj: models.Model) -> None:
    """Delete a governance record and audit it."""
    record_audit(user, chain, f"{_audit_name(obj)}.deleted", id=obj.pk, label=str(obj)[:120])
    obj.delete()


@transaction.atomic
def save_identity(user, chain: Chain, form: ModelForm) -> Chain:
    """Save the chain's name, logo and colour, and audit which of them changed."""
    chain = form.save()
    record_audit(user, chain, "governance.identity.updated", fields=sorted(form.changed_data))
    return chain


@transaction.atomic
def approve_story(user, story: SuccessStory) -> SuccessStory:
    """Approve a story so every member, the monitor and the report may show it."""
    story.status = SuccessStory.Status.APPROVED
    story.reviewed_by, story.reviewed_at = user, timezone.now()
    story.save()
    record_audit(user, story.chain, "governance.successstory.approved", id=story.pk)
    return story


@transaction.atomic
def return_story(user, story: SuccessStory, note: str) -> SuccessStory:
    """Send a story back to its author with a note; it leaves the report selection."""
    story.status = SuccessStory.Status.REJECTED
    story.selected = False
    story.review_note = note
    story.reviewed_by, story.reviewed_at = user, timezone.now()
    story.save()
    record_audit(user, story.chain, "governance.successstory.returned", id=story.pk)
    return story


@transaction.atomic
def select_story(user, story: SuccessStory, selected: bool = True) -> SuccessStory:
    """Select an approved story for its month's report (at most five per month), or deselect it.

    Raises ValidationError when the story is not approved or the month already has five.
    """
    if selected:
        if story.status != SuccessStory.Status.APPROVED:
            raise ValidationError(_("Approve the story before selecting it for the report."))
        # Lock the month's stories so two coordinators cannot both select the fifth.
        taken = (
            SuccessStory.objects.select_for_update()
            .filter(chain=story.chain, month=story.month, selected=True)
            .exclude(pk=story.pk)
        )
        if len(taken) >= SuccessStory.MAX_SELECTED_PER_MONTH:
            raise ValidationError(
                _("This month already has %(n)d selected stories; deselect one first.")
                % {"n": SuccessStory.MAX_SELECTED_PER_MONTH}
            )
    story.selected = selected
    story.save(update_fields=["selected"])
    record_audit(
        user, story.chain, f"governance.successstory.{'selected' if selected else 'deselected'}", id=story.pk
    )
    return story
