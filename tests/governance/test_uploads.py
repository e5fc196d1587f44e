"""Logos and covenant documents: checked on upload, served only to members."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from keten.chains.models import AuditEntry
from keten.governance.models import Covenant

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def identity_url(chain):
    return reverse("governance:identity", args=[chain.slug])


def test_a_coordinator_sets_name_logo_and_colour_and_the_header_uses_them(client, personas):
    chain = personas.chain
    client.force_login(personas.coordinator)
    response = client.post(
        identity_url(chain),
        {
            "name": "Keten Sterk",
            "colour": "#aa3300",
            "logo": SimpleUploadedFile("logo.png", PNG, "image/png"),
        },
    )
    assert response.status_code == 302
    chain.refresh_from_db()
    assert (chain.name, chain.colour) == ("Keten Sterk", "#aa3300")
    page = client.get(reverse("governance:overview", args=[chain.slug])).content.decode()
    assert "Keten Sterk" in page
    assert "--accent: #aa3300" in page
    assert f'src="{chain.logo.url}"' in page
    assert client.get(chain.logo.url).getvalue() == PNG
    assert AuditEntry.objects.filter(chain=chain, action="governance.identity.updated").exists()


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("logo.svg", b"<svg onload='alert(1)'/>", "image/svg+xml"), "PNG or JPEG"),
        (
            SimpleUploadedFile("logo.png", b"\x89PNG\r\n\x1a\n" + b"0" * (1024 * 1024), "image/png"),
            "larger than 1 MB",
        ),
    ],
)
def test_a_logo_that_is_not_a_small_raster_image_is_refused(client, personas, upload, message):
    chain = personas.chain
    client.force_login(personas.coordinator)
    response = client.post(identity_url(chain), {"name": "X", "colour": "#aa3300", "logo": upload})
    assert response.status_code == 200
    assert message in response.content.decode()
    chain.refresh_from_db()
    assert (chain.name, bool(chain.logo)) == ("Kleine keten", False)


def test_a_bad_colour_is_refused_with_an_example(client, personas):
    client.force_login(personas.coordinator)
    response = client.post(identity_url(personas.chain), {"name": "X", "colour": "rood"})
    assert "#154273" in response.content.decode()


def covenant_data(chain, document):
    return {
        "title": "Convenant Kleine keten 2025",
        "parties": [p.pk for p in chain.partners.all()],
        "signed_on": "2025-01-15",
        "starts_on": "2025-02-01",
        "ends_on": "2028-01-31",
        "agreements": [a.pk for a in chain.agreements.all()],
        "document": document,
    }


def test_a_covenant_with_its_document_reaches_members_only(client, personas):
    chain = personas.chain
    client.force_login(personas.coordinator)
    pdf = SimpleUploadedFile("convenant.pdf", b"%PDF-1.7 ondertekend", "application/pdf")
    assert (
        client.post(
            reverse("governance:covenant-new", args=[chain.slug]), covenant_data(chain, pdf)
        ).status_code
        == 302
    )
    covenant = Covenant.objects.get()
    assert list(covenant.agreements.values_list("code", flat=True)) == ["snel"]
    document_url = reverse("governance:covenant-document", args=[chain.slug, covenant.pk])

    client.force_login(personas.steering)
    response = client.get(document_url)
    assert b"".join(response.streaming_content) == b"%PDF-1.7 ondertekend"
    assert "attachment" in response["Content-Disposition"]
    # The file's own media URL does not serve it: only the member-checked view does.
    assert client.get(covenant.document.url).status_code == 404
    client.force_login(personas.outsider)
    assert client.get(document_url).status_code == 404


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("convenant.exe", b"MZ", "PDF, ODT or DOCX"),
        ("convenant.pdf", b"PK\x03\x04 not a pdf", "does not match its extension .pdf"),
    ],
)
def test_a_covenant_document_of_the_wrong_kind_is_refused(client, personas, name, content, message):
    chain = personas.chain
    client.force_login(personas.coordinator)
    upload = SimpleUploadedFile(name, content)
    response = client.post(
        reverse("governance:covenant-new", args=[chain.slug]), covenant_data(chain, upload)
    )
    assert message in response.content.decode()
    assert not Covenant.objects.exists()


def test_a_term_that_ends_before_it_starts_is_refused(client, personas):
    chain = personas.chain
    client.force_login(personas.coordinator)
    data = covenant_data(chain, "")
    data["ends_on"] = "2024-01-01"
    response = client.post(reverse("governance:covenant-new", args=[chain.slug]), data)
    assert "The end of the term lies before its start." in response.content.decode()
