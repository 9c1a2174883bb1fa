"""The Booking deployment: holds (many per call: group commit), payments (through Payment), cancellations, what a
buyer reads, the settlement loop, and the tickets its confirmations issue (a buyer's tickets, the door, the
organizer's lists, the attendees a buyer renames)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from ray.serve.handle import DeploymentHandle

from adapters.background import settle_forever
from adapters.bootstrap import booking_service, payment_sources
from adapters.ticket_bootstrap import attendee_service, checkin_service, ticket_service
from deployments import metrics
from deployments.base import ServiceDeployment, reads
from deployments.calls import call, returns_domain_errors
from deployments.payment import PaymentClient, PaymentDeployment
from domain.accounts import Principal
from domain.attendees import AttendeeInput
from domain.booking import Receipt
from domain.holding import Answer, HoldRequest
from domain.model import Booking
from domain.pagination import Page
from domain.paying import Answer as PayAnswer
from domain.paying import PayRequest
from domain.ticketing import BookingTickets
from domain.tickets import CheckInStats, StaffMember, Ticket
from domain.waitlist import Joined, WaitlistView


class BookingDeployment(ServiceDeployment):
    async def __init__(self, payment: DeploymentHandle) -> None:  # type: ignore[misc]
        infra = await self._open()
        self.payment = payment
        gateway = PaymentClient(payment, infra.settings.payment_timeout_s)
        self.service = booking_service(infra.ports, gateway, payment_sources=payment_sources(infra.settings))
        self.tickets = ticket_service(infra.ports)
        self.checkin = checkin_service(infra.ports)
        self.attendees = attendee_service(infra.ports)
        interval = infra.settings.reaper_interval_s
        self._loop = asyncio.get_running_loop().create_task(
            settle_forever(self.service.settlement, interval, metrics.holds_expired)
        )

    async def health(self) -> dict[str, str]:
        checks = await super().health()
        try:
            payment = await call(self.payment, PaymentDeployment.health, self.infra.settings.payment_timeout_s)
            checks["payment"] = "ok" if payment.get("database") == "ok" else "down"
        except Exception:  # Payment unreachable or slow: report it, the ingress decides the status
            checks["payment"] = "down"
        return checks

    @metrics.observe_holds
    @returns_domain_errors
    async def hold_many(self, requests: Sequence[HoldRequest]) -> list[Answer]:
        return await self.service.hold_many(requests)

    @metrics.observe_payments
    @returns_domain_errors
    async def pay_many(self, items: Sequence[tuple[Principal, PayRequest]]) -> list[PayAnswer]:
        return await self.service.pay_many(items)

    @returns_domain_errors
    async def cancel(self, principal: Principal, *, booking_id: str) -> Booking:
        return await self.service.cancel(principal, booking_id=booking_id)

    @returns_domain_errors
    async def payment_reported(self, *, report_id: str, charge_key: str) -> bool:
        return await self.service.payment_reported(report_id=report_id, charge_key=charge_key)

    @returns_domain_errors
    async def waitlist_join(self, principal: Principal, *, event_id: str, quantity: int) -> Joined:
        return await self.service.waitlist_join(principal, event_id=event_id, quantity=quantity)

    @reads
    @returns_domain_errors
    async def waitlist_get(self, principal: Principal, *, event_id: str) -> WaitlistView:
        return await self.service.waitlist_get(principal, event_id=event_id)

    @returns_domain_errors
    async def waitlist_leave(self, principal: Principal, *, event_id: str) -> None:
        await self.service.waitlist_leave(principal, event_id=event_id)

    @reads
    @returns_domain_errors
    async def get(self, principal: Principal, *, booking_id: str) -> Booking:
        return await self.service.get(principal, booking_id=booking_id)

    @reads
    @returns_domain_errors
    async def receipt(self, principal: Principal, *, booking_id: str) -> Receipt:
        return await self.service.receipt(principal, booking_id=booking_id)

    @reads
    @returns_domain_errors
    async def list(self, principal: Principal, *, limit: int = 20, cursor: str | None = None) -> Page[Booking]:
        return await self.service.list(principal, limit=limit, cursor=cursor)

    @reads
    @returns_domain_errors
    async def booking_tickets(self, principal: Principal, *, booking_id: str) -> BookingTickets:
        return await self.tickets.of_booking(principal, booking_id=booking_id)

    @reads
    @returns_domain_errors
    async def ticket(self, principal: Principal, *, ticket_id: str) -> Ticket:
        return await self.tickets.ticket(principal, ticket_id=ticket_id)

    @returns_domain_errors
    async def attendees_csv(self, principal: Principal, *, event_id: str) -> str:
        return await self.tickets.attendees_csv(principal, event_id=event_id)

    @returns_domain_errors
    async def orders_csv(self, principal: Principal, *, event_id: str) -> str:
        return await self.tickets.orders_csv(principal, event_id=event_id)

    @returns_domain_errors
    async def check_in(self, principal: Principal, *, event_id: str, code: str) -> Ticket:
        return await self.checkin.check_in(principal, event_id=event_id, code=code)

    @returns_domain_errors
    async def add_staff(self, principal: Principal, *, event_id: str, email: str) -> StaffMember:
        return await self.checkin.add_staff(principal, event_id=event_id, email=email)

    @returns_domain_errors
    async def check_in_stats(self, principal: Principal, *, event_id: str) -> CheckInStats:
        return await self.checkin.stats(principal, event_id=event_id)

    @returns_domain_errors
    async def edit_attendees(
        self, principal: Principal, *, booking_id: str, attendees: Sequence[AttendeeInput]
    ) -> Booking:
        return await self.attendees.edit(principal, booking_id=booking_id, attendees=attendees)
