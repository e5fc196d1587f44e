"""API tokens per delivery system (and, later, invitations)."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from keten.chains.models import Chain, Partner

KEY_PREFIX = "kt_"


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ApiToken(models.Model):
    """A chain's token for one partner's delivery system; only a hash of the key is kept.

    The token acts as its own system account (no usable password) with an analyst
    membership of that partner, so every role rule of the API applies to it unchanged.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_token")
    chain = models.ForeignKey(Chain, on_delete=models.CASCADE, related_name="api_tokens")
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12, unique=True)
    key_hash = models.CharField(max_length=64, unique=True)
    expires_on = models.DateField(_("expires on"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def new_key() -> tuple[str, str]:
        """A fresh key and its display prefix (the first characters, shown in lists)."""
        key = KEY_PREFIX + secrets.token_urlsafe(32)
        return key, key[: len(KEY_PREFIX) + 8]

    @property
    def is_expired(self) -> bool:
        """True from the day after `expires_on` (in the app's time zone)."""
        return timezone.localdate() > self.expires_on

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None
