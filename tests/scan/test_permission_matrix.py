"""Who may open which scan page: every page against every persona.

Outsiders get 404 (the chain does not exist for them), members without the right 403, and
anonymous visitors are sent to the login page. Respondents need no account at all.
"""

import pytest
from django.urls import reverse

from keten.scan import actions
from keten.scan.models import ItemBankVersion

ALL = {"coordinator": 200, "analyst_a": 200, "analyst_b": 200, "steering": 200, "outsider": 404}
COORDINATOR = {"coordinator": 200, "analyst_a": 403, "analyst_b": 403, "steering": 403, "outsider": 404}
PARTNER_EDITORS = {"coordinator": 200, "analyst_a": 200, "analyst_b": 200, "steering": 403, "outsider": 404}

PAGES = [
    # name, needs a wave, method, POST data, expected per persona
    ("scan:index", False, "get", None, ALL),
    ("scan:wave-new", False, "get", None, COORDINATOR),
    ("scan:item-banks", False, "get", None, COORDINATOR),
    ("scan:item-bank-download", "bank", "get", None, COORDINATOR),
    ("scan:results", True, "get", None, ALL),
    ("scan:results-csv", True, "get", None, ALL),
    ("scan:open-answers", True, "get", None, COORDINATOR),
    ("scan:manage", True, "get", None, COORDINATOR),
    (
        "scan:issue",
        True,
        "post",
        {"partner": "PARTNER", "level": "tactical", "count": 2, "output": "page"},
        COORDINATOR,
    ),
    ("scan:revoke", True, "post", {}, {**COORDINATOR, "coordinator": 302}),
    ("scan:close", True, "post", {}, {**COORDINATOR, "coordinator": 302}),
    ("scan:gains", True, "get", None, ALL),
    ("scan:gains-csv", True, "get", None, ALL),
    ("scan:gains-edit", True, "get", None, PARTNER_EDITORS),
]
PERSONAS = ["coordinator", "analyst_a", "analyst_b", "steering", "outsider"]


def url_for(name, needs, wave):
    slug = wave.chain.slug
    if needs == "bank":
        return reverse(name, args=[slug, ItemBankVersion.objects.get(chain=wave.chain).pk])
    return reverse(name, args=[slug, wave.pk] if needs else [slug])


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(("name", "needs", "method", "data", "expected"), PAGES, ids=[p[0] for p in PAGES])
def test_each_persona_gets_what_its_role_allows(
    client, personas, wave, persona, name, needs, method, data, expected
):
    client.force_login(getattr(personas, persona))
    if data and data.get("partner") == "PARTNER":
        data = {**data, "partner": wave.chain.partners.get(code="a").pk}
    response = getattr(client, method)(url_for(name, needs, wave), data or {})
    assert response.status_code == expected[persona]


@pytest.mark.parametrize(("name", "needs", "method", "data", "expected"), PAGES, ids=[p[0] for p in PAGES])
def test_anonymous_visitors_are_sent_to_the_login_page(client, wave, name, needs, method, data, expected):
    response = getattr(client, method)(url_for(name, needs, wave), {})
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_only_the_coordinator_is_offered_management_links(client, personas, wave):
    for persona, sees in [("coordinator", True), ("steering", False), ("analyst_a", False)]:
        client.force_login(getattr(personas, persona))
        html = client.get(reverse("scan:results", args=[wave.chain.slug, wave.pk])).content.decode()
        assert (reverse("scan:open-answers", args=[wave.chain.slug, wave.pk]) in html) is sees
        assert (reverse("scan:manage", args=[wave.chain.slug, wave.pk]) in html) is sees


def test_an_analyst_sees_only_their_own_partner_beside_the_chain(client, personas, wave):
    client.force_login(personas.analyst_a)
    response = client.get(reverse("scan:results", args=[wave.chain.slug, wave.pk]))
    assert [code for code, _name in response.context["partners"]] == ["a"]
    assert [f["id"] for f in response.context["figures"]] == ["scan-radar", "scan-spread-levels"]
    # asking for another partner's radar shows their own anyway
    response = client.get(reverse("scan:results", args=[wave.chain.slug, wave.pk]), {"partner": "b"})
    assert response.context["radar_partner"] == "a"


def test_a_wave_of_another_chain_is_not_found(client, personas, wave, small_spec):
    from dataclasses import replace

    from keten.chains.actions import save_chain_spec

    other = save_chain_spec(replace(small_spec, slug="ander", name="Andere keten"))
    foreign = actions.open_scan_wave(
        other, name="Elders", bank=actions.ensure_default_bank(other), min_cell=5
    )
    client.force_login(personas.coordinator)
    assert client.get(reverse("scan:results", args=[wave.chain.slug, foreign.pk])).status_code == 404


def test_an_analyst_fills_in_only_their_own_partners_statement(client, personas, wave):
    client.force_login(personas.analyst_a)
    url = reverse("scan:gains-edit", args=[wave.chain.slug, wave.pk])
    response = client.get(url, {"partner": "b"})
    assert response.context["partner"].code == "a"
    client.post(url, {"partner": "b", "overall_benefit": "4"})
    from keten.scan.models import GainsStatement

    assert list(GainsStatement.objects.values_list("partner__code", flat=True)) == ["a"]
