"""The body-size limit and the security headers of the contract's "Limits of the HTTP layer", and an API docs
page that loads nothing from another origin.

Both middlewares are plain ASGI: they see every answer, the web app's files and the errors included, and cost a
dictionary lookup per request.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from swagger_ui_bundle import swagger_ui_path

MAX_BODY_BYTES = 1024 * 1024  # 1 MiB
DOCS_ASSETS = "/api/docs/assets"
TOO_LARGE = f"The request body is larger than {MAX_BODY_BYTES // 1024} KiB."

# The web app loads its own script and styles only; answers may not be framed anywhere.
APP_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
# With Stripe, its card element is a script and frames of Stripe's own, talking to Stripe's API.
STRIPE_POLICY = (
    APP_POLICY.replace("script-src 'self'", "script-src 'self' https://js.stripe.com")
    .replace("connect-src 'self'", "connect-src 'self' https://api.stripe.com")
    .replace("object-src", "frame-src https://js.stripe.com https://hooks.stripe.com; object-src")
)
# The docs page starts Swagger UI with an inline script; its files come from this app (DOCS_ASSETS).
DOCS_POLICY = APP_POLICY.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'")
# An SVG opened on its own is a document that could run script: a ticket's QR code needs nothing at all.
SVG_POLICY = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"
HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"x-frame-options", b"DENY"),
]


class PayloadTooLarge(HTTPException):
    """Raised while the body is read, past the limit; the error handlers answer it 413 `payload_too_large`."""

    def __init__(self) -> None:
        super().__init__(status_code=413, detail=TOO_LARGE)


class BodyLimitMiddleware:
    """A body over the limit is refused without being read: at once when its Content-Length says so, else as soon
    as the bytes received pass the limit (a chunked body has no length to tell)."""

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_bytes:
            await _refuse(scope, receive, send)
            return
        received = 0

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise PayloadTooLarge()
            return message

        await self.app(scope, limited, send)


async def _refuse(scope: Scope, receive: Receive, send: Send) -> None:
    from ingress.errors import error_response  # the one place errors become answers

    response = error_response(413, "payload_too_large", TOO_LARGE, {"max_bytes": MAX_BODY_BYTES})
    response.headers["connection"] = "close"  # the unread body is not ours to drain
    await response(scope, receive, send)


class SecurityHeadersMiddleware:
    """Every answer gets nosniff, a referrer policy and no framing; HTML pages and SVG images also a
    Content-Security-Policy."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = str(scope.get("path", ""))

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [h for h in message.get("headers", []) if h[0].lower() not in _SET]
                headers.extend(HEADERS)
                content_type = dict(headers).get(b"content-type", b"")
                if content_type.startswith(b"text/html"):
                    policy = DOCS_POLICY if path.startswith("/api/docs") else _app_policy(scope)
                    headers.append((b"content-security-policy", policy.encode()))
                elif content_type.startswith(b"image/svg+xml"):
                    headers.append((b"content-security-policy", SVG_POLICY.encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


_SET = {name for name, _ in HEADERS} | {b"content-security-policy"}


def _app_policy(scope: Scope) -> str:
    services = getattr(scope["app"].state, "services", None) if "app" in scope else None
    payments = getattr(services, "payments", None)
    return STRIPE_POLICY if getattr(payments, "provider", "sandbox") == "stripe" else APP_POLICY


def install_http_guards(app: FastAPI) -> None:
    """The middlewares, and the docs page served from this app's own copy of Swagger UI."""
    app.add_middleware(BodyLimitMiddleware)
    app.add_middleware(SecurityHeadersMiddleware)  # added last: outermost, so even a refusal carries the headers
    app.mount(DOCS_ASSETS, StaticFiles(directory=swagger_ui_path), name="docs-assets")

    @app.get("/api/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=str(app.openapi_url),
            title=f"{app.title} – API",
            swagger_js_url=f"{DOCS_ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{DOCS_ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{DOCS_ASSETS}/favicon-32x32.png",
        )
