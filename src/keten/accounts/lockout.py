"""Who is locked out by django-axes, and unlocking them."""

from __future__ import annotations

from axes.models import AccessAttempt
from axes.utils import reset
from django.conf import settings
from django.utils import timezone


def locked_usernames(usernames) -> set[str]:
    """The usernames among `usernames` locked out from at least one address right now."""
    attempts = AccessAttempt.objects.filter(
        username__in=list(usernames), failures_since_start__gte=settings.AXES_FAILURE_LIMIT
    )
    if settings.AXES_COOLOFF_TIME:
        attempts = attempts.filter(attempt_time__gt=timezone.now() - settings.AXES_COOLOFF_TIME)
    return set(attempts.values_list("username", flat=True))


def unlock(username: str) -> int:
    """Forget every failed attempt for `username` (from any address); returns how many."""
    return reset(username=username)
