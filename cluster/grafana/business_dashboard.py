"""Writes cluster/grafana/eventbook.json, the platform's own Grafana dashboard (business and service health).

    .venv/bin/python cluster/grafana/business_dashboard.py

Metric names: deployments/metrics.py (business) and Ray Serve's own `ray_serve_*` series.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
APP = 'application="eventbook"'
WINDOW = "[$__rate_interval]"

# (title, unit, [(PromQL, legend)])
PANELS: list[tuple[str, str, list[tuple[str, str]]]] = [
    (
        "Sales: seats sold and bookings confirmed per minute",
        "short",
        [
            (f"sum(rate(ray_eventbook_seats_sold_total{WINDOW})) * 60", "seats sold / min"),
            (f"sum(rate(ray_eventbook_bookings_confirmed_total{WINDOW})) * 60", "bookings confirmed / min"),
        ],
    ),
    (
        "Holds vs confirmations per minute",
        "short",
        [
            (f"sum(rate(ray_eventbook_holds_created_total{WINDOW})) * 60", "holds created"),
            (f"sum(rate(ray_eventbook_bookings_confirmed_total{WINDOW})) * 60", "confirmed"),
            (f"sum(rate(ray_eventbook_holds_expired_total{WINDOW})) * 60", "expired unpaid"),
            (f"sum(rate(ray_eventbook_sold_out_refusals_total{WINDOW})) * 60", "refused: sold out"),
        ],
    ),
    (
        "Holds confirmed (ratio, 1 h)",
        "percentunit",
        [
            (
                "sum(increase(ray_eventbook_bookings_confirmed_total[1h]))"
                " / clamp_min(sum(increase(ray_eventbook_holds_created_total[1h])), 1)",
                "confirmed / held",
            )
        ],
    ),
    (
        "Payment problems per minute",
        "short",
        [
            (f"sum(rate(ray_eventbook_payment_declines_total{WINDOW})) by (code) * 60", "declined: {{code}}"),
            (f"sum(rate(ray_eventbook_payment_timeouts_total{WINDOW})) * 60", "timed out (504)"),
        ],
    ),
    (
        "Hold to payment (seconds)",
        "s",
        [
            (
                f"histogram_quantile({q}, sum(rate(ray_eventbook_hold_to_payment_seconds_bucket{WINDOW})) by (le))",
                f"p{round(q * 100)}",
            )
            for q in (0.5, 0.95)
        ],
    ),
    ("Outbox backlog (messages not relayed)", "short", [("max(ray_eventbook_outbox_backlog)", "backlog")]),
    (
        "Waiting rooms: buyers waiting, admission bound",
        "short",
        [
            ("max(ray_eventbook_queue_waiting) by (event_id)", "waiting {{event_id}}"),
            ("max(ray_eventbook_queue_admission_bound) by (event_id)", "bound {{event_id}}"),
        ],
    ),
    (
        "Waiting rooms: joins, admissions, passes expired per second",
        "short",
        [
            (f"sum(rate(ray_eventbook_queue_joins_total{WINDOW}))", "joins / s"),
            (f"sum(rate(ray_eventbook_queue_admissions_total{WINDOW}))", "admissions / s"),
            (f"sum(rate(ray_eventbook_queue_passes_expired_total{WINDOW}))", "passes expired / s"),
        ],
    ),
    (
        "Waiting rooms: join to admission (seconds)",
        "s",
        [
            (
                f"histogram_quantile({q}, sum(rate(ray_eventbook_queue_wait_seconds_bucket{WINDOW})) by (le))",
                f"p{round(q * 100)}",
            )
            for q in (0.5, 0.95)
        ],
    ),
    (
        "Waiting lists: offers made, taken, expired; entries waiting",
        "short",
        [("max(ray_eventbook_waitlist_offers) by (state)", "{{state}}")],
    ),
    (
        "Requests per second per route",
        "reqps",
        [(f"sum(rate(ray_serve_num_http_requests_total{{{APP}}}{WINDOW})) by (method, route)", "{{method}} {{route}}")],
    ),
    (
        "p99 latency per route (ms)",
        "ms",
        [
            (
                "histogram_quantile(0.99, sum(rate("
                f"ray_serve_http_request_latency_ms_bucket{{{APP}}}{WINDOW})) by (route, le))",
                "{{route}}",
            )
        ],
    ),
    (
        "p99 latency per deployment (ms)",
        "ms",
        [
            (
                "histogram_quantile(0.99, sum(rate("
                f"ray_serve_deployment_processing_latency_ms_bucket{{{APP}}}{WINDOW})) by (deployment, le))",
                "{{deployment}}",
            )
        ],
    ),
    (
        "Replicas per deployment",
        "short",
        [(f"sum(ray_serve_deployment_replica_healthy{{{APP}}}) by (deployment)", "{{deployment}}")],
    ),
    (
        "Error responses per second (route, status)",
        "reqps",
        [
            (
                f"sum(rate(ray_serve_num_http_error_requests_total{{{APP}}}{WINDOW})) by (route, error_code)",
                "{{error_code}} {{route}}",
            )
        ],
    ),
    (
        "Server errors (5xx) share of requests",
        "percentunit",
        [
            (
                f'sum(rate(ray_serve_num_http_requests_total{{{APP},status_code=~"5.."}}{WINDOW}))'
                f" / clamp_min(sum(rate(ray_serve_num_http_requests_total{{{APP}}}{WINDOW})), 1e-9)",
                "5xx / all",
            )
        ],
    ),
    (
        "Queued requests per deployment",
        "short",
        [(f"sum(ray_serve_deployment_queued_queries{{{APP}}}) by (deployment)", "{{deployment}}")],
    ),
]


def panel(index: int, title: str, unit: str, queries: list[tuple[str, str]]) -> dict[str, Any]:
    return {
        "id": index + 1,
        "type": "timeseries",
        "title": title,
        "datasource": {"type": "prometheus", "uid": "${datasource}"},
        "gridPos": {"h": 8, "w": 12, "x": 12 * (index % 2), "y": 8 * (index // 2)},
        "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
        "options": {"legend": {"displayMode": "list", "placement": "bottom"}},
        "targets": [
            {"refId": chr(ord("A") + i), "expr": expr, "legendFormat": legend}
            for i, (expr, legend) in enumerate(queries)
        ],
    }


def dashboard() -> dict[str, Any]:
    return {
        "title": "Eventbook: sales and service health",
        "uid": "eventbook-business",
        "tags": ["eventbook"],
        "schemaVersion": 39,
        "editable": True,
        "refresh": "10s",
        "time": {"from": "now-30m", "to": "now"},
        "templating": {
            "list": [
                {"name": "datasource", "type": "datasource", "query": "prometheus", "label": "Prometheus"},
            ]
        },
        "panels": [panel(i, *spec) for i, spec in enumerate(PANELS)],
    }


if __name__ == "__main__":
    path = HERE / "eventbook.json"
    path.write_text(json.dumps(dashboard(), indent=2) + "\n")
    print(f"{path}: {len(PANELS)} panels")
