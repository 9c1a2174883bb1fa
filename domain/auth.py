"""Accounts and sessions: register, log in, rotate refresh tokens, log out."""

from __future__ import annotations

import asyncio
import logging
import math
import re
from dataclasses import dataclass
from datetime import timedelta

from domain import errors
from domain.accounts import Principal, RefreshToken, Role, Session, User
from domain.model import new_id
from domain.ports import (
    Clock,
    LoginThrottle,
    PasswordHasher,
    Revocations,
    TokenIssuer,
    UnitOfWork,
    UnitOfWorkFactory,
)

log = logging.getLogger(__name__)

MIN_PASSWORD = 8
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class Tokens:
    access_token: str
    expires_in: int
    refresh_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth token type, not a secret


def normalise_email(email: str) -> str:
    return email.strip().lower()


class AuthService:
    def __init__(
        self,
        *,
        uow: UnitOfWorkFactory,
        hasher: PasswordHasher,
        tokens: TokenIssuer,
        clock: Clock,
        refresh_ttl: timedelta = timedelta(days=14),
        throttle: LoginThrottle | None = None,
        register_throttle: LoginThrottle | None = None,
        revocations: Revocations | None = None,
        access_ttl: timedelta = timedelta(minutes=15),
    ) -> None:
        self._uow = uow
        self._hasher = hasher
        self._tokens = tokens
        self._clock = clock
        self._refresh_ttl = refresh_ttl
        self._decoy: str | None = None
        self._throttle = throttle
        self._register_throttle = register_throttle
        self._revocations = revocations
        self._access_ttl = access_ttl

    async def register(
        self, *, email: str, password: str, name: str, role: Role = Role.CUSTOMER, client_ip: str | None = None
    ) -> User:
        email = normalise_email(email)
        problems = {}
        if not _EMAIL.match(email) or len(email) > 254:
            problems["email"] = "Not a valid e-mail address."
        if len(password) < MIN_PASSWORD:
            problems["password"] = f"At least {MIN_PASSWORD} characters."
        if not name.strip():
            problems["name"] = "Required."
        if problems:
            raise errors.ValidationFailed("Some fields are not valid.", fields=problems)
        await self._count_sign_up(client_ip)
        password_hash = await asyncio.to_thread(self._hasher.hash, password)
        user = User(new_id(), email, name.strip(), role, password_hash, self._clock.now())
        async with self._uow() as uow:
            if await uow.users.get_by_email(email) is not None:
                raise errors.EmailTaken()
            await uow.users.add(user)  # a unique index on the e-mail settles a race as EmailTaken
            await uow.commit()
        return user

    async def _count_sign_up(self, client_ip: str | None) -> None:
        """Sign-ups per address are limited (bots making accounts at will); each one that gets to the hash counts."""
        if self._register_throttle is None or client_ip is None:
            return
        keys = [f"register:{client_ip}"]
        if wait := await self._register_throttle.retry_after(keys):
            message = "Too many sign-ups from this address; try again later."
            raise errors.RateLimited(message, retry_after=math.ceil(wait))
        await self._register_throttle.failed(keys)

    async def login(self, *, email: str, password: str, client_ip: str | None = None) -> Tokens:
        email = normalise_email(email)
        keys = [f"account:{email}"] + ([f"ip:{client_ip}"] if client_ip else [])
        if self._throttle is not None and (wait := await self._throttle.retry_after(keys)):
            raise errors.RateLimited("Too many failed logins; try again later.", retry_after=math.ceil(wait))
        async with self._uow(autocommit=True) as uow:
            user = await uow.users.get_by_email(email)
        # An unknown e-mail costs the same hash as a wrong password, so timing does not reveal accounts. The hash
        # runs on a worker thread, outside any transaction: it takes ~0.1 s of CPU, and on the event loop it made
        # every other call of the replica wait (a sign-up surge timed out entirely).
        stored_hash = user.password_hash if user else await self._decoy_hash()
        if not await asyncio.to_thread(self._hasher.verify, stored_hash, password) or user is None:
            if self._throttle is not None:
                await self._throttle.failed(keys)
            raise errors.InvalidCredentials()
        if self._throttle is not None:
            await self._throttle.succeeded(keys[:1])
        async with self._uow() as uow:
            now = self._clock.now()
            session = Session(new_id(), user.id, now)
            await uow.sessions.add(session)
            tokens = await self._issue(uow, user, session.id)
            await uow.commit()
        return tokens

    async def refresh(self, *, refresh_token: str) -> Tokens:
        now = self._clock.now()
        async with self._uow() as uow:
            stored = await uow.refresh_tokens.get_for_update(self._tokens.hash_refresh_secret(refresh_token))
            if stored is None or stored.expires_at <= now:
                raise errors.Unauthenticated("The refresh token is not valid.")
            session = await uow.sessions.get(stored.session_id)
            if session is None or not session.active:
                raise errors.Unauthenticated("This session has ended; log in again.")
            if stored.used_at is not None:
                # A rotated token came back: someone holds a copy. End the whole session.
                await uow.sessions.revoke(session.id, now)
                await uow.commit()
                await self._revoke_everywhere(session.id, strict=False)
                raise errors.Unauthenticated("The refresh token was already used; the session is revoked.")
            user = await uow.users.get(stored.user_id)
            if user is None:
                raise errors.Unauthenticated()
            await uow.refresh_tokens.mark_used(stored.token_hash, now)
            tokens = await self._issue(uow, user, session.id)
            await uow.commit()
        return tokens

    async def logout(self, *, principal: Principal | None = None, refresh_token: str | None = None) -> None:
        """Revoke the session named by the access token or by the refresh token."""
        now = self._clock.now()
        async with self._uow() as uow:
            session_id = principal.session_id if principal else None
            if session_id is None and refresh_token:
                stored = await uow.refresh_tokens.get_for_update(self._tokens.hash_refresh_secret(refresh_token))
                session_id = stored.session_id if stored else None
            if session_id is None:
                raise errors.Unauthenticated()
            await uow.sessions.revoke(session_id, now)
            await uow.commit()
        await self._revoke_everywhere(session_id, strict=True)

    async def _revoke_everywhere(self, session_id: str, *, strict: bool) -> None:
        """Tell the revocation store, which every session check asks first. The database already says revoked:
        the refresh token is dead. If the store did not hear it, a logout says so (503, retry) rather than claim
        an end that access tokens would not see; a reuse detection logs it (the thief is answered 401 anyway)."""
        if self._revocations is None:
            return
        if await self._revocations.revoke(session_id, for_s=self._access_ttl.total_seconds()):
            return
        if strict:
            raise errors.Unavailable("The logout could not reach every server; try again.", retry_after=1)
        log.error("session %s is revoked in the database but the revocation store did not hear it", session_id)

    async def me(self, principal: Principal) -> User:
        async with self._uow(autocommit=True) as uow:
            user = await uow.users.get(principal.user_id)
        if user is None:
            raise errors.Unauthenticated()
        return user

    async def _decoy_hash(self) -> str:
        if self._decoy is None:
            self._decoy = await asyncio.to_thread(self._hasher.hash, "decoy password for unknown e-mails")
        return self._decoy

    async def _issue(self, uow: UnitOfWork, user: User, session_id: str) -> Tokens:
        now = self._clock.now()
        access, expires_in = self._tokens.issue_access(user, session_id, now)
        secret = self._tokens.new_refresh_secret()
        token = RefreshToken(self._tokens.hash_refresh_secret(secret), session_id, user.id, now + self._refresh_ttl)
        await uow.refresh_tokens.add(token)
        return Tokens(access, expires_in, secret)
