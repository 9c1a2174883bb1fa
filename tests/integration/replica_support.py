"""What the tests on the streaming replica share: the services script, the standby's state, Redis positions."""

from __future__ import annotations

import asyncio
import os
import subprocess
import time
import uuid
from pathlib import Path
from typing import Any

import psycopg

from adapters.db.write_positions import RedisWritePositions

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "cluster" / "local" / "services.sh"
PG_SERVER = os.environ.get("EVENTBOOK_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
PG_REPLICA = os.environ.get("EVENTBOOK_TEST_PG_REPLICA", "postgresql://postgres@127.0.0.1:5433/postgres")
REDIS = os.environ.get("EVENTBOOK_TEST_REDIS", "redis://127.0.0.1:6379/0")


def services(command: str) -> str:
    done = subprocess.run([str(SCRIPT), command], capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, f"services.sh {command} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def standby(dsn: str = PG_REPLICA) -> bool:
    try:
        with psycopg.connect(dsn, autocommit=True, connect_timeout=2) as conn:
            row = conn.execute("SELECT pg_is_in_recovery()").fetchone()
            return bool(row and row[0])
    except psycopg.OperationalError:
        return False


def on_replica(sql: str) -> None:
    with psycopg.connect(PG_REPLICA, autocommit=True, connect_timeout=5) as conn:
        conn.execute(sql)


def wait_for(check: Any, what: str, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout_s} s")
        time.sleep(0.1)


async def eventually(check: Any, what: str, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout_s} s")
        await asyncio.sleep(0.2)


RUN_PREFIX = f"eventbook-test:{uuid.uuid4().hex}:"  # every router of this run shares it, like deployments do


def redis_positions() -> RedisWritePositions:
    return RedisWritePositions(REDIS, prefix=RUN_PREFIX, ttl_s=60)


async def redis_answers() -> bool:
    positions = redis_positions()
    try:
        await positions.last_write("nobody")
        return True
    except Exception:
        return False
    finally:
        await positions.close()
