"""Sessions end after KETEN_SESSION_IDLE_MINUTES without a request, and after
KETEN_SESSION_MAX_HOURS however busy; the clock is moved, nothing sleeps."""

import datetime as dt

import pytest
import time_machine
from django.contrib.auth import SESSION_KEY

from tests.conftest import pass_second_factor

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def logged_in(client, user, password):
    response = client.post("/login/", {"username": user.username, "password": password})
    assert response.status_code == 302
    pass_second_factor(client, user)
    return client


def test_the_settings_have_secure_defaults(settings):
    assert settings.KETEN_SESSION_IDLE_MINUTES == 30
    assert settings.SESSION_COOKIE_AGE <= 12 * 3600


def test_a_session_idle_longer_than_the_limit_is_logged_out(client, personas, clock, settings):
    settings.KETEN_SESSION_IDLE_MINUTES = 30
    logged_in(client, personas.steering, personas.password)
    clock.shift(dt.timedelta(minutes=29))
    assert client.get("/").status_code == 200
    clock.shift(dt.timedelta(minutes=29))  # 58 minutes after login, 29 after the last request
    assert client.get("/").status_code == 200
    clock.shift(dt.timedelta(minutes=31))
    response = client.get("/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/login/")
    assert SESSION_KEY not in client.session
    assert "Your session ended after 30 minutes without activity" in response.content.decode()


def test_a_busy_session_still_ends_at_the_absolute_age(client, personas, clock, settings):
    settings.KETEN_SESSION_IDLE_MINUTES = 30
    settings.KETEN_SESSION_MAX_HOURS = 2
    logged_in(client, personas.steering, personas.password)
    for _ in range(5):  # a request every 20 minutes: never idle
        clock.shift(dt.timedelta(minutes=20))
        assert client.get("/").status_code == 200
    clock.shift(dt.timedelta(minutes=25))  # 2h05 after login, 25 minutes after the last request
    response = client.get("/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/login/")
    assert "Log in again" in response.content.decode()


def test_an_idle_session_no_longer_reaches_the_api(client, personas, clock):
    logged_in(client, personas.coordinator, personas.password)
    assert client.get("/api/chains/").status_code == 200
    clock.shift(dt.timedelta(hours=1))
    assert client.get("/api/chains/").status_code in (401, 403)
