"""The platform in ONE uvicorn process: the same ingress (build_app) and domain services as the Serve app, built
by the same composition root (adapters/bootstrap.py) and called in process, with the same background work
(settlement loop, outbox relay with the notifications consumer). The benchmarks (bench_onsale, bench_catalog)
start it with `inprocess_server()`, on a fresh database, to show what the Serve graph costs.

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

from adapters.background import relay_forever, settle_forever
from adapters.bootstrap import (
    Infrastructure,
    auth_service,
    booking_service,
    catalog_service,
    connect,
    local_services,
    mail_handler,
    payment_gateway,
    payment_sources,
)
from adapters.db.round_trips import ROUND_TRIPS
from adapters.messaging.relay import InProcessTransport, OutboxRelay
from adapters.settings import get_settings
from ingress.app import build_app
from ingress.services import HealthCheck

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "loadtests" / "results"


class DatabaseHealth:
    """What every deployment's health() reports, for services that share this one process."""

    def __init__(self, infra: Infrastructure) -> None:
        self._infra = infra

    async def health(self) -> dict[str, str]:
        await self._infra.database_ok()
        return {"database": "ok", "payment": "ok", "broker": "disabled", "cache": await self._infra.redis.ping()}


def create_app() -> FastAPI:
    app = build_app()

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        infra = await connect(get_settings())
        ports = infra.ports
        booking = booking_service(ports, payment_gateway(infra), payment_sources=payment_sources(ports.settings))
        relay = OutboxRelay(infra.engine, InProcessTransport([mail_handler(ports)]))
        health: dict[str, HealthCheck] = {
            target: DatabaseHealth(infra) for target in ("auth", "catalog", "booking", "messaging")
        }
        app.state.services = local_services(
            ports, auth=auth_service(ports), catalog=catalog_service(ports), booking=booking, health=health
        )
        loops = [
            asyncio.create_task(settle_forever(booking.settlement, ports.settings.reaper_interval_s)),
            asyncio.create_task(relay_forever(relay)),
        ]
        yield
        for loop in loops:
            loop.cancel()
        await infra.engine.dispose()

    app.router.lifespan_context = lifespan

    @app.get("/bench/round-trips", include_in_schema=False)
    async def round_trips() -> dict[str, int]:
        """This process's database round trips by role (loadtests/dbstats.py): for the benchmarks only."""
        return ROUND_TRIPS.snapshot()

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
def inprocess_server(pg: str, port: int) -> Iterator[tuple[str, int, str]]:
    """One uvicorn process serving build_app() over the services in process, on a fresh database dropped afterwards."""
    import psycopg

    name = f"eventbook_bench_{secrets.token_hex(4)}"
    with psycopg.connect(pg, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    env = {
        **os.environ,
        "EVENTBOOK_DATABASE_URL": f"{pg.rsplit('/', 1)[0]}/{name}",
        "EVENTBOOK_VAR_DIR": str(RESULTS / "inprocess-var"),
        "EVENTBOOK_REGISTER_MAX_PER_IP": "1000000",  # every buyer signs up from this one address
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
        yield f"http://127.0.0.1:{port}", process.pid, env["EVENTBOOK_DATABASE_URL"]
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
