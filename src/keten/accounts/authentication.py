"""DRF authentication by `Authorization: Token <key>`: the chain's expiring, revocable tokens,
and the older DRF tokens (made in the admin) until KETEN_API_TOKEN_MAX_DAYS after creation."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

from keten.accounts.models import ApiToken, hash_key

RECORD_USE_EVERY = dt.timedelta(minutes=1)


class ApiTokenAuthentication(TokenAuthentication):
    """First in DEFAULT_AUTHENTICATION_CLASSES, so a refused or missing token answers 401."""

    def authenticate_credentials(self, key):
        token = ApiToken.objects.select_related("user").filter(key_hash=hash_key(key)).first()
        if token is None:
            return self.legacy_credentials(key)
        if token.is_revoked:
            raise exceptions.AuthenticationFailed(
                _("This API token was revoked on %(date)s; ask your chain coordinator for a new one.")
                % {"date": timezone.localdate(token.revoked_at).isoformat()}
            )
        if token.is_expired:
            raise exceptions.AuthenticationFailed(self.expired(token.expires_on))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > RECORD_USE_EVERY:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    def legacy_credentials(self, key):
        legacy = Token.objects.select_related("user").filter(key=key).first()
        if legacy is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        expires_on = timezone.localdate(legacy.created) + dt.timedelta(days=settings.KETEN_API_TOKEN_MAX_DAYS)
        if timezone.localdate() > expires_on:
            raise exceptions.AuthenticationFailed(self.expired(expires_on))
        if not legacy.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return legacy.user, legacy

    @staticmethod
    def expired(on: dt.date) -> str:
        return _("This API token expired on %(date)s; ask your chain coordinator for a new one.") % {
            "date": on.isoformat()
        }
