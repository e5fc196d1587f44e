"""The process map on the flow page (keten.figures.processmap): Graphviz's SVG as the page
serves it, read with ElementTree, for the two demo chains (events stored by the demo's real
ingestion path) and for a chain whose names are hostile."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

import pandas as pd
import pytest
from django.urls import resolve, reverse

from keten.figures import processmap
from keten.figures.suppression import SUPPRESSED

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

END = dt.date(2025, 6, 1)
NS = {"svg": processmap.SVG_NS}


@pytest.fixture
def demo():
    from keten.demo.actions import set_up_demo

    return set_up_demo(events=8_000, end=END)


def _user(username):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=username)


def map_svg(html: str) -> ET.Element:
    """The map's <svg> element from a flow page."""
    match = re.search(r'<div class="process-map-drawing">(<svg.*?</svg>)</div>', html, re.S)
    assert match, "the flow page has no process map"
    return ET.fromstring(match.group(1))  # noqa: S314 - our own page


def _texts(g: ET.Element) -> list[str]:
    return ["".join(t.itertext()) for t in g.iter(f"{{{processmap.SVG_NS}}}text")]


def _link(g: ET.Element) -> str | None:
    a = g.find("svg:a", NS)
    return None if a is None else a.get("href")


def _title(g: ET.Element) -> str:
    holder = g.find("svg:a", NS)
    return (holder if holder is not None else g).find("svg:title", NS).text


def nodes(svg: ET.Element) -> list[dict]:
    return [
        {"texts": _texts(g), "href": _link(g), "title": _title(g)}
        for g in svg.iter(f"{{{processmap.SVG_NS}}}g")
        if "node" in g.get("class", "").split()
    ]


def edges(svg: ET.Element) -> list[dict]:
    out = []
    for g in svg.iter(f"{{{processmap.SVG_NS}}}g"):
        classes = g.get("class", "").split()
        if "edge" not in classes:
            continue
        lines = [p for p in g.iter(f"{{{processmap.SVG_NS}}}path") if p.get("class") != "pm-halo"]
        assert len(lines) == 1, "one line per arrow"
        out.append(
            {
                "classes": classes,
                "texts": _texts(g),
                "title": _title(g),
                "href": _link(g),
                "width": float(lines[0].get("stroke-width", "1")),
            }
        )
    return out


def _flow_page(client, slug, **query) -> str:
    response = client.get(reverse("monitor-flow", args=[slug]), query)
    assert response.status_code == 200
    return response.content.decode()


def _pair(href: str) -> tuple[str, str]:
    match = resolve(urlsplit(href).path)
    assert match.url_name == "monitor-handover"
    return match.kwargs["from_partner"], match.kwargs["to_partner"]


def _handovers(slug: str, username: str):
    from django.conf import settings

    from keten.chains.models import Chain, Membership
    from keten.monitor.access import viewer_for
    from keten.monitor.data import MonitorData

    chain = Chain.objects.get(slug=slug)
    membership = Membership.objects.get(chain=chain, user__username=username)

    return MonitorData(chain, viewer_for(membership, None, settings.KETEN_MIN_CELL)).handovers()


@pytest.mark.parametrize("slug", ["werk", "strafrecht"])
def test_the_partner_map_names_every_partner_in_full_and_draws_one_arrow_per_handover(demo, client, slug):
    from keten.chains.models import Chain

    client.force_login(_user(f"{slug}-regisseur"))
    svg = map_svg(_flow_page(client, slug))
    assert svg.get("role") == "group" and svg.find("svg:title", NS).text
    assert svg.find("svg:desc", NS).text.strip()

    chain = Chain.objects.get(slug=slug)
    producing = list(chain.partners.filter(kind="producing"))
    drawn = nodes(svg)
    for partner in producing:
        box = next((n for n in drawn if partner.name in n["texts"]), None)
        assert box is not None, f"{partner.name} is not on the map in full"
        assert box["href"] == reverse("monitor-partner", args=[slug, partner.code]) + "?grain=month"

    handovers = _handovers(slug, f"{slug}-regisseur")
    arrows = edges(svg)
    assert len(arrows) == len(handovers)
    by_pair = {_pair(a["href"]): a for a in arrows}
    assert set(by_pair) == set(zip(handovers["from_partner"], handovers["to_partner"], strict=True))
    widths = [
        (int(row.cases), by_pair[(row.from_partner, row.to_partner)]["width"])
        for row in handovers.itertuples(index=False)
    ]
    widths.sort()
    assert all(w1 <= w2 for (_c1, w1), (_c2, w2) in zip(widths, widths[1:], strict=False))
    assert all(w1 < w2 for (c1, w1), (c2, w2) in zip(widths, widths[1:], strict=False) if c2 > c1 * 1.1)
    assert widths[-1][1] > widths[0][1]
    slowest = [a for a in arrows if "pm-slowest" in a["classes"]]
    assert len(slowest) == 1 and "Slowest handover" in slowest[0]["texts"]
    expected = handovers[handovers["slowest"]].iloc[0]
    assert _pair(slowest[0]["href"]) == (expected.from_partner, expected.to_partner)


def test_the_path_filter_leaves_out_the_rarest_arrows(demo, client):
    client.force_login(_user("strafrecht-regisseur"))
    for level in ("partner", "activity"):
        counts = {}
        for paths in processmap.PATH_SHARES:
            counts[paths] = len(edges(map_svg(_flow_page(client, "strafrecht", level=level, paths=paths))))
        assert counts[100] > counts[80] > counts[50] > 0, (level, counts)
    # The arrows left at 50% are the busiest ones.
    handovers = _handovers("strafrecht", "strafrecht-regisseur")
    kept = {_pair(a["href"]) for a in edges(map_svg(_flow_page(client, "strafrecht", paths=50)))}
    cases = {(r.from_partner, r.to_partner): r.cases for r in handovers.itertuples(index=False)}
    assert min(cases[p] for p in kept) >= max(c for p, c in cases.items() if p not in kept)
    # Something unknown is the whole map, not an error.
    assert len(edges(map_svg(_flow_page(client, "strafrecht", paths="7", level="x")))) == len(cases)


def test_a_suppressed_arrow_shows_no_count_to_the_steering_group(demo, client, settings):
    handovers = _handovers("strafrecht", "strafrecht-regisseur")
    # A threshold between the quietest and the busiest handover: some arrows are hidden.
    settings.KETEN_MIN_CELL = int(handovers["cases"].median()) + 1
    hidden = handovers[handovers["cases"] < settings.KETEN_MIN_CELL]
    assert len(hidden)
    client.force_login(_user("strafrecht-stuurgroep"))
    for level in ("partner", "activity"):
        svg = map_svg(_flow_page(client, "strafrecht", level=level))
        suppressed = [a for a in edges(svg) if "pm-suppressed" in a["classes"]]
        assert suppressed, level
        small = f"fewer than {settings.KETEN_MIN_CELL} cases"
        for arrow in suppressed:
            assert arrow["texts"] == [small], arrow
            assert arrow["title"].endswith(small)
            assert arrow["width"] == processmap.MIN_WIDTH
        shown = [a for a in edges(svg) if "pm-suppressed" not in a["classes"]]
        assert all(small not in a["texts"] for a in shown)
    # A partner box resting on few cases says so instead of a number.
    partners = map_svg(_flow_page(client, "strafrecht"))
    for box in nodes(partners):
        counts = [_n(t) for t in box["texts"] if re.fullmatch(r"[\d.,]+ cases", t)]
        assert all(n >= settings.KETEN_MIN_CELL for n in counts), box


def _n(text: str) -> int:
    return int(text.split()[0].replace(",", "").replace(".", ""))


def test_activities_link_to_their_partner_and_cross_partner_steps_to_the_handover(demo, client):
    from keten.chains.models import Chain

    client.force_login(_user("werk-regisseur"))
    svg = map_svg(_flow_page(client, "werk", level="activity"))
    spec = Chain.objects.get(slug="werk").to_spec()
    names = {a.name: s.partner for s in spec.stages for a in s.activities}
    boxes = nodes(svg)
    assert boxes
    for box in boxes:
        name = next(t for t in box["texts"] if t in names)
        assert box["href"] == reverse("monitor-partner", args=["werk", names[name]]) + "?grain=month"
    arrows = edges(svg)
    linked = [a for a in arrows if a["href"]]
    assert linked and len(linked) < len(arrows)
    for arrow in linked:
        a, b = _pair(arrow["href"])
        assert a != b
    # The boxes around each partner's activities carry the partner's name and link.
    clusters = [g for g in svg.iter(f"{{{processmap.SVG_NS}}}g") if g.get("class") == "cluster"]
    partners = {p.name: p.code for p in spec.partners}
    assert {t for c in clusters for t in _texts(c)} <= set(partners)
    assert len(clusters) == len(spec.producing_partners)


def test_hostile_names_reach_the_svg_as_text(small_spec):
    hostile = '<script>alert("x")</script> & \\N "Gemeente" \\l'
    spec = dataclasses.replace(
        small_spec,
        partners=(dataclasses.replace(small_spec.partners[0], name=hostile), *small_spec.partners[1:]),
    )
    handovers = pd.DataFrame(
        {
            "from_partner": ["a", "b"],
            "to_partner": ["b", "a"],
            "cases": [40, 12],
            "median_days": [3.0, 9.0],
            "slowest": [False, True],
            "pair": ["x", "y"],
            "href": ['/x/"><script>', "/y/"],
            SUPPRESSED: [False, False],
        }
    )
    cases = pd.DataFrame({"partner": ["a", "b"], "cases": [50, 40], SUPPRESSED: [False, False]})
    text = processmap.partner_map(spec, handovers, cases, min_cell=10)
    svg = ET.fromstring(text)  # noqa: S314 - what we made
    assert "<script>" not in text
    assert any(hostile in n["texts"] for n in nodes(svg))
    assert [e["href"] for e in edges(svg)] == ['/x/"><script>', "/y/"]
    assert not any(el.get("style") for el in svg.iter())
