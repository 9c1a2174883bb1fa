"""Property-based run of the OpenAPI document against the app: no undocumented status, no schema violation, no 5xx."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Any

import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import positive_data_acceptance

from domain.accounts import Role
from tests.fakes import FakeClock, InMemoryStore
from tests.http.conftest import event_body, make_app, make_services

# Module level: schemathesis' `from_fixture` does not work with pytest 9 (it reads `request.node._nodeid`).
store = InMemoryStore()
app = make_app(make_services(store, FakeClock(datetime.now(UTC))))
schema = schemathesis.openapi.from_asgi("/api/openapi.json", app)


def organizer_headers() -> dict[str, str]:
    """An organizer with one event, so that authenticated routes get past the token check."""
    with TestClient(app) as client:
        user = client.post(
            "/api/auth/register", json={"email": "o@example.com", "password": "long-enough", "name": "O"}
        )
        if user.status_code == 201:
            store.tables["users"][user.json()["id"]].role = Role.ORGANIZER
        login = client.post("/api/auth/login", json={"email": "o@example.com", "password": "long-enough"})
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        if user.status_code == 201:
            assert client.post("/api/events", json=event_body(), headers=headers).status_code == 201
    return headers


HEADERS = organizer_headers()


@schema.parametrize()
@settings(
    max_examples=int(os.environ.get("HTTP_FUZZ_EXAMPLES", "15")), deadline=None, suppress_health_check=list(HealthCheck)
)
def test_the_app_honours_its_openapi_document(case: Any) -> None:
    # 422 for data the schema allows but the domain refuses (ends before it starts, Luhn, a forged cursor)
    # is the contract, not a bug: positive_data_acceptance does not apply.
    case.call_and_validate(headers=HEADERS, excluded_checks=[positive_data_acceptance])
