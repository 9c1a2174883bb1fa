"""Who a call reads and writes for: set per call by the deployments (deployments/base.py) from the Principals
among its arguments, so that commits remember the primary's WAL position for those users and their reads are
fenced by it when a replica serves them (adapters/db/routing.py)."""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Collection, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TypeVar

from domain import errors

T = TypeVar("T")


@dataclass
class Call:
    users: tuple[str, ...]  # the users the call acts for: a batch of holds acts for every buyer in it
    primary_only: bool = False
    used_replica: bool = False

    @property
    def reader(self) -> str | None:
        """The one user whose reads are fenced (reads are never batched across users)."""
        return self.users[0] if len(self.users) == 1 else None


_CALL: ContextVar[Call | None] = ContextVar("eventbook_read_call", default=None)


@contextlib.contextmanager
def acting_as(users: str | Collection[str] | None, *, primary_only: bool = False) -> Iterator[Call]:
    """Run the block on behalf of these users (None: anonymous): their writes are remembered, their reads fenced."""
    if users is None:
        chosen: tuple[str, ...] = ()
    elif isinstance(users, str):
        chosen = (users,)
    else:
        chosen = tuple(dict.fromkeys(users))
    call = Call(chosen, primary_only=primary_only)
    token = _CALL.set(call)
    try:
        yield call
    finally:
        _CALL.reset(token)


def current_call() -> Call | None:
    return _CALL.get()


def current_reader() -> str | None:
    call = _CALL.get()
    return call.reader if call else None


def current_writers() -> tuple[str, ...]:
    call = _CALL.get()
    return call.users if call else ()


async def read_consistently(user_id: str | None, run: Callable[[], Awaitable[T]]) -> T:
    """Run a READ as `user_id`; a NotFound/Unauthenticated answered from the replica is read again on the primary.

    The retry covers rows the reader could not have been fenced for (a session made by login, a row another
    user just wrote and shared). The answer may be a raised DomainError or one returned as a value (deployment
    methods return them so they cross Ray intact); both are retried. Only reads: a write (a hold, a payment)
    must never run twice because its answer was a miss.
    """
    with acting_as(user_id) as call:
        try:
            result = await run()
        except (errors.NotFound, errors.Unauthenticated):
            if not call.used_replica:
                raise
        else:
            if not (call.used_replica and isinstance(result, errors.NotFound | errors.Unauthenticated)):
                return result
    with acting_as(user_id, primary_only=True):
        return await run()
