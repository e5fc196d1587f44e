"""The report's sections: their order, their contents, and what the steering edition hides."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from keten.reports.assemble import SECTION_ORDER, assemble_report

pytestmark = pytest.mark.django_db


def all_text(report) -> str:
    """Every printed word of the report (what both the HTML and the PDF show)."""
    parts = [report.title, report.month_label, report.edition_label]
    for s in report.sections:
        parts += [s.title, s.notice, *s.paragraphs, *s.bullets]
        parts += [f"{a} {b}" for a, b in s.facts]
        parts += [f"{st.title} {st.text} {st.partners} {st.date}" for st in s.stories]
        for t in s.tables:
            parts += [t.caption, t.note, *t.columns, *(cell for row in t.rows for cell in row)]
        parts += [f"{c.title} {c.description}" for c in s.charts]
    return "\n".join(parts)


def table(section, caption_start: str):
    return next(t for t in section.tables if t.caption.startswith(caption_start))


def add_story(chain, title, *, month=dt.date(2026, 10, 1), selected=False, status="approved"):
    from keten.governance.models import SuccessStory

    return SuccessStory.objects.create(
        chain=chain,
        title=title,
        body=f"{title}: wat er gebeurde.",
        month=month,
        status=status,
        selected=selected,
    )


def test_the_sections_come_in_the_agreed_order(chain_with_events):
    report = assemble_report(chain_with_events, "2026-10")
    assert [s.key for s in report.sections] == list(SECTION_ORDER)
    assert SECTION_ORDER[:2] == ("stories", "ambition")
    assert SECTION_ORDER[-1] == "colophon"


def test_the_report_opens_with_the_stories_the_coordinator_selected(chain_with_events):
    for i in range(6):
        add_story(chain_with_events, f"Verhaal {i}")
    add_story(chain_with_events, "Gekozen verhaal", selected=True)
    add_story(chain_with_events, "Ook gekozen", selected=True)
    add_story(chain_with_events, "Vorige maand", month=dt.date(2026, 9, 1), selected=True)
    add_story(chain_with_events, "Nog niet goedgekeurd", status="submitted")
    report = assemble_report(chain_with_events, "2026-10", language="en")
    first_content = report.sections[0]
    assert first_content.key == "stories"
    assert sorted(s.title for s in first_content.stories) == ["Gekozen verhaal", "Ook gekozen"]
    # Fewer than five selected: said in one line, not an empty box.
    assert first_content.paragraphs == ["2 stories were selected for October 2026 (at most 5)."]
    assert first_content.notice == ""


def test_at_most_five_stories_open_the_report(chain_with_events):
    for i in range(6):
        add_story(chain_with_events, f"Gekozen {i}", selected=True)
    stories = assemble_report(chain_with_events, "2026-10", language="en").section("stories")
    assert len(stories.stories) == 5
    assert stories.paragraphs == [] and stories.notice == ""


def test_approved_stories_nobody_selected_are_named_as_waiting(chain_with_events):
    add_story(chain_with_events, "Verhaal 1")
    add_story(chain_with_events, "Verhaal 2")
    stories = assemble_report(chain_with_events, "2026-10", language="en").section("stories")
    assert stories.stories == []
    assert stories.notice == (
        "No success story was selected for October 2026 yet; 2 approved stories wait "
        "in the register for the coordinator's choice."
    )


def test_every_kpi_has_value_target_status_and_trend(chain_with_events):
    report = assemble_report(chain_with_events, "2026-10", language="en")
    kpis = table(report.section("ambition"), "KPIs")
    assert kpis.columns[:5] == ["KPI", "Value", "Target", "Status", "Trend"]
    rows = {row[0]: row for row in kpis.rows}
    assert set(rows) == {"Binnen een maand afgerond", "Starts bij B (partner-only)"}
    # October: 20 of 20 cases done within 30 days; 20 starts at B against a target of 10.
    assert rows["Binnen een maand afgerond"][1:4] == ["100%", "≥ 60%", "On target"]
    assert rows["Starts bij B (partner-only)"][1:4] == ["20", "≥ 10", "On target"]
    assert rows["Starts bij B (partner-only)"][4].startswith("falling")


def test_norm_compliance_judges_the_latest_complete_month_and_shows_this_month_as_not_complete(
    chain_with_events,
):
    report = assemble_report(chain_with_events, "2026-10", language="en")
    norms = table(report.section("norms"), "Share of cases")
    assert norms.columns[2:] == [
        "Latest complete month",
        "The month before",
        "All complete months",
        "Met in the latest complete month",
        "October 2026 so far (not yet complete)",
    ]
    # As of 1 November a 7-day norm has not run its course for October's cases: September
    # (24 of 30) is the latest complete month, August holds 4 cases (hidden below 10), the
    # complete months together 24 of 34 - hidden too, or 34 - 30 would give August's 4 back
    # (September, the latest, is never the cover). October's 20 show as they stand, without a
    # verdict: they are not part of the total, so they cannot give August away.
    assert norms.rows == [
        [
            "Snel gestart",
            "80% within 7 days",
            "September 2026: 80% of 30",
            "<10",
            "hidden",
            "yes",
            "100% of 20 decided, 0 open",
        ]
    ]


def test_the_flow_section_names_the_slowest_handover_of_the_month(chain_with_events):
    report = assemble_report(chain_with_events, "2026-10", language="en")
    flow = report.section("flow")
    assert [c.key for c in flow.charts] == ["flow-map"]
    # October arrivals: A -> B after a median 1.5 days, B -> A after 2 days (the slowest).
    assert flow.bullets == ["Partner B → Partner A: median 2.0 d (20 cases)"]


def test_the_report_map_marks_the_one_slowest_handover_as_the_flow_page_does(chain_with_events):
    svg = assemble_report(chain_with_events, "2026-10", language="en").section("flow").charts[0].svg
    marked = re.findall(r'class="[^"]*pm-slowest[^"]*">\s*<title>([^<]+)</title>', svg)
    assert len(marked) == 1 and svg.count("pm-slowest") == 1
    assert marked[0].startswith("Partner B → Partner A: Slowest handover")


def test_what_changed_is_computed_from_the_data_largest_movement_first(chain_with_events):
    report = assemble_report(chain_with_events, "2026-10", language="en")
    changes = report.section("changes")
    assert changes.bullets[0] == "Handover Partner A → Partner B fell by 50%, from 3.0 d to 1.5 d (better)"
    assert changes.bullets[1] == "Starts bij B fell by 33%, from 30 to 20 (worse)"
    # October's norm share (not yet complete) is no movement; August's is too small to compare.
    assert not any(b.startswith("Norm") for b in changes.bullets)
    assert len(changes.bullets) <= 5


def test_the_data_extent_names_deliveries_partners_and_late_deliveries(chain_with_events):
    for edition in ("bestuurlijk", "uitvoering"):
        facts = dict(
            assemble_report(chain_with_events, "2026-10", edition=edition, language="en")
            .section("colophon")
            .facts
        )
        assert facts["Events from"] == "1 August 2026 to 28 October 2026"
        assert facts["Volume"] == "270 events in 54 cases"
        assert facts["Deliveries"] == "6 deliveries hold events up to this month."
        assert facts["Partners delivering"] == "In October 2026: Partner A, Partner B."
        assert facts["Late deliveries"].startswith("1 delivery arrived late")
        assert facts["Late deliveries"].endswith("Partner B.")
        assert facts["Store version"] and facts["Made on"]


def test_the_steering_edition_never_prints_a_suppressed_cell(chain_with_events, settings):
    # With a threshold of 25, October's 20 cases and every handover of the month are small.
    settings.KETEN_MIN_CELL = 25
    report = assemble_report(chain_with_events, "2026-10", edition="bestuurlijk", language="en")
    text = all_text(report)
    norms = table(report.section("norms"), "Share of cases")
    assert norms.rows[0][2] == "September 2026: 80% of 30"  # 30 cases, shown
    assert norms.rows[0][6] == "<25"  # October so far: 20 cases
    assert "of 20" not in text and "20 cases" not in text
    kpis = {row[0]: row for row in table(report.section("ambition"), "KPIs").rows}
    assert kpis["Starts bij B (partner-only)"][1:4] == ["<25", "≥ 10", "Fewer than 25 cases"]
    assert "Every handover this month rests on too few cases to rank." in report.section("flow").paragraphs
    # Nothing small enters the movements either.
    assert not any("Handover" in b or "Starts" in b for b in report.section("changes").bullets)


def test_the_steering_edition_hides_small_trend_points_the_coordinators_operations_edition_shows(
    chain_with_events,
):
    steering = assemble_report(chain_with_events, "2026-10", edition="bestuurlijk", language="en")
    operations = assemble_report(
        chain_with_events, "2026-10", edition="uitvoering", language="en", suppress=False
    )
    trend = {row[0]: row[4] for row in table(steering.section("ambition"), "KPIs").rows}
    assert trend["Starts bij B (partner-only)"] == "falling: <10 → 30 → 20"  # August: 4 starts
    trend = {row[0]: row[4] for row in table(operations.section("ambition"), "KPIs").rows}
    assert trend["Starts bij B (partner-only)"] == "falling: 4 → 30 → 20"
    assert steering.suppressed and not operations.suppressed


def test_the_operations_edition_adds_detail_per_partner_and_stage_but_no_case_rows(chain_with_events):
    steering = assemble_report(chain_with_events, "2026-10", edition="bestuurlijk", language="en")
    operations = assemble_report(chain_with_events, "2026-10", edition="uitvoering", language="en")
    detail = [
        "All handovers in October 2026",
        "Time spent per partner (all cases up to this month)",
        "Throughput time per month",
        "Cases per partner (up to this month)",
        "Routes to the goal (up to this month)",
    ]
    assert set(detail) <= {t.caption for s in operations.sections for t in s.tables}
    assert not set(detail) & {t.caption for s in steering.sections for t in s.tables}
    assert [c.key for c in operations.section("norms").charts] == ["norm-snel"]
    # Every fixture case runs A -> B -> A; the whole chain's row follows, with the same cases.
    routes = table(operations.section("wip"), "Routes to the goal (up to this month)")
    assert [row[:2] for row in routes.rows] == [
        ["Partner A → Partner B → Partner A", "54"],
        ["Whole chain", "54"],
    ]
    # No case identifiers anywhere.
    text = all_text(operations)
    assert not any(f"{prefix}0" in text for prefix in ("aug", "sep", "okt"))


def test_the_english_edition_is_in_english_and_the_default_is_dutch(chain_with_events):
    dutch = assemble_report(chain_with_events, "2026-10")
    english = assemble_report(chain_with_events, "2026-10", language="en")
    assert dutch.language == "nl" and dutch.month_label == "oktober 2026"
    assert english.month_label == "October 2026"


def test_a_bad_month_edition_or_language_is_refused_with_a_clear_message(small_chain):
    with pytest.raises(ValueError, match="use YYYY-MM"):
        assemble_report(small_chain, "oktober")
    with pytest.raises(ValueError, match="use bestuurlijk or uitvoering"):
        assemble_report(small_chain, "2026-10", edition="alles")
    with pytest.raises(ValueError, match="use nl or en"):
        assemble_report(small_chain, "2026-10", language="de")
