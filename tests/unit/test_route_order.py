"""The ingress lists the on-sale's routes first (ingress/app.py), which is only safe while no two routes match the
same request: then the order decides nothing but how soon a request's route is found."""

from __future__ import annotations

import re

from ray.serve._private.thirdparty.get_asgi_route_name import get_asgi_route_name
from starlette.routing import Match

from ingress.app import build_app
from ingress.queue_lane import all_routes

APP = build_app()


def _scope(method: str, path: str) -> dict:
    return {"type": "http", "method": method, "path": path, "root_path": "", "headers": [], "query_string": b""}


ROUTES = [route for route in all_routes(APP.routes) if getattr(route, "methods", None)]


def test_every_request_a_route_takes_matches_that_route_alone() -> None:
    assert len(ROUTES) > 30
    for route in ROUTES:
        sample = re.sub(r"\{[^}]+\}", "0f1e2d3c", route.path)
        for method in route.methods:
            full = [other for other in ROUTES if other.matches(_scope(method, sample))[0] is Match.FULL]
            assert full == [route], f"{method} {sample} matches {[r.path for r in full]}"


def test_serve_names_the_hot_routes_as_before() -> None:
    assert get_asgi_route_name(APP, _scope("GET", "/api/events/abc/queue")) == "/api/events/{id}/queue"
    assert get_asgi_route_name(APP, _scope("POST", "/api/bookings")) == "/api/bookings"
    assert get_asgi_route_name(APP, _scope("GET", "/api/events")) == "/api/events"
