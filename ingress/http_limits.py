"""Limits of the request head, answered in the contract's error body; and the `X-Request-ID` that Serve echoes.

The servers in front have limits of their own, answered in their own words: HAProxy (`make run`, throughput mode)
answers a request line plus headers over about 15 KiB (its 16 KiB buffer) with an HTML 400, and uvicorn (Serve's
proxy, the replicas' direct ingress) a text/plain 400 far beyond that. The app's limits sit well below both, so
that whatever reaches the app past them is answered in JSON (414, 431, 400); what those servers refuse themselves
never reaches the app (ingress/README.md, "Limits of the HTTP layer").
"""

from __future__ import annotations

import re

from starlette.middleware import Middleware
from starlette.types import ASGIApp, Receive, Scope, Send

from ingress.errors import error_response

MAX_TARGET_BYTES = 8 * 1024  # path and query string
MAX_QUERY_PARAMETERS = 64  # the widest route takes 7
MAX_HEADER_BYTES = 8 * 1024  # names and values, every header together
MAX_HEADERS = 100
REQUEST_ID_HEADER = b"x-request-id"
# A UUID, a W3C trace id, HAProxy's unique-id, a client's own token: printable, no spaces, not a novel.
REQUEST_ID = re.compile(rb"[A-Za-z0-9._:/+=-]{1,128}")


def query_parameter_count(query_string: bytes) -> int:
    return sum(1 for part in re.split(rb"[&;]", query_string) if part) if query_string else 0


class HttpLimits:
    """Refuse an over-long target (414), too many query parameters (400) or an over-large header set (431)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            refusal = self._refusal(scope)
            if refusal is not None:
                await refusal(scope, receive, send)
                return
        await self.app(scope, receive, send)

    @staticmethod
    def _refusal(scope: Scope) -> ASGIApp | None:
        query: bytes = scope.get("query_string", b"")
        target = len(scope.get("raw_path") or scope["path"].encode()) + len(query)
        if target > MAX_TARGET_BYTES:
            return error_response(
                414, "uri_too_long", "The request's path and query are too long.", {"max_bytes": MAX_TARGET_BYTES}
            )
        # The separators count at least the parameters less one: most requests never split anything.
        if query.count(b"&") + query.count(b";") >= MAX_QUERY_PARAMETERS:
            if query_parameter_count(query) > MAX_QUERY_PARAMETERS:
                details = {"max_parameters": MAX_QUERY_PARAMETERS}
                return error_response(400, "too_many_parameters", "The query has too many parameters.", details)
        headers: list[tuple[bytes, bytes]] = scope["headers"]
        if len(headers) > MAX_HEADERS or sum(len(k) + len(v) for k, v in headers) > MAX_HEADER_BYTES:
            details = {"max_bytes": MAX_HEADER_BYTES, "max_headers": MAX_HEADERS}
            return error_response(431, "headers_too_large", "The request's headers are too large.", details)
        return None


class RequestIdGuard:
    """Serve echoes `X-Request-ID` back as it came (ray.serve's RequestIdMiddleware), and makes one when none came.

    Run before it (RAY_SERVE_HTTP_PROXY_CALLBACK_IMPORT_PATH=ingress.http_limits:serve_http_middlewares, set by
    cluster/local/serve_run.sh), this drops an id that is not one sane value, so that Serve makes a fresh one.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            ids = [v for k, v in scope["headers"] if k.lower() == REQUEST_ID_HEADER]
            if ids and (len(ids) > 1 or not REQUEST_ID.fullmatch(ids[0])):
                headers = [(k, v) for k, v in scope["headers"] if k.lower() != REQUEST_ID_HEADER]
                scope = {**scope, "headers": headers}
        await self.app(scope, receive, send)


def serve_http_middlewares() -> list[Middleware]:
    """What Serve's HTTP servers (the proxy, the replicas' direct ingress) wrap around their RequestIdMiddleware."""
    return [Middleware(RequestIdGuard)]
