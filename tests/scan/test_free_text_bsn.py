"""A BSN typed into an open answer or a gains note is refused with a clear message, never stored."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from keten.scan import actions
from keten.scan.models import Draft, OpenAnswer

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.mark.parametrize("written", ["123456782", "111.222.333", "1112 22 333"])
@pytest.mark.parametrize("button", ["submit", "save"])
def test_an_open_answer_with_a_bsn_is_refused_and_nothing_is_kept(client, small_chain, wave, written, button):
    token = actions.issue_invitations(wave, small_chain.partners.get(code="b"), "tactical", 1)[0].token
    url = reverse("scan:respond", args=[token])
    response = client.post(
        url, {"item_trust_people": "4", "open_open_keep": f"Mevrouw met nr {written} belde", button: "1"}
    )
    page = response.content.decode()
    assert response.status_code == 200
    # The message masks the number (the text area gives the respondent their own text back).
    [message] = [m for m in re.findall(r'class="error"[^>]*>([^<]*)<', page) if "eleven-test" in m]
    assert "•••" in message and written not in message
    assert not OpenAnswer.objects.exists() and not Draft.objects.exists()
    # Rewritten, it goes through.
    response = client.post(url, {"item_trust_people": "4", "open_open_keep": "Korte lijnen", button: "1"})
    assert response.status_code == 302


def test_a_gains_note_with_a_bsn_is_refused(client, personas, wave):
    client.force_login(personas.coordinator)
    url = reverse("scan:gains-edit", args=[personas.chain.slug, wave.pk])
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["form"]
    data = {name: "" for name in form.fields} | {
        "overall_benefit": "3",
        "effort_note": "voor 123456782 gedaan",
    }
    response = client.post(url, data)
    assert response.status_code == 200 and "passes the BSN eleven-test" in response.content.decode()
