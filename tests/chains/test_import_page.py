"""The web import of a chain definition: upload, read the plan, confirm. Deleting records that
hang on a removed partner needs the explicit checkbox; only the coordinator may import."""

from dataclasses import replace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from keten.chains.definition import dump_chain_definition
from keten.chains.models import AuditEntry, Chain, Partner
from keten.governance.models import Seat

from .test_import_plan import counts, without_fin

URL = "/ketens/klein/definitie/importeren/"


def upload(spec, name="klein.yaml"):
    return SimpleUploadedFile(name, dump_chain_definition(spec).encode(), content_type="application/x-yaml")


def plan(client, spec):
    response = client.post(URL, {"file": upload(spec)})
    assert response.status_code == 200
    return response


@pytest.fixture
def coordinator(client, personas):
    client.force_login(personas.coordinator)
    return client


def test_only_the_coordinator_may_import(client, personas):
    for user, status in ((personas.analyst_a, 403), (personas.steering, 403), (personas.outsider, 404)):
        client.force_login(user)
        assert client.get(URL).status_code == status
    client.force_login(personas.coordinator)
    assert client.get(URL).status_code == 200


def test_the_definition_page_links_to_the_import_for_the_coordinator(client, personas):
    client.force_login(personas.coordinator)
    assert URL in client.get("/ketens/klein/definitie/").content.decode()
    client.force_login(personas.analyst_a)
    assert URL not in client.get("/ketens/klein/definitie/").content.decode()


def test_an_upload_shows_the_plan_and_changes_nothing(coordinator, financed, small_spec):
    before = counts()
    response = plan(coordinator, without_fin(small_spec))
    page = response.content.decode()
    assert "Financier" in page and "seats: 1" in page.lower()
    assert response.context["plan"].dependents
    assert 'name="allow_deletions"' in page
    assert counts() == before


def test_confirming_without_the_checkbox_is_refused_and_names_what_would_be_lost(
    coordinator, financed, small_spec
):
    before = counts()
    shown = plan(coordinator, without_fin(small_spec)).context
    response = coordinator.post(
        URL, {"definition": shown["form"]["definition"].value(), "digest": shown["digest"]}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Nothing was imported" in page
    assert "seats: 1" in page.lower()
    assert counts() == before


def test_confirming_with_the_checkbox_applies_the_import(coordinator, financed, small_spec):
    shown = plan(coordinator, without_fin(small_spec)).context
    response = coordinator.post(
        URL,
        {
            "definition": shown["form"]["definition"].value(),
            "digest": shown["digest"],
            "allow_deletions": "on",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/ketens/klein/definitie/"
    assert not Partner.objects.filter(code="fin").exists()
    assert not Seat.objects.filter(person="Voorzitter").exists()
    entry = AuditEntry.objects.get(action="chain.imported")
    assert entry.username == "regisseur" and entry.detail["deleted"]["seats"] == 1


def test_an_import_without_deletions_needs_no_checkbox(coordinator, small_chain, small_spec):
    shown = plan(coordinator, replace(small_spec, description="Nieuw.")).context
    assert 'name="allow_deletions"' not in shown["form"].as_p()
    response = coordinator.post(
        URL, {"definition": shown["form"]["definition"].value(), "digest": shown["digest"]}
    )
    assert response.status_code == 302
    assert Chain.objects.get().description == "Nieuw."


def test_a_plan_that_changed_since_it_was_shown_is_shown_again(coordinator, financed, small_spec):
    shown = plan(coordinator, replace(small_spec, description="Nieuw.")).context
    Seat.objects.all().delete()  # someone else changes the chain meanwhile
    Partner.objects.filter(code="b").update(name="Partner Bee")
    response = coordinator.post(
        URL, {"definition": shown["form"]["definition"].value(), "digest": shown["digest"]}
    )
    assert response.status_code == 200
    assert "The chain changed since the plan was made" in response.content.decode()
    assert Chain.objects.get().description == "Een keten voor tests."


def test_a_file_of_another_chain_or_a_bad_file_is_refused_with_its_problems(
    coordinator, small_chain, small_spec
):
    response = plan(coordinator, replace(small_spec, slug="ander"))
    assert "This file defines chain &#x27;ander&#x27;" in response.content.decode()
    response = coordinator.post(URL, {"file": SimpleUploadedFile("k.yaml", b"slug: klein\nname: [\n")})
    assert "YAML syntax error" in response.content.decode()
    assert Chain.objects.get().to_spec() == small_spec
