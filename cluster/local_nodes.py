"""The nodes of the local two-node cluster (cluster/local_cluster.py): where their state lives, the ports they
take, the processes that belong to each (its own --temp-dir), and how one is stopped without touching any other
Ray process on the machine."""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

from cluster.ports import WORKER_BLOCKS, free_port

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
RAY, SERVE = str(BIN / "ray"), str(BIN / "serve")
PG_SERVER = os.environ.get("EVENTBOOK_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
OBJECT_STORE_BYTES = 200 * 1024 * 1024
DEPLOY_TIMEOUT_S = 240


def state_dir() -> Path:
    return Path(os.environ.get("EVENTBOOK_VAR_DIR", ROOT / "var")).resolve() / "cluster-local"


@dataclass
class Node:
    role: str  # "head" or "worker"
    temp_dir: str
    node_id: str = ""


@dataclass
class Cluster:
    gcs_address: str
    dashboard_url: str
    http_url: str
    database_url: str
    database_created: bool
    root_dir: str
    env_overrides: dict[str, str] = field(default_factory=dict)  # EVENTBOOK_* given to both nodes
    nodes: dict[str, Node] = field(default_factory=dict)

    def save(self) -> None:
        state_dir().mkdir(parents=True, exist_ok=True)
        (state_dir() / "state.json").write_text(json.dumps(asdict(self), indent=2))

    @staticmethod
    def load() -> Cluster | None:
        path = state_dir() / "state.json"
        if not path.exists():
            return None
        raw = json.loads(path.read_text())
        raw["nodes"] = {role: Node(**node) for role, node in raw["nodes"].items()}
        return Cluster(**raw)


# ---------------------------------------------------------------- helpers


def ray_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """Ray 2.60 turns token auth on for local clusters: every CLI call must speak token (from ~/.ray/auth_token)."""
    return {**os.environ, "RAY_USAGE_STATS_ENABLED": "0", "RAY_AUTH_MODE": "token", **(extra or {})}


def auth_headers() -> dict[str, str]:
    token_path = Path(os.environ.get("RAY_AUTH_TOKEN_PATH", Path.home() / ".ray" / "auth_token"))
    token = os.environ.get("RAY_AUTH_TOKEN") or (token_path.read_text().strip() if token_path.exists() else "")
    return {"Authorization": f"Bearer {token}"} if token else {}


def run(args: list[str], env: dict[str, str], timeout: float = 120) -> str:
    done = subprocess.run(args, capture_output=True, text=True, timeout=timeout, env=env, cwd=ROOT, check=False)  # noqa: S603 - our own argv, no shell
    if done.returncode != 0:
        command = " ".join(args[:3])
        raise RuntimeError(f"{command} … exited {done.returncode}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return done.stdout + done.stderr


def node_ports() -> list[str]:
    """Every port a node would otherwise take from a fixed default, picked free, so two nodes (and other people's
    Ray instances) on one machine never collide."""
    first, last = WORKER_BLOCKS  # below the ports free_port picks, above Ray's default worker range
    base = first + secrets.randbelow((last + 1 - first) // 100) * 100  # a private block of 100 worker ports
    return [
        f"--node-manager-port={free_port()}",
        f"--object-manager-port={free_port()}",
        f"--dashboard-agent-listen-port={free_port()}",
        f"--dashboard-agent-grpc-port={free_port()}",
        f"--runtime-env-agent-port={free_port()}",
        f"--metrics-export-port={free_port()}",
        f"--min-worker-port={base}",
        f"--max-worker-port={base + 99}",
    ]


def create_database() -> str:
    name = f"eventbook_cluster_{secrets.token_hex(4)}"
    with psycopg.connect(PG_SERVER, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    parts = urlsplit(PG_SERVER)
    return urlunsplit(parts._replace(path=f"/{name}"))


def drop_database(url: str) -> None:
    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(PG_SERVER, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# ---------------------------------------------------------------- processes of one node


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _parent(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return -1


def node_pids(temp_dir: str) -> set[int]:
    """The processes of one node: those started with its temp dir (gcs, raylet, dashboard, log monitor…) and
    their descendants (agents, workers, replicas), which do not carry the path on their command line."""
    pids = [int(p) for p in os.listdir("/proc") if p.isdigit()]
    found = {p for p in pids if temp_dir + "/" in _cmdline(p) or _cmdline(p).rstrip().endswith(temp_dir)}
    parents = {p: _parent(p) for p in pids}
    grew = True
    while grew:
        grew = False
        for pid, parent in parents.items():
            if parent in found and pid not in found:
                found.add(pid)
                grew = True
    found.discard(os.getpid())
    return found


def stop_node(node: Node, grace_s: float = 10) -> int:
    """`ray stop` for one node only: SIGTERM its processes, SIGKILL what is left after the grace period."""
    pids = node_pids(node.temp_dir)
    for pid in pids:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + grace_s
    while time.monotonic() < deadline and any(Path(f"/proc/{p}").exists() for p in pids):
        time.sleep(0.5)
    for pid in pids | node_pids(node.temp_dir):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return len(pids)
