"""The request head's limits answer in the contract's JSON, and the X-Request-ID Serve echoes is a sane one
(issue 14, finding 12)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from ray.serve._private.http_util import _apply_middlewares, validate_http_proxy_callback_return
from ray.serve._private.utils import call_function_from_import_path

from ingress.http_limits import (
    MAX_HEADER_BYTES,
    MAX_QUERY_PARAMETERS,
    MAX_TARGET_BYTES,
    query_parameter_count,
    serve_http_middlewares,
)
from tests.http.conftest import assert_error

ROOT = Path(__file__).resolve().parents[2]
CALLBACK = "ingress.http_limits:serve_http_middlewares"


def test_too_many_query_parameters_are_a_json_bad_request(client: TestClient) -> None:
    query = "&".join(f"p{i}=1" for i in range(1000))
    details = assert_error(client.get(f"/api/events?{query}"), 400, "too_many_parameters")["details"]
    assert details == {"max_parameters": MAX_QUERY_PARAMETERS}


def test_a_handful_of_query_parameters_pass(client: TestClient) -> None:
    query = "&".join(["q=jazz", "category=music", "venue=x", "limit=5"] + ["" for _ in range(100)])  # empty pieces
    assert client.get(f"/api/events?{query}").status_code == 200


def test_an_over_long_target_is_a_json_414(client: TestClient) -> None:
    assert_error(client.get("/api/events?q=" + "a" * MAX_TARGET_BYTES), 414, "uri_too_long")


@pytest.mark.parametrize(
    "headers",
    [{"X-Big": "a" * (MAX_HEADER_BYTES + 1)}, {f"X-H{i}": "v" for i in range(120)}],
    ids=["one large header", "many headers"],
)
def test_an_oversized_header_set_is_a_json_431(client: TestClient, headers: dict[str, str]) -> None:
    assert_error(client.get("/api/events", headers=headers), 431, "headers_too_large")


def test_limits_hold_on_every_route_and_method(client: TestClient) -> None:
    big = {"X-Big": "a" * (MAX_HEADER_BYTES + 1)}
    assert_error(client.post("/api/auth/login", json={}, headers=big), 431, "headers_too_large")
    assert_error(client.get("/nothing-here", headers=big), 431, "headers_too_large")


@pytest.mark.parametrize(("query", "count"), [(b"", 0), (b"a=1", 1), (b"a=1&&b=2;c", 3), (b"&&&", 0)])
def test_query_parameters_are_counted_like_a_parser_would(query: bytes, count: int) -> None:
    assert query_parameter_count(query) == count


# X-Request-ID: the app served the way Serve's HTTP servers serve it (ray.serve's own middleware chain).


@pytest.fixture
def serve_stack(app: FastAPI) -> TestClient:
    return TestClient(_apply_middlewares(app, serve_http_middlewares()), raise_server_exceptions=False)


@pytest.mark.parametrize(
    "request_id",
    ["<script>alert(1)</script>", "a" * 1000, "two words", "\u00e9t\u00e9", "x\x7fy", ""],
    ids=["markup", "long", "space", "non-ascii", "control", "empty"],
)
def test_an_insane_request_id_is_replaced_by_a_fresh_one(serve_stack: TestClient, request_id: str) -> None:
    answer = serve_stack.get("/health", headers={"X-Request-ID": request_id.encode()})
    echoed = answer.headers.get_list("x-request-id")
    assert len(echoed) == 1 and echoed[0] != request_id
    assert re.fullmatch(r"[0-9a-f-]{36}", echoed[0]), echoed


def test_two_request_ids_are_replaced_by_one_fresh_one(serve_stack: TestClient) -> None:
    answer = serve_stack.get("/health", headers=[("X-Request-ID", "a"), ("X-Request-ID", "b")])
    assert answer.headers.get_list("x-request-id") not in (["a"], ["b"], ["a", "b"])
    assert len(answer.headers.get_list("x-request-id")) == 1


@pytest.mark.parametrize("request_id", ["3f1c2b9a-0d4e-4c6b-9a51-2f0e8d7c6b5a", "00-4bf92f3577b34da6-01", "abc.DEF_9"])
def test_a_sane_request_id_is_echoed(serve_stack: TestClient, request_id: str) -> None:
    assert serve_stack.get("/health", headers={"X-Request-ID": request_id}).headers["x-request-id"] == request_id


def test_serve_takes_the_callback_and_serve_run_names_it() -> None:
    middlewares = validate_http_proxy_callback_return(call_function_from_import_path(CALLBACK))
    assert len(middlewares) == 1
    assert f"RAY_SERVE_HTTP_PROXY_CALLBACK_IMPORT_PATH:-{CALLBACK}" in (ROOT / "cluster/local/serve_run.sh").read_text()
    assert os.access(ROOT / "cluster/local/serve_run.sh", os.X_OK)
