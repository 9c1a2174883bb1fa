"""Ticket codes: only the platform can make one, anyone can carry one, and the door can tell them apart."""

import base64
import re
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.ticket_codes import CODE_LENGTH, TicketCodes, grouped

KEY = b"k" * 32
OTHER_KEY = b"o" * 32
codes = TicketCodes(KEY)


def test_an_issued_code_verifies_to_its_ticket_id() -> None:
    ticket_id, code = codes.issue()

    assert codes.verify(code) == ticket_id
    assert uuid.UUID(ticket_id).version == 4


def test_a_code_is_upper_case_base32_for_the_qr_alphanumeric_mode() -> None:
    _, code = codes.issue()

    assert len(code) == CODE_LENGTH
    assert re.fullmatch(r"[A-Z2-7]+", code)  # a subset of QR's alphanumeric characters, and no padding


def test_codes_carry_at_least_96_random_bits() -> None:
    issued = dict(codes.issue() for _ in range(2_000))
    ticket_id, code = next(iter(issued.items()))

    assert len(issued) == 2_000
    # The code carries the whole id, a UUID4: 122 of its 128 bits random, then the MAC.
    assert base64.b32decode(code + "======")[:16] == uuid.UUID(ticket_id).bytes


def test_the_code_of_a_ticket_id_is_stable_under_one_key() -> None:
    ticket_id = str(uuid.uuid4())

    assert codes.code_for(ticket_id) == codes.code_for(ticket_id)
    assert codes.verify(codes.code_for(ticket_id)) == ticket_id


def test_a_code_made_with_another_key_is_unknown() -> None:
    _, code = TicketCodes(OTHER_KEY).issue()

    assert codes.verify(code) is None


def test_a_forged_code_for_a_known_ticket_id_is_unknown() -> None:
    _, code = codes.issue()
    raw = bytearray(base64.b32decode(code + "======"))
    raw[-1] ^= 1  # one bit of the MAC
    forged = base64.b32encode(bytes(raw)).decode().rstrip("=")

    assert codes.verify(forged) is None


@given(position=st.integers(0, CODE_LENGTH - 1), replacement=st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"))
def test_a_mistyped_character_makes_the_code_unknown(position: int, replacement: str) -> None:
    ticket_id, code = codes.issue()
    typo = code[:position] + replacement + code[position + 1 :]

    assert codes.verify(typo) == (ticket_id if typo == code else None)


@given(st.text(max_size=60))
def test_any_text_at_all_is_unknown_rather_than_a_crash(text: str) -> None:
    assert codes.verify(text) is None


@pytest.mark.parametrize("truncate", [1, 10, CODE_LENGTH - 1])
def test_a_truncated_or_lengthened_code_is_unknown(truncate: int) -> None:
    _, code = codes.issue()

    assert codes.verify(code[:truncate]) is None
    assert codes.verify(code + "A") is None


def test_a_code_typed_in_lower_case_or_in_groups_still_verifies() -> None:
    ticket_id, code = codes.issue()

    assert codes.verify(code.lower()) == ticket_id
    assert codes.verify(grouped(code)) == ticket_id
    assert codes.verify(" " + "-".join(grouped(code).split()) + "\n") == ticket_id


def test_a_code_with_its_spare_bits_set_is_not_one_the_platform_writes() -> None:
    ticket_id, code = codes.issue()
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    last = alphabet.index(code[-1])
    variants = [code[:-1] + alphabet[(last & ~0b11) | spare] for spare in range(4)]

    assert [codes.verify(v) for v in variants].count(ticket_id) == 1


def test_codes_of_a_previous_key_still_verify_after_a_rotation() -> None:
    ticket_id, old_code = TicketCodes(OTHER_KEY).issue()
    rotated = TicketCodes(KEY, previous=[OTHER_KEY])

    assert rotated.verify(old_code) == ticket_id
    assert rotated.verify(rotated.code_for(ticket_id)) == ticket_id
    assert rotated.code_for(ticket_id) != old_code  # new codes are made with the new key


def test_keys_derived_from_the_platform_secret_differ_per_secret_and_from_the_secret_itself() -> None:
    secret = "s" * 40
    derived = TicketCodes.from_secret(secret)
    ticket_id, code = derived.issue()

    assert TicketCodes.from_secret(secret).verify(code) == ticket_id
    assert TicketCodes.from_secret("t" * 40).verify(code) is None
    assert TicketCodes(secret.encode()).verify(code) is None


def test_a_short_key_is_refused() -> None:
    with pytest.raises(ValueError):
        TicketCodes(b"short")
    with pytest.raises(ValueError):
        TicketCodes(KEY, previous=[b"short"])
    with pytest.raises(ValueError):
        TicketCodes.from_secret("short")


def test_grouped_splits_a_code_for_reading() -> None:
    assert grouped("ABCDEFGHIJKLMN") == "ABCDEF GHIJKL MN"
