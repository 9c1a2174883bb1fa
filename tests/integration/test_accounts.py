"""Accounts on both databases: unique e-mails, refresh-token rotation with reuse detection, logout."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.db import uow_factory
from adapters.security import Argon2PasswordHasher, JwtTokens
from domain import errors
from domain.accounts import Role, User
from domain.auth import AuthService
from domain.model import new_id
from domain.ports import UnitOfWorkFactory
from domain.sessions import SessionGuard
from tests.integration.it_support import FixedClock

PASSWORD = "correct horse battery"


@pytest.fixture
def uow(engine: AsyncEngine) -> UnitOfWorkFactory:
    return uow_factory(engine)


@pytest.fixture
def tokens() -> JwtTokens:
    return JwtTokens("integration-test-secret-of-32-chars!", access_ttl=timedelta(minutes=15))


@pytest.fixture
def auth(uow: UnitOfWorkFactory, tokens: JwtTokens) -> AuthService:
    return AuthService(uow=uow, hasher=Argon2PasswordHasher(), tokens=tokens, clock=FixedClock())


def an_email() -> str:
    return f"Ada.{new_id()[:8]}@Example.com"


async def test_an_email_is_taken_whatever_its_case(auth: AuthService) -> None:
    email = an_email()
    user = await auth.register(email=email, password=PASSWORD, name="Ada")

    assert user.email == email.lower()
    with pytest.raises(errors.EmailTaken):
        await auth.register(email=email.upper(), password=PASSWORD, name="Other Ada")


async def test_losing_the_email_race_raises_email_taken_and_leaves_the_transaction_usable(
    uow: UnitOfWorkFactory, auth: AuthService
) -> None:
    email = an_email()
    await auth.register(email=email, password=PASSWORD, name="Ada")
    clock = FixedClock()
    rival = User(new_id(), email.lower(), "Rival", Role.CUSTOMER, "x", clock.now())
    other = User(new_id(), an_email(), "Other", Role.CUSTOMER, "x", clock.now())

    async with uow() as tx:
        with pytest.raises(errors.EmailTaken):
            await tx.users.add(rival)  # what the unique index does when the pre-check lost a race
        await tx.users.add(other)
        await tx.commit()

    async with uow() as tx:
        stored = await tx.users.get(other.id)
        assert stored is not None and stored.email == other.email.lower()
        assert await tx.users.get(rival.id) is None


async def test_refresh_rotates_and_a_reused_refresh_token_ends_the_session(
    uow: UnitOfWorkFactory, auth: AuthService, tokens: JwtTokens
) -> None:
    sessions = SessionGuard(uow=uow)
    email = an_email()
    await auth.register(email=email, password=PASSWORD, name="Ada")
    first = await auth.login(email=email, password=PASSWORD)

    second = await auth.refresh(refresh_token=first.refresh_token)
    assert second.refresh_token != first.refresh_token
    principal = tokens.decode_access(second.access_token)
    assert (await auth.me(principal)).email == email.lower()
    await sessions.ensure_active(principal)

    with pytest.raises(errors.Unauthenticated):
        await auth.refresh(refresh_token=first.refresh_token)  # a stolen copy came back
    with pytest.raises(errors.Unauthenticated):
        await sessions.ensure_active(principal)
    with pytest.raises(errors.Unauthenticated):
        await auth.refresh(refresh_token=second.refresh_token)


async def test_wrong_password_and_unknown_email_are_the_same_refusal(auth: AuthService) -> None:
    email = an_email()
    await auth.register(email=email, password=PASSWORD, name="Ada")

    with pytest.raises(errors.InvalidCredentials):
        await auth.login(email=email, password="wrong password")
    with pytest.raises(errors.InvalidCredentials):
        await auth.login(email=an_email(), password=PASSWORD)
