"""The session check every authenticated request passes: a logout or a reused refresh token ends the session
for the very next request, without a database query per request.

With a revocation store (Redis) each check is answered there; the database answers only what the store cannot
tell (it is away, or the token is older than what it remembers). Concurrent checks go together: one round trip to
the store, or one query, for all the requests that arrive while the previous batch is asked.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from domain import errors
from domain.accounts import Principal, Session
from domain.batching import Coalescer
from domain.ports import Revocations, UnitOfWorkFactory

BATCH = 256


class SessionGuard:
    def __init__(self, *, uow: UnitOfWorkFactory, revocations: Revocations | None = None) -> None:
        self._uow = uow
        self._revocations = revocations
        self._stored: Coalescer[tuple[str, datetime | None], bool | None] = Coalescer(self._ask_store, max_size=BATCH)
        self._sessions: Coalescer[str, Session | None] = Coalescer(self._ask_database, max_size=BATCH, at_once=2)

    async def ensure_active(self, principal: Principal) -> None:
        """Raise Unauthenticated unless the principal's session is still active."""
        if self._revocations is not None:
            revoked = await self._stored((principal.session_id, principal.issued_at))
            if revoked is not None:
                if revoked:
                    raise errors.Unauthenticated("This session has ended; log in again.")
                return
        session = await self._sessions(principal.session_id)  # no store, or it cannot tell: the database decides
        if session is None or not session.active or session.user_id != principal.user_id:
            raise errors.Unauthenticated("This session has ended; log in again.")

    async def _ask_store(self, sessions: Sequence[tuple[str, datetime | None]]) -> list[bool | None]:
        assert self._revocations is not None
        return await self._revocations.are_revoked(sessions)

    async def _ask_database(self, session_ids: Sequence[str]) -> list[Session | None]:
        async with self._uow(autocommit=True) as uow:
            found = await uow.sessions.get_many(session_ids)
        return [found.get(session_id) for session_id in session_ids]
