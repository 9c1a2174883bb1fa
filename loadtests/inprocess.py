"""The platform in ONE uvicorn process: the same ingress (build_app) and domain services as the Serve app, called
in process through LocalBackend, with the same background work (settlement loop, outbox relay with the notifications
consumer). The benchmarks (bench_onsale, bench_catalog) start it with `inprocess_server()`, on a fresh database, to
show what the Serve graph costs.

    EVENTBOOK_DATABASE_URL=postgresql://… python -m loadtests.inprocess --port 8077
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import secrets
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI

from adapters.bootstrap import auth_service, booking_service, catalog_service, connect, sandbox_gateway
from adapters.messaging.mailers import FileMailer
from adapters.messaging.relay import InProcessTransport, OutboxRelay
from adapters.settings import get_settings
from domain.notifications import NotificationService
from ingress.app import build_app
from ingress.backend import LocalBackend

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "loadtests" / "results"


class Healthy:
    """A service with the `health()` its deployment adds (the database is checked by a query)."""

    def __init__(self, service: Any, infra: Any) -> None:
        self._service = service
        self._infra = infra

    def __getattr__(self, name: str) -> Any:
        return getattr(self._service, name)

    async def health(self) -> dict[str, str]:
        from sqlalchemy import text

        async with self._infra.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        return {"database": "ok", "payment": "ok", "broker": "disabled", "cache": "disabled"}


async def _forever(step: Any, pause_s: float) -> None:
    while True:
        try:
            await step()
        except Exception:  # like the deployments' loops: outlive a blip
            await asyncio.sleep(1)
        await asyncio.sleep(pause_s)


def create_app() -> FastAPI:
    app = build_app()

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        settings = get_settings()
        infra = await connect(settings)
        booking = booking_service(infra, sandbox_gateway(infra))
        notifications = NotificationService(
            uow=infra.uow, mailer=FileMailer(settings.var_dir / "mail"), clock=infra.clock
        )
        relay = OutboxRelay(infra.engine, InProcessTransport([notifications.handle]))

        async def settle() -> None:
            await booking.settlement.reap_expired()
            await booking.settlement.reconcile()

        app.state.settings = settings
        app.state.tokens = infra.tokens()
        app.state.backend = LocalBackend(
            {
                "auth": Healthy(auth_service(infra), infra),
                "catalog": Healthy(catalog_service(infra), infra),
                "booking": Healthy(booking, infra),
                "messaging": Healthy(None, infra),
            }
        )
        loops = [
            asyncio.create_task(_forever(settle, settings.reaper_interval_s)),
            asyncio.create_task(_forever(relay.relay_once, 0.5)),
        ]
        yield
        for loop in loops:
            loop.cancel()
        await infra.engine.dispose()

    app.router.lifespan_context = lifespan
    return app


def add_target_arguments(parser: argparse.ArgumentParser, *, target: str) -> None:
    """The options every benchmark shares: what to run against, the Serve app, and where the uvicorn run goes."""
    parser.add_argument("--target", choices=["serve", "uvicorn", "both"], default=target)
    parser.add_argument("--url", default="http://localhost:8000", help="the Serve app (default: `make run`)")
    parser.add_argument(
        "--pg", default=os.environ.get("EVENTBOOK_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
    )
    parser.add_argument("--port", type=int, default=8077, help="port of the uvicorn server")


def write_results(path: Path, rows: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(rows, indent=2) + "\n")
    print(f"results: {path}")


@contextlib.contextmanager
def inprocess_server(pg: str, port: int) -> Iterator[str]:
    """One uvicorn process serving build_app() over LocalBackend, on a fresh database dropped afterwards."""
    import psycopg

    name = f"eventbook_bench_{secrets.token_hex(4)}"
    with psycopg.connect(pg, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    env = {
        **os.environ,
        "EVENTBOOK_DATABASE_URL": f"{pg.rsplit('/', 1)[0]}/{name}",
        "EVENTBOOK_VAR_DIR": str(RESULTS / "inprocess-var"),
    }
    for key in ("EVENTBOOK_REPLICA_URL", "EVENTBOOK_REDIS_URL", "EVENTBOOK_AMQP_URL"):
        env.pop(key, None)  # the same plain setup as the Serve run of the benchmark: PostgreSQL only
    RESULTS.mkdir(parents=True, exist_ok=True)
    log = (RESULTS / "inprocess.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "loadtests.inprocess", "--port", str(port)], cwd=ROOT, env=env, stdout=log, stderr=log
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the in-process server did not start; see {log.name}")
            time.sleep(0.5)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
        with psycopg.connect(pg, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8077)
    args = parser.parse_args()
    uvicorn.run(create_app(), host=args.host, port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
