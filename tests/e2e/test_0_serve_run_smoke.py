"""First e2e step: `serve run serve_config.yaml` brings up all five deployments, healthy."""

from __future__ import annotations

import os
import re
import subprocess

import httpx
import yaml

from tests.e2e.live_app import SERVE, LiveApp


def test_serve_run_answers_health_with_every_check_ok(live_app: LiveApp, http: httpx.Client) -> None:
    response = http.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == "ok"
    assert all(body["checks"][name] == "ok" for name in ("auth", "catalog", "booking", "payment", "messaging", "queue"))


def test_serve_status_shows_the_four_services_and_the_ingress_healthy(live_app: LiveApp) -> None:
    # `serve status` talks to the dashboard of the Ray instance that `serve run` started.
    address = _dashboard_address(live_app)
    out = subprocess.run(
        [str(SERVE), "status", "--address", address], capture_output=True, text=True, timeout=60,
        env={**os.environ, "RAY_USAGE_STATS_ENABLED": "0", "RAY_AUTH_MODE": "token"}, check=True,
    ).stdout  # fmt: skip
    status = yaml.safe_load(out)
    application = status["applications"]["eventbook"]
    assert application["status"] == "RUNNING"
    deployments = application["deployments"]
    assert set(deployments) == {"Api", "Auth", "Catalog", "Booking", "Payment", "Messaging", "Queue"}
    assert all(d["status"] == "HEALTHY" for d in deployments.values()), out


def test_openapi_document_is_served_under_api(http: httpx.Client) -> None:
    document = http.get("/api/openapi.json").json()
    assert {"/api/events", "/api/bookings", "/api/bookings/{id}/pay"} <= set(document["paths"])


def _dashboard_address(live_app: LiveApp) -> str:
    # serve run logs "View the dashboard at http://host:port" (with colour codes) when Ray starts.
    found = re.search(
        r"View the dashboard at \S*?(\d+\.\d+\.\d+\.\d+:\d+)", live_app.log_path.read_text(errors="replace")
    )
    return f"http://{found.group(1)}" if found else "http://127.0.0.1:8265"
