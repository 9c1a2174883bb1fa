"""A real two-node Ray cluster on this one machine, serving serve_config.yaml with `serve deploy`.

    python cluster/local_cluster.py up          # head + worker node, dedicated PostgreSQL database, deploy, wait
    python cluster/local_cluster.py placement   # which node runs which replica
    python cluster/local_cluster.py failover    # lose the worker, watch the replicas move to the head, rejoin
    python cluster/local_cluster.py stop-node worker   # lose one node (only that node's processes)
    python cluster/local_cluster.py down        # stop both nodes, drop the database

Each node is its own `ray start` with its own --temp-dir, CPU count, and ports, so Ray sees two raylets (two
node ids) that happen to share this machine's IP. A node is stopped by terminating the processes that belong to
its temp dir (and their children) — never with a bare `ray stop`, which kills every Ray process on the machine,
including other people's `serve run`.

Replicas land on both nodes because Serve places replicas with Ray's SPREAD strategy (its default,
RAY_SERVE_USE_COMPACT_SCHEDULING_STRATEGY=0). Each node gets as many CPUs as all deployments need at their minimum
replica counts (rounded up, at least 1: today 0.9 → 1), so either node alone can hold the whole application: that is
what lets it survive the loss of the other. (Making one node too small for all replicas would force the spread, but
then the survivor could not take them back.)
The state of a running cluster is kept in $EVENTBOOK_VAR_DIR/cluster-local/state.json.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import psycopg
import yaml

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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


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
    base = 20000 + secrets.randbelow(80) * 100  # a private block of 100 worker ports
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


# ---------------------------------------------------------------- cluster life cycle


def start_head(cluster: Cluster) -> None:
    head = Node("head", str(Path(cluster.root_dir) / "head"))
    dashboard_port = free_port()
    out = run(
        [RAY, "start", "--head", f"--num-cpus={node_cpus()}", f"--port={free_port()}",
         f"--dashboard-port={dashboard_port}", "--dashboard-host=127.0.0.1",
         f"--ray-client-server-port={free_port()}", f"--temp-dir={head.temp_dir}",
         f"--object-store-memory={OBJECT_STORE_BYTES}", "--disable-usage-stats",
         "--log-style=record", "--log-color=false", *node_ports()],
        node_env(cluster),
    )  # fmt: skip
    found = re.search(r"ray start --address='([^']+)'", out)
    if not found:
        raise RuntimeError(f"could not find the head's address in:\n{out}")
    cluster.gcs_address, cluster.dashboard_url = found.group(1), f"http://127.0.0.1:{dashboard_port}"
    cluster.nodes["head"] = head


def start_worker(cluster: Cluster) -> None:
    """A second raylet joining the head: its own temp dir, CPUs and ports (a restart reuses the temp dir)."""
    worker = Node("worker", str(Path(cluster.root_dir) / "worker"))
    run(
        [RAY, "start", f"--address={cluster.gcs_address}", f"--num-cpus={node_cpus()}",
         f"--temp-dir={worker.temp_dir}", f"--object-store-memory={OBJECT_STORE_BYTES}", "--disable-usage-stats",
         "--log-style=record", "--log-color=false", *node_ports()],
        node_env(cluster),
    )  # fmt: skip
    cluster.nodes["worker"] = worker
    assign_node_ids(cluster)


def node_env(cluster: Cluster) -> dict[str, str]:
    """Replicas inherit the environment of their raylet: this is how EVENTBOOK_* reaches every node."""
    return ray_env(
        {
            **cluster.env_overrides,
            "EVENTBOOK_DATABASE_URL": cluster.database_url,
            "EVENTBOOK_VAR_DIR": str(Path(cluster.root_dir) / "var"),
        }
    )


def up(http_port: int = 8000, env_overrides: dict[str, str] | None = None, record: bool = True) -> Cluster:
    """Start head and worker, deploy serve_config.yaml (on `http_port`), wait until every deployment is HEALTHY.

    `record` keeps the cluster in state.json for `make cluster-local-stop`; tests hold the Cluster themselves."""
    say: Any = print if record else (lambda *_: None)
    if record and Cluster.load() is not None:
        raise SystemExit("a local cluster is already recorded; run `make cluster-local-stop` first")
    with socket.socket() as probe:
        try:
            probe.bind(("0.0.0.0", http_port))  # noqa: S104 - only a probe: Serve binds there too
        except OSError as exc:
            raise SystemExit(f"port {http_port} is taken; set EVENTBOOK_HTTP_PORT to a free one") from exc
    overrides = dict(env_overrides or {})
    # A small pool per replica (6+ replicas share one PostgreSQL, with other people's tests on this machine).
    overrides.setdefault("EVENTBOOK_DB_POOL_SIZE", os.environ.get("EVENTBOOK_DB_POOL_SIZE", "4"))
    given = overrides.pop("EVENTBOOK_DATABASE_URL", None) or os.environ.get("EVENTBOOK_DATABASE_URL")
    database_url = given or create_database()  # a dedicated database unless one is configured
    root = Path(tempfile.mkdtemp(prefix="ebray-"))  # short: Ray's unix socket paths live under it
    cluster = Cluster("", "", f"http://127.0.0.1:{http_port}", database_url, not given, str(root), overrides)
    try:
        say(f"starting the head and the worker node under {root} …")
        start_head(cluster)
        if record:
            cluster.save()
        start_worker(cluster)
        if record:
            cluster.save()
        config = serve_config()
        config["http_options"]["port"] = http_port
        config_path = root / "serve_config.yaml"
        config_path.write_text(yaml.safe_dump(config, sort_keys=False))
        say(f"serve deploy serve_config.yaml --address {cluster.dashboard_url} (HTTP port {http_port}) …")
        run([SERVE, "deploy", str(config_path), "--address", cluster.dashboard_url], node_env(cluster))
        wait_running(cluster, say=say)
    except BaseException:
        down(cluster, quiet=True)
        raise
    return cluster


def wait_all_on(cluster: Cluster, role: str, timeout_s: float = 150) -> list[dict[str, str]]:
    """serve status RUNNING with every deployment HEALTHY, and every RUNNING replica on the node `role`."""
    deadline, rows, status = time.monotonic() + timeout_s, [], {}
    while time.monotonic() < deadline:
        try:
            status = serve_status(cluster)
            rows = [r for r in placement(cluster) if r["state"] == "RUNNING"]
        except (RuntimeError, httpx.HTTPError, subprocess.TimeoutExpired):
            rows = []
        if (
            healthy(status)
            and {r["deployment"] for r in rows} >= expected_deployments()
            and {r["node"] for r in rows} == {role}
        ):
            return rows
        time.sleep(2)
    raise RuntimeError(f"replicas not all RUNNING on the {role} within {timeout_s} s: {status} {rows}")


def failover(cluster: Cluster) -> None:
    """Lose the worker node, show Serve rescheduling its replicas on the head, then let the worker rejoin."""
    print("\n--- losing the worker node ---")
    print(f"stopped the worker node ({stop_node(cluster.nodes['worker'])} processes)")
    lost_at = time.monotonic()
    wait_all_on(cluster, "head")
    print(f"serve status RUNNING again, all deployments HEALTHY, {time.monotonic() - lost_at:.1f} s after the loss:")
    print_placement(cluster)
    health = httpx.get(f"{cluster.http_url}/health", timeout=10)
    print(f"GET /health → {health.status_code} {health.text}")
    print("\n--- the worker node rejoins (new replicas spread over both nodes again) ---")
    start_worker(cluster)
    cluster.save()
    alive = [n["node_id"][:12] for n in list_nodes(cluster) if n["state"] == "ALIVE"]
    print(f"alive nodes: {', '.join(alive)}")


def list_nodes(cluster: Cluster) -> list[dict[str, Any]]:
    """`ray list nodes`: every node the GCS knows, ALIVE or DEAD."""
    out = run([RAY, "list", "nodes", "--address", cluster.gcs_address, "--format", "json", "--detail"], ray_env())
    return list(json.loads(_json_of(out)))


def assign_node_ids(cluster: Cluster) -> None:
    """Ray tells the nodes apart by node id (both have this machine's IP); find which id is which node."""
    nodes = list_nodes(cluster)
    for node in nodes:
        if node["state"] == "ALIVE":
            cluster.nodes["head" if node["is_head_node"] else "worker"].node_id = node["node_id"]
    if not all(n.node_id for n in cluster.nodes.values()):
        raise RuntimeError(f"expected an alive head and worker node, Ray lists: {nodes}")


def _json_of(output: str) -> str:
    """`ray list … --format json` may print log lines before the JSON document."""
    start = min((i for i in (output.find("["), output.find("{")) if i >= 0), default=0)
    return output[start:]


def serve_status(cluster: Cluster) -> dict[str, Any]:
    out = run([SERVE, "status", "--address", cluster.dashboard_url], ray_env(), timeout=60)
    return dict(yaml.safe_load(out) or {})


def serve_config() -> dict[str, Any]:
    return dict(yaml.safe_load((ROOT / "serve_config.yaml").read_text()))


def expected_deployments() -> set[str]:
    """The deployments serve_config.yaml configures (the one source of truth)."""
    return {d["name"] for app in serve_config()["applications"] for d in app.get("deployments", [])}


def node_cpus() -> int:
    """CPUs per node: enough for every deployment at its minimum replica count, so either node alone can hold
    the whole application (what lets it survive losing the other); at least 1."""
    demand = sum(
        d.get("ray_actor_options", {}).get("num_cpus", 1) * d.get("autoscaling_config", {}).get("min_replicas", 1)
        for app in serve_config()["applications"]
        for d in app.get("deployments", [])
    )
    return max(1, math.ceil(demand - 1e-9))


def healthy(status: dict[str, Any]) -> bool:
    app = status.get("applications", {}).get("eventbook", {})
    deployments = app.get("deployments", {})
    return (
        app.get("status") == "RUNNING"
        and expected_deployments() <= set(deployments)
        and all(d.get("status") == "HEALTHY" for d in deployments.values())
    )


def wait_running(cluster: Cluster, timeout_s: float = DEPLOY_TIMEOUT_S, say: Any = print) -> dict[str, Any]:
    deadline, status = time.monotonic() + timeout_s, {}
    while time.monotonic() < deadline:
        try:
            status = serve_status(cluster)
        except (RuntimeError, subprocess.TimeoutExpired):
            status = {}
        if healthy(status):
            say(f"serve status: application eventbook RUNNING, {len(expected_deployments())} deployments HEALTHY")
            return status
        time.sleep(3)
    raise RuntimeError(f"the application was not RUNNING/HEALTHY within {timeout_s} s:\n{yaml.safe_dump(status)}")


def placement(cluster: Cluster) -> list[dict[str, str]]:
    """Where each RUNNING replica is, from the Serve REST API of the head's dashboard."""
    response = httpx.get(f"{cluster.dashboard_url}/api/serve/applications/", headers=auth_headers(), timeout=30)
    response.raise_for_status()
    roles = {n.node_id: n.role for n in cluster.nodes.values()}
    rows = []
    for app_name, app in response.json().get("applications", {}).items():
        for name, deployment in app.get("deployments", {}).items():
            for replica in deployment.get("replicas", []):
                rows.append(
                    {
                        "application": app_name,
                        "deployment": name,
                        "replica": replica["replica_id"],
                        "state": replica["state"],
                        "node_id": replica.get("node_id") or "",  # absent while a replica is being placed
                        "node": roles.get(replica.get("node_id") or "", "?"),
                        "node_ip": replica.get("node_ip") or "",
                        "pid": str(replica.get("pid", "")),
                    }
                )
    return rows


def print_placement(cluster: Cluster) -> None:
    print(f"{'deployment':<10} {'state':<9} {'node':<7} {'node id':<14} {'node ip':<15} pid")
    for row in sorted(placement(cluster), key=lambda r: (r["node"], r["deployment"])):
        print(
            f"{row['deployment']:<10} {row['state']:<9} {row['node']:<7} {row['node_id'][:12]:<14} "
            f"{row['node_ip']:<15} {row['pid']}"
        )


def down(cluster: Cluster, quiet: bool = False) -> None:
    """Stop the worker, then the head (only their processes), drop the database we created, forget the state."""
    for role in ("worker", "head"):
        if role in cluster.nodes:
            stopped = stop_node(cluster.nodes[role])
            if not quiet:
                print(f"stopped the {role} node ({stopped} processes)")
    if cluster.database_created and cluster.database_url:
        drop_database(cluster.database_url)
    recorded = Cluster.load()
    if recorded is not None and recorded.root_dir == cluster.root_dir:
        (state_dir() / "state.json").unlink()
    subprocess.run(["rm", "-rf", cluster.root_dir], check=False)  # noqa: S603, S607 - our own temp dir


# ---------------------------------------------------------------- CLI


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    start = sub.add_parser("up", help="start head + worker, deploy, wait until RUNNING, show placement")
    start.add_argument("--port", type=int, default=int(os.environ.get("EVENTBOOK_HTTP_PORT", "8000")))
    sub.add_parser("status", help="serve status and placement of the recorded cluster")
    sub.add_parser("placement", help="which node runs which replica")
    lose = sub.add_parser("stop-node", help="stop one node of the recorded cluster (only its processes)")
    lose.add_argument("role", choices=["head", "worker"])
    sub.add_parser("failover", help="lose the worker node, show the replicas rescheduled, let the worker rejoin")
    sub.add_parser("down", help="stop both nodes and drop the database")
    args = parser.parse_args()

    if args.command == "up":
        cluster = up(args.port)
        print_placement(cluster)
        nodes = {row["node"] for row in placement(cluster)}
        print(f"\nreplicas on {len(nodes)} node(s): {', '.join(sorted(nodes))}")
        print(f"the app: {cluster.http_url}   dashboard: {cluster.dashboard_url}")
        print("lose the worker and watch: python cluster/local_cluster.py failover; stop all: make cluster-local-stop")
        return
    recorded = Cluster.load()
    if recorded is None:
        print("no local cluster recorded (make cluster-local starts one)")
        return
    if args.command == "down":
        down(recorded)
    elif args.command == "failover":
        failover(recorded)
    elif args.command == "stop-node":
        print(f"stopped the {args.role} node ({stop_node(recorded.nodes[args.role])} processes)")
    elif args.command == "status":
        print(yaml.safe_dump(serve_status(recorded), sort_keys=False))
        print_placement(recorded)
    else:
        print_placement(recorded)


if __name__ == "__main__":
    main()
