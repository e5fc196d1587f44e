"""The partner heatmap on the results page: a cell without a score says why, in words.

"hidden" only where the group is too small (suppressed), "not invited" where nobody of that
partner was invited in the wave, "no answers" where people were invited and nobody answered.
The waves are filled through the scan's own actions, as respondents fill them.
"""

import json
import re

import pytest
from django.urls import reverse

from keten.scan import actions
from tests.scan.conftest import respond

pytestmark = pytest.mark.django_db


def answers(wave, value="4"):
    return {item.code: value for item in wave.bank.items}


def heatmap_cells(client, personas, wave, language="en") -> dict[str, set[str]]:
    """Partner name -> the texts of its heatmap cells, as the page embeds the chart."""
    client.force_login(personas.coordinator)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    response = client.get(reverse("scan:results", args=[wave.chain.slug, wave.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    [text] = re.findall(r'<script id="scan-heatmap-spec" type="application/json">(.*?)</script>', body, re.S)
    spec = json.loads(text)
    rows = next(iter(spec["datasets"].values()))
    cells: dict[str, set[str]] = {}
    for row in rows:
        cells.setdefault(row["partner"], set()).add(row["label"])
    return cells


def test_a_partner_nobody_was_invited_for_reads_not_invited_and_a_small_group_hidden(client, personas, wave):
    respond(wave, "a", "operational", answers(wave), times=6)
    respond(wave, "b", "tactical", answers(wave), times=2)  # too small: hidden, and A with it
    cells = heatmap_cells(client, personas, wave)
    assert cells["Financier"] == {"not invited"}
    assert cells["Partner B"] == {"hidden"}
    assert cells["Partner A"] == {"hidden"}  # hidden too, or B could be worked out from the chain


def test_shown_scores_are_numbers_and_an_invited_partner_without_answers_says_so(client, personas, wave):
    respond(wave, "a", "operational", answers(wave, "4"), times=6)
    respond(wave, "b", "tactical", answers(wave, "2"), times=5)
    actions.issue_invitations(wave, wave.chain.partners.get(code="fin"), "strategic", 3)  # never used
    cells = heatmap_cells(client, personas, wave)
    # Reversed statements are turned around, so themes differ; every cell is a score.
    assert all(re.fullmatch(r"\d\.\d", c) for c in cells["Partner A"] | cells["Partner B"])
    assert cells["Financier"] == {"no answers"}


def test_in_dutch_the_cells_read_verborgen_and_niet_uitgenodigd(client, personas, wave):
    respond(wave, "a", "operational", answers(wave), times=3)
    respond(wave, "b", "tactical", answers(wave), times=3)
    cells = heatmap_cells(client, personas, wave, language="nl")
    assert cells["Financier"] == {"niet uitgenodigd"}
    assert cells["Partner A"] == cells["Partner B"] == {"verborgen"}


def test_the_response_counts_say_which_partner_was_not_invited(client, personas, wave):
    respond(wave, "a", "operational", answers(wave), times=6)
    client.force_login(personas.coordinator)
    response = client.get(reverse("scan:results", args=[wave.chain.slug, wave.pk]))
    counts = re.search(r'<table id="scan-counts">.*?</table>', response.content.decode(), re.S).group(0)
    assert counts.count("not invited") == 2  # B and the financier; A's 6 are counted
    assert '<td class="num">6</td>' in counts
