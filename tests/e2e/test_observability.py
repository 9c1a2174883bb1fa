"""Observability and load tools against the session's live app (one Ray for the whole session).

Business traffic first (a sale, a sold-out refusal, a decline, a payment timeout, a hold left to expire), then a
short Locust run and a small on-sale benchmark; then a real Prometheus scrapes the app through Ray's
service-discovery file, and every Grafana panel in cluster/grafana/ must name metrics the app really exports.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from loadtests import raystate
from tests.e2e.conftest import Api
from tests.e2e.live_app import ROOT, LiveApp, free_port

SLOW_CARD = "4000 0000 0000 0259"
DECLINED_CARD = "4000 0000 0000 0002"
GOOD_CARD = "4242 4242 4242 4242"
METRICS_WAIT_S = 90  # Ray exports every few seconds; the expiring hold needs the hold time (15 s) first


@pytest.fixture(scope="module")
def session(live_app: LiveApp) -> Path:
    return raystate.session_dir(live_app.process.pid)


@pytest.fixture(scope="module", autouse=True)
def business_traffic(api: Api) -> None:
    """One of each business fact the metrics count."""
    organizer = api.organizer()
    event = api.create_event(organizer, capacity=3)
    buyer = api.register_and_login()
    sold = api.hold(buyer, event["id"], 2)
    assert sold.status_code == 201, sold.text
    assert api.pay(buyer, sold.json()["id"], GOOD_CARD).status_code == 200
    assert api.hold(buyer, event["id"], 2).status_code == 409  # sold out: one seat left
    left_to_expire = api.hold(buyer, event["id"], 1)
    assert left_to_expire.status_code == 201
    other = api.create_event(organizer, capacity=10)
    declined = api.hold(buyer, other["id"], 1).json()["id"]
    assert api.pay(buyer, declined, DECLINED_CARD).status_code == 402
    slow = api.hold(buyer, other["id"], 1).json()["id"]
    assert api.pay(buyer, slow, SLOW_CARD).status_code == 504  # the payment timeout of the session is 2 s


def test_short_locust_run_and_the_checker(live_app: LiveApp, tmp_path: Path) -> None:
    prefix = tmp_path / "ci"
    run = subprocess.run(
        [sys.executable, "-m", "locust", "--config", "loadtests/locust.conf", "-H", live_app.base_url,
         "-u", "4", "-r", "4", "-t", "5s", "--csv", str(prefix), "--html", f"{prefix}.html"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
    check = subprocess.run(
        [sys.executable, "loadtests/check.py", f"{prefix}_stats.csv", "--report-only"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert check.returncode == 0, check.stdout + check.stderr
    assert "GET /api/events" in check.stdout and "p99" in check.stdout
    failures = {r.name: r.failures for r in _stats(Path(f"{prefix}_stats.csv")) if r.failures}
    assert not failures, check.stdout


def test_small_onsale_benchmark_sells_exactly_the_capacity(live_app: LiveApp, session: Path, tmp_path: Path) -> None:
    out = tmp_path / "onsale.json"
    run = subprocess.run(
        [sys.executable, "-m", "loadtests.bench_onsale", "--target", "serve", "--url", live_app.base_url,
         "--seats", "100", "--buyers", "40", "--dashboard", raystate.dashboard_url(session), "--json", str(out),
         "--no-ceiling"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr[-3000:]
    (result,) = json.loads(out.read_text())
    assert result["seats_sold_by_buyers"] == result["seats_sold_by_platform"] == 100
    assert result["seats_available_after"] == 0
    assert result["replicas"] and "Booking" in result["replicas"][0], result["replicas"]


@pytest.fixture(scope="module")
def prometheus(session: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Debian's Prometheus with our config, pointed at this session's service-discovery file."""
    binary = shutil.which("prometheus")
    assert binary, "prometheus is missing: `make prometheus-deps` installs Debian's package"
    work = tmp_path_factory.mktemp("prometheus")
    config = yaml.safe_load((ROOT / "cluster/prometheus/prometheus.yml").read_text())
    config["global"]["scrape_interval"] = "1s"
    (job,) = config["scrape_configs"]
    job["file_sd_configs"][0]["files"] = [str(session / raystate.SD_FILE)]
    (work / "prometheus.yml").write_text(yaml.safe_dump(config))
    url = f"http://127.0.0.1:{free_port()}"
    process = subprocess.Popen(
        [binary, f"--config.file={work / 'prometheus.yml'}", f"--web.listen-address={url.removeprefix('http://')}",
         f"--storage.tsdb.path={work / 'data'}", "--log.level=warn"],
        stdout=(work / "log").open("wb"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        _wait(lambda: httpx.get(f"{url}/-/ready", timeout=2).status_code == 200, 60, "Prometheus did not start")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_prometheus_scrapes_serve_and_business_metrics(prometheus: str) -> None:
    def value(query: str) -> float:
        body = httpx.get(f"{prometheus}/api/v1/query", params={"query": query}, timeout=5).json()
        result = body["data"]["result"]
        return float(result[0]["value"][1]) if result else 0.0

    requests = 'sum(ray_serve_num_http_requests_total{application="eventbook"})'
    _wait(lambda: value(requests) > 0, METRICS_WAIT_S, f"no {requests} in Prometheus")
    _wait(lambda: value("sum(ray_eventbook_holds_created_total)") > 0, METRICS_WAIT_S, "no holds created counted")
    _wait(lambda: value("sum(ray_eventbook_bookings_confirmed_total)") > 0, METRICS_WAIT_S, "no confirmations")
    # The session's app runs behind HAProxy, as `make run` does: Serve's own counter says route="/" there, the
    # ingress's keeps the route template
    ingress_counts = 'ray_eventbook_http_requests_total{application="eventbook"}'  # ingress/route_metrics.py
    _wait(lambda: value(f"sum({ingress_counts})") > 0, METRICS_WAIT_S, f"no {ingress_counts} in Prometheus")
    per_route = f"sum by (route) ({ingress_counts})"
    routes = httpx.get(f"{prometheus}/api/v1/query", params={"query": per_route}, timeout=5).json()["data"]["result"]
    assert "/api/bookings/{id}/pay" in {r["metric"].get("route") for r in routes}


@pytest.mark.parametrize("dashboard", sorted(p.name for p in (ROOT / "cluster/grafana").glob("*.json")))
def test_every_dashboard_panel_names_metrics_the_app_exports(dashboard: str, session: Path, live_app: LiveApp) -> None:
    queries = list(_queries(json.loads((ROOT / "cluster/grafana" / dashboard).read_text())))
    assert queries, f"{dashboard} has no queries"
    wanted = {name for _, expr in queries for name in _metric_names(expr)}
    exported: set[str] = set()

    def all_exported() -> bool:
        # Ray drops a worker's series 120 s after its last report, and gauges report when set: keep traffic going
        # through the proxy and a handle (catalog) so that gauges such as ongoing HTTP requests stay exported
        httpx.get(f"{live_app.base_url}/api/events", timeout=10)
        exported.update(_exported_names(session))
        return _missing(queries, exported) == []

    try:
        _wait(all_exported, METRICS_WAIT_S, "")
    except AssertionError:
        pass
    missing = _missing(queries, exported)
    assert not missing, f"{dashboard}: panels naming metrics the app does not export: {missing}"
    assert wanted, dashboard


# --- helpers ---------------------------------------------------------------------------------------------------

PROMQL_WORDS = {
    "by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "bool", "offset",
    "inf", "nan", "le",
}  # fmt: skip


def _queries(dashboard: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(where, PromQL) of every panel target (nested rows included) and every query variable."""
    stack = list(dashboard.get("panels", []))
    while stack:
        panel = stack.pop()
        stack.extend(panel.get("panels", []))
        for target in panel.get("targets", []):
            if target.get("expr"):
                yield f"panel {panel.get('title')!r}", target["expr"]
    for variable in dashboard.get("templating", {}).get("list", []):
        query = variable.get("query")
        query = query.get("query") if isinstance(query, dict) else query
        if variable.get("type") == "query" and query:
            # label_values(<selector>, <label>): the selector is the PromQL, the label is not a metric
            yield f"variable {variable.get('name')!r}", re.sub(r"^\s*label_values\((.*),\s*\w+\s*\)\s*$", r"\1", query)


def _metric_names(expr: str) -> set[str]:
    """Metric names a PromQL expression selects (a `__name__=~"…"` regex is returned as `~regex`)."""
    regexes = {f"~{m}" for m in re.findall(r'__name__\s*=~\s*"([^"]*)"', expr)}
    text = re.sub(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'', '""', expr)
    text = re.sub(r"\$\{[^}]*\}|\$\w+", "", text)
    text = re.sub(r"\{[^}]*\}", "", text)
    text = re.sub(r"\[[^\]]*\]", "", text)
    text = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", text)
    names = {
        m.group(1)
        for m in re.finditer(r"(?<![\w.])([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(\(?)", text)
        if not m.group(2) and m.group(1) not in PROMQL_WORDS
    }
    return names | regexes


def _missing(queries: list[tuple[str, str]], exported: set[str]) -> list[str]:
    missing = []
    for where, expr in queries:
        for name in sorted(_metric_names(expr)):
            found = any(re.fullmatch(name[1:], e) for e in exported) if name.startswith("~") else name in exported
            if not found:
                missing.append(f"{where}: {name}")
    return missing


def _exported_names(session: Path) -> set[str]:
    names: set[str] = set()
    for target in raystate.metrics_targets(session):
        try:
            text = httpx.get(f"http://{target}/metrics", timeout=5).text
        except httpx.HTTPError:  # fixed ports (dashboard, autoscaler) may belong to another Ray on the machine
            continue
        names |= {m.group(1) for m in re.finditer(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]", text, re.M)}
    return names


def _stats(path: Path) -> list[Any]:
    from loadtests.check import read

    return read(path)


def _wait(condition: Any, timeout_s: float, message: str) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            if condition():
                return
        except (httpx.HTTPError, KeyError, IndexError, ValueError):
            pass
        if time.monotonic() > deadline:
            raise AssertionError(message)
        time.sleep(1)
