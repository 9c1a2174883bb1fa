"""Rules that live on the entities themselves."""

from datetime import UTC, datetime, timedelta

import pytest

from domain import errors
from domain.model import Booking, BookingStatus, Event, EventStatus
from domain.payments import Card, luhn_valid

NOW = datetime(2030, 6, 15, 12, 0, tzinfo=UTC)


def make_event(capacity: int = 10, seats_available: int = 10) -> Event:
    return Event(
        id="e1", organizer_id="o1", title="Gig", description="", category="music", venue="Hall",
        starts_at=NOW + timedelta(days=1), ends_at=NOW + timedelta(days=1, hours=2),
        capacity=capacity, seats_available=seats_available, price_cents=1000, currency="EUR",
        status=EventStatus.PUBLISHED, created_at=NOW,
    )  # fmt: skip


def make_booking(**overrides: object) -> Booking:
    fields: dict = {
        "id": "b1", "event_id": "e1", "user_id": "u1", "quantity": 2, "status": BookingStatus.PENDING,
        "amount_cents": 2000, "currency": "EUR", "created_at": NOW, "expires_at": NOW + timedelta(minutes=10),
    } | overrides  # fmt: skip
    return Booking(**fields)


@pytest.mark.parametrize(
    "number", ["4242424242424242", "4000000000000002", "4000000000009995", "4000000000000259", "4111111111111111"]
)
def test_sandbox_and_well_known_card_numbers_pass_the_luhn_check(number: str) -> None:
    assert luhn_valid(number)


@pytest.mark.parametrize("number", ["4242424242424241", "4000000000000003", "1234567812345678"])
def test_a_mistyped_digit_fails_the_luhn_check(number: str) -> None:
    assert not luhn_valid(number)


def test_card_parse_accepts_spaces_and_dashes_and_keeps_only_digits() -> None:
    card = Card.parse("4242 4242-4242 4242", 12, 2031, "123", now=NOW)

    assert card.number == "4242424242424242"
    assert card.last4 == "4242"


def test_card_parse_reports_every_invalid_field_at_once() -> None:
    with pytest.raises(errors.ValidationFailed) as raised:
        Card.parse("4242 4242 4242 4241", 13, 2031, "12", now=NOW)

    assert raised.value.code == "validation_error"
    assert set(raised.value.details["fields"]) == {"card_number", "exp_month", "cvc"}


@pytest.mark.parametrize("number", ["42424242", "4242x24242424242", "4" * 20, "", "4242424242424242²"])
def test_card_numbers_of_the_wrong_shape_are_invalid_not_a_crash(number: str) -> None:
    with pytest.raises(errors.ValidationFailed) as raised:
        Card.parse(number, 12, 2031, "123", now=NOW)

    assert "card_number" in raised.value.details["fields"]


def test_a_card_that_expired_last_month_is_refused_but_this_month_is_fine() -> None:
    Card.parse("4242424242424242", 6, 2030, "123", now=NOW)

    with pytest.raises(errors.ValidationFailed) as raised:
        Card.parse("4242424242424242", 5, 2030, "123", now=NOW)
    assert raised.value.details["fields"] == {"exp_year": "The card has expired."}


def test_the_cvc_is_never_shown_in_the_card_repr() -> None:
    assert "987" not in repr(Card.parse("4242424242424242", 12, 2031, "987", now=NOW))


def test_resize_keeps_the_seats_taken_and_moves_the_free_ones() -> None:
    event = make_event(capacity=10, seats_available=4)

    event.resize(20)

    assert (event.capacity, event.seats_available, event.seats_taken) == (20, 14, 6)


def test_resize_down_to_exactly_the_seats_taken_leaves_none_free() -> None:
    event = make_event(capacity=10, seats_available=4)

    event.resize(6)

    assert (event.capacity, event.seats_available) == (6, 0)


def test_resize_below_the_seats_taken_is_refused_and_changes_nothing() -> None:
    event = make_event(capacity=10, seats_available=4)

    with pytest.raises(errors.CapacityBelowSold) as raised:
        event.resize(5)

    assert raised.value.details == {"seats_taken": 6}
    assert (event.capacity, event.seats_available) == (10, 4)


def test_an_event_that_has_ended_is_not_on_sale() -> None:
    event = make_event()

    with pytest.raises(errors.EventNotOnSale):
        event.ensure_on_sale(event.ends_at)


def test_a_cancelled_event_says_so_rather_than_merely_not_on_sale() -> None:
    event = make_event()
    event.status = EventStatus.CANCELLED

    with pytest.raises(errors.EventCancelled):
        event.ensure_on_sale(NOW)


def test_a_hold_past_expiry_is_not_payable_unless_a_charge_is_already_in_flight() -> None:
    booking = make_booking()
    later = booking.expires_at

    with pytest.raises(errors.HoldExpired):
        booking.ensure_payable(later)

    booking.start_charge("k1", NOW)
    booking.ensure_payable(later)  # the retry of a charge begun in time may finish


def test_a_second_charge_key_cannot_start_while_one_is_in_flight() -> None:
    booking = make_booking()
    booking.start_charge("k1", NOW)

    with pytest.raises(errors.PaymentInProgress):
        booking.start_charge("k2", NOW)


def test_a_booking_whose_cancellation_is_under_way_is_not_payable() -> None:
    booking = make_booking(cancel_requested_at=NOW)

    with pytest.raises(errors.BookingNotPending):
        booking.ensure_payable(NOW)


def test_domain_errors_survive_pickling_with_their_code_and_details() -> None:
    import pickle

    error = errors.SoldOut("Only 3 seats are left for this event.", seats_available=3)

    assert pickle.loads(pickle.dumps(error)) == error
