"""Business metrics of the platform, exported by Ray next to Serve's own (see loadtests/RESULTS.md, cluster/grafana/).

Ray prefixes user metrics with `ray_` and counters get Prometheus's `_total`: `eventbook_holds_created` is scraped as
`ray_eventbook_holds_created_total`. Each metric also carries Serve's `deployment`, `replica` and `application` tags.

The metrics are made on first use inside a replica (Serve adds its tags only there). Recording never fails a request:
an error while recording is logged and dropped. An idempotent replay of a hold or a payment is counted again (it
answers the same booking); replays are rare next to first attempts.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

from ray.serve import metrics

from domain import errors
from domain.model import Booking, BookingStatus

log = logging.getLogger("eventbook.metrics")

P = ParamSpec("P")
R = TypeVar("R")

# Seconds from a hold to its confirmation: people take seconds to minutes; holds last 10 minutes by default.
HOLD_TO_PAYMENT_BUCKETS_S = [1.0, 2.0, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0]

# The names as Prometheus sees them (what dashboards and tests query).
EXPORTED = {
    "holds_created": "ray_eventbook_holds_created_total",
    "seats_held": "ray_eventbook_seats_held_total",
    "seats_sold": "ray_eventbook_seats_sold_total",
    "bookings_confirmed": "ray_eventbook_bookings_confirmed_total",
    "holds_expired": "ray_eventbook_holds_expired_total",
    "sold_out_refusals": "ray_eventbook_sold_out_refusals_total",
    "payment_declines": "ray_eventbook_payment_declines_total",
    "payment_timeouts": "ray_eventbook_payment_timeouts_total",
    "hold_to_payment_seconds": "ray_eventbook_hold_to_payment_seconds",
    "outbox_backlog": "ray_eventbook_outbox_backlog",
    "db_round_trips": "ray_eventbook_db_round_trips_total",
}


@dataclass(frozen=True)
class BusinessMetrics:
    holds_created: metrics.Counter
    seats_held: metrics.Counter
    bookings_confirmed: metrics.Counter
    seats_sold: metrics.Counter
    holds_expired: metrics.Counter
    sold_out_refusals: metrics.Counter
    payment_declines: metrics.Counter
    payment_timeouts: metrics.Counter
    hold_to_payment_seconds: metrics.Histogram
    outbox_backlog: metrics.Gauge
    db_round_trips: metrics.Counter


@functools.cache
def business() -> BusinessMetrics:
    return BusinessMetrics(
        holds_created=metrics.Counter("eventbook_holds_created", description="Holds created (seats taken)."),
        seats_held=metrics.Counter("eventbook_seats_held", description="Seats taken by new holds."),
        bookings_confirmed=metrics.Counter("eventbook_bookings_confirmed", description="Bookings paid and confirmed."),
        seats_sold=metrics.Counter("eventbook_seats_sold", description="Seats of confirmed bookings."),
        holds_expired=metrics.Counter(
            "eventbook_holds_expired", description="Unpaid holds released by the settlement loop at their expiry."
        ),
        sold_out_refusals=metrics.Counter(
            "eventbook_sold_out_refusals", description="Holds refused because too few seats were left (409)."
        ),
        payment_declines=metrics.Counter(
            "eventbook_payment_declines", description="Payments declined by the gateway (402).", tag_keys=("code",)
        ),
        payment_timeouts=metrics.Counter(
            "eventbook_payment_timeouts", description="Payments whose outcome was not known in time (504)."
        ),
        hold_to_payment_seconds=metrics.Histogram(
            "eventbook_hold_to_payment_seconds",
            description="Seconds from a hold's creation to its confirmation.",
            boundaries=HOLD_TO_PAYMENT_BUCKETS_S,
        ),
        outbox_backlog=metrics.Gauge("eventbook_outbox_backlog", description="Outbox messages not relayed yet."),
        db_round_trips=metrics.Counter(
            "eventbook_db_round_trips",
            description="Round trips to the database (statements, BEGIN, COMMIT) by role: request, relay, mail, ...",
            tag_keys=("role",),
        ),
    )


def _safely(record: Callable[[Any], None], result: Any) -> None:
    try:
        record(result)
    except Exception:  # a metric must never fail the request it describes
        log.exception("could not record a metric")


def _record_holds(result: Any) -> None:
    m = business()
    for answer in result if isinstance(result, list) else [result]:
        if isinstance(answer, errors.SoldOut):
            m.sold_out_refusals.inc()
        elif isinstance(answer, Booking) and answer.status is BookingStatus.PENDING:
            m.holds_created.inc()
            m.seats_held.inc(answer.quantity)


def _record_payments(result: Any) -> None:
    m = business()
    for answer in result if isinstance(result, list) else [result]:
        if isinstance(answer, errors.PaymentDeclined):
            m.payment_declines.inc(tags={"code": answer.code})
        elif isinstance(answer, errors.Timeout):
            m.payment_timeouts.inc()
        elif isinstance(answer, Booking) and answer.status is BookingStatus.CONFIRMED and answer.confirmed_at:
            m.bookings_confirmed.inc()
            m.seats_sold.inc(answer.quantity)
            m.hold_to_payment_seconds.observe(max((answer.confirmed_at - answer.created_at).total_seconds(), 0.0))


def _observing(record: Callable[[Any], None]) -> Callable[[Callable[P, Awaitable[R]]], Callable[P, Awaitable[R]]]:
    """Decorate a deployment method returning a value or a DomainError (`returns_domain_errors`): record it."""

    def decorate(method: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
        @functools.wraps(method)
        async def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            result = await method(*args, **kwargs)
            _safely(record, result)
            return result

        return wrapper

    return decorate


observe_holds = _observing(_record_holds)
observe_payments = _observing(_record_payments)


def holds_expired(count: int) -> None:
    if count:
        _safely(lambda n: business().holds_expired.inc(n), count)


def outbox_backlog(count: int) -> None:
    _safely(lambda n: business().outbox_backlog.set(n), count)


def db_round_trip(role: str) -> None:
    """A listener of adapters/db/round_trips.py: every round trip of this replica, by role."""
    _safely(lambda r: business().db_round_trips.inc(tags={"role": r}), role)
