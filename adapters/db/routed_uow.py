"""The units of work the read router hands out: reads on the engine it chooses, writes that remember positions."""

from __future__ import annotations

import logging
from types import TracebackType
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.db.readers import current_call
from domain.ports import UnitOfWork

if TYPE_CHECKING:
    from adapters.db.routing import ReadRouter

log = logging.getLogger("eventbook.replica")

PRIMARY = "primary"
REPLICA = "replica"

# --- the units of work --------------------------------------------------------------------------------------
# Both wrap units of work built elsewhere (uow_factory, with whatever hooks bootstrap gives it) rather than
# subclass SqlUnitOfWork: the router decides where, the wrapped unit of work still decides how.


class RoutedReadUnitOfWork:
    """Opens a read unit of work on the engine the router chooses; `target` tells which one answered."""

    target: str | None = None

    def __init__(self, router: ReadRouter) -> None:
        self._router = router
        self._inner: UnitOfWork | None = None

    async def __aenter__(self) -> UnitOfWork:
        router = self._router
        if await router.choose() == REPLICA:
            inner = router.replica_reads()
            try:
                entered = await inner.__aenter__()
            except Exception as exc:  # it went away since the last probe: the primary answers instead
                log.warning("replica connection failed, reading from the primary: %r", exc)
                router.mark_down()
            else:
                call = current_call()
                if call is not None:
                    call.used_replica = True
                self._inner, self.target = inner, REPLICA
                return entered
        inner = router.primary_reads()
        entered = await inner.__aenter__()
        self._inner, self.target = inner, PRIMARY
        return entered

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        inner, self._inner = self._inner, None
        if inner is not None:
            await inner.__aexit__(exc_type, exc, tb)

    @property
    def connection(self) -> AsyncConnection:
        """The connection this unit of work reads through (tests ask it which server it is)."""
        conn = getattr(self._inner, "connection", None)
        if not isinstance(conn, AsyncConnection):
            raise RuntimeError("outside the unit of work")
        return conn


class RecordingUnitOfWork:
    """A unit of work on the primary whose commits, made for identified users, remember the WAL position."""

    def __init__(self, inner: UnitOfWork, router: ReadRouter) -> None:
        self._inner = inner
        self._router = router

    def __getattr__(self, name: str) -> Any:  # the repositories are the wrapped unit of work's
        return getattr(self._inner, name)

    async def __aenter__(self) -> UnitOfWork:
        await self._inner.__aenter__()
        return cast(UnitOfWork, self)

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self._inner.__aexit__(exc_type, exc, tb)

    async def commit(self) -> None:
        await self._inner.commit()
        connection = getattr(self._inner, "connection", None)
        if isinstance(connection, AsyncConnection):
            await self._router.remember_write(connection)
