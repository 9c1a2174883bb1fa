"""Round trips to the database, counted where they start: every statement, and the BEGIN and COMMIT/ROLLBACK of a
transaction that ran one. psycopg sends BEGIN just before a transaction's first statement and nothing at all for
a transaction that ran none; in autocommit a statement is the whole round trip. Counted per role (`counting_as`),
so a request's statements are told apart from the relay's, the e-mails' and the settlement loop's.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from contextvars import ContextVar
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

REQUEST = "request"
_ROLE: ContextVar[str] = ContextVar("eventbook_db_role", default=REQUEST)
_IN_TX = "eventbook_statements_in_transaction"
T = TypeVar("T")


@contextlib.contextmanager
def counting_as(role: str) -> Iterator[None]:
    token = _ROLE.set(role)
    try:
        yield
    finally:
        _ROLE.reset(token)


def as_role(role: str, handler: Callable[[Any], Awaitable[T]]) -> Callable[[Any], Awaitable[T]]:
    """The handler, its round trips counted under `role` (an e-mail sent from inside the outbox relay, say)."""

    async def counted(message: Any) -> T:
        with counting_as(role):
            return await handler(message)

    return counted


class RoundTrips:
    """Counts of round trips by role, for the engines it is attached to (one per process)."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.listeners: list[Callable[[str], None]] = []  # e.g. a metric, told of each round trip

    def attach(self, engine: AsyncEngine) -> None:
        sync = engine.sync_engine
        event.listen(sync, "before_cursor_execute", self._statement)
        event.listen(sync, "begin", self._begin)
        event.listen(sync, "commit", self._end)
        event.listen(sync, "rollback", self._end)

    def snapshot(self) -> dict[str, int]:
        return dict(self.counts)

    def _count(self, n: int = 1) -> None:
        role = _ROLE.get()
        self.counts[role] += n
        for listener in self.listeners:
            listener(role)

    def _begin(self, conn: Connection) -> None:
        conn.info[_IN_TX] = 0

    def _statement(self, conn: Connection, *_: Any) -> None:
        if not _autocommit(conn):
            if conn.info.get(_IN_TX, 0) == 0:
                self._count()  # the BEGIN psycopg sends first
            conn.info[_IN_TX] = conn.info.get(_IN_TX, 0) + 1
        self._count()

    def _end(self, conn: Connection) -> None:
        if conn.info.get(_IN_TX, 0):
            self._count()  # COMMIT or ROLLBACK of a transaction that ran something
        conn.info[_IN_TX] = 0


def _autocommit(conn: Connection) -> bool:
    driver = getattr(conn.connection, "driver_connection", None)
    return bool(getattr(driver, "autocommit", False))


ROUND_TRIPS = RoundTrips()  # this process's count: every engine of adapters/bootstrap.py reports here
