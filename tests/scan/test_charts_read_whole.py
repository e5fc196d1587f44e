"""Every scan chart with the demo chains' long names: each partner's and theme's name drawn
whole (wrapped over lines, never cut off with "…"), and, in a browser, no text on another and
each heatmap text inside its cell. The SVG is vl-convert's, as the report shows it; the page
draws the same specs with vega-embed."""

from __future__ import annotations

import pytest
from django.utils import translation

from keten.scan import charts
from keten.scan.itembank import default_item_bank
from tests.scan.svgtext import BOXES_JS, problems, reads_whole, svg, texts

# The longest names of the two demo chains, and one short one.
PARTNERS = [
    ("gemeente", "Gemeente (Werk en Inkomen)"),
    ("uwv", "UWV"),
    ("reintegratie", "Re-integratiebedrijf"),
    ("werkgever", "Werkgevers (via Werkgeversservicepunt)"),
    ("zvh", "Zorg- en Veiligheidshuis"),
    ("jenv", "Ministerie van Justitie en Veiligheid"),
]


def themes() -> list[tuple[str, str]]:
    return [(t.code, t.name.get("nl")) for t in default_item_bank().themes]


def specs() -> dict[str, tuple[dict, list[str]]]:
    """Chart name -> (spec, the names it must show whole)."""
    th = themes()
    scores = {
        (t, p): 1.5 + (i % 7) * 0.5 for i, (t, p) in enumerate((t, p) for t, _n in th for p, _m in PARTNERS)
    }
    cells = dict(scores)
    for t, _n in th:
        cells[(t, "zvh")] = "verborgen"
        cells[(t, "jenv")] = "niet uitgenodigd"
    chain = {t: 3.2 for t, _n in th}
    partner = {t: 3.6 for t, _n in th}
    names = [n for _c, n in th]
    shown = PARTNERS[:4]
    with translation.override("nl"):
        return {
            "heatmap": (charts.heatmap(th, PARTNERS, cells), names + [n for _c, n in PARTNERS]),
            "radar": (
                charts.radar(
                    th, chain, partner, chain_label="Keten Werk en Inkomen", partner_label=PARTNERS[3][1]
                ),
                names + ["Keten Werk en Inkomen", PARTNERS[3][1]],
            ),
            "radar as dots": (
                charts.radar_as_dots(
                    th, chain, partner, chain_label="Keten Werk en Inkomen", partner_label=PARTNERS[3][1]
                ),
                names + ["Keten Werk en Inkomen", PARTNERS[3][1]],
            ),
            "spread": (
                charts.spread(th, shown, scores, chain),
                names + [n for _c, n in shown],
            ),
            "trend": (
                charts.trend(th, partner, chain, current_label="Voorjaar 2026", previous_label="Najaar 2025"),
                names + ["Voorjaar 2026", "Najaar 2025"],
            ),
        }


SPECS = specs()
# The page's widths: a card at 1440 px, and a phone's card at 390 px.
WIDTHS = {"desktop": 520, "phone": 316}


@pytest.mark.parametrize("name", SPECS)
def test_every_name_is_drawn_whole(name):
    spec, names = SPECS[name]
    for width in WIDTHS.values():
        labels = texts(svg(spec, width))
        assert not [t for t in labels if "…" in t], labels
        missing = [n for n in names if not reads_whole(n, labels)]
        assert not missing, f"{name}: not whole: {missing} among {labels}"


def test_the_heatmap_writes_why_a_cell_is_empty_in_the_cell():
    labels = texts(svg(SPECS["heatmap"][0]))
    assert labels.count("verborgen") == labels.count("niet uitgenodigd") == len(themes())


@pytest.mark.browser
@pytest.mark.parametrize("screen", WIDTHS)
@pytest.mark.parametrize("name", SPECS)
def test_no_text_of_a_chart_runs_into_another(page, name, screen):
    page.set_content(f"<!doctype html><body style='margin:0'>{svg(SPECS[name][0], WIDTHS[screen])}</body>")
    found = problems(page.locator("body").evaluate(BOXES_JS))
    assert not found, f"{name} at {screen}: {found}"
