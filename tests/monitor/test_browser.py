"""The monitor in a real browser: each role logs in, walks the main pages, switches view and language."""

import pytest

from tests.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def wait_for_charts(page):
    """vega-embed (served by the app) has drawn every chart on the page as SVG."""
    page.wait_for_function(
        "document.querySelectorAll('[data-vega]').length > 0 && [...document.querySelectorAll('[data-vega]')]"
        ".every(e => e.classList.contains('rendered') || e.classList.contains('failed'))",
        timeout=20000,
    )
    failed = page.eval_on_selector_all(
        "[data-vega].failed", "els => els.map(e => e.getAttribute('data-vega'))"
    )
    assert failed == [], f"charts that did not render on {page.url}: {failed}"
    assert page.locator("[data-vega] svg").count() == page.locator("[data-vega]").count()


@pytest.mark.parametrize(
    "who,username", [("coordinator", "regisseur"), ("analyst", "analist_b"), ("steering", "stuurgroep")]
)
@pytest.mark.slow
def test_each_role_walks_the_main_pages(page, live_server, monitored, screenshot_dir, who, username):
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, live_server, username)
    page.click(f"a[data-chain='{monitored.chain.slug}']")
    page.click("nav.chain-nav a[href$='/monitor/']")
    page.wait_for_url("**/monitor/")
    wait_for_charts(page)
    assert page.locator(".kpi-tile").count() == 2
    assert (
        page.locator(".badge.chain-level").count() == 1 and page.locator(".badge.partner-only").count() == 1
    )
    page.screenshot(path=screenshot_dir / f"monitor-overview-{who}.png", full_page=True)

    page.click("nav.chain-nav >> text=/Chain flow|Ketenstroom/")
    wait_for_charts(page)
    page.screenshot(path=screenshot_dir / f"monitor-flow-{who}.png", full_page=True)

    page.click("nav.chain-nav >> text=/Norms|Normen/")
    wait_for_charts(page)
    page.screenshot(path=screenshot_dir / f"monitor-norms-{who}.png", full_page=True)

    cases_tab = page.locator("nav.chain-nav a[href$='/zaken/']")
    if who == "steering":
        assert cases_tab.count() == 0
        assert page.locator(".view-switch").count() == 0
        assert page.locator("[data-view='bestuurlijk']").count() == 1
    else:
        cases_tab.click()
        assert page.locator("tbody tr").count() > 0
        page.screenshot(path=screenshot_dir / f"monitor-cases-{who}.png", full_page=True)


@pytest.mark.slow
def test_the_coordinator_switches_view_and_language(page, live_server, monitored, screenshot_dir):
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, live_server, "regisseur")
    page.goto(f"{live_server.url}/ketens/{monitored.chain.slug}/monitor/zaken/")
    assert page.locator("tbody tr").count() > 0
    page.click(".view-switch button[value='bestuurlijk']")
    page.wait_for_selector("[data-view='bestuurlijk']")
    assert page.locator("tbody tr").count() == 0  # no case rows in the steering view
    page.screenshot(path=screenshot_dir / "monitor-cases-coordinator-steering-view.png", full_page=True)

    page.goto(f"{live_server.url}/ketens/{monitored.chain.slug}/monitor/werkvoorraad/")
    wait_for_charts(page)
    page.click(".lang-form button[value='en']")
    page.wait_for_selector("html[lang='en']")
    assert page.locator("h1").inner_text() == "Work in progress, inflow and outflow"
    wait_for_charts(page)
    page.screenshot(path=screenshot_dir / "monitor-stages-coordinator-en.png", full_page=True)

    page.click(".view-switch button[value='uitvoering']")
    page.wait_for_selector("[data-view='uitvoering']")
    page.click(".lang-form button[value='nl']")
    page.wait_for_selector("html[lang='nl']")


@pytest.mark.slow
def test_the_chain_flow_opens_the_partner_pair(page, live_server, monitored, screenshot_dir):
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, live_server, "analist_a")
    page.goto(f"{live_server.url}/ketens/{monitored.chain.slug}/monitor/stroom/")
    page.locator("details.chart-table a").first.click()
    page.wait_for_url("**/stroom/*/*/**")
    assert "⇄" in page.locator("h1").inner_text()
    page.screenshot(path=screenshot_dir / "monitor-handover-analyst.png", full_page=True)


@pytest.mark.slow
def test_a_phone_sized_screen_still_shows_the_tiles(page, live_server, monitored, screenshot_dir):
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, live_server, "stuurgroep")
    page.goto(f"{live_server.url}/ketens/{monitored.chain.slug}/monitor/")
    wait_for_charts(page)
    page.screenshot(path=screenshot_dir / "monitor-overview-phone.png", full_page=True)
