"""A part that is not there (no events, no scan, no governance data) shows a notice, never figures."""

from __future__ import annotations

import pytest

from keten.reports.assemble import SECTION_ORDER, assemble_report

pytestmark = pytest.mark.django_db


def test_a_chain_without_events_gets_a_report_of_notices(small_chain, data_dir):
    report = assemble_report(small_chain, "2026-10", language="en")
    assert [s.key for s in report.sections] == list(SECTION_ORDER)
    for key in ("ambition", "norms", "flow", "wip", "changes"):
        section = report.section(key)
        assert section.notice.startswith("No events have been delivered up to the end of October 2026"), key
        assert section.tables == [] and section.charts == [] and section.bullets == []
    facts = dict(report.section("colophon").facts)
    assert facts["Deliveries"] == "No deliveries recorded."
    assert facts["Late deliveries"] == "Not known: no deliveries recorded."


def test_no_stories_no_governance_and_no_scan_each_say_so(chain_with_events):
    report = assemble_report(chain_with_events, "2026-10", language="en")
    assert report.section("stories").notice == "No success stories were recorded for October 2026."
    assert report.section("governance").notice.startswith(
        "No governance data has been recorded for October 2026"
    )
    scan = report.section("scan")
    assert scan.notice
    assert scan.tables == [] and scan.charts == [] and scan.facts == []


def test_the_first_month_has_nothing_to_compare_with(chain_with_events):
    report = assemble_report(chain_with_events, "2026-08", language="en")
    assert report.section("changes").notice == "There is no earlier month to compare with, or nothing moved."
    assert report.section("changes").bullets == []


def test_a_month_without_handovers_says_so(chain_with_events):
    report = assemble_report(chain_with_events, "2026-12", language="en")
    flow = report.section("flow")
    assert flow.notice == "No case passed from one partner to another in December 2026."
    assert flow.charts == []
