"""Session limits: an idle timeout and an absolute age, whatever the cookie says.

Django's SESSION_COOKIE_AGE alone slides with every saved session; these limits are kept in
the session itself: the moment of login and of the last request (written at most once a
minute, so a busy page does not rewrite the session on every request).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext as _

LOGIN_AT = "keten_login_at"
SEEN_AT = "keten_seen_at"
RECORD_EVERY = 60  # seconds


def _now() -> float:
    return timezone.now().timestamp()


@receiver(user_logged_in)
def _stamp_login(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        request.session[LOGIN_AT] = request.session[SEEN_AT] = _now()


def session_end_reason(session) -> str | None:
    """Why this logged-in session has ended (a message for the user), or None while it is valid."""
    now = _now()
    login_at = session.get(LOGIN_AT, now)
    seen_at = session.get(SEEN_AT, login_at)
    idle = settings.KETEN_SESSION_IDLE_MINUTES
    hours = settings.KETEN_SESSION_MAX_HOURS
    if now - login_at > dt.timedelta(hours=hours).total_seconds():
        return _("Your session ended after %(hours)s hours. Log in again.") % {"hours": hours}
    if idle and now - seen_at > dt.timedelta(minutes=idle).total_seconds():
        return _("Your session ended after %(minutes)s minutes without activity. Log in again.") % {
            "minutes": idle
        }
    return None


class SessionLimitMiddleware:
    """Log out a session that was idle too long or is older than the absolute limit."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            reason = session_end_reason(request.session)
            if reason:
                logout(request)
                messages.info(request, reason)
            else:
                now = _now()
                request.session.setdefault(LOGIN_AT, now)
                if now - request.session.get(SEEN_AT, 0) >= RECORD_EVERY:
                    request.session[SEEN_AT] = now
        return self.get_response(request)
