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
import os
import re
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import yaml

from cluster.local_nodes import (
    OBJECT_STORE_BYTES,
    RAY,
    SERVE,
    Cluster,
    Node,
    create_database,
    drop_database,
    free_port,
    node_ports,
    ray_env,
    run,
    state_dir,
    stop_node,
)
from cluster.local_status import (
    assign_node_ids,
    expected_deployments,
    healthy,
    list_nodes,
    node_cpus,
    placement,
    print_placement,
    serve_config,
    serve_status,
    wait_running,
)

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
