"""The web app: the built frontend (`frontend/dist`) served at `/`, same origin as `/api`, plus `GET /api/config`.

Both stay out of the OpenAPI document: they serve the browser, not API clients.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

DIST_ENV = "EVENTBOOK_FRONTEND_DIST"
DEFAULT_DIST = Path(__file__).resolve().parents[1] / "frontend" / "dist"
NOT_THE_APP = ("/api", "/health")  # these paths never fall back to index.html: unknown ones stay JSON 404s

router = APIRouter(include_in_schema=False)


@router.get("/api/config")
async def config(request: Request) -> dict[str, Any]:
    """What the web app needs to know about this deployment: `demo` (show the sandbox cards and demo accounts)."""
    return {"demo": bool(request.app.state.services.demo)}


def frontend_dist() -> Path | None:
    """`EVENTBOOK_FRONTEND_DIST` or the repository's `frontend/dist`, if it holds a built `index.html`."""
    dist = Path(os.environ.get(DIST_ENV) or DEFAULT_DIST).resolve()
    return dist if (dist / "index.html").is_file() else None


def _is_app_path(path: str) -> bool:
    return not any(path == prefix or path.startswith(prefix + "/") for prefix in NOT_THE_APP)


def _wants_html(scope: Scope) -> bool:
    accept = dict(scope.get("headers") or []).get(b"accept", b"")
    return b"text/html" in accept


def mount_frontend(app: FastAPI, dist: Path) -> None:
    """`/assets` as static files; a GET that no route answers gets a file of `dist`, or `index.html` for `/` and
    for any page a browser navigates to (`Accept: text/html`), so client-side routes survive a reload.

    The fallback is the router's `default` (what runs when no route matched, not even by path), so it never
    shadows a real route: 405 answers, slash redirects and the JSON 404 of unknown `/api/...` paths are unchanged.
    """
    if (dist / "assets").is_dir():
        app.mount("/assets", StaticFiles(directory=dist / "assets"), name="assets")
    not_found: ASGIApp = app.router.default
    index = dist / "index.html"

    async def fallback(scope: Scope, receive: Receive, send: Send) -> None:
        path = str(scope.get("path", "/"))
        if scope["type"] != "http" or scope.get("method") not in ("GET", "HEAD") or not _is_app_path(path):
            await not_found(scope, receive, send)
            return
        candidate = (dist / path.lstrip("/")).resolve()
        if candidate.is_file() and dist in candidate.parents:  # favicon.svg and the like
            await FileResponse(candidate)(scope, receive, send)
        elif path == "/" or _wants_html(scope):  # a page of the app: its router shows it (or its own "not found")
            await FileResponse(index, headers={"Cache-Control": "no-cache"})(scope, receive, send)
        else:  # a program asking for something that is not there: the JSON 404
            await not_found(scope, receive, send)

    app.router.default = fallback
