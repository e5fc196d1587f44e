"""`latest_scan_summary`: the plain data the monthly report reads."""

import pytest

from keten.scan import actions
from keten.scan.reporting import ScanSummary, latest_scan_summary
from tests.scan.conftest import respond


def test_there_is_no_summary_without_a_wave(small_chain):
    assert latest_scan_summary(small_chain) is None


@pytest.fixture
def two_waves(small_chain, bank):
    first = actions.open_scan_wave(small_chain, name="Najaar", bank=bank, min_cell=5)
    respond(first, "a", "operational", {"amb_clear": "2", "trust_people": "3"}, times=5)
    respond(first, "b", "operational", {"amb_clear": "2", "trust_people": "3"}, times=5)
    actions.close_scan_wave(first)
    second = actions.open_scan_wave(small_chain, name="Voorjaar", bank=bank, min_cell=5)
    respond(
        second,
        "a",
        "operational",
        {"amb_clear": "5", "trust_people": "4"},
        {"open_keep": "Het overleg"},
        times=5,
    )
    respond(second, "b", "strategic", {"amb_clear": "3", "trust_people": "1"}, times=5)
    chain = small_chain
    actions.save_gains_statement(
        second, chain.partners.get(code="a"), overall_benefit=2, benefits={}, perceptions={"b": 5}
    )
    actions.save_gains_statement(
        second, chain.partners.get(code="b"), overall_benefit=3, benefits={}, perceptions={}
    )
    return first, second


def test_the_summary_describes_the_latest_wave_with_its_trend(two_waves):
    summary = latest_scan_summary(two_waves[0].chain)
    assert isinstance(summary, ScanSummary)
    assert (summary.wave_name, summary.previous_wave_name, summary.is_open) == ("Voorjaar", "Najaar", True)
    assert summary.responses_total == 10 and summary.min_cell == 5
    assert summary.item_bank == "keten-scan v1"
    ambition = next(t for t in summary.themes if t.code == "ambition")
    assert ambition.chain == pytest.approx(4.0)
    assert ambition.partners == {"a": pytest.approx(5.0), "b": pytest.approx(3.0), "fin": None}
    assert (ambition.previous, ambition.delta) == (pytest.approx(2.0), pytest.approx(2.0))


def test_the_summary_names_the_widest_spreads_first(two_waves):
    spreads = latest_scan_summary(two_waves[0].chain).largest_spreads
    assert [(s.theme, s.dimension) for s in spreads[:2]] in (
        [("trust", "level"), ("trust", "partner")],
        [("trust", "partner"), ("trust", "level")],
    )
    # trust: A 4 against B 1 (a gap of 3) before ambition: A 5 against B 3 (2)
    assert spreads[0].gap == pytest.approx(3.0) and spreads[2].theme == "ambition"
    first = next(s for s in spreads if s.dimension == "partner" and s.theme == "trust")
    assert (first.low, first.high) == ("Partner B", "Partner A")


def test_the_summary_carries_the_largest_perception_gaps(two_waves):
    gaps = latest_scan_summary(two_waves[0].chain).perception_gaps
    assert [(g.rater, g.about, g.perceived, g.reported, g.gap) for g in gaps] == [
        ("Partner A", "Partner B", 5, 3, 2)
    ]


def test_steering_never_gets_open_answers_and_the_coordinator_does(two_waves):
    chain = two_waves[0].chain
    assert latest_scan_summary(chain, audience="steering").open_answers is None
    opens = dict(latest_scan_summary(chain, audience="coordinator").open_answers)
    assert ["Het overleg"] * 5 in opens.values()
