"""Upload page, batch list, rejects download and the REST API, through the real HTTP stack."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.authtoken.models import Token

from keten.chains.models import AuditEntry
from keten.events.actions import ingest_file
from keten.events.models import IngestBatch
from tests.conftest import log_in
from tests.events.conftest import A_EVENTS

pytestmark = pytest.mark.django_db
URL = "/ketens/klein/leveringen/"
API = "/api/chains/klein/deliveries/"
BAD = "case_id,activity,timestamp\nk1,aanmelding,2024-03-01\nk2,koffie,2024-03-01\n"


def partner_id(chain, code):
    return chain.partners.get(code=code).pk


def test_an_analyst_uploads_a_file_and_sees_the_report_and_the_batch(client, personas):
    client.force_login(personas.analyst_a)
    response = client.post(
        URL,
        {"partner": partner_id(personas.chain, "a"), "file": SimpleUploadedFile("a.csv", A_EVENTS.encode())},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Validation report" in body or "Validatierapport" in body
    batch = IngestBatch.objects.get()
    assert batch.username == "analist_a" and batch.rows_stored == 4 and batch.batch_id in body


def test_an_analyst_cannot_deliver_for_another_partner(client, personas):
    client.force_login(personas.analyst_b)
    response = client.post(
        URL,
        {"partner": partner_id(personas.chain, "a"), "file": SimpleUploadedFile("a.csv", A_EVENTS.encode())},
    )
    assert response.status_code == 200 and not IngestBatch.objects.exists()  # the form refuses the choice
    with pytest.raises(Exception, match="may not deliver"):
        ingest_file(personas.chain, __file__, partner="a", user=personas.analyst_b)


def test_an_analyst_sees_only_their_own_partners_batches(client, personas, write):
    ingest_file(personas.chain, write("a.csv", A_EVENTS), partner="a")
    client.force_login(personas.analyst_b)
    assert "a.csv" not in client.get(URL).content.decode()
    assert client.get("/api/chains/klein/batches/").json() == []
    client.force_login(personas.analyst_a)
    assert "a.csv" in client.get(URL).content.decode()


def test_steering_sees_no_upload_form_and_no_rejects(client, personas, write):
    personas.chain.reject_policy = "quarantine"
    personas.chain.save()
    report = ingest_file(personas.chain, write("bad.csv", BAD), partner="a")
    client.force_login(personas.steering)
    body = client.get(URL).content.decode()
    assert 'id="delivery-form"' not in body and "afgekeurd.csv" not in body
    assert client.get(f"{URL}{report.batch_id}/afgekeurd.csv").status_code == 403
    assert client.post(URL, {"partner": 1}).status_code == 403


def test_the_analyst_downloads_the_rejects_and_it_is_audited(client, personas, write):
    personas.chain.reject_policy = "quarantine"
    personas.chain.save()
    report = ingest_file(personas.chain, write("bad.csv", BAD), partner="a")
    client.force_login(personas.analyst_a)
    response = client.get(f"{URL}{report.batch_id}/afgekeurd.csv")
    assert response.status_code == 200 and b"koffie" in b"".join(response.streaming_content)
    assert AuditEntry.objects.filter(action="events.rejects_downloaded", username="analist_a").exists()
    client.force_login(personas.analyst_b)
    assert client.get(f"{URL}{report.batch_id}/afgekeurd.csv").status_code == 404


def test_the_coordinator_withdraws_and_restores_on_the_page(client, personas, write):
    report = ingest_file(personas.chain, write("a.csv", A_EVENTS), partner="a")
    client.force_login(personas.analyst_a)
    assert client.post(f"{URL}{report.batch_id}/intrekken/").status_code == 403
    client.force_login(personas.coordinator)
    assert f"{URL}{report.batch_id}/intrekken/" in client.get(URL).content.decode()
    client.post(f"{URL}{report.batch_id}/intrekken/")
    assert IngestBatch.objects.get().status == "withdrawn"
    client.post(f"{URL}{report.batch_id}/herstellen/")
    assert IngestBatch.objects.get().status == "active"


def test_an_outsider_gets_404(client, personas):
    client.force_login(personas.outsider)
    assert client.get(URL).status_code == 404


def api_client(user):
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def test_the_api_stores_a_delivery_with_a_token_and_returns_the_report(personas):
    response = api_client(personas.analyst_a).post(
        API,
        {"partner": "a", "file": SimpleUploadedFile("nightly.csv", A_EVENTS.encode())},
        format="multipart",
    )
    assert response.status_code == 201
    report = response.json()
    assert report["status"] == "stored" and report["counts"]["rows_stored"] == 4 and report["problems"] == []


def test_the_api_returns_422_with_the_problems_for_a_refused_file(personas):
    response = api_client(personas.analyst_a).post(
        API, {"partner": "a", "file": SimpleUploadedFile("bad.csv", BAD.encode())}, format="multipart"
    )
    assert response.status_code == 422
    [problem] = response.json()["problems"]
    assert problem["code"] == "unknown_activity" and problem["rows"] == [3]


def test_the_api_refuses_another_partners_delivery_and_anonymous_callers(personas, client):
    response = api_client(personas.analyst_b).post(
        API, {"partner": "a", "file": SimpleUploadedFile("a.csv", A_EVENTS.encode())}, format="multipart"
    )
    assert response.status_code == 403
    assert client.post(API, {"partner": "a"}).status_code in (401, 403)
    assert not IngestBatch.objects.exists()


def test_the_api_is_in_the_openapi_schema(client, personas):
    client.force_login(personas.coordinator)
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").content.decode()
    assert "/api/chains/{chain_slug}/deliveries/" in schema and "Report" in schema


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_analyst_uploads_through_the_browser_and_reads_the_report(
    page, live_server, personas, write, screenshot_dir
):
    log_in(page, live_server, "analist_a")
    page.goto(f"{live_server.url}{URL}")
    page.screenshot(path=screenshot_dir / "events-deliveries-empty.png", full_page=True)
    page.set_input_files("#id_file", str(write("levering.csv", BAD)))
    page.click("#delivery-form button[type=submit]")
    page.wait_for_selector("#report-title")
    page.screenshot(path=screenshot_dir / "events-report-refused.png", full_page=True)
    assert page.locator(".events-problems li").count() == 1
    page.set_input_files("#id_file", str(write("goed.csv", A_EVENTS)))
    page.click("#delivery-form button[type=submit]")
    page.wait_for_selector(".events-stored")
    page.screenshot(path=screenshot_dir / "events-report-stored.png", full_page=True)
    assert page.locator(".events-batches tbody tr").count() == 1


@pytest.mark.parametrize("name", ["klant 111.222.333.csv", "export_123456782.csv"])
def test_a_file_named_after_a_bsn_is_refused_and_the_number_goes_nowhere(client, personas, name):
    number = "111.222.333" if "111" in name else "123456782"
    client.force_login(personas.analyst_a)
    response = client.post(
        URL, {"partner": partner_id(personas.chain, "a"), "file": SimpleUploadedFile(name, A_EVENTS.encode())}
    )
    body = response.content.decode()
    assert response.status_code == 200 and "•••" in body and number not in body
    assert not IngestBatch.objects.exists()
    entry = AuditEntry.objects.get(action="events.delivery_refused")
    assert number not in str(entry.detail) and "•••" in str(entry.detail)
    client.force_login(personas.coordinator)
    audit = client.get("/ketens/klein/monitor/audit/")
    assert audit.status_code == 200 and "•••" in audit.content.decode()
    assert number not in audit.content.decode()


def test_the_deliveries_page_leads_to_the_api_documentation_and_the_tokens(client, personas):
    client.force_login(personas.analyst_a)
    html = client.get("/ketens/klein/leveringen/").content.decode()
    assert 'href="/api/"' in html and "Your chain coordinator gives your system its token" in html
    assert client.get("/api/").status_code == 200
    client.force_login(personas.coordinator)
    html = client.get("/ketens/klein/leveringen/").content.decode()
    assert 'href="/ketens/klein/api-tokens/"' in html
