"""Where a running Ray instance keeps what the load tools need: its metrics targets, its dashboard, its replicas.

`serve run` (as `make run` does) calls `ray.init()`, which offers no setting for the metrics port (only
`ray.init(_metrics_export_port=...)` in code or `ray start --metrics-export-port`): each Ray instance picks a free
port and lists it, with the dashboard's and the autoscaler's metrics ports, in the Prometheus service-discovery
file of its session, `<session>/prom_metrics_service_discovery.json`; `/tmp/ray/prom_metrics_service_discovery.json`
links to the latest session's.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import httpx

RAY_TMP = Path("/tmp/ray")
SD_FILE = "prom_metrics_service_discovery.json"
TOKEN_FILE = Path.home() / ".ray" / "auth_token"


def session_dir(pid: int | None = None) -> Path:
    """The session of the Ray instance started by process `pid` (its `serve run`), else the latest session."""
    if pid is None:
        return (RAY_TMP / "session_latest").resolve()
    found = sorted(RAY_TMP.glob(f"session_*_{pid}"))
    if not found:
        raise FileNotFoundError(f"no Ray session started by process {pid} under {RAY_TMP}")
    return found[-1]


def metrics_targets(session: Path, timeout_s: float = 60) -> list[str]:
    """host:port of every metrics endpoint of the session (from its service-discovery file)."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            groups = json.loads((session / SD_FILE).read_text())
            return [t for group in groups for t in group["targets"]]
        except (FileNotFoundError, json.JSONDecodeError):
            if time.monotonic() > deadline:
                raise
            time.sleep(1)


def dashboard_url(session: Path) -> str:
    text = (session / "logs" / "dashboard.log").read_text(errors="replace")
    found = re.search(r"Dashboard head http address: (\S+)", text)
    return f"http://{found.group(1)}" if found else "http://127.0.0.1:8265"


def auth_headers() -> dict[str, str]:
    """Ray 2.60 protects the dashboard of local clusters with the token it keeps in ~/.ray/auth_token."""
    return {"authorization": f"Bearer {TOKEN_FILE.read_text().strip()}"} if TOKEN_FILE.exists() else {}


def replicas(dashboard: str, app: str = "eventbook", client: httpx.Client | None = None) -> dict[str, int]:
    """Running replicas per deployment, from the Serve REST API of the dashboard."""
    get = (client or httpx).get
    body: dict[str, Any] = get(f"{dashboard}/api/serve/applications/", headers=auth_headers(), timeout=10).json()
    deployments = body["applications"][app]["deployments"]
    return {name: sum(r["state"] == "RUNNING" for r in d["replicas"]) for name, d in deployments.items()}
