"""Prices, promo codes and ticket types: the numbers of a booking add up to the cent and never oversell."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain import errors
from domain.pricing import (
    Line,
    LineRequest,
    Misfit,
    Price,
    PromoCode,
    Shortfall,
    TicketType,
    find_promo,
    first_misfit,
    lowest_price_on_sale,
    normalise_code,
    price,
    priced_lines,
)

NOW = datetime(2030, 6, 15, 12, 0, tzinfo=UTC)
GA = Line("ga", "General admission", 2, 2000)
VIP = Line("vip", "VIP", 1, 5000)


def promo(**fields: object) -> PromoCode:
    return PromoCode(**({"code": "SUMMER"} | fields))


def kind(type_id: str = "ga", **fields: object) -> TicketType:
    return TicketType(**({"id": type_id, "name": type_id.upper(), "price_cents": 1000, "quota": 10} | fields))


def test_without_a_code_the_total_is_the_sum_of_the_lines() -> None:
    assert price([GA, VIP]) == price([GA, VIP], None) == Price(9000, 0)


@pytest.mark.parametrize(("unit", "percent", "discount"), [(333, 15, 50), (5, 10, 1), (4, 10, 0), (15, 10, 2)])
def test_a_percent_off_is_rounded_half_up_to_the_cent(unit: int, percent: int, discount: int) -> None:
    # 49.95 → 50, 0.5 → 1, 0.4 → 0, 1.5 → 2
    assert price([Line("ga", "GA", 1, unit)], promo(percent_off=percent)).discount_cents == discount


def test_a_percent_off_is_rounded_once_on_the_scoped_subtotal_not_per_line() -> None:
    lines = [Line("ga", "GA", 1, 5), Line("ga", "GA", 1, 5), Line("ga", "GA", 1, 5)]

    assert price(lines, promo(percent_off=10)).discount_cents == 2  # 1.5 → 2, where per line it would be 3


@pytest.mark.parametrize("fields", [{"percent_off": 100}, {"amount_off_cents": 10_000}])
def test_a_code_worth_the_whole_order_or_more_brings_the_total_to_zero_not_below(fields: dict) -> None:
    quote = price([GA, VIP], promo(**fields))

    assert (quote.discount_cents, quote.total_cents) == (9000, 0)


def test_a_code_for_one_type_discounts_only_the_lines_of_that_type() -> None:
    assert price([GA, VIP], promo(percent_off=50, ticket_type_ids={"vip"})).discount_cents == 2500
    assert price([GA, VIP], promo(amount_off_cents=9000, ticket_type_ids={"vip"})).discount_cents == 5000


TYPE_IDS = st.sampled_from(["ga", "vip", "student"])
lines_strategy = st.lists(
    st.builds(Line, TYPE_IDS, st.just("Type"), st.integers(1, 20), st.integers(0, 100_000)), min_size=1, max_size=6
)
scopes = st.none() | st.frozensets(TYPE_IDS, min_size=1)
codes_strategy = st.builds(PromoCode, st.just("X"), percent_off=st.integers(1, 100), ticket_type_ids=scopes) | (
    st.builds(PromoCode, st.just("X"), amount_off_cents=st.integers(1, 1_000_000), ticket_type_ids=scopes)
)


@given(lines=lines_strategy, code=codes_strategy)
def test_the_total_is_never_negative_nor_above_the_subtotal(lines: list[Line], code: PromoCode) -> None:
    quote = price(lines, code)

    assert quote.subtotal_cents == sum(line.quantity * line.unit_price_cents for line in lines)
    assert 0 <= quote.discount_cents <= quote.subtotal_cents
    assert quote.total_cents == quote.subtotal_cents - quote.discount_cents


@given(lines=lines_strategy, percent=st.integers(1, 100))
def test_a_percent_discount_is_within_half_a_cent_of_the_exact_one(lines: list[Line], percent: int) -> None:
    exact = sum(line.amount_cents for line in lines) * percent / 100

    assert abs(price(lines, promo(percent_off=percent)).discount_cents - exact) <= 0.5


@given(lines=lines_strategy, code=codes_strategy)
def test_splitting_lines_into_single_seats_does_not_change_the_discount(lines: list[Line], code: PromoCode) -> None:
    singles = [Line(x.ticket_type_id, x.name, 1, x.unit_price_cents) for x in lines for _ in range(x.quantity)]

    assert price(singles, code) == price(lines, code)


def test_codes_are_case_insensitive_and_trimmed() -> None:
    stored = promo(code="summer-10", percent_off=10)

    assert stored.code == "SUMMER-10"
    assert find_promo([promo(code="OTHER", percent_off=5), stored], "  Summer-10 ") is stored


def test_non_ascii_letters_are_not_case_folded_into_another_code() -> None:
    assert normalise_code("ﬀ") == "ﬀ"  # "ﬀ".upper() would be "FF"
    with pytest.raises(errors.PromoCodeInvalid):
        find_promo([promo(code="FF", percent_off=10)], "ﬀ")


def test_an_unknown_code_is_promo_code_invalid_a_validation_error() -> None:
    with pytest.raises(errors.PromoCodeInvalid) as raised:
        find_promo([promo(percent_off=10)], "WINTER")

    assert isinstance(raised.value, errors.ValidationFailed)
    assert (raised.value.code, raised.value.details["reason"]) == ("promo_code_invalid", "unknown")


REFUSED = {
    "expired": promo(percent_off=10, valid_until=NOW - timedelta(microseconds=1)),
    "used_up": promo(percent_off=10, max_uses=2, uses=2),
    "not_applicable": promo(percent_off=10, ticket_type_ids={"vip"}),  # the order has general admission only
}


@pytest.mark.parametrize("reason", REFUSED)
def test_an_expired_used_up_or_inapplicable_code_is_promo_code_invalid_with_the_reason(reason: str) -> None:
    with pytest.raises(errors.PromoCodeInvalid) as raised:
        REFUSED[reason].ensure_usable([GA], NOW)

    assert (raised.value.code, raised.value.details["reason"]) == ("promo_code_invalid", reason)


def test_a_code_is_good_up_to_and_including_its_valid_until() -> None:
    promo(percent_off=10, valid_until=NOW).ensure_usable([GA], NOW)


def test_taking_the_last_use_is_refused_and_a_use_given_back_makes_the_code_usable_again() -> None:
    code = promo(percent_off=10, max_uses=2, uses=1).with_use_taken()

    assert (code.uses, code.remaining) == (2, 0)
    with pytest.raises(errors.PromoCodeInvalid):
        code.with_use_taken()
    code.with_use_given_back().ensure_usable([GA], NOW)
    assert promo(percent_off=10, uses=1_000).remaining is None  # no limit
    assert promo(percent_off=10).with_use_given_back().uses == 0  # never below zero


PCT = {"percent_off": 10}
MALFORMED_CODES = [
    (PCT | {"amount_off_cents": 100}, "percent_off"), ({}, "percent_off"), ({"percent_off": 0}, "percent_off"),
    ({"percent_off": 101}, "percent_off"), ({"amount_off_cents": 0}, "amount_off_cents"),
    (PCT | {"max_uses": 0}, "max_uses"), (PCT | {"ticket_type_ids": frozenset()}, "ticket_type_ids"),
    (PCT | {"code": "two words"}, "code"), (PCT | {"code": "   "}, "code"), (PCT | {"code": "-LEADING"}, "code"),
    (PCT | {"code": "X" * 65}, "code"),
]  # fmt: skip


@pytest.mark.parametrize(("fields", "field"), MALFORMED_CODES)
def test_a_malformed_promo_code_is_a_validation_error_naming_the_field(fields: dict, field: str) -> None:
    with pytest.raises(errors.ValidationFailed) as raised:
        promo(**fields)

    assert raised.value.code == "validation_error"
    assert field in raised.value.details["fields"]


def test_a_type_is_on_sale_from_its_start_until_just_before_its_end() -> None:
    window = kind(sales_start=NOW, sales_end=NOW + timedelta(days=1))

    assert not window.on_sale(NOW - timedelta(seconds=1))
    assert window.on_sale(NOW)
    assert not window.on_sale(NOW + timedelta(days=1))
    assert kind().on_sale(NOW)


def test_what_is_left_of_a_type_is_its_quota_less_sold_and_held_which_the_quota_cannot_drop_below() -> None:
    assert (kind(quota=10, taken=5).available, kind(quota=4, taken=5).available) == (5, 0)
    with pytest.raises(errors.CapacityBelowSold) as raised:
        kind(quota=10, taken=6).with_quota(5)

    assert raised.value.details == {"ticket_type_id": "ga", "seats_taken": 6}
    assert kind(quota=10, taken=6).with_quota(6).available == 0


MALFORMED_TYPES = [
    ({"name": "  "}, "name"), ({"name": "x" * 201}, "name"), ({"price_cents": -1}, "price_cents"),
    ({"quota": -1}, "quota"), ({"max_per_order": 0}, "max_per_order"),
    ({"sales_start": NOW, "sales_end": NOW}, "sales_end"),
]  # fmt: skip


@pytest.mark.parametrize(("fields", "field"), MALFORMED_TYPES)
def test_a_malformed_ticket_type_is_a_validation_error(fields: dict, field: str) -> None:
    with pytest.raises(errors.ValidationFailed) as raised:
        kind(**fields)

    assert field in raised.value.details["fields"]


def test_the_lowest_price_on_sale_ignores_types_sold_out_or_outside_their_window() -> None:
    sold_out, ended = kind("cheap", price_cents=500, quota=2, taken=2), kind("early", price_cents=700, sales_end=NOW)

    assert (
        lowest_price_on_sale([sold_out, ended, kind("ga", price_cents=2000), kind("vip", price_cents=5000)], NOW)
        == 2000
    )
    assert lowest_price_on_sale([], NOW) is None


def requests(*pairs: tuple[str, int]) -> list[LineRequest]:
    return [LineRequest(type_id, quantity) for type_id, quantity in pairs]


TYPES = [
    kind("ga", quota=10, taken=4),
    kind("vip", quota=3, price_cents=5000, max_per_order=2),
    kind("late", sales_start=NOW + timedelta(hours=1)),
]
MAX = Shortfall.MAX_PER_ORDER


def test_lines_that_fit_are_priced_at_their_types_prices() -> None:
    lines = priced_lines(requests(("ga", 2), ("vip", 1)), TYPES, seats_available=20, now=NOW)

    assert lines == [Line("ga", "GA", 2, 1000), Line("vip", "VIP", 1, 5000)]


MISFITS = {
    "all fit": ([("ga", 6), ("vip", 2)], 20, None),
    "unknown type": ([("ga", 1), ("other", 1)], 20, Misfit("other", Shortfall.UNKNOWN_TYPE, 0)),
    "one type's lines count together": ([("vip", 1), ("ga", 1), ("vip", 2)], 20, Misfit("vip", MAX, 1)),
    "type sold out": ([("ga", 7)], 20, Misfit("ga", Shortfall.TYPE_SOLD_OUT, 6)),
    "event seats over all types": ([("ga", 3), ("vip", 2)], 4, Misfit("vip", Shortfall.EVENT_SOLD_OUT, 1)),
    "least of type and event": ([("ga", 8)], 2, Misfit("ga", Shortfall.TYPE_SOLD_OUT, 2)),
    "only the first": ([("ga", 1), ("vip", 3), ("ga", 50)], 20, Misfit("vip", MAX, 2)),
    "outside its sales window": ([("late", 1)], 20, Misfit("late", Shortfall.NOT_ON_SALE, 0)),
}


@pytest.mark.parametrize(("asked", "seats", "expected"), MISFITS.values(), ids=MISFITS.keys())
def test_the_first_line_that_does_not_fit_is_reported_with_what_is_left(
    asked: list[tuple[str, int]], seats: int, expected: Misfit | None
) -> None:
    assert first_misfit(requests(*asked), TYPES, seats_available=seats, now=NOW) == expected


ERRORS = [("unknown_ticket_type", "validation_error"), ("not_on_sale", "event_not_on_sale"),
          ("max_per_order", "validation_error"), ("sold_out", "sold_out"), ("event_sold_out", "sold_out")]  # fmt: skip


@pytest.mark.parametrize(("reason", "code"), ERRORS)
def test_each_misfit_becomes_the_contract_error_with_the_type_and_what_is_left(reason: str, code: str) -> None:
    error = Misfit("vip", Shortfall(reason), 1).error()

    assert (error.code, error.details["ticket_type_id"], error.details["available"]) == (code, "vip", 1)
    assert error.details["reason"] == reason


def test_priced_lines_raise_sold_out_for_a_line_that_does_not_fit() -> None:
    with pytest.raises(errors.SoldOut) as raised:
        priced_lines(requests(("ga", 7)), TYPES, seats_available=20, now=NOW)

    assert (raised.value.details["ticket_type_id"], raised.value.details["available"]) == ("ga", 6)


def test_a_booking_needs_lines_of_at_least_one_seat() -> None:
    with pytest.raises(errors.ValidationFailed):
        priced_lines([], TYPES, seats_available=20, now=NOW)
    with pytest.raises(errors.ValidationFailed):
        LineRequest("ga", 0)


@given(
    quotas=st.lists(st.tuples(st.integers(0, 6), st.integers(0, 6)), min_size=1, max_size=3),
    seats=st.integers(0, 12),
    asked=st.lists(st.tuples(st.integers(0, 2), st.integers(1, 5)), min_size=1, max_size=5),
)
def test_lines_fit_exactly_when_no_type_and_not_the_event_would_be_oversold(
    quotas: list[tuple[int, int]], seats: int, asked: list[tuple[int, int]]
) -> None:
    types = [kind(f"t{i}", quota=quota, taken=sold) for i, (quota, sold) in enumerate(quotas)]
    wanted = requests(*((f"t{which % len(types)}", quantity) for which, quantity in asked))

    def misfit(lines: list[LineRequest]) -> Misfit | None:
        return first_misfit(lines, types, seats_available=seats, now=NOW)

    found = misfit(wanted)

    per_type = {t.id: sum(r.quantity for r in wanted if r.ticket_type_id == t.id) for t in types}
    fits = all(per_type[t.id] <= t.available for t in types) and sum(r.quantity for r in wanted) <= seats
    assert (found is None) == fits
    if found is not None:
        # The misfit is the first line that breaks a limit, and what it says is left can be had instead.
        index = next(i for i in range(len(wanted)) if misfit(wanted[: i + 1]) is not None)
        assert wanted[index].ticket_type_id == found.ticket_type_id
        instead = [LineRequest(found.ticket_type_id, found.available)] if found.available else []
        assert misfit(wanted[:index] + instead) is None
