"""schemathesis against the live OpenAPI schema: no 5xx for any generated request; responses match the schema."""

from __future__ import annotations

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import positive_data_acceptance

from api.app import create_app
from api.settings import ApiOptions, ApiSettings
from core.settings import LogSettings

# Bounded: a few examples per operation keeps the whole run well under a minute.
MAX_EXAMPLES = 8


@pytest.fixture
def api_schema(database, world, mqtt):
    """The schema of a started app (pool open) on a database holding the two-center world."""
    settings = ApiSettings(
        database=database,
        mqtt=mqtt,  # a reachable broker: /readyz is 200 (its 503 is for outages, not for generated requests)
        log=LogSettings(level="CRITICAL"),
        api=ApiOptions(readiness_timeout_s=0.5, rate_burst=10_000),
    )
    app = create_app(settings)
    with TestClient(app):
        yield schemathesis.openapi.from_asgi("/openapi.json", app)


def _fuzz(operation, *, token: str) -> None:
    @given(case=operation.as_strategy())
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def check(case):
        headers = {"Authorization": f"Bearer {token}"}
        response = case.call(headers=headers)
        # An opaque cursor is any string to the schema, but only cursors the API issued are valid: 400 with
        # code invalid_cursor is the documented answer to the others, not a rejected valid request.
        bad_cursor = response.status_code == 400 and "invalid_cursor" in response.text
        # Likewise a webhook URL is any http(s) string to the schema, but only https (or http to localhost) can
        # receive pushes: 422 with code invalid_webhook_url is the documented answer to the others.
        bad_url = response.status_code == 422 and "invalid_webhook_url" in response.text
        # An import body is any string to the schema, but only a well-formed file of the entity is importable:
        # 422 with code bad_rows (and the report) is the documented answer to the others.
        bad_rows = response.status_code == 422 and '"code":"bad_rows"' in response.text
        case.validate_response(
            response,
            headers=headers,
            excluded_checks=[positive_data_acceptance] if bad_cursor or bad_url or bad_rows else None,
        )

    check()


def test_api_conforms_to_its_schema(api_schema, world):
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 15
    failures = []
    for operation in operations:
        owner = operation.path.startswith(("/v1/vehicles/", "/v1/me/"))
        try:
            _fuzz(operation, token=world.owner_a if owner else world.admin_key)
        except Exception as exc:  # collect every operation's failure, then report them together
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}")
    assert not failures, "\n\n".join(failures)
