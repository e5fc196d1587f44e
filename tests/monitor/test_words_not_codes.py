"""What a person reads is words in their language, not the codes the engine uses: KPI statuses,
levels and units and case statuses in the tables of the overview and the case list; the CSV
keeps the codes (the stable vocabulary scripts read)."""

import csv
import io
import re

import pytest
from django.test import Client
from django.utils import translation

pytestmark = pytest.mark.django_db

CODES = {
    "on_target",
    "at_risk",
    "off_target",
    "no_data",
    "suppressed",
    "open",
    "reached",
    "dropped",
    "chain",
    "partner",
    "share",
    "days",
    "cases",
}


def cells(html: str) -> list[str]:
    return [c.strip() for c in re.findall(r"<td[^>]*>([^<]*)</td>", html)]


@pytest.mark.parametrize("page", ["monitor/", "monitor/zaken/"])
def test_the_tables_show_words_not_codes(client, monitored, page):
    client.force_login(monitored.coordinator)
    texts = cells(client.get(f"/ketens/{monitored.chain.slug}/{page}").content.decode())
    assert texts, "no table cells on the page"
    assert CODES.isdisjoint(texts), sorted(CODES & set(texts))


def test_in_dutch_too(monitored):
    dutch = Client()
    dutch.force_login(monitored.coordinator)
    with translation.override("nl"):
        dutch.cookies["django_language"] = "nl"
        texts = cells(dutch.get(f"/ketens/{monitored.chain.slug}/monitor/zaken/").content.decode())
    assert {"Open", "Doel bereikt", "Uitgevallen"} & set(texts)
    assert CODES.isdisjoint(texts)


def test_the_csv_keeps_the_codes(client, monitored):
    client.force_login(monitored.coordinator)
    response = client.get(f"/ketens/{monitored.chain.slug}/monitor/csv/cases.csv")
    body = b"".join(response.streaming_content).decode() if response.streaming else response.content.decode()
    statuses = {row["status"] for row in csv.DictReader(io.StringIO(body.lstrip("\ufeff")))}
    assert statuses and statuses <= {"open", "reached", "dropped"}, statuses


def test_variants_read_as_activity_names_in_order(client, monitored):
    client.force_login(monitored.coordinator)
    spec = monitored.chain.to_spec()
    texts = cells(client.get(f"/ketens/{monitored.chain.slug}/monitor/varianten/").content.decode())
    paths = [t for t in texts if "→" in t]
    assert paths, texts
    # Variants are activities in order, routes partners in order: names either way.
    activities, partners = set(spec.activity_names.values()), {p.name for p in spec.partners}
    assert all(set(p.split(" → ")) <= activities or set(p.split(" → ")) <= partners for p in paths), paths
    assert any(set(p.split(" → ")) <= partners for p in paths), "the routes are on the page"
    assert not [t for t in texts if " > " in t or t in spec.activity_names and t not in activities]
