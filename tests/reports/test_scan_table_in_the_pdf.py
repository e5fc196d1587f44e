"""The operations PDF's scan table: a column per partner, and still every header and every row
readable (headers turned a quarter, so they no longer run into each other)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from keten.reports.actions import make_report
from keten.scan.actions import close_scan_wave, ensure_default_bank, open_scan_wave
from tests.scan.conftest import respond

pytestmark = pytest.mark.django_db


def pdftotext(pdf: bytes, tmp_path) -> list[str]:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True)
    return out.stdout.split("\f")


def test_the_scan_table_of_the_operations_pdf_keeps_each_theme_on_one_line_with_its_scores(
    chain_with_events, tmp_path, screenshot_dir
):
    chain = chain_with_events
    wave = open_scan_wave(chain, name="Najaar 2026", bank=ensure_default_bank(chain), min_cell=5)
    for code, value, times in (("a", "4", 5), ("b", "2", 5), ("fin", "3", 2)):
        respond(
            wave, code, "operational", dict.fromkeys((i.code for i in wave.bank.items), value), times=times
        )
    close_scan_wave(wave)
    rendered = make_report(chain, "2026-10", edition="uitvoering", language="en", formats=("pdf",))
    pages = pdftotext(rendered.pdf, tmp_path)
    [page] = [p for p in pages if "Scores per theme" in p]
    lines = page.splitlines()
    for theme in wave.bank.themes:
        name = theme.name.get("en")
        # the whole name, then chain, previous wave, change and the three partners, on one line;
        # the Financier's two answers are too few to show
        assert any(
            line.strip().startswith(name) and len(line.split()) - len(name.split()) == 6 for line in lines
        ), (
            name,
            page,
        )
    assert all(name in page for name in ("Partner A", "Partner B", "Financier", "Chain score"))
    assert all(line.split()[-1] == "hidden" for line in lines if line.strip().startswith(name))
    assert "Not invited" not in page
    if shutil.which("pdftoppm"):
        number = pages.index(page) + 1
        (screenshot_dir / "report-scan.pdf").write_bytes(rendered.pdf)
        subprocess.run(
            ["pdftoppm", "-r", "80", "-png", "-f", str(number), "-l", str(number), "-singlefile"]
            + [str(screenshot_dir / "report-scan.pdf"), str(screenshot_dir / "report-scan-table")],
            check=True,
        )


def test_a_partner_nobody_was_invited_for_is_named_as_not_invited_not_shown_as_empty(
    chain_with_events, tmp_path
):
    chain = chain_with_events
    wave = open_scan_wave(chain, name="Najaar 2026", bank=ensure_default_bank(chain), min_cell=5)
    for code in ("a", "b"):
        respond(wave, code, "operational", dict.fromkeys((i.code for i in wave.bank.items), "4"), times=5)
    close_scan_wave(wave)
    rendered = make_report(chain, "2026-10", edition="uitvoering", language="nl", formats=("pdf",))
    [page] = [p for p in pdftotext(rendered.pdf, tmp_path) if "Scores per thema" in p]
    flat = " ".join(page.split())
    assert "Niet uitgenodigd voor deze ronde: Financier." in flat, page
    name = wave.bank.themes[0].name.get("nl")
    row = next(line for line in page.splitlines() if line.strip().startswith(name))
    assert len(row.split()) - len(name.split()) == 5, row  # chain, previous, change, A and B
    assert "verborgen" not in row
