"""Who may open which governance page: every view, every persona.

Analyst A holds a seat at the operational table, the steering member at the steering group;
analyst B holds no seat. Members read everything; changes need the coordinator role or a seat."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from tests.governance.conftest import PNG

pytestmark = pytest.mark.django_db

PERSONAS = ("coordinator", "analyst_a", "analyst_b", "steering", "outsider")


def url(r, name, *args):
    return reverse(f"governance:{name}", args=[r["chain"].slug, *args])


READ_ALL = {"coordinator": 200, "analyst_a": 200, "analyst_b": 200, "steering": 200, "outsider": 404}
COORDINATOR_ONLY = {"coordinator": 200, "analyst_a": 403, "analyst_b": 403, "steering": 403, "outsider": 404}
OPERATIONAL_TABLE = {"coordinator": 200, "analyst_a": 200, "analyst_b": 403, "steering": 403, "outsider": 404}
STEERING_TABLE = {"coordinator": 200, "analyst_a": 403, "analyst_b": 403, "steering": 200, "outsider": 404}
ANY_SEAT = {"coordinator": 200, "analyst_a": 200, "analyst_b": 403, "steering": 200, "outsider": 404}
AUTHOR = {"coordinator": 200, "analyst_a": 403, "analyst_b": 200, "steering": 403, "outsider": 404}

MATRIX = [
    ("overview", lambda r: url(r, "overview"), READ_ALL),
    ("covenants", lambda r: url(r, "covenants"), READ_ALL),
    ("covenant-new", lambda r: url(r, "covenant-new"), COORDINATOR_ONLY),
    ("covenant-edit", lambda r: url(r, "covenant-edit", r["covenant"].pk), COORDINATOR_ONLY),
    ("covenant-document", lambda r: url(r, "covenant-document", r["covenant"].pk), READ_ALL),
    ("tables", lambda r: url(r, "tables"), READ_ALL),
    ("table-new", lambda r: url(r, "table-new"), COORDINATOR_ONLY),
    ("table-detail", lambda r: url(r, "table-detail", r["operational"].pk), READ_ALL),
    ("table-edit", lambda r: url(r, "table-edit", r["operational"].pk), COORDINATOR_ONLY),
    ("seat-new", lambda r: url(r, "seat-new", r["operational"].pk), COORDINATOR_ONLY),
    ("seat-edit", lambda r: url(r, "seat-edit", r["operational"].pk, r["seat"].pk), COORDINATOR_ONLY),
    ("meeting-new", lambda r: url(r, "meeting-new", r["operational"].pk), OPERATIONAL_TABLE),
    ("meeting-new steering", lambda r: url(r, "meeting-new", r["strategic"].pk), STEERING_TABLE),
    (
        "meeting-edit",
        lambda r: url(r, "meeting-edit", r["operational"].pk, r["meeting"].pk),
        OPERATIONAL_TABLE,
    ),
    ("decisions", lambda r: url(r, "decisions"), READ_ALL),
    ("decision-new", lambda r: url(r, "decision-new", r["operational"].pk), OPERATIONAL_TABLE),
    ("decision-new steering", lambda r: url(r, "decision-new", r["strategic"].pk), STEERING_TABLE),
    (
        "decision-edit",
        lambda r: url(r, "decision-edit", r["operational"].pk, r["decision"].pk),
        OPERATIONAL_TABLE,
    ),
    ("attendance", lambda r: url(r, "attendance"), READ_ALL),
    ("escalations", lambda r: url(r, "escalations"), READ_ALL),
    ("escalation-new", lambda r: url(r, "escalation-new"), ANY_SEAT),
    ("escalation-edit", lambda r: url(r, "escalation-edit", r["escalation"].pk), ANY_SEAT),
    ("stories", lambda r: url(r, "stories"), READ_ALL),
    ("story-new", lambda r: url(r, "story-new"), READ_ALL),
    ("story-edit", lambda r: url(r, "story-edit", r["story"].pk), AUTHOR),
    ("activities", lambda r: url(r, "activities"), READ_ALL),
    ("activity-new", lambda r: url(r, "activity-new"), ANY_SEAT),
    ("activity-edit", lambda r: url(r, "activity-edit", r["activity"].pk), ANY_SEAT),
    ("identity", lambda r: url(r, "identity"), COORDINATOR_ONLY),
    ("logo", lambda r: r["chain"].logo.url, READ_ALL),
]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(("name", "make_url", "expected"), MATRIX, ids=[m[0] for m in MATRIX])
def test_each_persona_gets_what_the_matrix_says(
    client, personas, register, persona, name, make_url, expected
):
    client.force_login(getattr(personas, persona))
    response = client.get(make_url(register))
    assert response.status_code == expected[persona]


@pytest.mark.parametrize(("name", "make_url", "expected"), MATRIX, ids=[m[0] for m in MATRIX])
def test_an_anonymous_visitor_is_sent_to_the_login_page(client, register, name, make_url, expected):
    response = client.get(make_url(register))
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_a_coordinator_reviews_stories(client, personas, register, persona):
    client.force_login(getattr(personas, persona))
    response = client.post(url(register, "story-review", register["story"].pk), {"action": "approve"})
    assert response.status_code == {"coordinator": 302, "outsider": 404}.get(persona, 403)
    register["story"].refresh_from_db()
    assert (register["story"].status == "approved") == (persona == "coordinator")


def test_the_logo_of_a_chain_one_is_not_a_member_of_is_not_served(
    client, personas, register, django_user_model
):
    from keten.chains.models import Chain

    other = Chain.objects.create(slug="ander", name="Andere keten")
    other.logo.save("ander.png", ContentFile(PNG))
    client.force_login(personas.coordinator)
    assert client.get(other.logo.url).status_code == 404
    assert client.get(register["chain"].logo.url)["Content-Type"] == "image/png"


def test_a_record_of_another_chain_is_not_found_through_this_chain(client, personas, register):
    from keten.chains.actions import save_chain_spec
    from keten.governance.models import Table

    other_spec = personas.chain.to_spec().__class__(**{**personas.chain.to_spec().__dict__, "slug": "ander"})
    other = save_chain_spec(other_spec)
    foreign = Table.objects.create(chain=other, name="Vreemd", level="tactical")
    client.force_login(personas.coordinator)
    assert client.get(url(register, "table-detail", foreign.pk)).status_code == 404
