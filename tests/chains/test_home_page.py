import pytest

from tests.conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_member_sees_only_their_chains_on_the_home_page(client, personas):
    from keten.chains.models import Chain

    Chain.objects.create(slug="ander", name="Andere keten")
    client.force_login(personas.analyst_a)
    body = client.get("/").content.decode()
    assert "Kleine keten" in body
    assert "Andere keten" not in body


def test_an_anonymous_visitor_is_sent_to_the_login_page(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


@pytest.mark.browser
def test_a_coordinator_logs_in_and_opens_the_chain(page, live_server, personas, screenshot_dir):
    log_in(page, live_server, "regisseur")
    page.click("main >> text=Kleine keten")
    page.wait_for_url("**/ketens/klein/monitor/")
    page.click(".chain-nav >> text=Definition")
    page.wait_for_selector("h1:has-text('Kleine keten')")
    assert page.locator("text=Behandeling").count() >= 1
    page.screenshot(path=screenshot_dir / "chain-detail.png", full_page=True)
