"""Reusable filters on the chain model."""

from django.db import models


def chains_visible_to(user) -> models.QuerySet:
    """Return the chains this user is a member of (all chains for a superuser)."""
    from keten.chains.models import Chain

    if not user.is_authenticated:
        return Chain.objects.none()
    if user.is_superuser:
        return Chain.objects.all()
    return Chain.objects.filter(memberships__user=user).distinct()


def membership_of(user, chain):
    """Return the user's Membership in the chain, or None. A superuser acts as coordinator."""
    from keten.chains.models import Membership

    if not user.is_authenticated:
        return None
    membership = Membership.objects.filter(user=user, chain=chain).select_related("partner").first()
    if membership is None and user.is_superuser:
        return Membership(user=user, chain=chain, role=Membership.Role.COORDINATOR)
    return membership
