"""Server-side role checks shared by every app's views and API."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework.permissions import BasePermission

from keten.chains.models import Chain, Membership
from keten.chains.query import membership_of

Role = Membership.Role


def chain_and_membership(request, slug: str, roles: tuple[str, ...] | None = None):
    """Return (chain, membership) for a member of the chain.

    A chain the user is not a member of does not exist for them (404); a member whose role
    is not in `roles` gets 403.
    """
    chain = Chain.objects.filter(slug=slug).first()
    membership = membership_of(request.user, chain) if chain else None
    if membership is None:
        raise Http404("No such chain.")
    if roles is not None and membership.role not in roles:
        raise PermissionDenied
    return chain, membership


class IsChainMember(BasePermission):
    """DRF: the view's `chain_slug` URL kwarg names a chain the user is a member of.

    Set `chain_roles` on the view to narrow it to some roles.
    """

    def has_permission(self, request, view) -> bool:
        slug = view.kwargs.get("chain_slug")
        if slug is None:
            return True
        chain, membership = chain_and_membership(request, slug, getattr(view, "chain_roles", None))
        view.chain, view.membership = chain, membership
        return True
