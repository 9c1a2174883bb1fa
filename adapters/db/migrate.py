"""Bring a database to the newest schema, safely when several processes start at once."""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, create_engine, make_url, pool, text

MIGRATIONS = Path(__file__).with_name("migrations")
# Any constant works, as long as nothing else in the database uses it for an advisory lock.
PG_LOCK_KEY = 0x65_76_62_6B_6D_69_67  # "evbkmig"


def alembic_config(sync_url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if sync_url:
        config.set_main_option("sqlalchemy.url", sync_url.replace("%", "%%"))
    return config


def upgrade(sync_url: str) -> None:
    """`alembic upgrade head` under a lock: idempotent, and safe to call from many processes at once."""
    url = make_url(sync_url)
    if url.drivername.startswith("sqlite"):
        url = url.set(drivername="sqlite")
        engine = create_engine(url, poolclass=pool.NullPool, connect_args={"timeout": 30})
    else:
        engine = create_engine(url, poolclass=pool.NullPool)
    try:
        with _exclusive(engine.connect(), url.database if url.drivername == "sqlite" else None) as conn:
            config = alembic_config()
            with conn.begin():
                config.attributes["connection"] = conn
                command.upgrade(config, "head")
    finally:
        engine.dispose()


@contextmanager
def _exclusive(conn: Connection, sqlite_file: str | None) -> Iterator[Connection]:
    """Hold the migration lock: an advisory lock on PostgreSQL, a file lock next to an SQLite database."""
    with conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": PG_LOCK_KEY})
            conn.commit()  # the lock belongs to the session, not the transaction
            try:
                yield conn
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": PG_LOCK_KEY})
                conn.commit()
        elif sqlite_file and sqlite_file != ":memory:":
            lock_path = Path(sqlite_file).resolve().with_name(Path(sqlite_file).name + ".migrate.lock")
            lock_path.parent.mkdir(parents=True, exist_ok=True)
            with lock_path.open("a") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                try:
                    yield conn
                finally:
                    fcntl.flock(lock, fcntl.LOCK_UN)
        else:
            yield conn
