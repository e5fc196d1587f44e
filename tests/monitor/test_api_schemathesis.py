"""The API against its own OpenAPI schema (schemathesis): requests generated from the schema, sent
over HTTP to a live server as each role, never get a server error, and every answer the schema
describes has the documented shape. The chain in the path is the real one (a random slug only
reaches the 404 of a chain the caller does not know); everything else is generated."""

import pytest
import requests
import schemathesis
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, given, settings
from rest_framework.authtoken.models import Token
from schemathesis.specs.openapi.checks import response_schema_conformance

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

EXAMPLES = 15  # per operation and role: 7 operations x 4 roles


def api_schema():
    return schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))


@pytest.mark.parametrize("role", ["coordinator", "analyst_a", "steering", "outsider"])
def test_no_generated_request_gets_a_server_error(live_server, monitored, role):
    key = Token.objects.create(user=getattr(monitored, role)).key
    http = requests.Session()
    http.headers["Authorization"] = f"Token {key}"
    failures, statuses = [], set()
    operations = [result.ok() for result in api_schema().get_all_operations()]
    assert len(operations) >= 7

    for operation in operations:

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def call(case):
            in_chain = "chain_slug" in (case.path_parameters or {})
            if in_chain:
                case.path_parameters["chain_slug"] = monitored.chain.slug
            response = case.call(base_url=live_server.url, session=http)
            if in_chain:
                statuses.add(response.status_code)
            if response.status_code >= 500:
                failures.append((case.method, case.formatted_path, case.query, response.status_code))
            elif response.status_code == 200:
                try:
                    case.validate_response(response, checks=[response_schema_conformance])
                except Exception as error:  # noqa: BLE001 - collected, reported below
                    failures.append((case.method, case.formatted_path, str(error)[:300]))

        call()
    assert failures == []
    assert (200 in statuses) == (role != "outsider"), statuses  # members got real answers, an outsider none


def test_the_schema_describes_every_api_route_and_both_ways_to_log_in():
    raw = SchemaGenerator().get_schema(request=None, public=True)
    assert {"tokenAuth", "cookieAuth"} <= set(raw["components"]["securitySchemes"])
    assert "/api/chains/{chain_slug}/cases/" in raw["paths"]
    assert raw["paths"]["/api/chains/{chain_slug}/deliveries/"]["post"]["responses"].get("413")
