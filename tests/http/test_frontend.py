"""The web app next to the API: the built frontend at `/`, `GET /api/config`, and the committed OpenAPI copy."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ingress.app import build_app
from ingress.frontend import DIST_ENV
from ingress.services import Services
from tests.http.conftest import make_app

ROOT = Path(__file__).resolve().parents[2]
BROWSER = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


def test_the_committed_openapi_copy_of_the_frontend_matches_the_app() -> None:
    """frontend/openapi.json is where the web app's types come from; `make frontend-api` refreshes it."""
    committed = json.loads((ROOT / "frontend" / "openapi.json").read_text())
    assert committed == json.loads(json.dumps(build_app().openapi())), "run `make frontend-api` and commit the result"


@pytest.fixture
def dist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text("<!doctype html><title>Eventbook</title><div id=root></div>")
    (tmp_path / "assets" / "app-1234.js").write_text("console.log('app')")
    (tmp_path / "favicon.svg").write_text("<svg/>")
    (tmp_path.parent / "secret.txt").write_text("outside dist")
    monkeypatch.setenv(DIST_ENV, str(tmp_path))
    return tmp_path


@pytest.fixture
def web(dist: Path, services: Services) -> Any:
    with TestClient(make_app(services), raise_server_exceptions=False) as client:
        yield client


def assert_json_404(answer: Any) -> None:
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "not_found"


def test_the_app_is_served_at_the_root_and_for_every_client_side_route(web: TestClient) -> None:
    for path in ("/", "/events/abc", "/checkout/b-1", "/bookings/x/receipt", "/organizer/events/new"):
        answer = web.get(path, headers=BROWSER)
        assert answer.status_code == 200, path
        assert answer.headers["content-type"].startswith("text/html")
        assert "<div id=root>" in answer.text
        assert answer.headers["cache-control"] == "no-cache"
    assert web.get("/").status_code == 200  # `curl localhost:8000/` too


def test_assets_and_root_files_are_served(web: TestClient) -> None:
    asset = web.get("/assets/app-1234.js")
    assert asset.status_code == 200 and "console.log" in asset.text
    assert web.get("/favicon.svg").text == "<svg/>"
    assert_json_404(web.get("/assets/missing.js"))
    assert web.get("/../secret.txt", headers=BROWSER).text != "outside dist"


def test_api_and_health_paths_keep_their_json_answers(web: TestClient) -> None:
    for path in ("/api/nope", "/api/events/x/y/z", "/api", "/health/x"):
        assert_json_404(web.get(path, headers=BROWSER))
    assert_json_404(web.get("/nothing-here"))  # a program (no text/html) asking for a missing path
    assert web.get("/health").json()["status"] == "ok"
    assert web.get("/api/events").status_code == 200
    refused = web.delete("/api/events")
    assert (refused.status_code, refused.headers["Allow"]) == (405, "GET, POST")
    assert_json_404(web.post("/events/abc", headers=BROWSER))


def test_the_openapi_document_has_neither_the_app_nor_the_config_route(web: TestClient) -> None:
    paths = web.get("/api/openapi.json").json()["paths"]
    assert "/api/config" not in paths and "/" not in paths and not any("{path" in p for p in paths)


def test_config_says_whether_the_deployment_runs_in_demo_mode(services: Services) -> None:
    app = make_app(services)
    with TestClient(app) as client:
        assert client.get("/api/config").json() == {"demo": False}
        services.demo = True
        assert client.get("/api/config").json() == {"demo": True}


def test_without_a_build_there_is_no_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, services: Any) -> None:
    monkeypatch.setenv(DIST_ENV, str(tmp_path / "nothing"))
    with TestClient(make_app(services)) as client:
        assert_json_404(client.get("/", headers=BROWSER))


def test_the_web_app_carries_a_content_security_policy_and_no_framing(web: TestClient) -> None:
    for page in (web.get("/"), web.get("/events/some-id", headers={"Accept": "text/html"})):
        policy = page.headers["content-security-policy"]
        assert (
            "script-src 'self'" in policy
            and "'unsafe-inline'" not in policy.split("style-src")[0]
            and "frame-ancestors 'none'" in policy
            and "unsafe-eval" not in policy
        )
        assert page.headers["x-frame-options"] == "DENY" and page.headers["x-content-type-options"] == "nosniff"
    asset = web.get("/assets/app-1234.js")
    assert asset.headers["x-content-type-options"] == "nosniff" and "content-security-policy" not in asset.headers
