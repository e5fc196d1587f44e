"""The norms page's charts as drawn by the browser's vega-embed: months by name with the year,
in the page's language, never as millisecond timestamps (the same as vl-convert draws them)."""

import re

import pytest

from tests.conftest import log_in
from tests.monitor.test_browser import wait_for_charts

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MONTH = {
    "nl": re.compile(r"^(jan|feb|mrt|apr|mei|jun|jul|aug|sep|okt|nov|dec)\.? \d{4}$"),
    "en": re.compile(r"^(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4}$"),
}


def chart_texts(page) -> list[str]:
    return [t.strip() for t in page.locator("[data-vega] svg text").all_text_contents()]


@pytest.mark.slow
def test_the_norm_charts_read_in_dutch_and_in_english(page, live_server, monitored, screenshot_dir):
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, live_server, "regisseur")
    page.goto(f"{live_server.url}/ketens/{monitored.chain.slug}/monitor/normen/")
    for lang in ("nl", "en"):
        if page.locator(f"html[lang='{lang}']").count() == 0:
            page.click(f".lang-form button[value='{lang}']")
            page.wait_for_selector(f"html[lang='{lang}']")
        wait_for_charts(page)
        texts = chart_texts(page)
        joined = " | ".join(texts)
        assert not re.search(r"\d{12,13}", joined), joined
        assert [t for t in texts if MONTH[lang].match(t)], joined
        page.screenshot(path=screenshot_dir / f"monitor-norms-charts-{lang}.png", full_page=True)
