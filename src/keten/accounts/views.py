"""Account pages: a chain's members for its coordinator (lockouts, invitations, roles)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from keten.accounts.lockout import locked_usernames, unlock
from keten.chains.actions import record_audit
from keten.chains.permissions import Role, chain_and_membership

COORDINATOR_ONLY = (Role.COORDINATOR,)


@login_required
def members(request, slug):
    """The chain's members with their role and whether they are locked out."""
    chain, membership = chain_and_membership(request, slug, COORDINATOR_ONLY)
    rows = list(chain.memberships.select_related("user", "partner").order_by("user__username"))
    locked = locked_usernames(m.user.username for m in rows)
    return render(
        request,
        "accounts/members.html",
        {
            "chain": chain,
            "membership": membership,
            "members": [(m, m.user.username in locked) for m in rows],
        },
    )


@login_required
@require_POST
def unlock_member(request, slug, user_id):
    chain, _membership = chain_and_membership(request, slug, COORDINATOR_ONLY)
    member = chain.memberships.select_related("user").filter(user_id=user_id).first()
    if member is None:
        raise Http404("No such member.")
    unlock(member.user.username)
    record_audit(request.user, chain, "member.unlocked", member=member.user.username)
    messages.success(request, _("%(user)s can log in again.") % {"user": member.user.username})
    return redirect("accounts:members", slug=chain.slug)
