"""cluster/grafana/eventbook.json: every series of ours it plots is one the platform exports (a renamed metric
would otherwise leave an empty panel), every exported business and queue metric has a panel, and the checked-in
JSON is what business_dashboard.py writes."""

import json
import re
from pathlib import Path

from cluster.grafana.business_dashboard import dashboard
from deployments import metrics, queue_metrics

DASHBOARD = Path(__file__).resolve().parents[2] / "cluster" / "grafana" / "eventbook.json"
OURS = re.compile(r"\bray_eventbook_[a-z_]+")
HISTOGRAM_SERIES = re.compile(r"_(bucket|sum|count)$")


def _plotted() -> set[str]:
    exprs = [t["expr"] for p in json.loads(DASHBOARD.read_text())["panels"] for t in p["targets"]]
    return {HISTOGRAM_SERIES.sub("", name) for expr in exprs for name in OURS.findall(expr)}


def _exported() -> set[str]:
    return set(metrics.EXPORTED.values()) | set(queue_metrics.EXPORTED.values())


def test_the_checked_in_dashboard_is_the_generated_one() -> None:
    assert json.loads(DASHBOARD.read_text()) == dashboard()


def test_every_series_of_ours_on_the_dashboard_is_exported() -> None:
    assert _plotted() - _exported() == set()


def test_every_queue_and_waiting_list_metric_has_a_panel() -> None:
    assert set(queue_metrics.EXPORTED.values()) - _plotted() == set()
