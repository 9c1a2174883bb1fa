"""The web app in a real browser: Chromium (Debian's, through playwright-core) drives the live Serve app.

The journeys are in frontend/e2e/journey.mjs; `make test` builds the frontend and installs Chromium first
(`make frontend frontend-e2e-deps`). Set EVENTBOOK_SCREENSHOTS=<dir> to keep the screenshots.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import httpx
import pytest

from tests.e2e.live_app import ROOT, LiveApp

FRONTEND = ROOT / "frontend"
CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))


def test_the_browser_journeys_pass_against_the_live_app(live_app: LiveApp, tmp_path: Path) -> None:
    if not (FRONTEND / "node_modules" / "playwright-core").is_dir() or shutil.which("node") is None:
        pytest.fail("node and frontend/node_modules are needed: run `make frontend`")
    if not CHROMIUM.exists():
        subprocess.run([str(FRONTEND / "e2e" / "ensure-chromium.sh")], check=True)
    page = httpx.get(f"{live_app.base_url}/", headers={"Accept": "text/html"}, timeout=10)
    assert page.status_code == 200 and '<div id="root">' in page.text, "no frontend is served: `make frontend`"

    shots = Path(os.environ.get("EVENTBOOK_SCREENSHOTS") or tmp_path / "screenshots")
    env = {**os.environ, "BASE_URL": live_app.base_url, "SCREENSHOT_DIR": str(shots), "CHROMIUM": str(CHROMIUM)}
    run = subprocess.run(
        ["node", "e2e/journey.mjs"], cwd=FRONTEND, env=env, capture_output=True, text=True, timeout=420
    )
    output = run.stdout + run.stderr
    assert run.returncode == 0, f"{output}\n--- serve log ---\n{live_app.log_tail()}"
    assert "JOURNEYS OK" in run.stdout, output
    for name in ("01-events", "03-checkout", "04-declined", "06-receipt", "10-sold-out", "11-organizer"):
        assert (shots / f"{name}.png").stat().st_size > 5_000, name
