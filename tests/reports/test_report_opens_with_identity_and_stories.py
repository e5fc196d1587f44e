"""The report opens with the chain's identity (logo, name, month, edition) and the selected
success stories, then the shared picture; what the figures rest on is the colophon at the end.
Read as a person reads it: the PDF through pdftotext, the HTML as text in document order."""

from __future__ import annotations

import re
import shutil
import subprocess
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from keten.governance.actions import save_identity
from keten.governance.forms import IdentityForm
from keten.reports.actions import make_report
from tests.reports.test_report_sections import add_story

pytestmark = pytest.mark.django_db

LOGO_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="120">'
    '<circle cx="60" cy="60" r="50" fill="#0b6e4f"/></svg>'
)
STORIES = ["Eerste baan na twee jaar", "Sneller aan de slag"]
# Shown newest first (the register's order); the fixture adds them in this order.
COLOPHON_FACTS = ["Events from", "Deliveries", "Late deliveries", "Small numbers", "Store version", "Made on"]


@pytest.fixture
def chain_with_identity(chain_with_events, settings, tmp_path, personas):
    """The fixture chain with a logo uploaded through the identity form and two stories selected."""
    import vl_convert

    settings.MEDIA_ROOT = tmp_path / "media"
    upload = SimpleUploadedFile("logo.png", vl_convert.svg_to_png(LOGO_SVG), content_type="image/png")
    chain = chain_with_events
    form = IdentityForm({"name": chain.name, "colour": chain.colour}, {"logo": upload}, instance=chain)
    assert form.is_valid(), form.errors
    save_identity(personas.coordinator, chain, form)
    for title in STORIES:
        add_story(chain, title, selected=True)
    return chain


def assert_in_order(text: str, words: list[str]) -> None:
    """Each of `words` occurs in `text` after the one before it."""
    at = 0
    for word in words:
        found = text.find(word, at)
        assert found >= 0, f"{word!r} does not follow {text[:at][-60:]!r}"
        at = found + len(word)


def pdftotext(pdf: bytes, tmp_path) -> list[str]:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True)  # noqa: S603, S607
    return out.stdout.split("\f")


@pytest.mark.parametrize("edition", ["bestuurlijk", "uitvoering"])
def test_page_one_of_the_pdf_is_identity_stories_then_the_shared_picture(
    chain_with_identity, edition, tmp_path, screenshot_dir
):
    rendered = make_report(chain_with_identity, "2026-10", edition=edition, language="en", formats=("pdf",))
    pages = pdftotext(rendered.pdf, tmp_path)
    first = pages[0]
    assert_in_order(
        first,
        ["Kleine keten", "Chain report October 2026", *STORIES[::-1], "Status of the ambition"],
    )
    assert "Events from" not in first and "Deliveries" not in first
    text = "\n".join(pages)
    # The colophon comes after the last section and keeps every piece of metadata.
    assert_in_order(text, ["What changed since last month", "Colophon", *COLOPHON_FACTS])
    # The logo is an image on page 1.
    path = tmp_path / "report.pdf"
    images = subprocess.run(  # noqa: S603
        ["pdfimages", "-list", "-f", "1", "-l", "1", str(path)],  # noqa: S607
        check=True,
        capture_output=True,
        text=True,
    ).stdout.splitlines()[2:]
    assert images, "no image on page 1"
    png = screenshot_dir / f"report-open-{edition}"
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(path), str(png)], check=True)  # noqa: S603, S607


def test_the_html_report_opens_the_same_way_and_shows_the_logo(chain_with_identity):
    rendered = make_report(chain_with_identity, "2026-10", language="en", formats=("html",))
    html = rendered.html
    logo = re.search(r'<img class="report-logo" src="(data:image/png;base64,[^"]+)"', html)
    assert logo, "no logo in the HTML report"
    assert html.index(logo.group(0)) < html.index("<h1")
    text = unescape(re.sub(r"<[^>]+>", " ", html[html.index("<body") :]))
    assert_in_order(
        text,
        ["Kleine keten", "Chain report October 2026", *STORIES[::-1], "Status of the ambition"],
    )
    assert_in_order(text, ["What changed since last month", "Colophon", *COLOPHON_FACTS])
    assert "style=" not in html[html.index("<body") :]


def test_the_report_page_in_the_app_shows_the_logo(client, chain_with_identity, personas):
    client.force_login(personas.coordinator)
    page = client.get(reverse("report-view", args=[chain_with_identity.slug, "2026-10"]))
    assert page.status_code == 200
    assert 'class="report-logo" src="data:image/png;base64,' in page.content.decode()
