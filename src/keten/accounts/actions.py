"""Account use cases that touch several models: API tokens (and members, below)."""

from __future__ import annotations

import datetime as dt
import secrets

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from keten.accounts.models import ApiToken, hash_key
from keten.chains.actions import record_audit
from keten.chains.models import Chain, Membership, Partner


@transaction.atomic
def create_api_token(
    chain: Chain, partner: Partner, name: str, expires_on: dt.date, created_by
) -> tuple[ApiToken, str]:
    """A token for `partner`'s delivery system and its key (shown once, never stored)."""
    key, prefix = ApiToken.new_key()
    system_user = get_user_model().objects.create_user(
        f"api-{chain.slug}-{partner.code}-{secrets.token_hex(4)}"[:150], first_name=name[:150]
    )
    system_user.set_unusable_password()
    system_user.save(update_fields=["password"])
    Membership.objects.create(user=system_user, chain=chain, role=Membership.Role.ANALYST, partner=partner)
    token = ApiToken.objects.create(
        user=system_user,
        chain=chain,
        partner=partner,
        name=name,
        prefix=prefix,
        key_hash=hash_key(key),
        expires_on=expires_on,
        created_by=created_by,
    )
    record_audit(
        created_by,
        chain,
        "api_token.created",
        name=name,
        partner=partner.code,
        prefix=prefix,
        expires_on=expires_on.isoformat(),
    )
    return token, key


@transaction.atomic
def revoke_api_token(token: ApiToken, revoked_by) -> None:
    """Refuse the token from now on (its system account is deactivated too)."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    token.user.is_active = False
    token.user.save(update_fields=["is_active"])
    record_audit(revoked_by, token.chain, "api_token.revoked", name=token.name, prefix=token.prefix)


@transaction.atomic
def add_member(chain: Chain, username: str, role: str, partner: Partner | None, by, **account) -> tuple:
    """Give `username` a membership; create the account (without a password) if it is new.

    Returns (membership, created): a created account needs an invitation link to set its password.
    """
    User = get_user_model()
    user = User.objects.filter(username=username).first()
    created = user is None
    if created:
        names = (account.get("full_name") or "").split(" ", 1)
        user = User.objects.create_user(
            username,
            email=account.get("email") or "",
            first_name=names[0],
            last_name=names[1] if len(names) > 1 else "",
        )
        user.set_unusable_password()
        user.save(update_fields=["password"])
    membership = Membership.objects.create(user=user, chain=chain, role=role, partner=partner)
    record_audit(
        by,
        chain,
        "member.invited" if created else "member.added",
        member=username,
        role=role,
        partner=partner.code if partner else None,
    )
    return membership, created


def remove_member(membership: Membership, by) -> None:
    """End a membership; the account itself stays (it may belong to other chains)."""
    record_audit(
        by, membership.chain, "member.removed", member=membership.user.username, role=membership.role
    )
    membership.delete()
