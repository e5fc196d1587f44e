"""The governance and collaboration-health sections, filled from the real registers."""

from __future__ import annotations

import datetime as dt

import pytest

from keten.reports.assemble import assemble_report

pytestmark = pytest.mark.django_db


def test_governance_shows_decisions_escalations_and_the_upward_delegation_rate(chain_with_events):
    from keten.governance.models import Decision, Escalation, Table

    chain = chain_with_events
    steering = Table.objects.create(chain=chain, name="Stuurgroep", level="strategic")
    Decision.objects.create(table=steering, text="Intake binnen een week", decided_on=dt.date(2026, 10, 8))
    a = chain.partners.get(code="a")
    # Two escalations with an outcome in October: one solved where it arose, one solved higher up.
    Escalation.objects.create(
        chain=chain,
        topic="Wachtlijst",
        raised_level="operational",
        raised_by=a,
        raised_on=dt.date(2026, 10, 2),
        resolved_level="operational",
        resolved_on=dt.date(2026, 10, 9),
    )
    Escalation.objects.create(
        chain=chain,
        topic="Budget",
        raised_level="operational",
        raised_by=a,
        raised_on=dt.date(2026, 10, 5),
        resolved_level="strategic",
        resolved_on=dt.date(2026, 10, 20),
    )
    steering_edition = assemble_report(chain, "2026-10", language="en")
    section = steering_edition.section("governance")
    assert section.notice == ""
    facts = dict(section.facts)
    assert facts["Decisions taken"] == "1"
    assert facts["Escalations"] == "2 raised, 2 resolved, 0 open at the end of the month"
    assert facts["Upward-delegation rate"] == "50% (1 of 2 escalations)"
    assert section.tables[0].rows[0][1:3] == ["Stuurgroep", "Intake binnen een week"]
    operations = assemble_report(chain, "2026-10", edition="uitvoering", language="en").section("governance")
    escalations = next(t for t in operations.tables if t.caption.startswith("Escalations"))
    assert [row[0] for row in escalations.rows] == ["Wachtlijst", "Budget"]
    assert [row[-1] for row in escalations.rows] == ["no", "yes"]


def test_the_scan_section_shows_the_latest_wave_without_open_answers(chain_with_events, settings):
    from keten.scan.actions import (
        close_scan_wave,
        ensure_default_bank,
        find_invitation,
        issue_invitations,
        open_scan_wave,
        submit_response,
    )

    chain = chain_with_events
    bank = ensure_default_bank(chain)
    wave = open_scan_wave(chain, name="Najaar 2026", bank=bank, min_cell=5)
    items = [i.code for i in wave.bank.items]
    question = wave.bank.open_questions[0].code if wave.bank.open_questions else None
    for code, score in (("a", 4), ("b", 2)):
        for issued in issue_invitations(wave, chain.partners.get(code=code), "operational", 5):
            open_answers = {question: "Een geheim verhaal"} if question else {}
            submit_response(find_invitation(issued.token), dict.fromkeys(items, score), open_answers)
    close_scan_wave(wave)
    report = assemble_report(chain, "2026-10", edition="uitvoering", language="en")
    section = report.section("scan")
    assert section.notice == ""
    facts = dict(section.facts)
    assert facts["Latest wave"].startswith("Najaar 2026")
    assert facts["Responses"] == "10"
    scores = section.tables[0]
    assert scores.columns[:4] == ["Theme", "Chain score", "Previous wave", "Change"]
    assert {"Partner A", "Partner B"} <= set(scores.columns)
    assert all(row[1] == "3.0" for row in scores.rows)
    # Partner A answered 4 throughout, B 2: the spread is named, not averaged away.
    assert any("Partner B (2.0) and Partner A (4.0)" in b for b in section.bullets)
    text = "\n".join([*section.bullets, *section.paragraphs, *(c for r in scores.rows for c in r)])
    assert "Een geheim verhaal" not in text
