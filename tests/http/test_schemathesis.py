"""Property-based run of the OpenAPI document against the app: no undocumented status, no schema violation, no 5xx."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Any

import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import positive_data_acceptance
from schemathesis.specs.openapi.checks import ignored_auth

from domain.accounts import Role
from tests.fakes import FakeClock, InMemoryStore
from tests.http.conftest import event_body, make_app, make_services
from tests.http.fuzz_edges import with_edges

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


def headers_for(case: Any) -> dict[str, str]:
    """Logout ends the session of its token: it gets a session of its own, so later calls stay signed in."""
    return organizer_headers() if case.path == "/api/auth/logout" else HEADERS


# Beyond schemathesis' own strategies: any field of a query or body may be an edge value (fuzz_edges.py) —
# years 1 and 9999 at ±23:59, cursors naming them, huge integers, NUL, very long and non-ASCII strings.
@schema.hook
def flatmap_query(context: Any, query: Any) -> st.SearchStrategy[Any]:
    # a query stays under the request-head limits (ingress/http_limits.py)
    return with_edges(query, max_text=2_000, max_items=8)


@schema.hook
def flatmap_body(context: Any, body: Any) -> st.SearchStrategy[Any]:
    return with_edges(body, max_text=20_000)


EXAMPLES = int(os.environ.get("HTTP_FUZZ_EXAMPLES", "25"))
# derandomize: CI sees the same cases on every run; `HTTP_FUZZ_EXAMPLES=500` explores further by hand.
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
# 422 for data the schema allows but the domain refuses (ends before it starts, Luhn, a forged cursor, a time the
# database cannot keep) is the contract, not a bug: positive_data_acceptance does not apply.
EXCLUDED = [positive_data_acceptance]
# Public routes that take a token when one comes (a draft is shown to its organizer): the document names the bearer
# scheme for them, and an answer without a token is right.
OPTIONAL_AUTH = {("GET", "/api/events/{id}"), ("POST", "/api/auth/logout")}


def excluded_for(case: Any) -> list[Any]:
    return [*EXCLUDED, ignored_auth] if (case.method.upper(), case.path) in OPTIONAL_AUTH else EXCLUDED


@schema.parametrize()
@FUZZ
def test_the_app_honours_its_openapi_document(case: Any) -> None:
    case.call_and_validate(headers=headers_for(case), excluded_checks=excluded_for(case))


class Workflow(schema.as_state_machine()):  # type: ignore[misc]
    """Sequences of calls along the links schemathesis infers (an event created, then read, patched, booked…)."""

    def get_call_kwargs(self, case: Any) -> dict[str, Any]:
        return {"headers": headers_for(case)}

    def validate_response(self, response: Any, case: Any, additional_checks: Any = None, **kwargs: Any) -> None:
        case.validate_response(response, additional_checks=additional_checks, excluded_checks=excluded_for(case))


def test_sequences_of_calls_along_the_links_honour_the_document() -> None:
    Workflow.run(settings=settings(FUZZ, max_examples=max(EXAMPLES // 5, 3), stateful_step_count=6))
