"""Every parser of outside input, fuzzed: it answers a value or its one refusal, never anything else (issue 14)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from domain import errors
from domain.idempotency import MAX_KEY_LENGTH, check_key
from domain.pagination import Position, decode_cursor, encode_cursor
from domain.payments import Card, luhn_valid
from domain.times import EARLIEST, LATEST, OutOfRange, to_utc
from ingress.schemas import ID_PATTERN, ISO_DATETIME, parse_time
from tests.http.fuzz_edges import cursor_at, edge_times

FUZZ = settings(max_examples=300, deadline=None, derandomize=True)
NOW = datetime(2030, 6, 15, tzinfo=UTC)
offsets = st.integers(min_value=-(24 * 60 - 1), max_value=24 * 60 - 1).map(lambda m: timezone(timedelta(minutes=m)))
any_instant = st.datetimes(timezones=offsets | st.none())


def assert_storable(at: datetime) -> None:
    assert at.utcoffset() == timedelta(0) and EARLIEST <= at <= LATEST


# Times


@FUZZ
@given(st.one_of(edge_times, st.from_regex(ISO_DATETIME, fullmatch=True), st.text(max_size=40)))
@example("9999-12-31T23:59:59-23:59")
@example("0001-01-01T00:00:00+23:59")
def test_a_time_parses_to_a_storable_utc_instant_or_is_refused_with_a_value_error(text: str) -> None:
    try:
        at = parse_time(text)
    except ValueError:
        return
    assert_storable(at)


@FUZZ
@given(any_instant)
def test_to_utc_keeps_the_instant_or_refuses_it_as_out_of_range(at: datetime) -> None:
    try:
        converted = to_utc(at)
    except OutOfRange:
        return
    assert_storable(converted)
    assert converted == (at if at.tzinfo else at.replace(tzinfo=UTC))


# Cursors


@FUZZ
@given(
    st.one_of(st.text(max_size=600), st.from_regex(r"[A-Za-z0-9_-]{0,600}", fullmatch=True), edge_times.map(cursor_at))
)
@example("W" * 600)
@example(cursor_at("9999-12-31T23:59:59-23:59"))
def test_a_cursor_decodes_to_a_storable_position_or_is_invalid(cursor: str) -> None:
    try:
        position = decode_cursor(cursor)
    except errors.ValidationFailed as refused:
        assert refused.details == {"fields": {"cursor": "invalid"}}
        return
    assert position is None or assert_storable(position.at) is None


@FUZZ
@given(
    st.datetimes(min_value=EARLIEST.replace(tzinfo=None), max_value=LATEST.replace(tzinfo=None)),
    st.from_regex(ID_PATTERN, fullmatch=True),  # row ids are the platform's own
)
def test_every_cursor_the_platform_makes_decodes_to_its_position(at: datetime, row_id: str) -> None:
    position = Position(at.replace(tzinfo=UTC), row_id)
    assert decode_cursor(encode_cursor(position)) == position


# Card numbers


def luhn_digit(payload: str) -> str:
    return next(d for d in "0123456789" if luhn_valid(payload + d))


@FUZZ
@given(st.from_regex(r"[0-9]{11,18}", fullmatch=True))
def test_a_number_with_its_check_digit_is_a_card_and_any_other_last_digit_is_not(payload: str) -> None:
    good = payload + luhn_digit(payload)
    assert Card.parse(good, 12, 2031, "123", now=NOW).number == good
    for wrong in set("0123456789") - {good[-1]}:
        with pytest.raises(errors.ValidationFailed):
            Card.parse(payload + wrong, 12, 2031, "123", now=NOW)


@FUZZ
@given(st.text(max_size=40), st.integers(), st.integers(), st.text(max_size=8))
@example("４２４２４２４２４２４２４２４２", 12, 2031, "123")  # full-width digits: isdigit() says yes
@example("4242 4242 4242 4242", 12, 2031, "١٢٣")  # Arabic-Indic digits
def test_card_details_parse_or_are_refused_naming_fields(number: str, month: int, year: int, cvc: str) -> None:
    try:
        card = Card.parse(number, month, year, cvc, now=NOW)
    except errors.ValidationFailed as refused:
        assert set(refused.details["fields"]) <= {"card_number", "exp_month", "exp_year", "cvc"}
        return
    assert re.fullmatch(r"[0-9]{12,19}", card.number) and luhn_valid(card.number)
    assert re.fullmatch(r"[0-9]{3,4}", card.cvc) and 1 <= card.exp_month <= 12


# Idempotency keys


@FUZZ
@given(st.text(max_size=300))
@example("\x00")
@example("k" * (MAX_KEY_LENGTH + 1))
def test_an_idempotency_key_is_kept_as_given_or_refused(key: str) -> None:
    try:
        assert check_key(key) == key
    except errors.ValidationFailed as refused:
        assert refused.details == {"fields": {"Idempotency-Key": "invalid"}}
        return
    assert 1 <= len(key) <= MAX_KEY_LENGTH and key.isprintable()
