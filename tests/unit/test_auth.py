"""Register, log in, rotate refresh tokens, log out."""

from datetime import timedelta

import pytest

from domain import errors
from domain.accounts import Role
from domain.auth import AuthService
from domain.sessions import SessionGuard
from tests.fakes import FakeClock, FakeTokens


async def test_register_normalises_the_email_and_stores_only_a_hash(auth: AuthService) -> None:
    user = await auth.register(email="  Ada@Example.COM ", password="correct-horse", name=" Ada ")

    assert (user.email, user.name, user.role) == ("ada@example.com", "Ada", Role.CUSTOMER)
    assert user.password_hash != "correct-horse"


async def test_register_reports_every_invalid_field(auth: AuthService) -> None:
    with pytest.raises(errors.ValidationFailed) as raised:
        await auth.register(email="not-an-email", password="short", name="  ")

    assert set(raised.value.details["fields"]) == {"email", "password", "name"}


async def test_an_email_is_taken_whatever_its_case(auth: AuthService) -> None:
    await auth.register(email="ada@example.com", password="correct-horse", name="Ada")

    with pytest.raises(errors.EmailTaken) as raised:
        await auth.register(email="ADA@example.com", password="another-pass", name="Ada 2")
    assert raised.value.code == "email_taken"


async def test_login_works_with_the_email_in_any_case(auth: AuthService) -> None:
    await auth.register(email="ada@example.com", password="correct-horse", name="Ada")

    tokens = await auth.login(email="ADA@EXAMPLE.COM", password="correct-horse")

    assert tokens.access_token and tokens.refresh_token and tokens.token_type == "bearer"


async def test_wrong_email_and_wrong_password_are_indistinguishable(auth: AuthService) -> None:
    await auth.register(email="ada@example.com", password="correct-horse", name="Ada")

    with pytest.raises(errors.InvalidCredentials) as wrong_email:
        await auth.login(email="nobody@example.com", password="correct-horse")
    with pytest.raises(errors.InvalidCredentials) as wrong_password:
        await auth.login(email="ada@example.com", password="wrong-horse")

    assert wrong_email.value == wrong_password.value


async def test_me_returns_the_caller(auth: AuthService, tokens: FakeTokens) -> None:
    await auth.register(email="ada@example.com", password="correct-horse", name="Ada")
    principal = tokens.principal((await auth.login(email="ada@example.com", password="correct-horse")).access_token)

    me = await auth.me(principal)

    assert me.email == "ada@example.com" and me.id == principal.user_id


async def test_refresh_rotates_the_refresh_token(auth: AuthService) -> None:
    await auth.register(email="ada@example.com", password="correct-horse", name="Ada")
    first = await auth.login(email="ada@example.com", password="correct-horse")

    second = await auth.refresh(refresh_token=first.refresh_token)
    third = await auth.refresh(refresh_token=second.refresh_token)

    assert len({first.refresh_token, second.refresh_token, third.refresh_token}) == 3
    assert second.access_token != first.access_token


async def test_a_reused_refresh_token_revokes_the_whole_session(
    auth: AuthService, tokens: FakeTokens, sessions: SessionGuard
) -> None:
    await auth.register(email="ada@example.com", password="correct-horse", name="Ada")
    stolen = await auth.login(email="ada@example.com", password="correct-horse")
    rotated = await auth.refresh(refresh_token=stolen.refresh_token)

    with pytest.raises(errors.Unauthenticated, match="already used"):
        await auth.refresh(refresh_token=stolen.refresh_token)

    # The legitimate holder is logged out too: the session is gone, not just the old token.
    with pytest.raises(errors.Unauthenticated):
        await auth.refresh(refresh_token=rotated.refresh_token)
    with pytest.raises(errors.Unauthenticated):  # the very next request of the session
        await sessions.ensure_active(tokens.principal(rotated.access_token))


async def test_reuse_detection_leaves_the_users_other_sessions_alone(auth: AuthService, tokens: FakeTokens) -> None:
    await auth.register(email="ada@example.com", password="correct-horse", name="Ada")
    phone = await auth.login(email="ada@example.com", password="correct-horse")
    laptop = await auth.login(email="ada@example.com", password="correct-horse")
    await auth.refresh(refresh_token=phone.refresh_token)

    with pytest.raises(errors.Unauthenticated):
        await auth.refresh(refresh_token=phone.refresh_token)

    assert (await auth.me(tokens.principal(laptop.access_token))).email == "ada@example.com"


async def test_an_unknown_refresh_token_is_refused(auth: AuthService) -> None:
    with pytest.raises(errors.Unauthenticated):
        await auth.refresh(refresh_token="refresh-never-issued")


async def test_an_expired_refresh_token_is_refused(auth: AuthService, clock: FakeClock) -> None:
    await auth.register(email="ada@example.com", password="correct-horse", name="Ada")
    tokens = await auth.login(email="ada@example.com", password="correct-horse")
    clock.advance(timedelta(days=14))

    with pytest.raises(errors.Unauthenticated):
        await auth.refresh(refresh_token=tokens.refresh_token)


async def test_logout_ends_the_session_for_the_next_request_and_refresh(
    auth: AuthService, tokens: FakeTokens, sessions: SessionGuard
) -> None:
    await auth.register(email="ada@example.com", password="correct-horse", name="Ada")
    issued = await auth.login(email="ada@example.com", password="correct-horse")
    principal = tokens.principal(issued.access_token)
    await sessions.ensure_active(principal)

    await auth.logout(principal=principal)

    with pytest.raises(errors.Unauthenticated):
        await sessions.ensure_active(principal)
    with pytest.raises(errors.Unauthenticated):
        await auth.refresh(refresh_token=issued.refresh_token)


async def test_logout_by_refresh_token_ends_that_session(
    auth: AuthService, tokens: FakeTokens, sessions: SessionGuard
) -> None:
    await auth.register(email="ada@example.com", password="correct-horse", name="Ada")
    issued = await auth.login(email="ada@example.com", password="correct-horse")

    await auth.logout(refresh_token=issued.refresh_token)

    with pytest.raises(errors.Unauthenticated):
        await sessions.ensure_active(tokens.principal(issued.access_token))


async def test_logout_without_any_credential_is_refused(auth: AuthService) -> None:
    with pytest.raises(errors.Unauthenticated):
        await auth.logout(refresh_token="refresh-never-issued")
