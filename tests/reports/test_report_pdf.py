"""The PDF: it opens, has the expected pages and text in reading order, and every page renders."""

from __future__ import annotations

import io
import shutil
import subprocess

import pytest
from pypdf import PdfReader

from keten.reports.actions import make_report

pytestmark = pytest.mark.django_db

TITLES_EN = [
    "Success stories",
    "Status of the ambition",
    "Norm compliance per agreement",
    "Chain flow and the slowest handovers",
    "Work in progress and throughput",
    "Governance",
    "Collaboration health",
    "What changed since last month",
    "Colophon",
]


def pdf_text(pdf: bytes) -> tuple[PdfReader, list[str]]:
    reader = PdfReader(io.BytesIO(pdf))
    return reader, [page.extract_text() for page in reader.pages]


def render_pages(pdf: bytes, directory, stem: str) -> list:
    """Every page as a PNG (pdftoppm), for people to look at; returns the files."""
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    path = directory / f"{stem}.pdf"
    path.write_bytes(pdf)
    for old in directory.glob(f"{stem}-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(path), str(directory / stem)], check=True)  # noqa: S603, S607
    return sorted(directory.glob(f"{stem}-*.png"))


@pytest.mark.parametrize("edition", ["bestuurlijk", "uitvoering"])
def test_the_pdf_opens_with_numbered_pages_and_the_sections_in_reading_order(
    chain_with_events, edition, screenshot_dir
):
    rendered = make_report(chain_with_events, "2026-10", edition=edition, language="en", formats=("pdf",))
    assert rendered.pdf.startswith(b"%PDF-")
    reader, pages = pdf_text(rendered.pdf)
    n = len(reader.pages)
    assert (2 <= n <= 4) if edition == "bestuurlijk" else (3 <= n <= 6)
    for i, text in enumerate(pages, start=1):
        assert f"Page {i} of {n}" in text
    text = "\n".join(pages)
    positions = [text.index(title) for title in TITLES_EN]
    assert positions == sorted(positions)
    assert "Kleine keten" in pages[0] and "Chain report October 2026" in pages[0]
    assert ("Steering edition" if edition == "bestuurlijk" else "Operations edition") in pages[0]
    assert "Late deliveries" in text and "Partner B" in text
    assert reader.metadata.title == "Chain report October 2026 – Kleine keten"
    # Tagged PDF: the structure tree gives screen readers the reading order.
    assert "/StructTreeRoot" in reader.trailer["/Root"]
    pngs = render_pages(rendered.pdf, screenshot_dir, f"report-{edition}")
    assert len(pngs) == n


def test_the_steering_pdf_never_prints_a_suppressed_cell(chain_with_events, settings):
    settings.KETEN_MIN_CELL = 25
    rendered = make_report(
        chain_with_events, "2026-10", edition="bestuurlijk", language="en", formats=("pdf",)
    )
    text = "\n".join(pdf_text(rendered.pdf)[1])
    assert "<25" in text
    assert "100% of 20" not in text and "20 cases" not in text


def test_the_dutch_pdf_is_the_default(chain_with_events):
    rendered = make_report(chain_with_events, "2026-10", formats=("pdf",))
    reader, pages = pdf_text(rendered.pdf)
    assert "oktober 2026" in pages[0]
    assert reader.trailer["/Root"]["/Lang"] == "nl"


def test_the_html_has_the_same_sections_and_inline_charts(chain_with_events):
    rendered = make_report(chain_with_events, "2026-10", language="en", formats=("html",))
    html = rendered.html
    positions = [html.index(f">{title}<") for title in TITLES_EN]
    assert positions == sorted(positions)
    assert html.count("<svg") == 3  # flow map, stage flow, throughput
    assert 'role="img" aria-label="The partners with an arrow per handover' in html
    # The flow map is the flow page's Graphviz drawing: no link out of the report.
    assert 'class="process-map-svg"' in html and "vega-datasets" not in html
    assert "cdn" not in html.lower()
