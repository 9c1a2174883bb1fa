"""Copy Ray's generated Serve dashboards into cluster/grafana/, without the panels this platform cannot feed.

Ray writes its Grafana dashboards under <session>/metrics/grafana/dashboards when it starts. Their panels also
chart gRPC ingress, model multiplexing and GPUs, which the platform does not use, and two series that only exist
after something went wrong (an exception raised in a replica, requests in scheduling backoff), and the autoscaler's
node counts, served on a fixed port (44217) that only the first Ray instance of a machine gets: Prometheus may have
no such series, so those targets are dropped (a panel left without targets goes too). tests/e2e/
test_observability.py checks that every remaining query names metrics the live app exports.

    .venv/bin/python cluster/grafana/import_ray_dashboards.py [/tmp/ray/session_latest]
"""

from __future__ import annotations

import json
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DASHBOARDS = {
    "serve_grafana_dashboard.json": "ray_serve.json",
    "serve_deployment_grafana_dashboard.json": "ray_serve_deployment.json",
}
NOT_EXPORTED = re.compile(
    r"grpc|multiplexed|ray_node_gpus_|ray_node_gram_|ray_serve_deployment_error_counter"
    r"|ray_serve_num_scheduling_tasks_in_backoff|autoscaler_"
)
COUNTER_TOTAL = "ray_serve_deployment_request_counter_total{"


def prune(dashboard: dict[str, Any]) -> dict[str, Any]:
    panels = []
    for panel in dashboard["panels"]:
        targets = [t for t in panel.get("targets", []) if not NOT_EXPORTED.search(t.get("expr", ""))]
        if targets:
            panels.append({**panel, "targets": targets})
    variables = [v for v in dashboard["templating"]["list"] if not NOT_EXPORTED.search(json.dumps(v.get("query")))]
    # Ray's "Route" variable asks for the counter without the `_total` Prometheus gives it: no values.
    variables = json.loads(json.dumps(variables).replace("ray_serve_deployment_request_counter{", COUNTER_TOTAL))
    return {**dashboard, "panels": panels, "templating": {**dashboard["templating"], "list": variables}}


def main(session: Path) -> None:
    source = session / "metrics" / "grafana" / "dashboards"
    for name, target in DASHBOARDS.items():
        dashboard = prune(json.loads((source / name).read_text()))
        (HERE / target).write_text(json.dumps(dashboard, indent=2) + "\n")
        print(f"{HERE / target}: {len(dashboard['panels'])} panels")


if __name__ == "__main__":
    latest = Path(tempfile.gettempdir()) / "ray" / "session_latest"
    main(Path(sys.argv[1] if len(sys.argv) > 1 else latest).resolve())
