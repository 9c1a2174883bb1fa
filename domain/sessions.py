"""The session check every authenticated request passes: a logout or a reused refresh token ends the session
for the very next request, without a database query per request.

With a revocation store (Redis) each check is answered there; the database answers only what the store cannot
tell (it is away, or the token is older than what it remembers). Concurrent checks go together: one round trip to
the store, or one query, for all the requests that arrive while the previous batch is asked.

A token is signed by the platform, but the role it names is only a claim: anything above a customer's is read from
the account (one batched query, on organizer and admin requests only), so a forged or outdated token cannot raise
its holder, and a demoted organizer loses the role at the next request. Buyers' requests pay nothing for it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from domain import errors
from domain.accounts import Principal, Role, Session
from domain.batching import Coalescer
from domain.ports import Revocations, UnitOfWorkFactory

BATCH = 256


class SessionGuard:
    def __init__(self, *, uow: UnitOfWorkFactory, revocations: Revocations | None = None) -> None:
        self._uow = uow
        self._revocations = revocations
        self._stored: Coalescer[tuple[str, datetime | None], bool | None] = Coalescer(self._ask_store, max_size=BATCH)
        self._sessions: Coalescer[str, Session | None] = Coalescer(self._ask_database, max_size=BATCH, at_once=2)
        self._roles: Coalescer[str, Role | None] = Coalescer(self._ask_roles, max_size=BATCH)

    async def ensure_active(self, principal: Principal) -> Principal:
        """The principal with its account's role; Unauthenticated unless its session is still active."""
        await self._ensure_session(principal)
        if principal.role is Role.CUSTOMER:  # the least a token can claim: nothing to check
            return principal
        role = await self._roles(principal.user_id)
        if role is None:
            raise errors.Unauthenticated("This account no longer exists.")
        return principal if role is principal.role else replace(principal, role=role)

    async def _ensure_session(self, principal: Principal) -> None:
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

    async def _ask_roles(self, user_ids: Sequence[str]) -> list[Role | None]:
        async with self._uow(autocommit=True) as uow:
            users = {user_id: await uow.users.get(user_id) for user_id in set(user_ids)}
        return [user.role if (user := users[user_id]) else None for user_id in user_ids]
