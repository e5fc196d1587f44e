"""The case page in a real browser: the timeline is visible and the page fits the screen at
desk width and on a phone."""

import pytest
from django.urls import reverse

from tests.conftest import log_in
from tests.monitor.test_case_journey import ODD, journeys  # noqa: F401 - the delivered log

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.usefixtures("journeys")
@pytest.mark.parametrize("width", [1440, 390])
@pytest.mark.slow
def test_the_timeline_is_visible_and_the_page_fits_the_width(
    page, live_server, personas, screenshot_dir, width
):
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, live_server, "regisseur")
    for case_id, events in (("late-1", 6), (ODD, 3)):
        page.goto(live_server.url + reverse("monitor-case", args=[personas.chain.slug, case_id]))
        timeline = page.locator("ol.timeline")
        assert timeline.is_visible()
        assert page.locator("ol.timeline li.timeline-event").count() == events
        assert page.locator("li.timeline-handover.longest").count() == 1
        if case_id == ODD:  # shown as it is, not as HTML
            assert page.locator("h1 .case-id").inner_text() == ODD
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{case_id} at {width} px is {overflow} px too wide"
    page.screenshot(path=screenshot_dir / f"monitor-case-{width}.png", full_page=True)
