"""Each figure's definition is written once: the app shows it beside the figure and
docs/kpi-kinds.md quotes it word for word."""

from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation

from keten.monitor.definitions import DEFINITIONS

DOCS = Path(__file__).resolve().parents[2] / "docs" / "kpi-kinds.md"


def test_the_docs_quote_every_definition_word_for_word():
    text = " ".join(DOCS.read_text(encoding="utf-8").split())
    with translation.override("en"):
        for key, definition in DEFINITIONS.items():
            assert " ".join(str(definition).split()) in text, key


@pytest.mark.django_db
@pytest.mark.parametrize(("page", "key"), [("monitor-throughput", "throughput"), ("monitor-norms", "norms")])
@pytest.mark.slow
def test_the_page_shows_the_definition_of_its_figure(monitored, client, page, key):
    client.force_login(monitored.coordinator)
    body = client.get(reverse(page, args=[monitored.chain.slug])).content.decode()
    with translation.override("en"):
        assert "How do I read this?" in body
        assert str(DEFINITIONS[key])[:60].replace("'", "&#x27;") in body
