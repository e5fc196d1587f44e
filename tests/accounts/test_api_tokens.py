"""API tokens per delivery system: a coordinator makes one for a partner of their chain (a
partner's analyst for their own partner) with an expiry date, sees it once and can revoke it;
expired and revoked tokens get 401."""

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from keten.accounts.models import ApiToken
from keten.chains.models import AuditEntry
from keten.events.models import IngestBatch
from tests.events.conftest import A_EVENTS

pytestmark = pytest.mark.django_db
PAGE = "/ketens/klein/api-tokens/"
DELIVERIES = "/api/chains/klein/deliveries/"


def create(client, personas, name="Nachtelijke levering", partner="a", expires="2026-06-30"):
    client.force_login(personas.coordinator)
    return client.post(
        PAGE,
        {"name": name, "partner": personas.chain.partners.get(code=partner).pk, "expires_on": expires},
    )


def key_from(response) -> str:
    [token] = ApiToken.objects.all()
    body = response.content.decode()
    start = body.index(token.prefix)
    return body[start : body.index("<", start)].strip()


def api(key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}", HTTP_ACCEPT_LANGUAGE="en")
    return client


@pytest.fixture
def march():
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False) as traveller:
        yield traveller


def test_a_coordinator_creates_a_token_and_sees_it_only_once(client, personas, march):
    response = create(client, personas)
    assert response.status_code == 200
    key = key_from(response)
    assert len(key) > 30
    token = ApiToken.objects.get()
    assert key not in str(token.__dict__)  # only a hash is stored
    assert key not in client.get(PAGE).content.decode()
    assert "Nachtelijke levering" in client.get(PAGE).content.decode()
    assert AuditEntry.objects.filter(action="api_token.created").exists()


def test_the_token_delivers_for_its_partner_only(client, personas, march):
    key = key_from(create(client, personas))
    [chain] = api(key).get("/api/chains/").json()
    assert chain["slug"] == "klein" and chain["partner"] == "a"
    response = api(key).post(
        DELIVERIES,
        {"partner": "a", "file": SimpleUploadedFile("nightly.csv", A_EVENTS.encode())},
        format="multipart",
    )
    assert response.status_code == 201
    assert IngestBatch.objects.get().rows_stored == 4
    response = api(key).post(
        DELIVERIES,
        {"partner": "b", "file": SimpleUploadedFile("b.csv", A_EVENTS.encode())},
        format="multipart",
    )
    assert response.status_code == 403


def test_the_token_cannot_log_in_through_the_login_form(client, personas, march):
    create(client, personas)
    system_user = ApiToken.objects.get().user
    client.logout()
    assert not system_user.has_usable_password()
    assert client.post("/login/", {"username": system_user.username, "password": ""}).status_code == 200


def test_an_expired_token_is_refused_with_401_and_says_so(client, personas, march):
    key = key_from(create(client, personas, expires="2026-03-31"))
    march.move_to(dt.datetime(2026, 3, 31, 20, 0, tzinfo=dt.UTC))  # the last day, evening in Amsterdam
    assert api(key).get("/api/chains/").status_code == 200
    march.move_to(dt.datetime(2026, 4, 1, 8, 0, tzinfo=dt.UTC))
    response = api(key).get("/api/chains/")
    assert response.status_code == 401
    assert "expired on 2026-03-31" in response.json()["detail"]


def test_a_revoked_token_is_refused_with_401_and_says_so(client, personas, march):
    key = key_from(create(client, personas))
    token = ApiToken.objects.get()
    assert client.post(f"{PAGE}{token.pk}/intrekken/").status_code == 302
    response = api(key).get("/api/chains/")
    assert response.status_code == 401
    assert "revoked" in response.json()["detail"]
    assert "Revoked" in client.get(PAGE).content.decode()
    assert AuditEntry.objects.filter(action="api_token.revoked").exists()


def test_an_unknown_token_gets_401(personas):
    response = api("kt_nonsense").get("/api/chains/")
    assert response.status_code == 401 and "Invalid token" in response.json()["detail"]


def test_an_expiry_beyond_the_maximum_or_in_the_past_is_refused(client, personas, march, settings):
    settings.KETEN_API_TOKEN_MAX_DAYS = 365
    response = create(client, personas, expires="2027-06-01")
    assert response.status_code == 200 and not ApiToken.objects.exists()
    assert "at most 365 days" in response.content.decode()
    create(client, personas, expires="2026-03-01")
    assert not ApiToken.objects.exists()


def test_a_partner_analyst_manages_their_own_partners_tokens_only(client, personas, march):
    key_from(create(client, personas, name="Export van B", partner="b"))
    b_token = ApiToken.objects.get()
    client.force_login(personas.analyst_a)
    page = client.get(PAGE).content.decode()
    assert "My API tokens" in page and "/api/" in page  # the nav entry and the docs link
    assert "Export van B" not in page
    # A's analyst may create a token for A, not for B (B is not offered).
    for_b = {"name": "Van A voor B", "partner": b_token.partner.pk, "expires_on": "2026-06-30"}
    refused = client.post(PAGE, for_b)
    assert "Select a valid choice" in refused.content.decode()
    a = personas.chain.partners.get(code="a")
    made = client.post(PAGE, {"name": "Export van A", "partner": a.pk, "expires_on": "2026-06-30"})
    assert made.status_code == 200
    assert ApiToken.objects.get(name="Export van A").partner == a
    # and cannot revoke B's.
    assert client.post(f"{PAGE}{b_token.pk}/intrekken/").status_code == 404
    assert ApiToken.objects.get(pk=b_token.pk).revoked_at is None


def test_members_who_deliver_nothing_manage_no_tokens(client, personas, march):
    client.force_login(personas.outsider)
    assert client.get(PAGE).status_code == 404
    key_from(create(client, personas))
    token = ApiToken.objects.get()
    client.force_login(personas.steering)
    assert client.get(PAGE).status_code == 403
    deliveries = client.get("/ketens/klein/leveringen/")
    assert deliveries.status_code == 200 and "API tokens" not in deliveries.content.decode()
    assert client.post(f"{PAGE}{token.pk}/intrekken/").status_code == 403
    assert ApiToken.objects.get().revoked_at is None


def test_an_older_drf_token_still_works_until_the_maximum_age(personas, settings):
    settings.KETEN_API_TOKEN_MAX_DAYS = 365
    legacy = Token.objects.create(user=personas.analyst_a)
    assert api(legacy.key).get("/api/chains/").status_code == 200
    Token.objects.filter(pk=legacy.pk).update(created=legacy.created - dt.timedelta(days=366))
    response = api(legacy.key).get("/api/chains/")
    assert response.status_code == 401 and "expired" in response.json()["detail"]
