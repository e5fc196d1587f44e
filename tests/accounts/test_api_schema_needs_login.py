"""The OpenAPI schema and the API docs page are for logged-in users only."""

import pytest

pytestmark = pytest.mark.django_db


def test_an_anonymous_caller_gets_no_schema(client):
    response = client.get("/api/schema/")
    assert response.status_code in (401, 403)
    assert b"openapi" not in response.content


def test_an_anonymous_caller_is_sent_to_the_login_page_for_the_docs(client):
    response = client.get("/api/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_a_logged_in_member_reads_the_schema_and_the_docs(client, personas):
    client.force_login(personas.steering)
    response = client.get("/api/schema/")
    assert response.status_code == 200 and b"openapi" in response.content
    assert client.get("/api/").status_code == 200
