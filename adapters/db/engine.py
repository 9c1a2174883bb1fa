"""Async engines for PostgreSQL (psycopg 3) and the embedded SQLite file (aiosqlite)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from adapters.settings import async_url

# Execution option a read-only unit of work sets so SQLite starts it with a plain (deferred) BEGIN.
READ_ONLY = "eventbook_read_only"
BUSY_TIMEOUT_MS = 30_000


def create_engine(url: str, *, pool_size: int = 10, pool_timeout_s: float = 30) -> AsyncEngine:
    """An engine for `postgresql+psycopg://…` or `sqlite+aiosqlite:///path`."""
    url = async_url(url)
    if url.startswith("sqlite"):
        return _sqlite_engine(url, pool_size)
    return create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=0,  # the pool size is the hard bound on connections per process
        pool_timeout=pool_timeout_s,
        # No pre-ping: it is a round trip on every checkout. A connection the server dropped while it sat in the
        # pool is replaced at its first statement instead (adapters/db/uow.py, Link).
        pool_pre_ping=False,
        isolation_level="READ COMMITTED",
    )


def _sqlite_engine(url: str, pool_size: int) -> AsyncEngine:
    """SQLite shared by several processes: WAL, a long busy timeout, and writers that take the lock up front.

    A deferred BEGIN takes the write lock on the first write, and two such transactions that both read first
    can each wait for the other to upgrade: SQLite answers "database is locked" at once rather than wait.
    `BEGIN IMMEDIATE` takes the write lock at the start, so writers queue (up to busy_timeout) and never
    deadlock. Read-only units of work keep a deferred BEGIN: under WAL they read a snapshot without blocking.
    """
    engine = create_async_engine(url, pool_size=pool_size, max_overflow=0, pool_timeout=60)

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # The driver must not issue its own BEGIN; the "begin" hook below emits ours.
        dbapi_connection.isolation_level = None
        # SQLite's own lower() folds ASCII only ('ZÜRICH' stays 'zÜrich'): the catalog's case-insensitive search and
        # filters (adapters/db/events.py) use Python's, as PostgreSQL's lower() folds every letter. No index is built
        # on lower(), so no stored value depends on which one ran.
        dbapi_connection.create_function("lower", 1, _lower, deterministic=True)
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
            cursor.execute("PRAGMA foreign_keys = ON")
        finally:
            cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Connection) -> None:
        read_only = conn.get_execution_options().get(READ_ONLY, False)
        conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

    return engine


def _lower(value: object) -> object:
    return value.lower() if isinstance(value, str) else value
