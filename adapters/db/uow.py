"""The unit of work: one connection, one transaction (or, `autocommit`, statements that commit by themselves)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import TYPE_CHECKING, Any

from sqlalchemy import CursorResult, Executable
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.ext.asyncio.engine import AsyncTransaction

from adapters.db.accounts import SqlRefreshTokenRepository, SqlSessionRepository, SqlUserRepository
from adapters.db.bookings import SqlBookingRepository
from adapters.db.engine import READ_ONLY
from adapters.db.events import SqlEventRepository
from adapters.db.idempotency import SqlIdempotencyRepository
from adapters.db.inbox import SqlInboxRepository
from adapters.db.promo_codes import SqlPromoCodeRepository
from adapters.db.ticket_names import SqlTicketNameRepository
from adapters.db.ticket_types import SqlTicketTypeRepository
from adapters.db.tickets import SqlTicketRepository
from adapters.db.waitlist import SqlWaitlistRepository
from domain.ports import (
    BookingRepository,
    EventRepository,
    IdempotencyRepository,
    InboxRepository,
    RefreshTokenRepository,
    SessionRepository,
    UnitOfWork,
    UserRepository,
)
from domain.ticket_ports import PromoCodeRepository, TicketNameRepository
from domain.tickets import TicketRepository, TicketTypeRepository
from domain.waitlist import WaitlistRepository


@dataclass
class Touched:
    """What a unit of work changed that cached reads depend on: events, and whether listings may differ."""

    events: set[str] = field(default_factory=set)
    listings: bool = False  # an event was added or edited: which events a list shows, or in what order

    def __bool__(self) -> bool:
        return bool(self.events) or self.listings


AfterCommit = Callable[[Touched], Awaitable[None]]


class Link:
    """The unit of work's connection, as its repositories use it.

    There is no pre-ping (a round trip) per checkout. A pooled connection the server dropped while it sat idle
    fails at the first statement, before anything of this unit of work reached the server: that first statement
    runs again, once, on a fresh connection. SQLAlchemy marks the pool invalid on such a disconnect, so the
    other connections checked out before it are replaced when next taken.
    """

    def __init__(self, engine: AsyncEngine, *, transactional: bool, read_only: bool) -> None:
        self._engine = engine
        self._transactional = transactional
        self._read_only = read_only
        self._used = False
        self.conn: AsyncConnection | None = None

    async def open(self) -> None:
        conn = await self._engine.connect()
        try:
            if self._read_only:
                await conn.execution_options(**{READ_ONLY: True})
            if self._transactional:
                await conn.begin()
        except BaseException:
            await conn.close()
            raise
        self.conn = conn

    async def close(self) -> None:
        conn, self.conn = self.conn, None
        if conn is not None:
            try:
                if conn.in_transaction():
                    await conn.rollback()
            finally:
                await conn.close()

    @property
    def dialect(self) -> Dialect:
        return self._engine.dialect

    async def execute(self, statement: Executable, parameters: Any = None) -> CursorResult[*tuple[Any, ...]]:
        assert self.conn is not None, "outside the unit of work"
        if self._used:
            return await self.conn.execute(statement, parameters)
        self._used = True
        try:
            return await self.conn.execute(statement, parameters)
        except DBAPIError as error:
            if not error.connection_invalidated:
                raise
        await self.close()  # dropped while idle in the pool: nothing of this unit of work ran
        await self.open()
        assert self.conn is not None
        return await self.conn.execute(statement, parameters)

    async def scalar(self, statement: Executable, parameters: Mapping[str, Any] | None = None) -> Any:
        return (await self.execute(statement, parameters)).scalar()

    def begin_nested(self) -> AsyncTransaction:
        assert self.conn is not None, "outside the unit of work"
        return self.conn.begin_nested()


class Statements:
    """Statements that each stand alone, outside any unit of work (a payment ledger's steps): on PostgreSQL in
    autocommit, one round trip each; on SQLite in one transaction committed at the end of the block. The same
    recovery from a connection dropped while idle as the units of work."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._autocommit = engine.dialect.name == "postgresql"
        self._engine = engine.execution_options(isolation_level="AUTOCOMMIT") if self._autocommit else engine

    @contextlib.asynccontextmanager
    async def __call__(self) -> AsyncIterator[Link]:
        link = Link(self._engine, transactional=not self._autocommit, read_only=False)
        await link.open()
        try:
            yield link
            if link.conn is not None and link.conn.in_transaction():
                await link.conn.commit()
        finally:
            await link.close()


class SqlUnitOfWork:
    # Typed as the ports: the Protocol's attributes are mutable, so they must match exactly.
    users: UserRepository
    sessions: SessionRepository
    refresh_tokens: RefreshTokenRepository
    events: EventRepository
    bookings: BookingRepository
    idempotency: IdempotencyRepository
    inbox: InboxRepository
    waitlist: WaitlistRepository
    ticket_types: TicketTypeRepository
    tickets: TicketRepository
    promo_codes: PromoCodeRepository
    ticket_names: TicketNameRepository

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        read_only: bool = False,
        autocommit: bool = False,
        after_commit: AfterCommit | None = None,
    ) -> None:
        self._autocommit = autocommit
        self._after_commit = after_commit
        self._link = Link(engine, transactional=not autocommit, read_only=read_only)
        self._touched = Touched()

    async def __aenter__(self) -> SqlUnitOfWork:
        await self._link.open()
        link = self._link
        self.users = SqlUserRepository(link)
        self.sessions = SqlSessionRepository(link)
        self.refresh_tokens = SqlRefreshTokenRepository(link)
        self.events = SqlEventRepository(link, self._touched)
        self.bookings = SqlBookingRepository(link, self._touched)
        self.idempotency = SqlIdempotencyRepository(link)
        self.inbox = SqlInboxRepository(link)
        self.waitlist = SqlWaitlistRepository(link, self._touched)
        self.ticket_types = SqlTicketTypeRepository(link, self._touched)
        self.tickets = SqlTicketRepository(link)
        self.promo_codes = SqlPromoCodeRepository(link)
        self.ticket_names = SqlTicketNameRepository(link)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self._link.close()
        if self._autocommit:  # what ran has committed, even if the block then failed: caches must hear of it
            await self._tell()

    @property
    def connection(self) -> AsyncConnection | None:
        """The connection of the open unit of work (None outside it)."""
        return self._link.conn

    async def commit(self) -> None:
        conn = self._link.conn
        if conn is None:
            raise RuntimeError("commit() outside the unit of work")
        if conn.in_transaction():
            await conn.commit()
        await self._tell()
        # Work after a commit (a re-read, say) runs in a new transaction that __aexit__ rolls back.

    async def _tell(self) -> None:
        if self._after_commit is not None and self._touched:
            touched = Touched(set(self._touched.events), self._touched.listings)
            self._touched.events.clear()  # the repositories share this one
            self._touched.listings = False
            await self._after_commit(touched)  # e.g. move on the cache generations of the events it changed


def uow_factory(
    engine: AsyncEngine, *, read_only: bool = False, after_commit: AfterCommit | None = None
) -> Callable[..., SqlUnitOfWork]:
    """A factory of units of work on the engine; `read_only` ones never take SQLite's write lock;
    `after_commit` hears what each commit changed. `autocommit` units of work use PostgreSQL's autocommit
    (no BEGIN/COMMIT round trips); SQLite keeps its transaction, committed at `commit()`."""
    autocommit_engine = (
        engine.execution_options(isolation_level="AUTOCOMMIT") if engine.dialect.name == "postgresql" else None
    )

    def make(*, autocommit: bool = False) -> SqlUnitOfWork:
        if autocommit and autocommit_engine is not None:
            return SqlUnitOfWork(autocommit_engine, read_only=read_only, autocommit=True, after_commit=after_commit)
        return SqlUnitOfWork(engine, read_only=read_only, after_commit=after_commit)

    return make


if TYPE_CHECKING:
    _conforms: type[UnitOfWork] = SqlUnitOfWork  # mypy proves the adapter implements the port
