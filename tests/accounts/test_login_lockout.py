"""Login throttling: after N wrong passwords for one user from one address the account is
locked for that address, with a clear message; the chain coordinator (or an admin) unlocks it."""

import pytest
from django.contrib.auth import SESSION_KEY

pytestmark = pytest.mark.django_db

LOGIN = "/login/"


@pytest.fixture(autouse=True)
def three_failures(settings):
    settings.AXES_FAILURE_LIMIT = 3


def attempt(client, username, password, ip="10.0.0.1"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def fail(client, username, times, ip="10.0.0.1"):
    for _ in range(times):
        attempt(client, username, "fout", ip)


def test_it_locks_the_account_after_the_configured_number_of_wrong_passwords(client, personas):
    fail(client, "analist_a", 2)
    assert attempt(client, "analist_a", "fout").status_code == 429
    response = attempt(client, "analist_a", personas.password)
    assert response.status_code == 429
    assert SESSION_KEY not in client.session
    text = response.content.decode()
    assert "Too many failed log-in attempts" in text and "chain coordinator" in text


def test_fewer_failures_than_the_limit_do_not_lock_and_a_success_resets_the_count(client, personas):
    fail(client, "analist_a", 2)
    assert attempt(client, "analist_a", personas.password).status_code == 302
    client.logout()
    fail(client, "analist_a", 2)
    assert attempt(client, "analist_a", personas.password).status_code == 302


def test_the_lockout_is_per_user_and_address(client, personas):
    fail(client, "analist_a", 3)
    assert attempt(client, "analist_a", personas.password, ip="10.0.0.2").status_code == 302
    client.logout()
    assert attempt(client, "analist_b", personas.password).status_code == 302


def test_a_coordinator_sees_and_unlocks_a_locked_member_of_their_chain(client, personas):
    fail(client, "analist_a", 3)
    client.force_login(personas.coordinator)
    page = client.get("/ketens/klein/leden/").content.decode()
    assert "analist_a" in page and "Locked out" in page
    response = client.post(f"/ketens/klein/leden/{personas.analyst_a.pk}/ontgrendelen/")
    assert response.status_code == 302
    client.logout()
    assert attempt(client, "analist_a", personas.password).status_code == 302


def test_only_a_coordinator_of_the_chain_may_unlock(client, personas):
    fail(client, "analist_a", 3)
    client.force_login(personas.analyst_b)
    assert client.post(f"/ketens/klein/leden/{personas.analyst_a.pk}/ontgrendelen/").status_code == 403
    client.force_login(personas.outsider)
    assert client.post(f"/ketens/klein/leden/{personas.analyst_a.pk}/ontgrendelen/").status_code == 404
    client.force_login(personas.coordinator)
    url = f"/ketens/klein/leden/{personas.outsider.pk}/ontgrendelen/"
    assert client.post(url).status_code == 404
    client.logout()
    assert attempt(client, "analist_a", personas.password).status_code == 429


def test_an_admin_unlocks_through_the_admin_site(client, personas, django_user_model):
    from axes.models import AccessAttempt

    fail(client, "analist_a", 3)
    admin = django_user_model.objects.create_superuser("beheer", password="beheer-wachtwoord")
    client.force_login(admin)
    [locked] = AccessAttempt.objects.filter(username="analist_a")
    assert client.get(f"/admin/axes/accessattempt/{locked.pk}/change/").status_code == 200
    client.post(f"/admin/axes/accessattempt/{locked.pk}/delete/", {"post": "yes"})
    client.logout()
    assert attempt(client, "analist_a", personas.password).status_code == 302
