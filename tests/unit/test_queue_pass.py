"""Queue passes: the holder's own pass for the event checks until it runs out; anything else is refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain import errors
from domain.queue_pass import PassSigner

KEY = b"k" * 32
NOW = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
UNTIL = NOW + timedelta(minutes=5)
SIGNER = PassSigner(KEY)


def check(token: str | None, *, user: str = "ada", event: str = "e1", now: datetime = NOW) -> datetime:
    return SIGNER.check(token, user_id=user, event_id=event, now=now)


def test_a_pass_checks_for_its_user_and_event_and_gives_its_expiry() -> None:
    token = SIGNER.issue("ada", "e1", UNTIL)
    assert check(token) == UNTIL
    assert check(token, now=UNTIL - timedelta(milliseconds=1)) == UNTIL
    assert len(token) < 64 and token.isascii()


def test_the_expiry_is_kept_to_the_millisecond() -> None:
    until = UNTIL + timedelta(microseconds=1999)
    assert check(SIGNER.issue("ada", "e1", until)) == UNTIL + timedelta(milliseconds=1)


def test_a_pass_that_ran_out_is_refused() -> None:
    token = SIGNER.issue("ada", "e1", UNTIL)
    for now in (UNTIL, UNTIL + timedelta(seconds=1)):
        with pytest.raises(errors.QueuePassRequired):
            check(token, now=now)


def test_another_users_pass_is_refused() -> None:
    with pytest.raises(errors.QueuePassRequired):
        check(SIGNER.issue("bob", "e1", UNTIL))


def test_a_pass_for_another_event_is_refused() -> None:
    with pytest.raises(errors.QueuePassRequired):
        check(SIGNER.issue("ada", "e2", UNTIL))


def test_a_pass_signed_with_another_key_is_refused() -> None:
    with pytest.raises(errors.QueuePassRequired):
        check(PassSigner(b"x" * 32).issue("ada", "e1", UNTIL))


def test_a_pass_with_its_expiry_moved_on_is_refused() -> None:
    expiry, mac = SIGNER.issue("ada", "e1", UNTIL).split(".")
    later = f"{int(expiry, 16) + 60_000:x}"
    with pytest.raises(errors.QueuePassRequired):
        check(f"{later}.{mac}")


def test_a_pass_with_a_changed_mac_is_refused() -> None:
    token = SIGNER.issue("ada", "e1", UNTIL)
    for i in (len(token) - 1, len(token) - 10):
        flipped = token[:i] + ("A" if token[i] != "A" else "B") + token[i + 1 :]
        with pytest.raises(errors.QueuePassRequired):
            check(flipped)


@pytest.mark.parametrize(
    "token",
    [
        None,
        "",
        ".",
        "not a pass",
        "1b8dac5b400",
        "1b8dac5b400.",
        "zz.xMBsUfTX-4BJVm99tN-fB6n6dtLNnsjoxridnibdgCY",
        "1b8dac5b400.xMBsUfTX-4BJVm99tN-fB6n6dtLNnsjoxridnibdgC",  # a character short
        "1b8dac5b400.xMBsUfTX-4BJVm99tN-fB6n6dtLNnsjoxridnibdgCY=",
        "1b8dac5b400.xMBsUfTX+4BJVm99tN/fB6n6dtLNnsjoxridnibdgCY",  # standard, not url-safe, base64
        "1b8dac5b400.xMBsUfTX-4BJVm99tN-fB6n6dtLNnsjoxridnibdgCY.x",
        "fffffffffffffffff.xMBsUfTX-4BJVm99tN-fB6n6dtLNnsjoxridnibdgCY",
        " 1b8dac5b400.xMBsUfTX-4BJVm99tN-fB6n6dtLNnsjoxridnibdgCY",
    ],
)
def test_a_malformed_pass_is_refused(token: str | None) -> None:
    with pytest.raises(errors.QueuePassRequired) as refused:
        check(token)
    assert refused.value.code == "queue_pass_required"


def test_a_short_key_is_refused() -> None:
    with pytest.raises(ValueError):
        PassSigner(b"short")
