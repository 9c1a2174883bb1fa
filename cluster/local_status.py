"""What the local two-node cluster (cluster/local_cluster.py) runs: its nodes, Serve's status, where each replica
landed, and waiting until every deployment is healthy."""

from __future__ import annotations

import json
import math
import subprocess
import time
from typing import Any

import httpx
import yaml

from cluster.local_nodes import DEPLOY_TIMEOUT_S, RAY, ROOT, SERVE, Cluster, auth_headers, ray_env, run


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
