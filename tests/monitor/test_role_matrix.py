"""Every monitor page and API endpoint, for every persona: who gets what, and who gets nothing."""

import csv
import io

import pytest
from django.urls import reverse

from tests.monitor.conftest import CASE_PREFIX

# (url name, extra args, what it holds)
PAGES = [
    ("monitor-overview", []),
    ("monitor-flow", []),
    ("monitor-handover", ["a", "b"]),
    ("monitor-throughput", []),
    ("monitor-norms", []),
    ("monitor-stages", []),
    ("monitor-variants", []),
    ("monitor-partner", ["b"]),
    ("monitor-cases", []),
    ("monitor-audit", []),
    ("monitor-csv", ["kpis"]),
    ("monitor-csv", ["handovers"]),
    ("monitor-csv", ["throughput"]),
    ("monitor-csv", ["norms"]),
    ("monitor-csv", ["stage_flow"]),
    ("monitor-csv", ["variants"]),
    ("monitor-csv", ["rework"]),
    ("monitor-csv", ["dropout"]),
    ("monitor-csv", ["cases"]),
]
API = ["api-kpis", "api-flow", "api-norms", "api-cases"]

# Expected status per persona for the pages above (anything not listed: 200).
FORBIDDEN = {
    "coordinator": set(),
    "analyst_a": {"monitor-audit"},
    "analyst_b": {"monitor-audit"},
    "steering": {"monitor-audit", "monitor-cases", "monitor-csv:cases", "api-cases"},
}
PERSONAS = list(FORBIDDEN)


def page_url(slug, name, args):
    return reverse(name, args=[slug, *args])


def key(name, args):
    return f"{name}:{args[0]}" if name == "monitor-csv" else name


@pytest.mark.parametrize("who", PERSONAS)
def test_each_role_gets_exactly_the_pages_it_may(client, monitored, who):
    client.force_login(getattr(monitored, who))
    slug = monitored.chain.slug
    for name, args in PAGES:
        expected = 403 if key(name, args) in FORBIDDEN[who] else 200
        response = client.get(page_url(slug, name, args))
        assert response.status_code == expected, (who, name, args, response.status_code)
    for name in API:
        expected = 403 if name in FORBIDDEN[who] else 200
        response = client.get(reverse(name, args=[slug]))
        assert response.status_code == expected, (who, name, response.status_code)


def test_an_outsider_finds_no_chain_at_all(client, monitored):
    client.force_login(monitored.outsider)
    slug = monitored.chain.slug
    for name, args in PAGES:
        assert client.get(page_url(slug, name, args)).status_code == 404, name
    for name in API:
        assert client.get(reverse(name, args=[slug])).status_code == 404, name
    assert client.get(reverse("api-chain-list")).json() == []


def test_an_unknown_chain_is_a_404_even_for_a_member(client, monitored):
    client.force_login(monitored.coordinator)
    assert client.get(reverse("monitor-overview", args=["bestaat-niet"])).status_code == 404
    assert client.get(reverse("api-kpis", args=["bestaat-niet"])).status_code == 404


def test_anonymous_visitors_are_sent_to_log_in_and_the_api_refuses_them(client, monitored):
    slug = monitored.chain.slug
    for name, args in PAGES:
        response = client.get(page_url(slug, name, args))
        assert response.status_code == 302 and "/login/" in response["Location"], name
    for name in API:
        assert client.get(reverse(name, args=[slug])).status_code in (401, 403), name


def test_unknown_partners_and_datasets_are_404(client, monitored):
    client.force_login(monitored.coordinator)
    slug = monitored.chain.slug
    assert client.get(reverse("monitor-partner", args=[slug, "nope"])).status_code == 404
    assert client.get(reverse("monitor-handover", args=[slug, "a", "nope"])).status_code == 404
    assert client.get(reverse("monitor-csv", args=[slug, "nope"])).status_code == 404


def everything_steering_can_fetch(client, slug):
    """Bodies of every page, CSV and API response that answers a steering member with 200,
    in both views they might ask for."""
    bodies = []
    for view in ("", "?view=uitvoering", "?view=bestuurlijk"):
        for name, args in PAGES:
            r = client.get(page_url(slug, name, args) + view)
            if r.status_code == 200:
                bodies.append((name, r.content.decode()))
        for name in API:
            r = client.get(reverse(name, args=[slug]) + view)
            if r.status_code == 200:
                bodies.append((name, r.content.decode()))
    return bodies


def test_a_steering_member_never_receives_a_case_row(client, monitored):
    client.force_login(monitored.steering)
    slug = monitored.chain.slug
    # Even after asking to switch to the operations view.
    client.post(reverse("monitor-switch-view", args=[slug]), {"view": "uitvoering"})
    bodies = everything_steering_can_fetch(client, slug)
    assert len(bodies) >= 20
    for name, body in bodies:
        assert CASE_PREFIX not in body, name


def test_the_coordinator_does_receive_case_rows_so_the_check_above_can_fail(client, monitored):
    client.force_login(monitored.coordinator)
    response = client.get(reverse("monitor-csv", args=[monitored.chain.slug, "cases"]))
    assert CASE_PREFIX in response.getvalue().decode()


def case_ids_in_csv(response):
    rows = list(csv.DictReader(io.StringIO(response.getvalue().decode())))
    return {row["case_id"] for row in rows}


@pytest.mark.parametrize("who,partner", [("analyst_a", "a"), ("analyst_b", "b")])
def test_an_analyst_sees_exactly_the_cases_their_partner_handled(
    client, monitored, case_ids_by_partner, who, partner
):
    client.force_login(getattr(monitored, who))
    slug = monitored.chain.slug
    seen_csv = case_ids_in_csv(client.get(reverse("monitor-csv", args=[slug, "cases"])))
    assert seen_csv == case_ids_by_partner[partner]
    api = client.get(reverse("api-cases", args=[slug])).json()
    assert {row["case_id"] for row in api["cases"]} <= case_ids_by_partner[partner]
    assert api["count"] == len(case_ids_by_partner[partner])
    # Filtering on the other partner narrows further; it never widens to cases they did not handle.
    other = "b" if partner == "a" else "a"
    narrowed = case_ids_in_csv(client.get(reverse("monitor-csv", args=[slug, "cases"]) + f"?partner={other}"))
    assert narrowed == case_ids_by_partner[partner] & case_ids_by_partner[other]


def test_analyst_b_does_not_see_cases_that_never_reached_b(client, monitored, case_ids_by_partner):
    only_a = case_ids_by_partner["a"] - case_ids_by_partner["b"]
    assert only_a, "the fixture should hold cases that stopped before partner b"
    client.force_login(monitored.analyst_b)
    seen = case_ids_in_csv(client.get(reverse("monitor-csv", args=[monitored.chain.slug, "cases"])))
    assert not seen & only_a


def test_the_coordinator_in_the_steering_view_gets_no_case_rows(client, monitored):
    client.force_login(monitored.coordinator)
    slug = monitored.chain.slug
    client.post(reverse("monitor-switch-view", args=[slug]), {"view": "bestuurlijk"})
    page = client.get(reverse("monitor-cases", args=[slug]))
    assert page.status_code == 200 and CASE_PREFIX not in page.content.decode()
    assert client.get(reverse("monitor-csv", args=[slug, "cases"])).status_code == 403
    assert client.get(reverse("api-cases", args=[slug]) + "?view=bestuurlijk").status_code == 403
    handover = client.get(reverse("monitor-handover", args=[slug, "a", "b"]))
    assert CASE_PREFIX not in handover.content.decode()


def test_a_steering_member_cannot_switch_to_the_operations_view(client, monitored):
    client.force_login(monitored.steering)
    slug = monitored.chain.slug
    client.post(reverse("monitor-switch-view", args=[slug]), {"view": "uitvoering"})
    page = client.get(reverse("monitor-overview", args=[slug]))
    assert 'data-view="bestuurlijk"' in page.content.decode()
    assert reverse("monitor-switch-view", args=[slug]) not in page.content.decode()
    assert (
        client.get(reverse("api-kpis", args=[slug]) + "?view=uitvoering").json()["viewer"]["view"]
        == "bestuurlijk"
    )


def test_switching_views_only_redirects_within_the_site(client, monitored):
    client.force_login(monitored.coordinator)
    slug = monitored.chain.slug
    response = client.post(
        reverse("monitor-switch-view", args=[slug]), {"view": "bestuurlijk", "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("monitor-overview", args=[slug])


def test_the_chain_list_shows_each_member_their_role(client, monitored):
    client.force_login(monitored.analyst_b)
    [chain] = client.get(reverse("api-chain-list")).json()
    assert chain["slug"] == monitored.chain.slug
    assert chain["role"] == "analyst" and chain["partner"] == "b"
