"""The session check every authenticated request passes: a logout or a reused refresh token ends the session
for the very next request, without a database query per request where a revocation store (Redis) is there."""

from __future__ import annotations

from domain import errors
from domain.accounts import Principal
from domain.ports import Revocations, UnitOfWorkFactory


class SessionGuard:
    def __init__(self, *, uow: UnitOfWorkFactory, revocations: Revocations | None = None) -> None:
        self._uow = uow
        self._revocations = revocations

    async def ensure_active(self, principal: Principal) -> None:
        """Raise Unauthenticated unless the principal's session is still active."""
        if self._revocations is not None:
            revoked = await self._revocations.is_revoked(principal.session_id, principal.issued_at)
            if revoked is not None:
                if revoked:
                    raise errors.Unauthenticated("This session has ended; log in again.")
                return
        async with self._uow(autocommit=True) as uow:  # no store, or it cannot tell: the database decides
            session = await uow.sessions.get(principal.session_id)
        if session is None or not session.active or session.user_id != principal.user_id:
            raise errors.Unauthenticated("This session has ended; log in again.")
