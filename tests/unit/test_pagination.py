"""Keyset cursors and page limits."""

from datetime import UTC, datetime, timedelta

import pytest

from domain import errors
from domain.accounts import Principal
from domain.catalog import CatalogService
from domain.pagination import MAX_LIMIT, Position, check_limit, decode_cursor, encode_cursor
from domain.ports import EventFilter
from tests.unit.conftest import Answered


def test_a_cursor_round_trips_the_position() -> None:
    position = Position(datetime(2030, 1, 1, 12, 30, tzinfo=UTC), "a1b2")

    assert decode_cursor(encode_cursor(position)) == position


def test_no_cursor_means_the_first_page() -> None:
    assert decode_cursor(None) is None
    assert decode_cursor("") is None


@pytest.mark.parametrize("cursor", ["not base64 !!", "bm90IGpzb24", "WzFd", "WyJub3QtYS1kYXRlIiwgIngiXQ"])
def test_a_tampered_cursor_is_a_validation_error(cursor: str) -> None:
    with pytest.raises(errors.ValidationFailed) as raised:
        decode_cursor(cursor)
    assert raised.value.details == {"fields": {"cursor": "invalid"}}


@pytest.mark.parametrize("limit", [0, -5, MAX_LIMIT + 1])
def test_a_limit_out_of_range_is_refused(limit: int) -> None:
    with pytest.raises(errors.ValidationFailed):
        check_limit(limit)


def test_limits_at_the_bounds_are_accepted() -> None:
    assert (check_limit(1), check_limit(MAX_LIMIT)) == (1, MAX_LIMIT)


async def test_listing_events_refuses_a_bad_limit_or_cursor(catalog: CatalogService) -> None:
    with pytest.raises(errors.ValidationFailed):
        await catalog.list_events(EventFilter(), limit=0)
    with pytest.raises(errors.ValidationFailed):
        await catalog.list_events(EventFilter(), cursor="garbage!")


async def test_listing_bookings_refuses_a_bad_limit(bookings: Answered, customer: Principal) -> None:
    with pytest.raises(errors.ValidationFailed):
        await bookings.list(customer, limit=MAX_LIMIT + 1)


async def test_an_empty_list_has_no_next_cursor(
    catalog: CatalogService, bookings: Answered, customer: Principal
) -> None:
    assert (await catalog.list_events(EventFilter())).next_cursor is None
    page = await bookings.list(customer)
    assert (page.items, page.next_cursor) == ([], None)


def test_cursors_order_like_the_rows_they_name() -> None:
    at = datetime(2030, 1, 1, tzinfo=UTC)
    earlier, later = Position(at, "b"), Position(at + timedelta(seconds=1), "a")

    assert decode_cursor(encode_cursor(earlier)) == earlier
    assert (earlier.at, earlier.id) < (later.at, later.id)
