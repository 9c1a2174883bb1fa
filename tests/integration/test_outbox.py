"""The outbox on real services: RabbitMQ down then back, a poison message, real SMTP, the in-process path."""

from __future__ import annotations

import asyncio
import secrets
import socket
from collections.abc import Iterator
from email import message_from_bytes
from pathlib import Path
from typing import Any

import pika
import pytest
from aiosmtpd.controller import Controller
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.db import create_engine, uow_factory
from adapters.messaging.mailers import FileMailer, SmtpMailer
from adapters.messaging.rabbit import RabbitConsumer, RabbitTransport, Topology, encode
from adapters.messaging.relay import InProcessTransport, OutboxRelay
from domain.booking import BookingService
from domain.messages import Message
from domain.notifications import Email, NotificationService
from domain.ports import UnitOfWorkFactory
from tests.answered import Answered
from tests.integration.it_support import FakeGateway, FixedClock, add_buyers, add_event, pay

AMQP = "amqp://guest:guest@127.0.0.1:5672/%2F"


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class CountingMailer:
    def __init__(self) -> None:
        self.sent: list[Email] = []

    async def send(self, email: Email) -> None:
        self.sent.append(email)

    def for_bookings(self, ids: set[str]) -> list[str]:
        return [i for e in self.sent for i in ids if i in e.body]


@pytest.fixture
def topology() -> Iterator[Topology]:
    """Exchanges and queues of this test alone, deleted afterwards."""
    topo = Topology(prefix=f"test-{secrets.token_hex(4)}", delivery_limit=2)
    yield topo
    with pika.BlockingConnection(pika.URLParameters(AMQP)) as connection:
        channel = connection.channel()
        for queue in (topo.queue("notifications"), topo.dead_letter_queue("notifications")):
            channel.queue_delete(queue)
        for exchange in (topo.exchange, topo.dead_letter_exchange):
            channel.exchange_delete(exchange)


async def confirmed_bookings(uow: UnitOfWorkFactory, count: int) -> set[str]:
    clock = FixedClock()
    service = Answered(BookingService(uow=uow, gateway=FakeGateway(), clock=clock))
    event = await add_event(uow, capacity=count, now=clock.now())
    ids = set()
    for i, buyer in enumerate(await add_buyers(uow, count, clock.now())):
        held = await service.hold(buyer, event_id=event.id, quantity=1, idempotency_key=f"h{i}")
        ids.add((await pay(service, buyer, held["id"], f"p{i}"))["id"])
    return ids


async def relay_all(relay: OutboxRelay) -> None:
    while await relay.relay_once():
        pass


async def wait_for(predicate: Any, within_s: float = 20) -> None:
    for _ in range(int(within_s * 10)):
        if predicate():
            return
        await asyncio.sleep(0.1)
    raise AssertionError("condition not met in time")


async def test_bookings_confirmed_while_the_broker_is_down_are_all_published_once_it_is_back(
    pg_engine: AsyncEngine, pg_uow: UnitOfWorkFactory, topology: Topology
) -> None:
    mailer = CountingMailer()
    notifications = NotificationService(uow=pg_uow, mailer=mailer, clock=FixedClock())
    consumer = RabbitConsumer(
        AMQP, consumer="notifications", handler=notifications.handle,
        loop=asyncio.get_running_loop(), topology=topology,
    )  # fmt: skip
    consumer.start()
    try:
        ids = await confirmed_bookings(pg_uow, 12)
        down = OutboxRelay(pg_engine, RabbitTransport(f"amqp://guest:guest@127.0.0.1:{closed_port()}/", topology))
        with pytest.raises(pika.exceptions.AMQPConnectionError):
            await down.relay_once()
        assert await down.backlog() >= 24  # booking.confirmed + payment.succeeded each, none marked sent

        transport = RabbitTransport(AMQP, topology)
        await relay_all(OutboxRelay(pg_engine, transport))
        assert await down.backlog() == 0
        await wait_for(lambda: len(mailer.for_bookings(ids)) == 12)
        # A relay that crashed after publishing but before marking publishes the batch again: no second e-mail.
        await transport.publish([await _confirmed_message(pg_engine, booking_id) for booking_id in ids])
        transport.close()
        await asyncio.sleep(2)
        assert sorted(mailer.for_bookings(ids)) == sorted(ids)
    finally:
        consumer.stop()


async def test_a_message_delivered_twice_mails_one_receipt_over_real_smtp(
    pg_uow: UnitOfWorkFactory, pg_engine: AsyncEngine, topology: Topology
) -> None:
    class Inbox:
        def __init__(self) -> None:
            self.messages: list[Any] = []

        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            self.messages.append(message_from_bytes(envelope.content))
            return "250 OK"

    smtp_inbox = Inbox()
    controller = Controller(smtp_inbox, hostname="127.0.0.1", port=closed_port())
    controller.start()
    try:
        (booking_id,) = await confirmed_bookings(pg_uow, 1)
        mailer = SmtpMailer(f"smtp://127.0.0.1:{controller.port}")
        notifications = NotificationService(uow=pg_uow, mailer=mailer, clock=FixedClock())
        consumer = RabbitConsumer(
            AMQP, consumer="notifications", handler=notifications.handle,
            loop=asyncio.get_running_loop(), topology=topology,
        )  # fmt: skip
        consumer.start()
        try:
            await relay_all(OutboxRelay(pg_engine, RabbitTransport(AMQP, topology)))
            await wait_for(lambda: any(booking_id in m.get_payload() for m in smtp_inbox.messages))
            confirmed = await _confirmed_message(pg_engine, booking_id)
            await RabbitTransport(AMQP, topology).publish([confirmed, confirmed])  # delivered twice more
            await asyncio.sleep(2)
        finally:
            consumer.stop()
        mails = [m for m in smtp_inbox.messages if booking_id in m.get_payload()]
        assert len(mails) == 1
        async with pg_uow() as tx:
            booking = await tx.bookings.get(booking_id)
        assert booking is not None and booking.receipt_number in mails[0]["Subject"]
    finally:
        controller.stop()


async def test_a_poison_message_lands_in_the_dead_letter_queue(pg_uow: UnitOfWorkFactory, topology: Topology) -> None:
    async def always_fails(message: Message) -> None:
        raise RuntimeError(f"cannot handle {message.id}")

    consumer = RabbitConsumer(
        AMQP, consumer="notifications", handler=always_fails,
        loop=asyncio.get_running_loop(), topology=topology,
    )  # fmt: skip
    consumer.start()
    try:
        await asyncio.to_thread(consumer.connected.wait, 10)
        with pika.BlockingConnection(pika.URLParameters(AMQP)) as connection:
            channel = connection.channel()
            channel.basic_publish(topology.exchange, "booking.confirmed", b"{not json")
            channel.basic_publish(topology.exchange, "booking.confirmed", encode(Message("booking.confirmed", {})))
        dead: list[bytes] = []

        def drain() -> bool:
            with pika.BlockingConnection(pika.URLParameters(AMQP)) as connection:
                while True:
                    method, _, body = connection.channel().basic_get(topology.dead_letter_queue("notifications"), True)
                    if method is None:
                        return len(dead) == 2
                    dead.append(body)

        for _ in range(100):
            if await asyncio.to_thread(drain):
                break
            await asyncio.sleep(0.2)
        assert b"{not json" in dead and len(dead) == 2
    finally:
        consumer.stop()


async def test_without_a_broker_the_outbox_is_drained_in_process_to_the_same_consumer(
    sqlite_url: str, tmp_path: Path
) -> None:
    engine = create_engine(sqlite_url)
    try:
        uow = uow_factory(engine)
        ids = await confirmed_bookings(uow, 5)
        mail_dir = tmp_path / "mail"
        notifications = NotificationService(uow=uow, mailer=FileMailer(mail_dir), clock=FixedClock())
        relay = OutboxRelay(engine, InProcessTransport([notifications.handle]))
        await relay_all(relay)
        assert await relay.backlog() == 0
        bodies = [p.read_text() for p in mail_dir.glob("*.eml")]
        assert len(bodies) == 5 and all(any(i in b for b in bodies) for i in ids)
    finally:
        await engine.dispose()


async def _confirmed_message(engine: AsyncEngine, booking_id: str) -> Message:
    from sqlalchemy import select

    from adapters.db.tables import outbox

    async with engine.connect() as conn:
        rows = (await conn.execute(select(outbox).where(outbox.c.topic == "booking.confirmed"))).mappings().all()
    row = next(r for r in rows if r["payload"]["booking_id"] == booking_id)
    return Message(row["topic"], row["payload"], row["id"])
