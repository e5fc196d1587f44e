"""403, 404 and 500 are pages of the app: in the user's language, with the site's header, a way
back to their chains, and no detail of what exists where they may not look."""

import pytest
from django.test import Client
from django.utils import translation
from django.views.defaults import server_error

pytestmark = pytest.mark.django_db


def test_a_missing_page_keeps_the_navigation_and_says_what_to_do(client, personas):
    client.force_login(personas.analyst_a)
    response = client.get("/ketens/klein/bestaat-niet/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Page not found" in html and "Log out" in html and 'href="/"' in html


def test_another_chain_is_a_missing_page_not_a_forbidden_one(client, personas):
    client.force_login(personas.outsider)
    response = client.get(f"/ketens/{personas.chain.slug}/monitor/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_a_page_the_role_may_not_see_says_so_in_dutch_by_default(personas):
    dutch = Client(HTTP_ACCEPT_LANGUAGE="nl")
    dutch.force_login(personas.steering)
    with translation.override("nl"):
        response = dutch.get(f"/ketens/{personas.chain.slug}/leden/")
    assert response.status_code == 403
    html = response.content.decode()
    assert "Geen toegang" in html and "Uitloggen" in html


def test_the_server_error_page_needs_nothing_that_could_have_failed(rf):
    response = server_error(rf.get("/ergens/"))
    assert response.status_code == 500
    html = response.content.decode()
    assert "Something went wrong" in html and 'href="/"' in html and "favicon.svg" in html


def test_every_page_has_the_favicon(client):
    assert "keten/favicon" in client.get("/login/").content.decode()
