"""Tickets on real PostgreSQL: issued by the confirming statement (and by the reconciler), voided with the booking or
the event, checked in by exactly one of twenty gates at once; and migration 0009's General admission for old events
on PostgreSQL and SQLite."""

from __future__ import annotations

import asyncio
import csv
import io
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import policy
from email.parser import BytesParser
from pathlib import Path

import psycopg
import pytest
from alembic import command
from sqlalchemy import create_engine, make_url, text

from adapters.db import create_engine as create_async_engine
from adapters.db import uow_factory
from adapters.db.migrate import alembic_config, upgrade
from adapters.messaging.mailers import FileMailer
from adapters.messaging.relay import InProcessTransport, OutboxRelay
from adapters.ticket_render import render_tickets_pdf
from domain import errors
from domain.accounts import Principal, Role
from domain.booking import BookingService
from domain.catalog import CatalogService
from domain.checkin import CheckInService
from domain.holding import HoldRequest
from domain.notifications import NotificationService
from domain.paying import PayRequest
from domain.ports import UnitOfWorkFactory
from domain.ticket_codes import TicketCodes
from domain.ticketing import TicketService
from domain.tickets import Ticket, TicketStatus
from tests.fakes import GOOD_CARD, SLOW_CARD, FakeGateway
from tests.integration.conftest import PG_SERVER
from tests.integration.it_support import FixedClock, add_buyers, add_event
from tests.integration.test_outbox import relay_all
from tests.unit.test_ticket_render import page_count

CODES = TicketCodes.from_secret("integration-ticket-secret-" + "x" * 32)


def service(uow: UnitOfWorkFactory, clock: FixedClock, gateway: FakeGateway | None = None) -> BookingService:
    return BookingService(uow=uow, gateway=gateway or FakeGateway(), clock=clock, ticket_codes=CODES)


def pay_request(booking_id: str, key: str, card: str = GOOD_CARD) -> PayRequest:
    return PayRequest(booking_id, card, 12, 2099, "123", key)


async def paid(bookings: BookingService, buyer: Principal, event_id: str, quantity: int, key: str) -> str:
    held = await bookings.hold(HoldRequest(buyer, event_id, quantity, f"{key}-hold"))
    confirmed = await bookings.pay(buyer, pay_request(held.id, f"{key}-pay"))
    assert confirmed.status.value == "confirmed"
    return confirmed.id


async def test_one_confirming_statement_issues_every_seats_ticket_with_a_verifiable_code(
    pg_uow: UnitOfWorkFactory,
) -> None:
    clock = FixedClock(datetime.now(UTC))
    event = await add_event(pg_uow, capacity=50, now=clock.now())
    buyers = await add_buyers(pg_uow, 5, clock.now())
    bookings = service(pg_uow, clock)
    holds = [await bookings.hold(HoldRequest(b, event.id, i + 1, "hold")) for i, b in enumerate(buyers)]
    answers = await bookings.pay_many([(b, pay_request(h.id, "pay")) for b, h in zip(buyers, holds, strict=True)])
    assert all(getattr(a, "status", None) is not None and a.status.value == "confirmed" for a in answers)

    tickets = TicketService(uow=pg_uow)
    catalog = CatalogService(uow=pg_uow, clock=clock)
    (ga,) = (await catalog.get_event(event.id)).ticket_types
    for i, (buyer, held) in enumerate(zip(buyers, holds, strict=True)):
        issued = (await tickets.of_booking(buyer, booking_id=held.id)).tickets
        assert len(issued) == i + 1
        assert all(CODES.verify(t.code) == t.id for t in issued)
        assert {(t.status, t.ticket_type_id, t.type_name, t.attendee_name, t.attendee_email) for t in issued} == {
            (TicketStatus.VALID, ga.id, "General admission", "Buyer", await email_of(pg_uow, buyer))
        }


async def email_of(uow: UnitOfWorkFactory, buyer: Principal) -> str:
    async with uow() as tx:
        user = await tx.users.get(buyer.user_id)
    assert user is not None
    return user.email


async def test_a_charge_the_reconciler_settles_gets_its_tickets_in_that_transaction(pg_uow: UnitOfWorkFactory) -> None:
    clock = FixedClock(datetime.now(UTC))
    event = await add_event(pg_uow, capacity=10, now=clock.now())
    (buyer,) = await add_buyers(pg_uow, 1, clock.now())
    bookings = service(pg_uow, clock)
    held = await bookings.hold(HoldRequest(buyer, event.id, 3, "hold"))
    with pytest.raises(errors.Timeout):
        await bookings.pay(buyer, pay_request(held.id, "pay", SLOW_CARD))
    clock.advance(timedelta(minutes=1))

    assert await bookings.settlement.reconcile() >= 1

    issued = (await TicketService(uow=pg_uow).of_booking(buyer, booking_id=held.id)).tickets
    assert len(issued) == 3 and all(CODES.verify(t.code) == t.id for t in issued)


async def test_twenty_gates_scanning_one_code_at_once_admit_it_exactly_once(pg_uow: UnitOfWorkFactory) -> None:
    clock = FixedClock(datetime.now(UTC))
    event = await add_event(pg_uow, capacity=10, now=clock.now())
    (buyer,) = await add_buyers(pg_uow, 1, clock.now())
    bookings = service(pg_uow, clock)
    booking_id = await paid(bookings, buyer, event.id, 1, "race")
    (ticket,) = (await TicketService(uow=pg_uow).of_booking(buyer, booking_id=booking_id)).tickets
    organizer = Principal(event.organizer_id, Role.ORGANIZER, "session")
    door = CheckInService(uow=pg_uow, clock=clock, codes=CODES)

    scans = await asyncio.gather(
        *(door.check_in(organizer, event_id=event.id, code=ticket.code) for _ in range(20)), return_exceptions=True
    )

    admitted = [s for s in scans if isinstance(s, Ticket)]
    assert len(admitted) == 1 and admitted[0].status is TicketStatus.CHECKED_IN
    assert sum(isinstance(s, errors.AlreadyCheckedIn) for s in scans) == 19
    stats = await door.stats(organizer, event_id=event.id)
    assert (stats.total, stats.checked_in) == (1, 1)


async def test_cancelling_a_booking_or_the_event_voids_its_tickets(pg_uow: UnitOfWorkFactory) -> None:
    clock = FixedClock(datetime.now(UTC))
    event = await add_event(pg_uow, capacity=10, now=clock.now())
    first, second = await add_buyers(pg_uow, 2, clock.now())
    bookings = service(pg_uow, clock)
    refunded = await paid(bookings, first, event.id, 2, "one")
    clock.advance(timedelta(seconds=1))
    kept = await paid(bookings, second, event.id, 1, "two")
    tickets = TicketService(uow=pg_uow)
    organizer = Principal(event.organizer_id, Role.ORGANIZER, "session")
    door = CheckInService(uow=pg_uow, clock=clock, codes=CODES)

    assert (await bookings.cancel(first, booking_id=refunded)).status.value == "cancelled"
    voided = (await tickets.of_booking(first, booking_id=refunded)).tickets
    assert {t.status for t in voided} == {TicketStatus.VOID} and all(t.voided_at for t in voided)
    with pytest.raises(errors.TicketVoid):
        await door.check_in(organizer, event_id=event.id, code=voided[0].code)
    assert (await door.stats(organizer, event_id=event.id)).total == 1

    await CatalogService(uow=pg_uow, clock=clock).cancel_event(organizer, event.id)
    assert {t.status for t in (await tickets.of_booking(second, booking_id=kept)).tickets} == {TicketStatus.VOID}
    rows = list(csv.DictReader(io.StringIO(await tickets.attendees_csv(organizer, event_id=event.id))))
    assert sorted(r["status"] for r in rows) == ["void"] * 3
    orders = list(csv.DictReader(io.StringIO(await tickets.orders_csv(organizer, event_id=event.id))))
    assert [(o["booking_id"], o["seats"]) for o in orders] == [(refunded, "2"), (kept, "1")]


# --- migration 0009 ----------------------------------------------------------------------------------------


@pytest.fixture
def fresh_pg() -> Iterator[str]:
    server = make_url(PG_SERVER)
    name = f"eventbook_it_{secrets.token_hex(6)}"
    try:
        admin = psycopg.connect(server.set(drivername="postgresql").render_as_string(False), autocommit=True)
    except psycopg.OperationalError as exc:
        pytest.skip(f"no PostgreSQL at {PG_SERVER}: {exc}")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield server.set(drivername="postgresql+psycopg", database=name).render_as_string(False)
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _old_events_then_head(url: str) -> list[tuple[str, str, int, int, int]]:
    """Events written at revision 0008 (before ticket types), then the upgrade to the head: their types."""
    command.upgrade(alembic_config(url), "0008")
    engine = create_engine(url)
    at = datetime(2026, 1, 5, 12, tzinfo=UTC).replace(tzinfo=None if url.startswith("sqlite") else UTC)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO users (id, email, name, role, password_hash, created_at) "
                "VALUES ('org', 'org@example.com', 'Org', 'organizer', 'x', :at)"
            ),
            {"at": at},
        )
        for event_id, capacity, price in (("old-1", 120, 1500), ("old-2", 8, 0)):
            conn.execute(
                text(
                    "INSERT INTO events (id, organizer_id, title, description, category, venue, starts_at, ends_at, "
                    "capacity, seats_available, price_cents, currency, status, created_at) VALUES (:id, 'org', 'Old', "
                    "'', '', '', :at, :at, :capacity, :capacity, :price, 'EUR', 'published', :at)"
                ),
                {"id": event_id, "at": at, "capacity": capacity, "price": price},
            )
    upgrade(url)
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT event_id, name, price_cents, quota, position FROM ticket_types ORDER BY event_id")
        ).all()
    engine.dispose()
    return [tuple(row) for row in rows]  # type: ignore[misc]


EXPECTED_TYPES = [("old-1", "General admission", 1500, 120, 0), ("old-2", "General admission", 0, 8, 0)]


def test_events_from_before_the_migration_get_general_admission_on_postgres(fresh_pg: str) -> None:
    assert _old_events_then_head(fresh_pg) == EXPECTED_TYPES


def test_events_from_before_the_migration_get_general_admission_on_sqlite(tmp_path: Path) -> None:
    assert _old_events_then_head(f"sqlite:///{tmp_path / 'old.db'}") == EXPECTED_TYPES


async def test_the_confirmation_email_carries_a_pdf_of_the_tickets_made_when_it_is_sent(
    sqlite_url: str, tmp_path: Path
) -> None:
    engine = create_async_engine(sqlite_url)
    try:
        uow = uow_factory(engine)
        clock = FixedClock(datetime.now(UTC))
        event = await add_event(uow, capacity=10, now=clock.now())
        (buyer,) = await add_buyers(uow, 1, clock.now())
        booking_id = await paid(service(uow, clock), buyer, event.id, 3, "mail")  # SQLite: the portable statements
        mail = tmp_path / "mail"
        notifications = NotificationService(
            uow=uow, mailer=FileMailer(mail), clock=clock, tickets_pdf=render_tickets_pdf
        )
        await relay_all(OutboxRelay(engine, InProcessTransport([notifications.handle])))

        confirmations = [
            m for m in (BytesParser(policy=policy.default).parsebytes(p.read_bytes()) for p in mail.glob("*.eml"))
            if "receipt" in str(m["Subject"])
        ]  # fmt: skip
        (message,) = confirmations
        (attachment,) = list(message.iter_attachments())
        pdf = attachment.get_content()
        assert attachment.get_filename() == f"tickets-{booking_id}.pdf"
        assert attachment.get_content_type() == "application/pdf"
        assert pdf.startswith(b"%PDF") and page_count(pdf) == 3
    finally:
        await engine.dispose()
