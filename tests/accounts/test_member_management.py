"""A coordinator invites and removes members of their chain without a superuser; a new
account gets a one-time link to set its password."""

import re

import pytest
from django.contrib.auth import get_user_model

from keten.chains.models import AuditEntry, Membership

pytestmark = pytest.mark.django_db
PAGE = "/ketens/klein/leden/"


def invite(client, personas, **fields):
    client.force_login(personas.coordinator)
    data = {"username": "nieuw", "email": "nieuw@gemeente.example", "full_name": "Nieuwe Collega"}
    data.update(fields)
    if "partner" in data and data["partner"]:
        data["partner"] = personas.chain.partners.get(code=data["partner"]).pk
    return client.post(PAGE, data)


def link_in(response) -> str:
    match = re.search(r"https?://[^\s\"<]+/account/wachtwoord/[^\s\"<]+", response.content.decode())
    assert match, "no set-password link on the page"
    return match.group(0).split("testserver", 1)[1]


def test_an_invited_member_sets_a_password_once_and_logs_in(client, personas):
    response = invite(client, personas, role="analyst", partner="a")
    assert response.status_code == 200
    link = link_in(response)
    user = get_user_model().objects.get(username="nieuw")
    assert not user.has_usable_password()
    assert Membership.objects.get(user=user).partner.code == "a"
    assert AuditEntry.objects.filter(action="member.invited").exists()

    client.logout()
    form = client.get(link, follow=True)
    assert form.status_code == 200 and b"new_password1" in form.content
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "Lang-en-sterk-2026", "new_password2": "Lang-en-sterk-2026"},
    )
    assert done.status_code == 302 and "/login/" in done["Location"]
    assert client.post("/login/", {"username": "nieuw", "password": "Lang-en-sterk-2026"}).status_code == 302
    client.logout()
    again = client.get(link, follow=True)
    assert b"new_password1" not in again.content
    assert "no longer valid" in again.content.decode()


def test_an_existing_user_is_added_with_a_role_and_no_link(client, personas):
    response = invite(client, personas, username="buitenstaander", role="steering")
    assert response.status_code == 302
    assert Membership.objects.get(user=personas.outsider).role == "steering"
    assert personas.outsider.has_usable_password()


def test_role_and_partner_must_fit(client, personas):
    invite(client, personas, role="analyst", partner="")
    invite(client, personas, role="steering", partner="a")
    invite(client, personas, username="analist_a", role="steering")
    assert not get_user_model().objects.filter(username="nieuw").exists()
    assert Membership.objects.get(user=personas.analyst_a).role == "analyst"


def test_a_coordinator_removes_a_member_but_not_themselves(client, personas):
    client.force_login(personas.coordinator)
    steering = Membership.objects.get(user=personas.steering)
    assert client.post(f"{PAGE}{personas.steering.pk}/verwijderen/").status_code == 302
    assert not Membership.objects.filter(pk=steering.pk).exists()
    assert get_user_model().objects.filter(pk=personas.steering.pk).exists()  # the account stays
    assert AuditEntry.objects.filter(action="member.removed").exists()
    client.post(f"{PAGE}{personas.coordinator.pk}/verwijderen/")
    assert Membership.objects.filter(user=personas.coordinator).exists()


def test_only_the_chains_coordinator_manages_members(client, personas):
    client.force_login(personas.analyst_a)
    assert client.post(PAGE, {"username": "x", "role": "steering"}).status_code == 403
    assert client.post(f"{PAGE}{personas.steering.pk}/verwijderen/").status_code == 403
    client.force_login(personas.outsider)
    assert client.get(PAGE).status_code == 404
    assert Membership.objects.filter(user=personas.steering).exists()
