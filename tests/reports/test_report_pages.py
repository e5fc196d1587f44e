"""The report in the web app: who may make, download, publish and read which edition."""

from __future__ import annotations

import pytest
from django.urls import reverse

from keten.reports.models import PublishedReport

pytestmark = pytest.mark.django_db

Q = {"edition": "bestuurlijk", "language": "en"}


@pytest.fixture
def members(chain_with_events, django_user_model):
    from tests.conftest import Personas

    return Personas(chain_with_events, django_user_model)


def as_user(client, user):
    client.force_login(user)
    return client


def test_a_coordinator_reads_the_report_as_a_page_with_downloads(client, members):
    url = reverse("report-view", args=["klein", "2026-10"])
    page = as_user(client, members.coordinator).get(url, Q)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Status of the ambition" in html and "<svg" in html
    assert reverse("report-download", args=["klein", "2026-10", "pdf"]) in html
    assert "Publish to the archive" in html


def test_the_pdf_download_is_a_pdf_with_a_telling_name(client, members):
    url = reverse("report-download", args=["klein", "2026-10", "pdf"])
    response = as_user(client, members.analyst_a).get(url, Q)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert 'filename="klein-2026-10-bestuurlijk-en.pdf"' in response["Content-Disposition"]


def test_an_analysts_operations_edition_hides_small_numbers_the_coordinators_does_not(client, members):
    url = reverse("report-view", args=["klein", "2026-10"])
    query = {"edition": "uitvoering", "language": "en"}
    analyst = as_user(client, members.analyst_a).get(url, query).content.decode()
    assert "falling: &lt;10 → 30 → 20" in analyst
    coordinator = as_user(client, members.coordinator).get(url, query).content.decode()
    assert "falling: 4 → 30 → 20" in coordinator


def test_steering_members_read_the_archive_but_do_not_make_reports(client, members):
    client = as_user(client, members.steering)
    index = client.get(reverse("report-index", args=["klein"]))
    assert index.status_code == 200
    assert "Make a report" not in index.content.decode()
    assert client.get(reverse("report-view", args=["klein", "2026-10"]), Q).status_code == 403
    assert client.get(reverse("report-download", args=["klein", "2026-10", "pdf"]), Q).status_code == 403


def test_an_outsider_does_not_see_the_chain(client, members):
    client = as_user(client, members.outsider)
    assert client.get(reverse("report-index", args=["klein"])).status_code == 404


def test_publishing_puts_the_steering_edition_in_the_archive_for_steering_members(client, members):
    publish = reverse("report-publish", args=["klein", "2026-10"])
    assert as_user(client, members.analyst_a).post(publish, Q).status_code == 403
    response = as_user(client, members.coordinator).post(publish, Q)
    assert response.status_code == 302
    as_user(client, members.coordinator).post(publish, {"edition": "uitvoering", "language": "en"})
    published = PublishedReport.objects.get(edition="bestuurlijk")
    assert published.suppressed and bytes(published.pdf).startswith(b"%PDF-")
    from keten.chains.models import AuditEntry

    assert AuditEntry.objects.filter(action="report.published").count() == 2

    client = as_user(client, members.steering)
    index = client.get(reverse("report-index", args=["klein"])).content.decode()
    assert reverse("report-published", args=["klein", published.pk, "pdf"]) in index
    operations = PublishedReport.objects.get(edition="uitvoering")
    assert reverse("report-published", args=["klein", operations.pk, "pdf"]) not in index
    pdf = client.get(reverse("report-published", args=["klein", published.pk, "pdf"]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    assert client.get(reverse("report-published", args=["klein", operations.pk, "pdf"])).status_code == 404


def test_the_index_form_sends_the_reader_to_the_chosen_report(client, members):
    response = as_user(client, members.coordinator).get(
        reverse("report-index", args=["klein"]),
        {"month": "2026-09", "edition": "uitvoering", "language": "nl"},
    )
    assert response.status_code == 302
    assert (
        response.url == reverse("report-view", args=["klein", "2026-09"]) + "?edition=uitvoering&language=nl"
    )


def test_a_bad_month_or_format_is_not_found(client, members):
    client = as_user(client, members.coordinator)
    assert client.get(reverse("report-view", args=["klein", "2026-13"]), Q).status_code == 404
    assert client.get(reverse("report-download", args=["klein", "2026-10", "docx"]), Q).status_code == 404
