"""Attendees: one per seat, in line order, the buyer wherever nobody is named, editable until the doors open."""

from datetime import UTC, datetime, timedelta

import pytest

from domain import errors
from domain.attendees import MAX_NAME, Attendee, AttendeeInput, Seat, attendee, attendees_for, edit, editable, seats
from domain.pricing import Line

NOW = datetime(2030, 6, 15, 12, 0, tzinfo=UTC)
STARTS = NOW + timedelta(days=1)
BUYER = Attendee("Ada Buyer", "ada@example.com")


def for_seats(count: int, given: list[AttendeeInput] | None) -> list[Attendee]:
    return attendees_for(count, given, buyer_name=" Ada Buyer ", buyer_email="Ada@Example.com")


def test_a_buyer_who_names_nobody_gets_every_seat_in_their_own_name() -> None:
    assert for_seats(3, None) == [BUYER, BUYER, BUYER]
    assert for_seats(2, []) == [BUYER, BUYER]


def test_named_seats_come_first_in_order_and_the_rest_default_to_the_buyer() -> None:
    given = [AttendeeInput("Zoë Łukasiewicz", "zoe@example.org"), AttendeeInput("  李小龍  ")]

    assert for_seats(3, given) == [Attendee("Zoë Łukasiewicz", "zoe@example.org"), Attendee("李小龍"), BUYER]


def test_an_entry_without_a_name_is_the_buyer_and_one_without_an_e_mail_has_none() -> None:
    given = [AttendeeInput(name="  ", email="ignored@example.org"), AttendeeInput("Bob", "  ")]

    assert for_seats(2, given) == [BUYER, Attendee("Bob", None)]


def test_more_attendees_than_seats_is_a_validation_error() -> None:
    with pytest.raises(errors.ValidationFailed) as raised:
        for_seats(1, [AttendeeInput("A"), AttendeeInput("B")])

    assert "attendees" in raised.value.details["fields"]


def test_every_bad_attendee_is_reported_at_once_by_position() -> None:
    given = [AttendeeInput("x" * (MAX_NAME + 1)), AttendeeInput("Ok", "not-an-email"), AttendeeInput("Line\nbreak")]

    with pytest.raises(errors.ValidationFailed) as raised:
        for_seats(3, given)

    assert set(raised.value.details["fields"]) == {"attendees[0].name", "attendees[1].email", "attendees[2].name"}


@pytest.mark.parametrize("name", ["A", "x" * MAX_NAME, "  padded  ", "O'Brien, Jr.", "Ωμέγα", "محمد"])
def test_names_of_1_to_200_characters_after_trimming_are_accepted(name: str) -> None:
    assert attendee(name).name == name.strip()


@pytest.mark.parametrize("name", ["", "   ", "x" * (MAX_NAME + 1), "tab\there", "zero\u200bwidth", "nul\x00"])
def test_empty_overlong_or_control_character_names_are_refused(name: str) -> None:
    with pytest.raises(errors.ValidationFailed) as raised:
        attendee(name)

    assert "name" in raised.value.details["fields"]


@pytest.mark.parametrize(
    "email", ["plain", "a@b", "a b@example.com", "@example.com", "a@@example.com", "x" * 250 + "@e.io"]
)
def test_e_mails_of_the_wrong_shape_are_refused(email: str) -> None:
    with pytest.raises(errors.ValidationFailed) as raised:
        attendee("Ada", email)

    assert "email" in raised.value.details["fields"]


def test_an_e_mail_is_trimmed_and_lower_cased_and_a_blank_one_is_none() -> None:
    assert attendee("Ada", "  Ada@Example.COM ").email == "ada@example.com"
    assert attendee("Ada", "").email is None


def test_attendees_are_editable_until_the_event_starts() -> None:
    assert editable(STARTS, NOW)
    assert not editable(STARTS, STARTS)


def test_an_edit_renames_the_named_seats_and_keeps_the_others() -> None:
    current = [BUYER, BUYER]

    changed = edit(current, [AttendeeInput(), AttendeeInput("Grace", "grace@example.org")], starts_at=STARTS, now=NOW)

    assert changed == [BUYER, Attendee("Grace", "grace@example.org")]


def test_an_edit_after_the_event_started_is_a_conflict() -> None:
    with pytest.raises(errors.Conflict) as raised:
        edit([BUYER], [AttendeeInput("Late")], starts_at=STARTS, now=STARTS)

    assert raised.value.details["starts_at"] == "2030-06-16T12:00:00Z"


def test_an_edit_must_name_every_seat_once() -> None:
    with pytest.raises(errors.ValidationFailed):
        edit([BUYER, BUYER], [AttendeeInput("Only one")], starts_at=STARTS, now=NOW)


def test_an_edit_is_validated_like_a_hold() -> None:
    with pytest.raises(errors.ValidationFailed) as raised:
        edit([BUYER], [AttendeeInput("Ada", "nope")], starts_at=STARTS, now=NOW)

    assert set(raised.value.details["fields"]) == {"attendees[0].email"}


def test_seats_follow_line_order_and_each_has_its_attendee() -> None:
    lines = [Line("vip", "VIP", 1, 5000), Line("ga", "General admission", 2, 2000)]
    people = [Attendee("A"), Attendee("B"), Attendee("C")]

    assert seats(lines, people) == [
        Seat(0, "vip", "VIP", Attendee("A")),
        Seat(1, "ga", "General admission", Attendee("B")),
        Seat(2, "ga", "General admission", Attendee("C")),
    ]


def test_seats_refuse_an_attendee_list_of_the_wrong_length() -> None:
    with pytest.raises(errors.ValidationFailed):
        seats([Line("ga", "GA", 2, 0)], [Attendee("A")])
