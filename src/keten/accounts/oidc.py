"""Login with the organisation's own identity provider (OpenID Connect, mozilla-django-oidc).

Only people who already have a Keten account (a coordinator added them) get in: the provider's
verified e-mail address is matched with the account's, no account is created on the fly, so
membership of a chain stays the coordinator's decision. The provider's own login, with its own
second factor, stands in for Keten's: a session that came this way is not asked for a code.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import BACKEND_SESSION_KEY
from django.http import Http404
from django.utils.translation import gettext as _
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

BACKEND = "keten.accounts.oidc.OrganisationLoginBackend"


def oidc_enabled() -> bool:
    return bool(settings.OIDC_RP_CLIENT_ID and settings.OIDC_OP_AUTHORIZATION_ENDPOINT)


def came_through_oidc(request) -> bool:
    return request.session.get(BACKEND_SESSION_KEY) == BACKEND


class OrganisationLoginBackend(OIDCAuthenticationBackend):
    def verify_claims(self, claims) -> bool:
        # A provider that says the address is unverified does not vouch for it.
        return bool(claims.get("email")) and claims.get("email_verified", True) is not False

    def filter_users_by_claims(self, claims):
        return self.UserModel.objects.filter(email__iexact=claims.get("email", ""), is_active=True)

    def get_or_create_user(self, access_token, id_token, payload):
        user = super().get_or_create_user(access_token, id_token, payload)
        if user is None and self.request is not None:
            messages.error(
                self.request,
                _(
                    "Your organisation confirmed who you are, but no Keten account has that e-mail "
                    "address. Ask your chain coordinator to add you with it."
                ),
            )
        return user


class OrganisationLoginStart(OIDCAuthenticationRequestView):
    def get(self, request):
        if not oidc_enabled():
            raise Http404("OpenID Connect login is not configured.")
        return super().get(request)


class OrganisationLoginCallback(OIDCAuthenticationCallbackView):
    def get(self, request):
        if not oidc_enabled():
            raise Http404("OpenID Connect login is not configured.")
        return super().get(request)
