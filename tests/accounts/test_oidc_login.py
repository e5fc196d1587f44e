"""Login with the organisation's own identity provider (OpenID Connect): a real local provider
(oidc-provider-mock) is started by the test; Keten sends the browser there, exchanges the code
for signed tokens over HTTP, checks the signature against the provider's keys and lets in the
existing account with that verified e-mail address, and nobody else."""

from urllib.parse import urlsplit

import oidc_provider_mock
import pytest
import requests
from django.contrib.auth import SESSION_KEY

from keten.accounts.oidc import BACKEND

pytestmark = [
    pytest.mark.django_db,
    # The provider's own library (authlib) warns about its internals, in the provider's thread.
    pytest.mark.filterwarnings("ignore:get_jwt_config:DeprecationWarning"),
]


@pytest.fixture(scope="module")
def provider():
    with oidc_provider_mock.run_server_in_thread() as server:
        yield f"http://localhost:{server.server_port}"


@pytest.fixture
def oidc(settings, provider):
    settings.OIDC_RP_CLIENT_ID = "keten"
    settings.OIDC_RP_CLIENT_SECRET = "geheim"  # noqa: S105 - the local provider accepts any
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = f"{provider}/oauth2/authorize"
    settings.OIDC_OP_TOKEN_ENDPOINT = f"{provider}/oauth2/token"
    settings.OIDC_OP_USER_ENDPOINT = f"{provider}/userinfo"
    settings.OIDC_OP_JWKS_ENDPOINT = f"{provider}/jwks"
    settings.AUTHENTICATION_BACKENDS = [*settings.AUTHENTICATION_BACKENDS, BACKEND]
    settings.KETEN_OIDC_PROVIDER_NAME = "Gemeente Voorbeeld"
    # The local provider has one key and leaves the key id out of its token headers (with this
    # authlib); a real provider names it, and Keten checks it there (the default).
    settings.OIDC_VERIFY_KID = False
    return provider


def provider_login(client, provider, sub, claims):
    """Start at Keten, log in at the provider as `sub`, come back with the code."""
    requests.put(f"{provider}/users/{sub}", json=claims, timeout=10).raise_for_status()
    start = client.get("/oidc/authenticate/")
    assert start.status_code == 302 and start["Location"].startswith(f"{provider}/oauth2/authorize")
    answer = requests.post(start["Location"], data={"sub": sub}, allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text
    back = urlsplit(answer.headers["Location"])
    assert back.path == "/oidc/callback/"
    return client.get(f"{back.path}?{back.query}", follow=True)


def test_the_login_page_offers_the_organisations_login_when_configured(client, settings, oidc):
    assert "Log in with Gemeente Voorbeeld" in client.get("/login/").content.decode()
    settings.OIDC_RP_CLIENT_ID = ""
    assert "Log in with" not in client.get("/login/").content.decode()
    assert client.get("/oidc/authenticate/").status_code == 404


def test_an_existing_account_logs_in_through_the_provider(client, personas, oidc):
    personas.analyst_a.email = "Analist.A@gemeente.example"
    personas.analyst_a.save()
    response = provider_login(client, oidc, "u-123", {"email": "analist.a@gemeente.example"})
    assert int(client.session[SESSION_KEY]) == personas.analyst_a.pk
    assert response.redirect_chain[-1][0] == "/"
    assert personas.chain.name in response.content.decode()


def test_the_providers_login_stands_in_for_the_second_factor(client, personas, oidc):
    personas.coordinator.email = "regisseur@gemeente.example"
    personas.coordinator.save()
    response = provider_login(client, oidc, "u-9", {"email": "regisseur@gemeente.example"})
    assert int(client.session[SESSION_KEY]) == personas.coordinator.pk
    assert client.get(f"/ketens/{personas.chain.slug}/monitor/").status_code == 200
    assert "/account/tweede-factor/" not in response.redirect_chain[-1][0]


def test_no_account_is_made_for_an_unknown_address(client, personas, oidc, django_user_model):
    before = django_user_model.objects.count()
    response = provider_login(client, oidc, "u-404", {"email": "onbekend@elders.example"})
    assert SESSION_KEY not in client.session
    assert django_user_model.objects.count() == before
    assert "no Keten account has that e-mail address" in response.content.decode()


def test_an_address_the_provider_has_not_verified_is_refused(client, personas, oidc):
    personas.steering.email = "stuur@gemeente.example"
    personas.steering.save()
    provider_login(client, oidc, "u-7", {"email": "stuur@gemeente.example", "email_verified": False})
    assert SESSION_KEY not in client.session
