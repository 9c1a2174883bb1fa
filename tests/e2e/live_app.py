"""Start the real Serve application from serve_config.yaml, once, in its own local Ray instance."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import yaml

from cluster.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
SERVE = Path(sys.executable).with_name("serve")
STARTUP_TIMEOUT_S = 240


@dataclass
class LiveApp:
    base_url: str
    process: subprocess.Popen[bytes]
    log_path: Path
    config_path: Path

    def log_tail(self, lines: int = 60) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


def _hears_ctrl_c() -> None:
    """In the app's process before exec: Ctrl-C's default action, whatever this process has made of SIGINT.

    A test stops an app with SIGINT, as a person would. A run started in the background by a non-interactive shell
    inherits SIGINT *ignored*, and an ignored signal stays ignored across exec: `serve run` would never hear it.
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start(workdir: Path, env_overrides: dict[str, str], mode: str = "throughput") -> LiveApp:
    """`serve run` a copy of serve_config.yaml that differs only in its HTTP port, through `make run`'s launcher
    (cluster/local/serve_run.sh) in the given SERVE_MODE; wait until /health is 200."""
    config = yaml.safe_load((ROOT / "serve_config.yaml").read_text())
    port = free_port()
    config["http_options"]["port"] = port
    config_path = workdir / "serve_config.yaml"
    config_path.write_text(yaml.safe_dump(config))
    log_path = workdir / "serve.log"
    env = {
        **os.environ,
        "RAY_USAGE_STATS_ENABLED": "0",
        "EVENTBOOK_VAR_DIR": str(workdir / "var"),
        "SERVE_BIN": str(SERVE),
        **env_overrides,
    }
    process = subprocess.Popen(
        [str(ROOT / "cluster" / "local" / "serve_run.sh"), mode, str(config_path), "--address", "local"],
        cwd=ROOT,
        env=env,
        stdout=log_path.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
        preexec_fn=_hears_ctrl_c,  # one call of signal(), no lock taken
    )
    app = LiveApp(f"http://127.0.0.1:{port}", process, log_path, config_path)
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"serve run exited with {process.returncode}:\n{app.log_tail()}")
        try:
            if httpx.get(f"{app.base_url}/health", timeout=5).status_code == 200:
                return app
        except httpx.HTTPError:
            pass
        time.sleep(1)
    stop(app)
    raise RuntimeError(f"the app did not become healthy in {STARTUP_TIMEOUT_S} s:\n{app.log_tail()}")


def stop(app: LiveApp) -> None:
    """Ctrl-C, as a person would: serve run then shuts the application and its Ray instance down."""
    try:
        os.killpg(app.process.pid, signal.SIGINT)
        app.process.wait(timeout=60)
    except (subprocess.TimeoutExpired, ProcessLookupError):
        try:
            os.killpg(app.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        app.process.wait(timeout=30)
