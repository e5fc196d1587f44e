"""A member writes a story, a coordinator approves and selects it, the report gets it."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import translation

from keten.chains.models import AuditEntry
from keten.governance.models import SuccessStory
from keten.governance.reporting import success_stories_for_report

pytestmark = pytest.mark.django_db

CLEAN = "Na een warme overdracht startte het traject binnen een week; de werkgever bood een vaste plek."
RISKY = "Jan de Vries (geboren 12-03-1985) kreeg een baan."
WITH_BSN = "Klant 1234.56.782 kreeg een baan."


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def story_url(chain, name="story-new", *args):
    return reverse(f"governance:{name}", args=[chain.slug, *args])


def write(client, chain, body=CLEAN, **extra):
    partners = [p.pk for p in chain.partners.filter(code__in=["a", "b"])]
    data = {
        "title": "Samen snel aan het werk",
        "body": body,
        "month": "2025-02",
        "partners": partners,
        **extra,
    }
    return client.post(story_url(chain), data)


def test_a_story_waits_for_a_coordinator_before_others_see_it(client, personas):
    chain = personas.chain
    client.force_login(personas.analyst_b)
    assert write(client, chain).status_code == 302
    story = SuccessStory.objects.get()
    assert (story.status, story.author, story.month) == ("submitted", personas.analyst_b, dt.date(2025, 2, 1))

    client.force_login(personas.analyst_a)
    assert "Samen snel aan het werk" not in client.get(story_url(chain, "stories")).content.decode()
    assert success_stories_for_report(chain, 2025, 2) == []

    client.force_login(personas.coordinator)
    assert "Awaiting approval" in client.get(story_url(chain, "stories")).content.decode()
    client.post(story_url(chain, "story-review", story.pk), {"action": "approve"})
    client.post(story_url(chain, "story-review", story.pk), {"action": "select"})

    client.force_login(personas.analyst_a)
    assert "Samen snel aan het werk" in client.get(story_url(chain, "stories")).content.decode()
    (data,) = success_stories_for_report(chain, 2025, 2)
    assert (data.title, data.selected, data.partners) == (
        "Samen snel aan het werk",
        True,
        ("Partner A", "Partner B"),
    )
    actions = set(AuditEntry.objects.filter(chain=chain).values_list("action", flat=True))
    assert {
        "governance.successstory.created",
        "governance.successstory.approved",
        "governance.successstory.selected",
    } <= actions


def test_it_warns_about_personal_data_and_saves_nothing_until_confirmed(client, personas):
    chain = personas.chain
    client.force_login(personas.analyst_a)
    response = write(client, chain, body=RISKY)
    assert response.status_code == 200
    page = response.content.decode()
    assert "may be a date of birth" in page
    assert "may be a person&#x27;s name" in page
    assert not SuccessStory.objects.exists()

    assert write(client, chain, body=RISKY, confirm_no_personal_data="on").status_code == 302
    assert SuccessStory.objects.count() == 1


def test_a_story_with_a_bsn_cannot_be_confirmed_only_rewritten(client, personas):
    client.force_login(personas.analyst_a)
    response = write(client, personas.chain, body=WITH_BSN, confirm_no_personal_data="on")
    page = response.content.decode()
    assert response.status_code == 200 and "passes the BSN eleven-test" in page
    [message] = [m for m in re.findall(r">([^<]*eleven-test[^<]*)<", page)]
    assert "1234.56.782" not in message and "•••" in message  # the message masks it
    assert not SuccessStory.objects.exists()


def test_a_decision_with_a_bsn_is_refused(client, personas, tables):
    client.force_login(personas.coordinator)
    table = tables["strategic"]
    url = reverse("governance:decision-new", args=[personas.chain.slug, table.pk])
    response = client.post(
        url, {"text": "Dossier 123456782 gaat naar de officier", "decided_on": "2025-02-01"}
    )
    assert response.status_code == 200 and "passes the BSN eleven-test" in response.content.decode()


def test_a_rewritten_story_needs_no_confirmation(client, personas):
    client.force_login(personas.analyst_a)
    assert write(client, personas.chain, body=RISKY).status_code == 200
    assert write(client, personas.chain, body=CLEAN).status_code == 302


def test_a_returned_story_goes_back_for_approval_when_its_author_reworks_it(client, personas):
    chain = personas.chain
    client.force_login(personas.analyst_b)
    write(client, chain)
    story = SuccessStory.objects.get()
    client.force_login(personas.coordinator)
    client.post(story_url(chain, "story-review", story.pk), {"action": "return", "note": "Korter graag."})
    story.refresh_from_db()
    assert (story.status, story.review_note) == ("rejected", "Korter graag.")

    client.force_login(personas.analyst_b)
    assert "Korter graag." in client.get(story_url(chain, "stories")).content.decode()
    partners = [p.pk for p in chain.partners.filter(code="a")]
    client.post(
        story_url(chain, "story-edit", story.pk),
        {"title": "Korter", "body": CLEAN, "month": "2025-02", "partners": partners},
    )
    story.refresh_from_db()
    assert (story.title, story.status) == ("Korter", "submitted")


def test_an_approved_story_is_no_longer_editable_by_its_author(client, personas):
    chain = personas.chain
    client.force_login(personas.analyst_b)
    write(client, chain)
    story = SuccessStory.objects.get()
    story.status = "approved"
    story.save()
    assert client.get(story_url(chain, "story-edit", story.pk)).status_code == 403


def make_approved(chain, n, month=dt.date(2025, 2, 1)):
    return [
        SuccessStory.objects.create(
            chain=chain, title=f"Verhaal {i}", body=CLEAN, month=month, status="approved"
        )
        for i in range(n)
    ]


def test_a_month_holds_at_most_five_selected_stories(client, personas):
    chain = personas.chain
    stories = make_approved(chain, 6)
    client.force_login(personas.coordinator)
    for story in stories:
        client.post(story_url(chain, "story-review", story.pk), {"action": "select"})
    assert SuccessStory.objects.filter(selected=True).count() == 5
    response = client.get(story_url(chain, "stories"))
    assert "already has 5 selected stories" in response.content.decode()

    client.post(story_url(chain, "story-review", stories[0].pk), {"action": "deselect"})
    client.post(story_url(chain, "story-review", stories[5].pk), {"action": "select"})
    assert set(SuccessStory.objects.filter(selected=True)) == set(stories[1:])


def test_a_story_must_be_approved_before_it_is_selected(client, personas):
    chain = personas.chain
    story = SuccessStory.objects.create(chain=chain, title="Nog niet", body=CLEAN, month=dt.date(2025, 2, 1))
    client.force_login(personas.coordinator)
    client.post(story_url(chain, "story-review", story.pk), {"action": "select"})
    story.refresh_from_db()
    assert not story.selected


def test_the_report_gets_the_selection_first_and_never_more_than_asked(personas):
    chain = personas.chain
    stories = make_approved(chain, 7)
    SuccessStory.objects.filter(pk__in=[stories[0].pk, stories[3].pk]).update(selected=True)
    make_approved(chain, 2, month=dt.date(2025, 3, 1))
    SuccessStory.objects.create(chain=chain, title="Wacht", body=CLEAN, month=dt.date(2025, 2, 1))
    report = success_stories_for_report(chain, 2025, 2)
    assert len(report) == 5
    assert {s.title for s in report[:2]} == {"Verhaal 0", "Verhaal 3"}
    assert all(s.month == dt.date(2025, 2, 1) for s in report)
    assert "Wacht" not in {s.title for s in report}
    assert len(success_stories_for_report(chain, 2025, 2, limit=3)) == 3
