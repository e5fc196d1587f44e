"""The audit log reads as words in the user's language: what happened ("Delivery stored", not
events.delivered) and its detail as labelled values, not a Python dict or list."""

import re
from pathlib import Path

import pytest
from django.test import Client
from django.utils import translation

from keten.chains.actions import record_audit
from keten.chains.models import AUDIT_ACTIONS, AuditEntry

pytestmark = pytest.mark.django_db
SOURCE = Path(__file__).resolve().parents[2] / "src" / "keten"


def test_every_action_the_code_records_has_words():
    recorded = set()
    for file in SOURCE.rglob("*.py"):
        text = file.read_text()
        for call in re.finditer(r"record_audit\(\s*[^,]+,\s*[^,]+,\s*\"([a-z_.]+)\"", text):
            recorded.add(call.group(1))
    assert recorded, "no record_audit calls found"
    missing = {a for a in recorded if AuditEntry.action_label(a) == a}
    assert missing == set()
    assert len(AUDIT_ACTIONS) >= len(recorded)


def test_the_audit_page_shows_words_and_labelled_details(monitored):
    chain = monitored.chain
    record_audit(monitored.coordinator, chain, "events.delivered", batch="b7", rows=12, partner="a")
    record_audit(
        monitored.coordinator, chain, "cases.viewed", filters={"grain": "month", "start": None}, page=2
    )
    record_audit(monitored.coordinator, chain, "governance.decision.created", id=3, fields=["title", "date"])
    record_audit(monitored.coordinator, chain, "member.added", member="piet", role="analyst")
    client = Client()
    client.force_login(monitored.coordinator)
    with translation.override("nl"):
        client.cookies["django_language"] = "nl"
        html = client.get(f"/ketens/{chain.slug}/monitor/audit/").content.decode()
    assert "Levering opgeslagen" in html and "Zakenlijst bekeken" in html
    assert "Besluit: aangemaakt" in html
    assert (
        "events.delivered" not in html.split("<select", 1)[1].split("</select>")[1]
    )  # only as option values
    assert "{'" not in html and "['" not in html  # no Python dicts or lists
    assert "title, date" in html and "Grain: month" in html
    # A partner reads as its name, a role as its label, each label starting with a capital.
    partner_a = chain.partners.get(code="a").name
    assert f"<strong>Partner</strong>: {partner_a}</span>" in html
    assert "<strong>Rol</strong>: Analist van een partner</span>" in html
    assert "<strong>partner</strong>" not in html
