"""Content-Security-Policy: every page says that only the app's own scripts run, and the pages
keep to it. A script injected into a page (through a name, a case id, a scan answer) would not
run even if an escape were missed somewhere; the charts still draw, with no eval."""

import re

import pytest
from django.urls import reverse

from tests.conftest import log_in
from tests.monitor.test_browser import wait_for_charts

pytestmark = pytest.mark.django_db

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)
STYLE_ATTRIBUTE = re.compile(r"<[^>]+\sstyle\s*=", re.I)


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {d.split()[0]: d.split()[1:] for d in header.split(";") if d.strip()}


def chain_pages(slug):
    names = [
        "chain-detail",
        "monitor-overview",
        "monitor-norms",
        "events-deliveries",
        "report-index",
        "scan:index",
        "governance:overview",
        "accounts:members",
    ]
    return [reverse("home"), *(reverse(name, kwargs={"slug": slug}) for name in names)]


@pytest.mark.slow
def test_the_policy_allows_only_the_apps_own_scripts_and_no_eval(client, monitored):
    client.force_login(monitored.coordinator)
    response = client.get(f"/ketens/{monitored.chain.slug}/monitor/")
    directives = policy(response)
    assert directives["script-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"] and directives["frame-ancestors"] == ["'none'"]
    assert not any("unsafe" in v for values in directives.values() for v in values)
    nonce = re.search(r"'nonce-([^']+)'", " ".join(directives["style-src"])).group(1)
    assert f'<style nonce="{nonce}">' in response.content.decode()  # the chain's colour


@pytest.mark.slow
def test_no_page_holds_an_inline_script_handler_or_style_attribute(client, monitored):
    client.force_login(monitored.coordinator)
    for url in [*chain_pages(monitored.chain.slug), "/login/"]:
        response = client.get(url, follow=True)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert "Content-Security-Policy" in response, url
        assert INLINE_SCRIPT.findall(html) == [], url
        assert INLINE_HANDLER.findall(html) == [], url
        assert STYLE_ATTRIBUTE.findall(html) == [], url


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.slow
def test_the_browser_reports_no_violation_and_the_charts_draw(page, live_server, monitored):
    violations = []
    page.on(
        "console",
        lambda m: (
            violations.append((page.url, m.text, m.location)) if "Content Security Policy" in m.text else None
        ),
    )
    log_in(page, live_server, "regisseur")
    slug = monitored.chain.slug
    for url in chain_pages(slug):
        page.goto(f"{live_server.url}{url}")
        if "/monitor/" in url:
            wait_for_charts(page)
    page.goto(f"{live_server.url}{reverse('monitor-norms', kwargs={'slug': slug})}")
    wait_for_charts(page)
    page.locator("[data-vega] svg [aria-roledescription=bar]").first.hover(force=True)
    tooltip = page.locator("#vg-tooltip-element.visible")
    tooltip.wait_for()  # drawn, and styled by the app's own sheet (the script injects no style)
    assert tooltip.evaluate("e => getComputedStyle(e).position") == "fixed"
    accent = page.evaluate("getComputedStyle(document.body).getPropertyValue('--accent').trim()")
    assert accent == monitored.chain.colour.lower() or accent == monitored.chain.colour
    assert violations == []
