"""The main governance flows in a real browser (Debian chromium), with screenshots to look at."""

import datetime as dt

import pytest

from keten.governance.models import Decision, Escalation, Meeting, SuccessStory
from tests.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PNG_1PX = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de"
    "0000000c4944415408d763f8cfc0f01f0005000201e2215bc20000000049454e44ae426082"
)


def base(live_server, chain):
    return f"{live_server.url}/ketens/{chain.slug}/bestuur/"


def save(page):
    page.click("form.gov-form button[type=submit]")


def test_a_coordinator_sets_up_the_tables_and_sees_the_gaps(
    page, live_server, personas, tables, screenshot_dir
):
    chain = personas.chain
    log_in(page, live_server, "regisseur")
    page.goto(f"{live_server.url}/ketens/{chain.slug}/definitie/")
    page.click(f"nav.chain-nav a[href='/ketens/{chain.slug}/bestuur/']")
    page.wait_for_selector(".gov-warnings li")
    page.goto(base(live_server, chain) + "tafels/")
    assert page.locator(".gov-matrix td.rep-missing").count() == 1
    assert page.locator(".gov-matrix td.rep-unmandated").count() == 1

    # Give partner B a mandated seat at the operational table: one gap closes.
    page.goto(base(live_server, chain) + f"tafels/{tables['operational'].pk}/leden/nieuw/")
    page.fill("#id_person", "Consulent B")
    page.select_option("#id_partner", label="Partner B")
    page.check("#id_mandate")
    page.fill("#id_since", "2025-01-01")
    save(page)
    page.goto(base(live_server, chain) + "tafels/")
    assert page.locator(".gov-matrix td.rep-missing").count() == 0
    assert page.locator(".gov-warnings li").count() == 1
    page.screenshot(path=screenshot_dir / "governance-tables.png", full_page=True)


def test_a_table_member_records_a_meeting_and_a_decision(page, live_server, personas, tables, screenshot_dir):
    chain = personas.chain
    operational = tables["operational"]
    log_in(page, live_server, "analist_a")
    page.goto(base(live_server, chain) + f"tafels/{operational.pk}/")
    page.click(f"a[href$='tafels/{operational.pk}/overleggen/nieuw/']")
    page.fill("#id_held_on", "2025-02-12")
    page.check("fieldset input[type=checkbox] >> nth=0")
    page.fill("#id_notes", "Wachtlijst besproken.")
    save(page)
    page.click(f"a[href$='tafels/{operational.pk}/besluiten/nieuw/']")
    page.fill("#id_text", "Elke aanmelding krijgt binnen een week een intake.")
    page.fill("#id_decided_on", "2025-02-12")
    page.fill("#id_owner", "Werkbegeleider A")
    page.fill("#id_due_on", "2025-03-31")
    page.check("input[name=agreements] >> nth=0")
    save(page)
    page.wait_for_selector("text=Elke aanmelding krijgt binnen een week een intake.")
    meeting = Meeting.objects.get()
    assert [p.code for p in meeting.present.all()] == ["a"]
    decision = Decision.objects.get()
    assert (decision.table, decision.owner, decision.agreements.count()) == (
        operational,
        "Werkbegeleider A",
        1,
    )
    page.screenshot(path=screenshot_dir / "governance-table-detail.png", full_page=True)

    # Analyst B holds no seat: the page offers no buttons and the form is refused.
    page.context.clear_cookies()
    log_in(page, live_server, "analist_b")
    page.goto(base(live_server, chain) + f"tafels/{operational.pk}/")
    assert page.locator("a[href$='overleggen/nieuw/']").count() == 0
    response = page.goto(base(live_server, chain) + f"tafels/{operational.pk}/overleggen/nieuw/")
    assert response.status == 403


def test_escalations_show_their_figures(page, live_server, personas, tables, screenshot_dir):
    chain = personas.chain
    a = chain.partners.get(code="a")
    today = dt.date.today()
    Escalation.objects.create(
        chain=chain,
        topic="Dossier niet overgedragen",
        raised_level="operational",
        raised_by=a,
        raised_on=today - dt.timedelta(days=40),
        resolved_level="strategic",
        resolved_on=today - dt.timedelta(days=2),
    )
    log_in(page, live_server, "stuurgroep")
    page.goto(base(live_server, chain) + "escalaties/nieuw/")
    page.fill("#id_topic", "Capaciteit casusoverleg")
    page.select_option("#id_raised_level", "tactical")
    page.select_option("#id_raised_by", label="Partner B")
    page.check("#id_passed_up_without_attempt")
    save(page)
    page.wait_for_selector("text=Capaciteit casusoverleg")
    current = (
        page.locator(".gov-escalation-figures") if page.locator(".gov-escalation-figures").count() else None
    )
    assert current is None  # the register page shows the table, the overview the summary card
    first_row = page.locator("section.card table tbody tr >> nth=0")
    assert "100%" in first_row.inner_text()  # two issues counted this month, both upward
    page.screenshot(path=screenshot_dir / "governance-escalations.png", full_page=True)
    page.goto(base(live_server, chain))
    assert "100%" in page.locator(".gov-escalation-figures").inner_text()
    page.screenshot(path=screenshot_dir / "governance-overview.png", full_page=True)


def test_a_story_is_checked_approved_and_selected(page, live_server, personas, tables, screenshot_dir):
    chain = personas.chain
    log_in(page, live_server, "analist_b")
    page.goto(base(live_server, chain) + "verhalen/nieuw/")
    page.fill("#id_title", "Van bijstand naar vaste baan")
    page.fill("#id_body", "Jan de Vries (geboren 12-03-1985) kreeg na drie weken een baan.")
    page.fill("#id_month", "2025-02")
    page.check("input[name=partners] >> nth=0")
    page.check("input[name=partners] >> nth=1")
    save(page)
    page.wait_for_selector(".gov-warnings li")
    assert page.locator(".gov-warnings li").count() == 2
    page.screenshot(path=screenshot_dir / "governance-story-warning.png", full_page=True)
    assert not SuccessStory.objects.exists()
    page.fill("#id_body", "Na een warme overdracht kreeg de klant binnen drie weken een vaste baan.")
    save(page)
    page.wait_for_selector("text=Van bijstand naar vaste baan")

    page.context.clear_cookies()
    log_in(page, live_server, "regisseur")
    page.goto(base(live_server, chain) + "verhalen/")
    page.click(".gov-pending button[value=approve]")
    page.click("button[value=select]")
    page.wait_for_selector("article.gov-story.selected")
    story = SuccessStory.objects.get()
    assert (story.status, story.selected) == ("approved", True)
    page.screenshot(path=screenshot_dir / "governance-stories.png", full_page=True)


def test_the_identity_set_here_shows_in_the_header(page, live_server, personas, screenshot_dir, tmp_path):
    chain = personas.chain
    logo = tmp_path / "logo.png"
    logo.write_bytes(PNG_1PX)
    log_in(page, live_server, "regisseur")
    page.goto(base(live_server, chain) + "identiteit/")
    page.fill("#id_name", "Keten Sterk Werk")
    page.set_input_files("#id_logo", str(logo))
    page.eval_on_selector("#id_colour", "el => el.value = '#8a2be2'")
    save(page)
    page.wait_for_selector(".brand-name:has-text('Keten Sterk Werk')")
    # The image may still be loading on a busy machine: wait for it, not for a fixed time.
    loaded = (
        "img => img.complete ? img.naturalWidth"
        " : new Promise(done => { img.onload = () => done(img.naturalWidth) })"
    )
    assert page.locator(".site-header img.logo").evaluate(loaded) == 1
    assert "138, 43, 226" in page.locator(".site-header").evaluate(
        "el => getComputedStyle(el).backgroundColor"
    )
    page.screenshot(path=screenshot_dir / "governance-identity.png", full_page=True)


def test_a_coordinator_deletes_a_wrongly_entered_escalation(
    page, live_server, personas, tables, screenshot_dir
):
    chain = personas.chain
    wrong = Escalation.objects.create(
        chain=chain,
        topic="Dubbel ingevoerd",
        raised_level="tactical",
        raised_by=chain.partners.get(code="a"),
        raised_on=dt.date.today(),
    )
    log_in(page, live_server, "regisseur")
    page.goto(base(live_server, chain) + f"escalaties/{wrong.pk}/")
    delete = page.locator("button[name=delete]")
    assert not delete.is_visible()  # a second step: nothing is deleted by one stray click
    page.click("details.gov-delete summary")
    page.screenshot(path=screenshot_dir / "governance-delete.png", full_page=True)
    delete.click()
    page.wait_for_selector("text=Deleted: Dubbel ingevoerd.")
    assert page.locator("text=Dubbel ingevoerd").count() == 1  # only the message still names it
    assert not Escalation.objects.filter(pk=wrong.pk).exists()
