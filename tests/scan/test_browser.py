"""The scan in a real browser: a respondent on a desktop and on a phone, and the coordinator's pages."""

import re

import pytest
from django.urls import reverse

from keten.scan import actions
from keten.scan.models import Response
from tests.conftest import log_in
from tests.scan.conftest import respond
from tests.scan.svgtext import BOXES_JS, problems

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture
def link(live_server, small_chain):
    wave = actions.open_scan_wave(
        small_chain, name="Voorjaar", bank=actions.ensure_default_bank(small_chain), min_cell=5
    )
    token = actions.issue_invitations(wave, small_chain.partners.get(code="b"), "tactical", 1)[0].token
    return live_server.url + reverse("scan:respond", args=[token])


@pytest.mark.parametrize("screen", VIEWPORTS)
def test_a_respondent_answers_saves_resumes_and_sends(page, link, screenshot_dir, screen):
    page.set_viewport_size(VIEWPORTS[screen])
    page.goto(link)
    statements = page.locator("fieldset.scan-item")
    assert statements.count() == 49
    assert page.locator("fieldset.scan-item > legend").count() == 49
    first = page.get_by_role(
        "group", name="Ik kan in een paar zinnen uitleggen wat de keten samen wil bereiken."
    )
    # keyboard: focus the first option, move with the arrow keys (a radio group selects as it moves)
    first.get_by_role("radio", name="Helemaal oneens").focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert first.get_by_role("radio", name="Niet eens en niet oneens").is_checked()
    second = page.get_by_role(
        "group", name="We weten aan welke cijfers we kunnen zien of de keten haar doel haalt."
    )
    second.get_by_text("Eens", exact=True).click()  # the whole label is the target, also on a phone
    page.get_by_role(
        "group", name="Het is duidelijk waarom verbetering van de keten nu nodig is en niet pas later."
    ).get_by_role("radio", name="Weet ik niet").check()
    page.get_by_label("Wat gaat er goed in de samenwerking en moeten we vooral vasthouden?").fill(
        "De korte lijnen."
    )
    page.screenshot(path=screenshot_dir / f"scan-respond-{screen}.png")
    page.screenshot(path=screenshot_dir / f"scan-respond-{screen}-full.png", full_page=True)

    page.get_by_role("button", name=re.compile("Save and continue later|Opslaan en later verder")).click()
    page.wait_for_selector(".message")
    page.goto(link)  # later, with the same link
    assert first.get_by_role("radio", name="Niet eens en niet oneens").is_checked()
    assert second.get_by_role("radio", name="Eens", exact=True).is_checked()
    assert page.get_by_label(
        "Wat gaat er goed in de samenwerking en moeten we vooral vasthouden?"
    ).input_value() == ("De korte lijnen.")
    page.screenshot(path=screenshot_dir / f"scan-respond-{screen}-resumed.png")

    page.get_by_role("button", name=re.compile("Send my answers|Mijn antwoorden versturen")).click()
    page.wait_for_selector("#respond-status[data-reason='used']")
    page.screenshot(path=screenshot_dir / f"scan-respond-{screen}-thanks.png")
    page.goto(link)
    assert page.locator("#respond-status").get_attribute("data-reason") == "used"
    response = Response.objects.get()
    assert dict(response.answers.values_list("item_code", "value")) == {
        "amb_clear": 3,
        "amb_measurable": 4,
        "urg_now": None,
    }


def wait_for_charts(page):
    page.wait_for_function(
        "[...document.querySelectorAll('[data-scan-chart]')].every("
        "e => e.classList.contains('rendered') || e.classList.contains('failed'))",
        timeout=20000,
    )
    assert page.locator("[data-scan-chart].failed").count() == 0
    assert page.locator("[data-scan-chart] svg").count() == page.locator("[data-scan-chart]").count() > 0


@pytest.fixture
def results(live_server, personas):
    chain = personas.chain
    bank = actions.ensure_default_bank(chain)
    old = actions.open_scan_wave(chain, name="Najaar 2025", bank=bank, min_cell=5)
    codes = [i.code for i in bank.bank.items]
    for partner, level, base in (("a", "operational", 3), ("b", "tactical", 2), ("fin", "strategic", 3)):
        respond(old, partner, level, {c: str(base + (i % 2)) for i, c in enumerate(codes)}, times=5)
    actions.close_scan_wave(old)
    new = actions.open_scan_wave(chain, name="Voorjaar 2026", bank=bank, min_cell=5)
    # all partners large enough; the strategic level (4) is hidden, and tactical (5) with it
    groups = (
        ("a", "operational", 4, 6),
        ("b", "tactical", 2, 5),
        ("fin", "strategic", 3, 4),
        ("fin", "operational", 5, 2),
    )
    for partner, level, base, n in groups:
        answers = {c: str(min(5, base + (i % 3))) for i, c in enumerate(codes)}
        respond(new, partner, level, answers, {"open_keep": f"Open antwoord {partner}"}, times=n)
    p = {c: chain.partners.get(code=c) for c in ("a", "b", "fin")}
    actions.save_gains_statement(new, p["a"], overall_benefit=4, benefits={}, perceptions={"b": 2, "fin": 5})
    actions.save_gains_statement(new, p["b"], overall_benefit=5, benefits={}, perceptions={"a": 4, "fin": 1})
    actions.save_gains_statement(new, p["fin"], overall_benefit=2, benefits={}, perceptions={"a": 2, "b": 5})
    return new


@pytest.mark.parametrize("screen", VIEWPORTS)
@pytest.mark.slow
def test_the_coordinator_reads_the_results_with_charts(page, live_server, results, screenshot_dir, screen):
    page.set_viewport_size(VIEWPORTS[screen])
    log_in(page, live_server, "regisseur")
    page.goto(live_server.url + reverse("scan:results", args=[results.chain.slug, results.pk]))
    wait_for_charts(page)
    assert page.locator("#scan-themes tbody tr").count() == 14
    assert page.locator("#scan-themes .suppressed").count() > 0  # the financier (3) is hidden
    # The wide table scrolls in its own box, which a keyboard user can reach and scroll.
    page.locator("[role=region][aria-labelledby=scan-themes-title]").focus()
    focused = (
        "document.activeElement.matches('[role=region]') "
        "&& !!document.activeElement.querySelector('#scan-themes')"
    )
    assert page.evaluate(focused)
    page.screenshot(path=screenshot_dir / f"scan-results-{screen}.png", full_page=True)
    page.goto(live_server.url + reverse("scan:gains", args=[results.chain.slug, results.pk]))
    assert page.locator("#gains-matrix .gap-highlight").count() == 3
    page.screenshot(path=screenshot_dir / f"scan-gains-{screen}.png", full_page=True)


def test_the_coordinator_issues_printable_links(page, live_server, results, screenshot_dir):
    page.set_viewport_size(VIEWPORTS["desktop"])
    log_in(page, live_server, "regisseur")
    page.goto(live_server.url + reverse("scan:manage", args=[results.chain.slug, results.pk]))
    page.screenshot(path=screenshot_dir / "scan-manage.png", full_page=True)
    page.get_by_label("Partner", exact=True).first.select_option(label="Partner A")
    page.get_by_label(re.compile("Number of invitations|Aantal uitnodigingen")).fill("3")
    page.get_by_role("button", name=re.compile("^(Issue|Uitgeven)$")).click()
    links = page.locator(".scan-links tbody tr")
    assert links.count() == 3
    page.screenshot(path=screenshot_dir / "scan-invitations.png", full_page=True)
    first = links.first.locator("td").nth(1).inner_text()
    page.goto(first)
    assert page.locator("fieldset.scan-item").count() == 49


READING_WIDTHS = {"1440": {"width": 1440, "height": 900}, "390": {"width": 390, "height": 844}}


@pytest.mark.parametrize("screen", READING_WIDTHS)
def test_the_results_read_whole_at_a_projector_and_a_phone_width(
    page, live_server, results, screenshot_dir, screen
):
    """No page-wide scrolling; in every chart shown, no text on another, none cut off, each
    heatmap text inside its cell (boxes as the browser draws them)."""
    page.set_viewport_size(READING_WIDTHS[screen])
    log_in(page, live_server, "regisseur")
    page.goto(live_server.url + reverse("scan:results", args=[results.chain.slug, results.pk]))
    wait_for_charts(page)
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    shown = [c for c in page.locator("[data-scan-chart]").all() if c.is_visible()]
    ids = {c.get_attribute("id") for c in shown}
    # a phone gets the radar's numbers as dots; a wide screen the radar itself
    assert ("scan-radar-narrow" in ids) == (screen == "390") and ("scan-radar" in ids) == (screen == "1440")
    assert "scan-heatmap" in ids
    for chart in shown:
        found = problems(chart.evaluate(BOXES_JS))
        assert not found, f"{chart.get_attribute('id')} at {screen}: {found}"
    page.screenshot(path=screenshot_dir / f"scan-results-read-{screen}.png", full_page=True)
