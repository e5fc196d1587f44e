"""The demo chains come with a lived-in governance register and collaboration scan, so the
demo's monthly report is whole: stories, governance and scan sections filled."""

from __future__ import annotations

import datetime as dt

import pytest

from keten.chains.definition import REFERENCE_CHAINS
from keten.chains.models import AuditEntry, Chain
from keten.demo.actions import set_up_demo
from keten.demo.content import load_demo_content
from keten.demo.governance import on, respondents_per_level
from keten.governance.models import (
    Covenant,
    Decision,
    Escalation,
    Meeting,
    RelationshipActivity,
    Seat,
    SuccessStory,
    Table,
)
from keten.governance.reporting import partner_names, representation_warnings
from keten.governance.sensitive import check_text
from keten.reports.assemble import assemble_report
from keten.scan.models import Answer, GainsStatement, Response, Wave
from keten.scan.results import wave_scores
from tests.demo.conftest import END

pytestmark = pytest.mark.django_db

# The latest complete month before the demo's event end: the report the demo opens with.
REPORT_MONTH = "2025-05"
# Few events keep the setup quick; the governance content does not depend on the number.
# (Most of the setup's time goes to the scan: each submitted response parses the item bank.)
EVENTS = 2_000
GOVERNANCE_MODELS = (Covenant, Table, Seat, Meeting, Decision, Escalation, SuccessStory, RelationshipActivity)
SCAN_MODELS = (Wave, Response, Answer, GainsStatement)


def _counts() -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in GOVERNANCE_MODELS + SCAN_MODELS}


@pytest.fixture
def demo(data_dir, settings):
    settings.MEDIA_ROOT = data_dir / "media"
    return set_up_demo(events=EVENTS, end=END)


def test_the_relative_dates_count_back_from_the_month_of_the_event_end():
    assert on(END, (1, 14)) == dt.date(2025, 5, 14)
    assert on(END, (6, 3)) == dt.date(2024, 12, 3)
    assert on(END, (-2, 1)) == dt.date(2025, 8, 1)


@pytest.mark.slow
def test_both_reference_chains_get_a_register_a_closed_scan_and_a_whole_report(demo, settings):
    # One test for all of it: setting up the demo takes a while (see EVENTS).
    assert {c.slug for c in demo.chains} == set(REFERENCE_CHAINS)
    for chain in demo.chains:
        _assert_register(chain)
        _assert_stories_pass_the_personal_data_check(chain)
        _assert_scan(chain)
        _assert_report_of_the_latest_complete_month(chain)
        _assert_logo_set_through_the_identity_form(chain)
    # With so few events every handover is a small cell; with the threshold at 1 they rank.
    settings.KETEN_MIN_CELL = 1
    for chain in demo.chains:
        _assert_one_slowest_handover_marked(chain)


def _assert_one_slowest_handover_marked(chain: Chain) -> None:
    """The report's map marks the one slowest handover, as the flow page does; the list
    beside it names the next slowest too."""
    flow = assemble_report(chain, REPORT_MONTH, language="en").section("flow")
    assert len(flow.bullets) >= 2
    assert flow.charts[0].svg.count("pm-slowest") == 1


def _assert_register(chain: Chain) -> None:
    covenant = chain.covenants.get()
    assert covenant.parties.count() >= 6
    assert covenant.agreements.count() == chain.agreements.count()
    assert set(chain.governance_tables.values_list("level", flat=True)) == {
        "strategic",
        "tactical",
        "operational",
    }
    seats = Seat.objects.filter(table__chain=chain)
    assert seats.filter(mandate=False).exists()
    assert seats.filter(user__username=f"{chain.slug}-analist").exists()
    assert any("no mandated representative" in w for w in representation_warnings(chain, END))
    decisions = Decision.objects.filter(table__chain=chain)
    assert decisions.filter(kpis__isnull=False).exists()
    assert decisions.filter(agreements__isnull=False).exists()
    assert {"open", "in_progress", "done"} <= set(decisions.values_list("status", flat=True))
    escalations = chain.escalations.all()
    assert escalations.filter(resolved_level="operational", raised_level="operational").exists()
    assert escalations.filter(passed_up_without_attempt=True).count() == 1
    assert escalations.filter(resolved_on__isnull=True).exists()
    assert {"visit", "training"} <= set(chain.relationship_activities.values_list("kind", flat=True))
    stories = chain.success_stories.all()
    assert stories.filter(status="submitted").exists()  # one waits for the coordinator
    for month in (dt.date(2025, 5, 1), dt.date(2025, 4, 1)):
        assert stories.filter(month=month, status="approved", selected=True).count() >= 2


def _assert_stories_pass_the_personal_data_check(chain: Chain) -> None:
    known = partner_names(chain)
    for story in chain.success_stories.all():
        assert check_text(f"{story.title}\n{story.body}", known) == [], story.title


def _assert_scan(chain: Chain) -> None:
    waves = list(Wave.objects.filter(chain=chain).order_by("opened_at"))
    assert len(waves) == 2 and all(not w.is_open for w in waves)
    latest = waves[-1]
    assert latest.closed_at.date() < END
    assert GainsStatement.objects.filter(wave=latest).count() >= 5
    counts = wave_scores(latest).counts
    surveyed = load_demo_content(chain.slug).scan["partners"]
    assert all(counts.partners[p] >= latest.effective_min_cell for p in surveyed)
    assert all(n is not None and n >= latest.effective_min_cell for n in counts.levels.values())


def _assert_logo_set_through_the_identity_form(chain: Chain) -> None:
    chain.refresh_from_db()
    assert chain.logo, f"{chain.slug} has no logo"
    with chain.logo.open("rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    entry = AuditEntry.objects.get(chain=chain, action="governance.identity.updated")
    assert entry.username == f"{chain.slug}-regisseur" and entry.detail["fields"] == ["logo"]
    assert assemble_report(chain, REPORT_MONTH).logo.startswith("data:image/png;base64,")


def _assert_report_of_the_latest_complete_month(chain: Chain) -> None:
    report = assemble_report(chain, REPORT_MONTH, language="en")
    stories = report.section("stories")
    assert stories.notice == "" and len(stories.stories) >= 2
    governance = report.section("governance")
    assert governance.notice == ""
    facts = dict(governance.facts)
    assert facts["Meetings held"] != "0" and facts["Decisions taken"] != "0"
    assert governance.tables, "the month's decisions are listed"
    assert any("no mandated representative" in b for b in governance.bullets)
    scan = report.section("scan")
    assert scan.notice == ""
    assert dict(scan.facts)["Compared with"] == "Nulmeting"
    scores = scan.tables[0].rows
    assert scores and all(row[1] != "–" for row in scores), "chain scores are shown, not hidden"
    assert scan.bullets, "spreads and perception gaps are named"


@pytest.mark.parametrize("min_cell", [5, 10, 20])
def test_every_partner_and_level_reaches_the_group_size(min_cell):
    for partners in (4, 6):
        groups = [respondents_per_level(min_cell, partners, index) for index in range(partners)]
        assert all(sum(g.values()) >= min_cell for g in groups)
        for level in groups[0]:
            assert sum(g[level] for g in groups) >= min_cell


@pytest.mark.slow
def test_a_second_run_reuses_and_adds_nothing(demo):
    before = _counts()
    messages = []
    again = set_up_demo(events=EVENTS, end=END, say=messages.append)
    assert _counts() == before
    for chain in Chain.objects.all():
        assert f"governance register of {chain.slug}" in again.reused
        assert f"collaboration scan of {chain.slug}" in again.reused
        assert f"logo of {chain.slug}" in again.reused
        assert f"Reusing the governance register and collaboration scan of {chain.slug}." in messages


def test_demo_content_names_the_file_record_and_key_it_lacks(tmp_path, monkeypatch):
    from keten.demo import content

    assert {slug for slug in REFERENCE_CHAINS if content.load_demo_content(slug)} == set(REFERENCE_CHAINS)
    text = content.content_path("werk").read_text(encoding="utf-8")
    broken = text.replace("  purpose: Stelt de koers", "  doel: Stelt de koers", 1)
    monkeypatch.setattr(content, "REFERENCE_DIR", tmp_path)
    (tmp_path / "werk.governance.yaml").write_text(broken, encoding="utf-8")
    with pytest.raises(
        content.DemoContentError, match=r"werk.governance.yaml: tables record 1 lacks purpose"
    ):
        content.load_demo_content("werk")
    assert content.load_demo_content("elders") is None
