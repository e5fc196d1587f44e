"""`keten report CHAIN --month YYYY-MM`: writes the file, refuses bad input with a clear message."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from pypdf import PdfReader

pytestmark = pytest.mark.django_db


def test_it_writes_the_pdf_and_says_where(chain_with_events, tmp_path):
    out = tmp_path / "rapport.pdf"
    stdout = io.StringIO()
    call_command(
        "report",
        "klein",
        "--month",
        "2026-10",
        "--out",
        str(out),
        "--language",
        "en",
        stdout=stdout,
        stderr=io.StringIO(),
    )
    assert PdfReader(out).pages[0].extract_text().count("Kleine keten") >= 1
    assert f"Wrote {out}" in stdout.getvalue()
    assert "small numbers hidden" in stdout.getvalue()


def test_it_writes_the_operations_edition_as_html(chain_with_events, tmp_path):
    out = tmp_path / "rapport.html"
    call_command(
        "report",
        "klein",
        "--month",
        "2026-10",
        "--edition",
        "uitvoering",
        "--format",
        "html",
        "--out",
        str(out),
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    html = out.read_text()
    assert html.startswith("<!DOCTYPE html>") and "<svg" in html
    assert not list(tmp_path.glob(".*.tmp"))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["onbekend", "--month", "2026-10"], "No chain 'onbekend'. Known chains: klein."),
        (["klein", "--month", "oktober"], "--month: Month 'oktober': use YYYY-MM, for example 2026-10."),
        (["klein", "--month", "2026-10", "--out", "/geen/map/r.pdf"], "the folder /geen/map does not exist"),
    ],
)
def test_it_refuses_bad_input_with_a_clear_message(small_chain, args, message):
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(".", r"\.")):
        call_command("report", *args, stdout=io.StringIO(), stderr=io.StringIO())
