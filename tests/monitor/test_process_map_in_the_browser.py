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


def fits_the_screen(page):
    """No horizontal overflow once the page has settled: vega-embed redraws the charts sized to
    their container a moment after a resize, and in between one may be wider than the screen."""
    # Polled from here: page.wait_for_function evaluates its text inside the page, which the
    # Content-Security-Policy (no unsafe-eval) refuses.
    for _attempt in range(50):
        widths = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
        if widths[0] <= widths[1]:
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"the page is {widths[0]} px wide on a {widths[1]} px screen")


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
        fits_the_screen(page)
        # A phone scrolls a wide map inside its box, never the page.
        frame = page.locator(".process-map-drawing").bounding_box()
        assert frame["x"] >= 0 and frame["x"] + frame["width"] <= width
        page.screenshot(path=screenshot_dir / f"process-map-{slug}-{width}.png", full_page=True)
    # The activity map, through the map's own form (no JavaScript needed).
    page.set_viewport_size({"width": 1440, "height": 900})
    page.select_option("#id_level", "activity")
    page.select_option("#id_paths", "80")
    page.click(".process-map-form button[type=submit]")
    page.wait_for_url("**level=activity**")
    assert "paths=80" in page.url and page.locator(".process-map-drawing g.cluster").count() > 1
    for width in (1440, 390):
        page.set_viewport_size({"width": width, "height": 900})
        fits_the_screen(page)
    page.screenshot(path=screenshot_dir / f"process-map-{slug}-activities-390.png", full_page=True)
    assert not [m for m in console if "Content Security Policy" in m]
    page.goto(f"{live_server.url}/ketens/{slug}/monitor/stroom/")

    page.set_viewport_size({"width": 1440, "height": 900})
    partner = Chain.objects.get(slug=slug).partners.filter(kind="producing").order_by("pk").first()
    node = page.locator(".process-map-drawing g.node a", has=page.locator(f"text={partner.name}")).first
    node.click()
    page.wait_for_url(f"**/ketens/{slug}/monitor/partners/{partner.code}/**")
    assert partner.name in page.locator("h1").inner_text()
