"""How the waiting lists' offers fared, counted from the tables (the Messaging deployment publishes them as gauges
every few seconds, next to the outbox backlog).

Offers are made inside the release's transaction by whichever replica freed the seats (a reaper, a cancellation,
a capacity change) and taken by whichever replica confirmed the payment; counting them from the rows they leave
gives one exact figure for the whole platform, with no counter to lose or double when a replica restarts."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.db.tables import bookings
from adapters.db.waitlist_tables import waitlist_entries
from domain.model import BookingStatus


@dataclass(frozen=True)
class OfferCounts:
    waiting: int  # entries without an offer yet
    made: int  # entries that were offered seats (each entry's latest offer)
    taken: int  # offers paid for
    expired: int  # offers not paid in time (their seats went to the next entries)


def _count(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


async def offer_counts(engine: AsyncEngine) -> OfferCounts:
    offer = bookings.alias("offer")
    query = select(
        _count(waitlist_entries.c.booking_id.is_(None)),
        _count(waitlist_entries.c.booking_id.is_not(None)),
        _count(offer.c.confirmed_at.is_not(None)),
        _count(offer.c.status == BookingStatus.EXPIRED.value),
    ).select_from(waitlist_entries.outerjoin(offer, offer.c.id == waitlist_entries.c.booking_id))
    async with engine.connect() as conn:
        waiting, made, taken, expired = (await conn.execute(query)).one()
    return OfferCounts(int(waiting), int(made), int(taken), int(expired))
