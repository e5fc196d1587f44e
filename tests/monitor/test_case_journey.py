"""A case's journey: one case's events across partners on one timeline, its handovers and
waits, its verdict on each agreement; only for roles with case rights, and audited.

The log is delivered through the real ingestion path (`ingest_file`), partner B's file
first, so that a tie at one moment is decided by the chain's stage order (A's intake before
B's start, although B delivered first) and, within one stage and one delivery, by the file's
order (intake before aanmelding, as A's file lists them).
"""

from __future__ import annotations

import html
import re
from dataclasses import replace

import pytest
from django.urls import reverse
from django.utils import translation

from keten.analytics import flow, norms
from keten.analytics.prepare import prepare
from keten.chains.actions import save_chain_spec
from keten.chains.models import AuditEntry, Membership
from keten.events.actions import ingest_file
from keten.figures.metrics import case_journey, load_events
from keten.monitor.journey import CaseIdConverter

pytestmark = pytest.mark.django_db

TIE = "tie-1"
# A pseudonym with characters a path must not be trusted with.
ODD = 'zaak/één ?&#%.."<b>'

A_ROWS = [
    # Same moment, same stage: the file's order (intake first) decides.
    f"{TIE},intake,2024-03-01 09:00:00",
    f"{TIE},aanmelding,2024-03-01 09:00:00",
    f"{TIE},afgerond,2024-03-09 16:00:00",
    "late-1,aanmelding,2024-03-01 10:00:00",
    "late-1,intake,2024-03-02 10:00:00",
    "late-1,afgerond,2024-04-02 10:00:00",
    "lateopen-1,aanmelding,2024-03-05 10:00:00",
    "lateopen-1,intake,2024-03-05 11:00:00",
    "open-1,aanmelding,2024-04-27 10:00:00",
    "open-1,intake,2024-04-28 10:00:00",
    "nostart-1,aanmelding,2024-04-01 10:00:00",
    f'"{ODD.replace(chr(34), chr(34) * 2)}",intake,2024-03-10 09:00:00',
    f'"{ODD.replace(chr(34), chr(34) * 2)}",afgerond,2024-03-20 09:00:00',
]
B_ROWS = [
    # At the same moment as A's intake, delivered earlier: the stage order puts it after.
    f"{TIE},start,2024-03-01 09:00:00",
    f"{TIE},klaar,2024-03-06 12:00:00",
    "late-1,start,2024-03-20 10:00:00",
    "late-1,klaar,2024-03-30 10:00:00",
    f'"{ODD.replace(chr(34), chr(34) * 2)}",start,2024-03-12 09:00:00',
    # The store's last event: "now" for every figure and for the case page.
    "late-1,klaar,2024-04-30 12:00:00",
]


@pytest.fixture
def journeys(personas, write_file):
    chain = personas.chain
    for partner, rows in (("b", B_ROWS), ("a", A_ROWS)):
        text = "case_id,activity,timestamp\n" + "\n".join(rows) + "\n"
        report = ingest_file(chain, write_file(f"{partner}.csv", text), partner=partner)
        assert report.status == "stored" and report.rows_stored == len(rows), report
    return personas


@pytest.fixture(autouse=True)
def _in_dutch(client):
    """The pages as a Dutch user reads them (the default language of the UI)."""
    client.cookies["django_language"] = "nl"


def page_of(client, personas, who, case_id, query=""):
    client.force_login(getattr(personas, who))
    return client.get(reverse("monitor-case", args=[personas.chain.slug, case_id]) + query)


def timeline(text: str) -> list[str]:
    """The activity names on the page's timeline, in the order shown."""
    return [html.unescape(a) for a in re.findall(r'<strong class="activity">([^<]*)</strong>', text)]


def test_the_page_lists_exactly_the_cases_events_in_the_analytics_order(client, journeys):
    response = page_of(client, journeys, "coordinator", TIE)
    assert response.status_code == 200
    shown = timeline(response.content.decode())
    assert shown == ["Intake", "Aanmelding", "Start", "Klaar", "Afgerond"]
    # The suite's own order of the whole store, for this case.
    spec = journeys.chain.to_spec()
    ev = prepare(load_events(journeys.chain), spec).events
    mine = flow.to_frame(ev.filter(ev.case_id == TIE).order_by("seq"))
    names = {a.code: a.name for s in spec.stages for a in s.activities}
    assert shown == [names[a] for a in mine["activity"]]


def cells(text: str, heading_id: str) -> list[list[str]]:
    """The body rows (cell texts) of the table in the section labelled `heading_id`."""
    section = text.split(f'id="{heading_id}"', 1)[1].split("</section>", 1)[0]
    body = section.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    strip = lambda cell: html.unescape(re.sub(r"<[^>]+>", "", cell)).strip()  # noqa: E731
    return [[strip(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)] for row in rows]


@pytest.mark.slow
def test_the_waits_are_the_handover_durations_the_suite_computes(client, journeys):
    spec = journeys.chain.to_spec()
    edges = flow.to_frame(flow.handover_edges(prepare(load_events(journeys.chain), spec)))
    for case_id in (TIE, "late-1", ODD):
        suite = edges[edges["case_id"] == case_id].sort_values("seq")
        journey = case_journey(journeys.chain, case_id)
        assert list(journey.handovers["days"]) == list(suite["seconds"] / 86400)
        assert list(journey.handovers["from_partner"]) == list(suite["from_partner"])
    # late-1: A -> B after 18 days, B -> A after 3, and B's last event after A's goal: 28.1 days
    rows = cells(page_of(client, journeys, "coordinator", "late-1").content.decode(), "handovers-heading")
    assert [(r[0], r[1], r[4]) for r in rows] == [
        ("Partner A", "Partner B", "18,0 d"),
        ("Partner B", "Partner A", "3,0 d"),
        ("Partner A", "Partner B", "28,1 d (langste wachttijd)"),
    ]


def test_the_longest_wait_is_marked(client, journeys):
    text = page_of(client, journeys, "coordinator", "late-1").content.decode()
    assert text.count('class="timeline-handover longest"') == 1
    assert "Langste wachttijd: 28,1 d tussen Partner A en Partner B." in text


@pytest.mark.slow
def test_the_norm_verdicts_agree_with_the_norm_compliance_figures(client, journeys):
    spec = journeys.chain.to_spec()
    compliance = norms.norm_compliance(load_events(journeys.chain), spec)
    periods = compliance[(compliance["agreement"] == "snel") & (compliance["period"] != "all")]
    cases = flow.case_durations(load_events(journeys.chain), spec)["case_id"]
    verdicts = {c: case_journey(journeys.chain, c).norms.iloc[0]["verdict"] for c in cases}
    for verdict in ("within", "late", "late_open", "open"):
        assert sum(v == verdict for v in verdicts.values()) == periods[verdict].sum(), verdict
    assert verdicts == {
        TIE: "within",
        "late-1": "late",
        "lateopen-1": "late_open",
        "open-1": "open",
        "nostart-1": "not_started",
        ODD: "within",
    }
    # The page says it in words, with the days measured.
    [row] = cells(page_of(client, journeys, "coordinator", "late-1").content.decode(), "norms-heading")
    assert row[0] == "Snel gestart" and row[1] == "Binnen 7 dagen"
    assert row[4] == "18,0 d" and row[5] == "Niet gehaald: te laat afgehandeld"
    [row] = cells(page_of(client, journeys, "coordinator", "lateopen-1").content.decode(), "norms-heading")
    assert row[3] == "–" and row[5] == "Niet gehaald: te laat, nog open"


def test_the_status_is_in_words(client, journeys):
    assert "Doel bereikt" in page_of(client, journeys, "coordinator", TIE).content.decode()
    text = page_of(client, journeys, "coordinator", "open-1").content.decode()
    assert re.search(r'<span class="status [a-z_]+">Open</span>', text)


def test_an_odd_pseudonym_routes_to_its_page_and_is_escaped(client, journeys):
    url = reverse("monitor-case", args=[journeys.chain.slug, ODD])
    assert "/zaken/~" in url and "?" not in url and ".." not in url
    response = page_of(client, journeys, "coordinator", ODD)
    assert response.status_code == 200
    text = response.content.decode()
    assert "<b>" not in text and html.escape(ODD) in text
    assert timeline(text) == ["Intake", "Start", "Afgerond"]


@pytest.mark.parametrize("case_id", ["no-such-case", "..", "~not base64!"])
def test_an_unknown_case_is_not_found(client, journeys, case_id):
    client.force_login(journeys.coordinator)
    slug = journeys.chain.slug
    assert client.get(f"/ketens/{slug}/monitor/zaken/{case_id}/").status_code == 404


@pytest.mark.slow
def test_who_may_see_a_case(client, journeys, django_user_model):
    assert page_of(client, journeys, "coordinator", TIE).status_code == 200
    assert page_of(client, journeys, "analyst_a", TIE).status_code == 200
    assert page_of(client, journeys, "analyst_b", TIE).status_code == 200
    # B never handled this case: for B's analyst it does not exist.
    assert page_of(client, journeys, "analyst_b", "nostart-1").status_code == 404
    assert page_of(client, journeys, "steering", TIE).status_code == 403
    assert page_of(client, journeys, "outsider", TIE).status_code == 404
    # A member of another chain.
    other = save_chain_spec(replace(journeys.chain.to_spec(), slug="andere", name="Andere keten"))
    elsewhere = django_user_model.objects.create_user("elders")
    Membership.objects.create(user=elsewhere, chain=other, role="coordinator")
    client.force_login(elsewhere)
    assert client.get(reverse("monitor-case", args=[journeys.chain.slug, TIE])).status_code == 404
    assert not AuditEntry.objects.filter(action="case.viewed", username__in=["stuurgroep", "elders"]).exists()


def test_a_view_writes_one_audit_entry(client, journeys):
    page_of(client, journeys, "analyst_a", "late-1")
    [entry] = AuditEntry.objects.filter(chain=journeys.chain, action="case.viewed")
    assert entry.username == "analist_a" and entry.detail["case"] == "late-1"
    assert entry.detail["rows"] == 6 and entry.detail["format"] == "html"
    with translation.override("nl"):
        assert entry.label == "Zaak bekeken"


def test_the_steering_view_shows_no_case(client, journeys):
    client.force_login(journeys.coordinator)
    slug = journeys.chain.slug
    client.post(reverse("monitor-switch-view", args=[slug]), {"view": "bestuurlijk"})
    text = client.get(reverse("monitor-case", args=[slug, TIE])).content.decode()
    assert 'class="activity"' not in text and "Schakel naar de uitvoeringsweergave" in text
    assert not AuditEntry.objects.filter(action="case.viewed").exists()


# --- links from the lists lead to the case page ----------------------------------------------


def links_to_cases(text: str, slug: str) -> list[str]:
    return [
        html.unescape(h) for h in re.findall(rf'href="(/ketens/{slug}/monitor/zaken/[^"?]+/[^"]*)"', text)
    ]


def follow(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


@pytest.mark.slow
def test_the_case_list_links_every_row_to_its_page(client, journeys):
    client.force_login(journeys.coordinator)
    slug = journeys.chain.slug
    links = links_to_cases(follow(client, reverse("monitor-cases", args=[slug])), slug)
    assert len(links) == 6
    pages = [follow(client, link) for link in links]
    assert any(html.escape(ODD) in page for page in pages)
    assert all('class="timeline"' in page for page in pages)


@pytest.mark.slow
def test_the_norms_page_leads_to_the_cases_late_and_still_open(client, journeys):
    client.force_login(journeys.coordinator)
    slug = journeys.chain.slug
    text = follow(client, reverse("monitor-norms", args=[slug]))
    [url] = re.findall(r'href="([^"]*late_open=snel[^"]*)"', text)
    listed = follow(client, html.unescape(url))
    assert "Zaken die te laat en nog open zijn op de afspraak" in listed
    [link] = links_to_cases(listed, slug)
    assert "lateopen-1" in link and "Niet gehaald: te laat, nog open" in follow(client, link)


def test_the_variants_page_leads_to_the_cases_of_a_variant(client, journeys):
    client.force_login(journeys.coordinator)
    slug = journeys.chain.slug
    text = follow(client, reverse("monitor-variants", args=[slug]))
    urls = [html.unescape(u) for u in re.findall(r'href="([^"]*zaken/\?[^"]*variant=[^"]*)"', text)]
    spec = journeys.chain.to_spec()
    variants = flow.variants(load_events(journeys.chain), spec)
    assert len(urls) == len(variants)
    # The variant of the tie case: intake > aanmelding > start > klaar > afgerond, one case.
    [url] = [u for u in urls if "intake+%3E+aanmelding" in u.replace("%20", "+")]
    [link] = links_to_cases(follow(client, url), slug)
    assert timeline(follow(client, link)) == ["Intake", "Aanmelding", "Start", "Klaar", "Afgerond"]


@pytest.mark.slow
def test_the_handover_page_leads_to_the_cases_and_to_the_pair_in_one_direction(client, journeys):
    client.force_login(journeys.coordinator)
    slug = journeys.chain.slug
    text = follow(client, reverse("monitor-handover", args=[slug, "b", "a"]))
    assert len(links_to_cases(text, slug)) == 3  # the cases both partners handled
    [url] = re.findall(r'href="([^"]*from=b&amp;to=a[^"]*)"', text) or re.findall(
        r'href="([^"]*from=b[^"]*to=a[^"]*)"', text
    )
    listed = follow(client, html.unescape(url))
    assert "Zaken die Partner B overdroeg aan Partner A." in listed
    links = links_to_cases(listed, slug)
    shown = {CaseIdConverter().to_python(link.split("/zaken/")[1].split("/")[0]) for link in links}
    assert shown == {"late-1", TIE, ODD}  # open-1, lateopen-1 and nostart-1 never reached B
    for link in links:
        assert "Overdracht van Partner B naar Partner A" in follow(client, link)
