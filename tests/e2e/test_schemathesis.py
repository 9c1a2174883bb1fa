"""Schemathesis against /api/openapi.json of the running app: no 5xx, no response off the schema."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.e2e.conftest import Api
from tests.e2e.live_app import LiveApp

CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"


def test_schemathesis_finds_no_server_error_and_no_schema_violation(
    live_app: LiveApp, api: Api, tmp_path: Path
) -> None:
    auth = api.register_and_login()["Authorization"]
    command = [
        str(Path(sys.executable).with_name("st")), "run", f"{live_app.base_url}/api/openapi.json",
        "--checks", CHECKS, "--max-examples", "12", "--seed", "20261124", "--no-shrink",
        "--phases", "examples,coverage,fuzzing", "--request-timeout", "20",
        "--header", f"Authorization: {auth}", "--report-dir", str(tmp_path),
    ]  # fmt: skip
    run = subprocess.run(command, capture_output=True, text=True, timeout=900, check=False)
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
