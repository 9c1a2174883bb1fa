"""Users, sessions and refresh tokens."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from adapters.db.base import Repository, row_values
from adapters.db.rows import user_from_row
from adapters.db.tables import refresh_tokens, sessions, users
from domain import errors
from domain.accounts import RefreshToken, Session, User


class SqlUserRepository(Repository):
    async def add(self, user: User) -> None:
        values = {**row_values(user), "email": user.email.strip().lower()}
        try:
            # A savepoint, so losing the e-mail race leaves the surrounding transaction usable.
            async with self._conn.begin_nested():
                await self._conn.execute(insert(users).values(**values))
        except IntegrityError as exc:
            if "email" in str(exc.orig).lower():
                raise errors.EmailTaken() from None
            raise

    async def get(self, user_id: str) -> User | None:
        row = (await self._conn.execute(select(users).where(users.c.id == user_id))).mappings().first()
        return user_from_row(row) if row else None

    async def get_by_email(self, email: str) -> User | None:
        query = select(users).where(users.c.email == email.strip().lower())
        row = (await self._conn.execute(query)).mappings().first()
        return user_from_row(row) if row else None


class SqlSessionRepository(Repository):
    async def add(self, session: Session) -> None:
        await self._conn.execute(
            insert(sessions).values(
                id=session.id, user_id=session.user_id, created_at=session.created_at, revoked_at=session.revoked_at
            )
        )

    async def get(self, session_id: str) -> Session | None:
        row = (await self._conn.execute(select(sessions).where(sessions.c.id == session_id))).mappings().first()
        return Session(**row) if row else None

    async def get_many(self, session_ids: Sequence[str]) -> dict[str, Session]:
        rows = (await self._conn.execute(select(sessions).where(sessions.c.id.in_(list(session_ids))))).mappings()
        return {row["id"]: Session(**row) for row in rows}

    async def revoke(self, session_id: str, at: datetime) -> None:
        await self._conn.execute(
            update(sessions).where(sessions.c.id == session_id, sessions.c.revoked_at.is_(None)).values(revoked_at=at)
        )


class SqlRefreshTokenRepository(Repository):
    async def add(self, token: RefreshToken) -> None:
        await self._conn.execute(
            insert(refresh_tokens).values(
                token_hash=token.token_hash,
                session_id=token.session_id,
                user_id=token.user_id,
                expires_at=token.expires_at,
                used_at=token.used_at,
            )
        )

    async def get_for_update(self, token_hash: str) -> RefreshToken | None:
        query = select(refresh_tokens).where(refresh_tokens.c.token_hash == token_hash)
        if self._on_postgres:
            query = query.with_for_update()  # two refreshes with one token: the second sees it used
        row = (await self._conn.execute(query)).mappings().first()
        return RefreshToken(**row) if row else None

    async def mark_used(self, token_hash: str, at: datetime) -> None:
        await self._conn.execute(
            update(refresh_tokens).where(refresh_tokens.c.token_hash == token_hash).values(used_at=at)
        )
