"""The process map in a real browser, on both demo chains: visible, no page wider than the
screen at 1440 and 390 px, no Content-Security-Policy complaint, and a partner box opens the
partner's page."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

END = dt.date(2025, 6, 1)


@pytest.fixture
def demo():
    from keten.demo.actions import set_up_demo

    return set_up_demo(events=8_000, end=END)


@pytest.mark.parametrize("slug", ["werk", "strafrecht"])
def test_the_process_map_fits_the_screen_and_opens_a_partner(page, live_server, demo, screenshot_dir, slug):
    from keten.chains.models import Chain
    from keten.demo.actions import DEMO_PASSWORD

    console = []
    page.on("console", lambda message: console.append(message.text))
    page.set_viewport_size({"width": 1440, "height": 900})
    log_in(page, live_server, f"{slug}-stuurgroep", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/ketens/{slug}/monitor/stroom/")
    drawing = page.locator(".process-map-drawing svg")
    assert drawing.is_visible()
    box = drawing.bounding_box()
    assert box["width"] > 300 and box["height"] > 200
    for width in (1440, 390):
        page.set_viewport_size({"width": width, "height": 900})
        assert page.evaluate("document.documentElement.scrollWidth <= innerWidth"), width
        # A phone scrolls a wide map inside its box, never the page.
        frame = page.locator(".process-map-drawing").bounding_box()
        assert frame["x"] >= 0 and frame["x"] + frame["width"] <= width
        page.screenshot(path=screenshot_dir / f"process-map-{slug}-{width}.png", full_page=True)
    assert not [m for m in console if "Content Security Policy" in m]

    page.set_viewport_size({"width": 1440, "height": 900})
    partner = Chain.objects.get(slug=slug).partners.filter(kind="producing").order_by("pk").first()
    node = page.locator(".process-map-drawing g.node a", has=page.locator(f"text={partner.name}")).first
    node.click()
    page.wait_for_url(f"**/ketens/{slug}/monitor/partners/{partner.code}/**")
    assert partner.name in page.locator("h1").inner_text()
