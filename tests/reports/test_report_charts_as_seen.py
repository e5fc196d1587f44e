"""The report's charts as a reader sees them in the HTML and the PDF (vl-convert's SVG)."""

from __future__ import annotations

import html
import re

import pytest

from keten.reports.assemble import UITVOERING, assemble_report
from keten.reports.render import chart_svg

pytestmark = pytest.mark.django_db

MONTHS = {
    "nl": r"(jan|feb|mrt|apr|mei|jun|jul|aug|sep|okt|nov|dec)\.? 20\d\d",
    "en": r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) 20\d\d",
}
FOREIGN = {"nl": r"\b(Aug|Sep|Oct|Mar|May)\b", "en": r"\b(okt|mrt|mei)\b"}


def svg_texts(svg: str) -> list[str]:
    found = re.findall(r"<text\b[^>]*>(.*?)</text>", svg, re.S)
    return [html.unescape(re.sub(r"<[^>]+>", "", t)).strip() for t in found]


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_report_charts_name_their_months_in_the_report_language(chain_with_events, lang):
    report = assemble_report(chain_with_events, "2026-10", edition=UITVOERING, language=lang)
    charts = [c for s in report.sections for c in s.charts]
    # The flow map is the process map's SVG (keten.figures.processmap), not Vega-Lite.
    [flow_map] = [c for c in charts if c.svg]
    words = " | ".join(svg_texts(flow_map.svg))
    assert re.search(r"\d+ zaken" if lang == "nl" else r"\d+ cases", words), words
    assert re.search(r"\d+,\d d" if lang == "nl" else r"\d+\.\d d", words), words
    specs = {c.key: c.spec for c in charts if not c.svg}
    assert specs
    months_seen = False
    for key, spec in specs.items():
        assert spec["config"]["locale"]["number"]["decimal"] == ("," if lang == "nl" else "."), key
        svg = chart_svg(spec)
        assert svg.startswith("<svg"), key
        joined = " | ".join(svg_texts(svg))
        assert not re.search(r"\d{12,13}", joined), f"{key}: {joined}"
        assert not re.search(FOREIGN[lang], joined), f"{key}: {joined}"
        if key.startswith("norm-") or key in ("throughput", "stage-flow"):
            assert re.search(MONTHS[lang], joined), f"{key}: {joined}"
            months_seen = True
    assert months_seen
