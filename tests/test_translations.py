import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.test import Client
from django.utils import translation

LOCALE = Path(__file__).resolve().parent.parent / "src" / "keten" / "locale" / "nl" / "LC_MESSAGES"


def test_every_dutch_message_is_translated():
    po = (LOCALE / "django.po").read_text(encoding="utf-8")
    entries = po.split("\n\n")[1:]  # the first block is the header
    empty = [e for e in entries if re.search(r'^msgstr(\[\d\])? ""$(?!\n")', e, re.M)]
    assert not empty, f"{len(empty)} empty Dutch translations, first: {empty[:1]}"


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="GNU gettext (msgfmt) is not installed")
def test_the_compiled_catalog_matches_the_source(tmp_path):
    compiled = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check", "-o", compiled, LOCALE / "django.po"], check=True)
    assert compiled.read_bytes() == (LOCALE / "django.mo").read_bytes(), (
        "django.mo is stale: run msgfmt -o django.mo django.po in src/keten/locale/nl/LC_MESSAGES"
    )


def test_dutch_is_the_default_language():
    with translation.override("nl"):
        assert translation.gettext("Log in") == "Inloggen"


@pytest.mark.django_db
def test_the_login_page_is_dutch_without_a_language_preference():
    body = Client().get("/login/").content.decode()
    assert "Inloggen" in body and 'lang="nl"' in body
