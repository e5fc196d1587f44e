"""The second factor at login (TOTP): a coordinator cannot open a page on a password alone, sets
up an authenticator app once and then enters a code at every login; others may switch it on.
Wrong codes are slowed down; a coordinator removes a member's lost one. Logged in through the
real forms, codes computed from the key as the app would."""

import base64
import re

import pytest
from django.contrib.auth import SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.conftest import log_in, totp_code

pytestmark = pytest.mark.django_db

SETUP, VERIFY = "/account/tweede-factor/", "/account/tweede-factor/code/"


def password_login(client, username, password, next_url=""):
    return client.post(
        "/login/" + (f"?next={next_url}" if next_url else ""), {"username": username, "password": password}
    )


def key_on_page(response) -> bytes:
    secret = (
        re.search(r'class="totp-secret">([A-Z2-7 ]+)<', response.content.decode()).group(1).replace(" ", "")
    )
    return base64.b32decode(secret + "=" * (-len(secret) % 8))


def test_a_coordinator_sets_up_the_app_before_any_page_opens(client, personas):
    monitor = f"/ketens/{personas.chain.slug}/monitor/"
    password_login(client, "regisseur", personas.password, monitor)
    response = client.get(monitor)
    assert response.status_code == 302 and response["Location"].startswith(SETUP)
    setup = client.get(response["Location"])
    assert b"<svg" in setup.content  # the QR code to scan
    wrong = client.post(SETUP, {"code": "000000", "next": monitor})
    assert b"That code is not right" in wrong.content
    assert not TOTPDevice.objects.filter(user=personas.coordinator, confirmed=True).exists()
    TOTPDevice.objects.filter(user=personas.coordinator).update(throttling_failure_count=0)
    done = client.post(SETUP, {"code": totp_code(key_on_page(setup)), "next": monitor})
    assert done.status_code == 302 and done["Location"] == monitor
    assert client.get(monitor).status_code == 200
    assert TOTPDevice.objects.get(user=personas.coordinator).confirmed


def test_with_a_device_every_login_asks_for_the_code(client, personas):
    device = TOTPDevice.objects.create(user=personas.analyst_a, name="app", confirmed=True)
    password_login(client, "analist_a", personas.password)
    assert SESSION_KEY in client.session  # the password was right ...
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith(
        VERIFY
    )  # ... but that is not enough
    assert client.get(f"/api/chains/{personas.chain.slug}/kpis/").status_code == 403
    assert b"not right" in client.post(VERIFY, {"code": "123456"}).content
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)  # the wait is tested below
    assert client.post(VERIFY, {"code": totp_code(device.bin_key), "next": "/"}).status_code == 302
    assert client.get("/").status_code == 200


def test_wrong_codes_make_the_next_try_wait_even_with_the_right_code(client, personas):
    device = TOTPDevice.objects.create(user=personas.analyst_a, name="app", confirmed=True)
    password_login(client, "analist_a", personas.password)
    for _ in range(3):
        client.post(VERIFY, {"code": "111111"})
    response = client.post(VERIFY, {"code": totp_code(device.bin_key)})
    assert b"Too many wrong codes" in response.content
    assert client.get("/").status_code == 302


def test_others_may_work_without_it_and_switch_it_on_and_off(client, personas):
    password_login(client, "stuurgroep", personas.password)
    assert client.get("/").status_code == 200  # optional for steering
    setup = client.get(SETUP)
    assert b"Optional for your role" in setup.content
    client.post(SETUP, {"code": totp_code(key_on_page(setup))})
    assert b"On since" in client.get(SETUP).content
    client.post(SETUP, {"action": "remove"})
    assert not TOTPDevice.objects.filter(user=personas.steering).exists()


def test_a_coordinator_cannot_switch_it_off(client, personas):
    client.force_login(personas.coordinator)
    page = client.get(SETUP)
    assert b"cannot be switched off" in page.content
    client.post(SETUP, {"action": "remove"})
    assert TOTPDevice.objects.filter(user=personas.coordinator, confirmed=True).exists()


def test_the_code_page_does_not_send_anyone_to_another_site(client, personas):
    device = TOTPDevice.objects.create(user=personas.analyst_a, name="app", confirmed=True)
    password_login(client, "analist_a", personas.password)
    response = client.post(VERIFY, {"code": totp_code(device.bin_key), "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_the_coordinator_removes_a_lost_second_factor_and_it_is_audited(client, personas):
    from keten.chains.models import AuditEntry

    TOTPDevice.objects.create(user=personas.analyst_a, name="app", confirmed=True)
    client.force_login(personas.coordinator)
    members = client.get(f"/ketens/{personas.chain.slug}/leden/").content.decode()
    assert "Remove (lost phone)" in members
    client.post(f"/ketens/{personas.chain.slug}/leden/{personas.analyst_a.pk}/tweede-factor/")
    assert not TOTPDevice.objects.filter(user=personas.analyst_a).exists()
    assert AuditEntry.objects.filter(action="member.second_factor_removed").exists()
    client.force_login(personas.analyst_b)
    response = client.post(f"/ketens/{personas.chain.slug}/leden/{personas.analyst_a.pk}/tweede-factor/")
    assert response.status_code == 403


def test_nobody_needs_it_where_the_setting_says_so(client, personas, settings):
    settings.KETEN_TOTP_REQUIRED = "nobody"
    password_login(client, "regisseur", personas.password)
    assert client.get("/").status_code == 200


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_in_the_browser_a_first_login_sets_up_the_app_and_the_next_asks_the_code(
    page, live_server, personas, screenshot_dir
):
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "regisseur")
    page.fill("#id_password", personas.password)
    page.click("main button[type=submit]")
    page.wait_for_selector(".qr svg")
    page.screenshot(path=screenshot_dir / "two-factor-setup.png", full_page=True)
    page.context.clear_cookies()
    log_in(page, live_server, "regisseur")  # sets it up from the key on the page
    page.wait_for_selector("a[data-chain]")
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "regisseur")
    page.fill("#id_password", personas.password)
    page.click("main button[type=submit]")
    page.wait_for_selector("#id_code")
    assert "/account/tweede-factor/code/" in page.url
    page.screenshot(path=screenshot_dir / "two-factor-code.png", full_page=True)
