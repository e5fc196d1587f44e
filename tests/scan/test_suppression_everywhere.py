"""Small groups stay hidden on every page, in every export and in the report summary.

The wave: partner A 8 respondents (operational, all answer 4), the financier 6 (operational,
all 5), partner B 3 (tactical, all 1); minimum group size 5. B is too small; the financier
is hidden with it, or B's score could be worked out from the chain score and the others.
Tactical (3) is too small; operational (14) is hidden with it for the same reason.
"""

import csv
import io

import pytest
from django.urls import reverse

from keten.scan import actions
from keten.scan.models import Level
from keten.scan.reporting import latest_scan_summary
from tests.scan.conftest import respond

CHAIN = 65 / 17  # (8*4 + 6*5 + 3*1) / 17


@pytest.fixture
def filled(personas, wave):
    respond(wave, "a", "operational", {"amb_clear": "4"}, {"open_keep": "Tekst van A"}, times=8)
    respond(wave, "fin", "operational", {"amb_clear": "5"}, times=6)
    respond(wave, "b", "tactical", {"amb_clear": "1"}, {"open_keep": "Geheim van B"}, times=3)
    return wave


def page(client, user, name, wave, **query):
    client.force_login(user)
    url = reverse(name, args=[wave.chain.slug, wave.pk])
    response = client.get(url, query)
    assert response.status_code == 200
    return response


# hidden scores in either number format, and hidden group sizes
LEAKS = ["1.00", "1,00", "5.00", "5,00", "n=3", "n=6", "n=14", "n=9"]


@pytest.mark.parametrize("who", ["coordinator", "steering", "analyst_a", "analyst_b"])
def test_the_results_page_never_shows_a_hidden_score_or_size(client, personas, filled, who):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "nl"  # the check looks for Dutch number formatting
    html = page(client, getattr(personas, who), "scan:results", filled).content.decode()
    for leak in LEAKS:
        assert leak not in html, leak
    assert f"{CHAIN:.2f}".replace(".", ",") in html and "n=17" in html
    assert "&lt; 5" in html


def test_the_charts_get_no_hidden_score(client, personas, filled):
    response = page(client, personas.coordinator, "scan:results", filled, partner="b")
    for figure in response.context["figures"]:
        values = [row.get("score") for data in figure["spec"].get("datasets", {}).values() for row in data]
        assert 1.0 not in values and 5.0 not in values, figure["id"]
    heat = next(f for f in response.context["figures"] if f["id"] == "scan-heatmap")
    rows = [r for data in heat["spec"]["datasets"].values() for r in data if r.get("partner") == "Partner B"]
    assert rows and all(r["score"] is None for r in rows)


def test_the_coordinator_sees_the_shown_partner_and_the_chain(client, personas, filled):
    response = page(client, personas.coordinator, "scan:results", filled)
    row = response.context["scores"].theme("ambition")
    assert row.chain.score == pytest.approx(CHAIN)
    assert row.partners["a"].score == pytest.approx(4.0)
    assert row.partners["b"].suppressed and row.partners["fin"].suppressed
    assert row.levels["tactical"].suppressed and row.levels["operational"].suppressed
    assert row.partner_spread is None


def test_the_analyst_of_the_small_partner_sees_it_hidden_too(client, personas, filled):
    response = page(client, personas.analyst_b, "scan:results", filled)
    row = response.context["scores"].theme("ambition")
    assert list(row.partners) == ["b"] and row.partners["b"].suppressed


def test_the_csv_export_keeps_hidden_cells_empty(client, personas, filled):
    for user in (personas.coordinator, personas.steering, personas.analyst_b):
        text = page(client, user, "scan:results-csv", filled).content.decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(text)))
        answered = [r for r in rows if len(r) > 6 and r[3] in ("ambition", "amb_clear", "")]
        # every partner and level row except partner A (shown) and strategic (nobody) is hidden
        hidden = [
            r
            for r in answered
            if r[5] in ("partner", "level") and r[6] not in ("Partner A", str(Level.STRATEGIC.label))
        ]
        assert len(hidden) >= 6 and all(r[7] == "" and r[8] == "" and r[9] == "yes" for r in hidden)
        assert "1.00" not in text and "5.00" not in text


def test_the_invitation_overview_hides_small_response_counts(client, personas, filled):
    html = page(client, personas.coordinator, "scan:manage", filled).content.decode()
    counts = page(client, personas.coordinator, "scan:manage", filled).context["scores"].counts
    assert counts.partners == {"a": 8, "b": None, "fin": None}
    assert counts.levels == {"strategic": 0, "tactical": None, "operational": None}
    assert "&lt; 5" in html


def test_open_answers_name_a_partner_only_when_its_group_is_shown(client, personas, filled):
    response = page(client, personas.coordinator, "scan:open-answers", filled)
    answers = [a for group in response.context["groups"] for a in group.answers]
    assert ("Tekst van A", "Partner A", None) in answers
    assert ("Geheim van B", None, None) in answers


def test_the_report_summary_hides_the_same_groups(personas, filled):
    summary = latest_scan_summary(filled.chain, audience="steering")
    theme = next(t for t in summary.themes if t.code == "ambition")
    assert theme.chain == pytest.approx(CHAIN)
    assert theme.partners == {"a": pytest.approx(4.0), "b": None, "fin": None}
    assert theme.levels == {"strategic": None, "tactical": None, "operational": None}
    assert summary.responses_per_partner == {"Partner A": 8, "Partner B": None, "Financier": None}
    assert summary.largest_spreads == []
    assert summary.open_answers is None


def test_everything_is_hidden_while_the_whole_wave_is_too_small(client, personas, wave):
    respond(wave, "a", "operational", {"amb_clear": "2"}, {"open_keep": "Vroeg antwoord"}, times=4)
    html = page(client, personas.coordinator, "scan:results", wave).content.decode()
    assert "2.00" not in html and "2,00" not in html and "n=4" not in html
    opened = page(client, personas.coordinator, "scan:open-answers", wave)
    assert opened.context["groups"] is None and "Vroeg antwoord" not in opened.content.decode()
    text = page(client, personas.coordinator, "scan:results-csv", wave).content.decode("utf-8-sig")
    assert "2.00" not in text
    summary = latest_scan_summary(wave.chain, audience="coordinator")
    assert all(t.chain is None for t in summary.themes) and summary.open_answers is None


def test_a_wave_cannot_be_set_below_five(small_chain, bank):
    with pytest.raises(actions.ScanError, match="at least 5"):
        actions.open_scan_wave(small_chain, name="Te klein", bank=bank, min_cell=4)


def test_a_wave_may_raise_the_minimum_and_hides_more(client, personas, small_chain, bank):
    wave = actions.open_scan_wave(small_chain, name="Streng", bank=bank, min_cell=9)
    respond(wave, "a", "operational", {"amb_clear": "4"}, times=8)
    respond(wave, "fin", "operational", {"amb_clear": "5"}, times=6)
    row = page(client, personas.coordinator, "scan:results", wave).context["scores"].theme("ambition")
    assert row.chain.n == 14 and row.partners["a"].suppressed and row.partners["fin"].suppressed
