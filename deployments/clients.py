"""The ingress's typed clients of the service deployments (ingress/services.py's protocols over Serve handles).

Each method names the deployment method it calls, so mypy checks the call across the process boundary. Holds and
payments are batched here with Serve's own `@serve.batch`: those that reach this Api replica together cross to
Booking in one call. Booking decides each event's holds together (domain/holding.py: one snapshot, one write)
and pays a batch with one statement to start the charges, one call to Payment, one statement to confirm them
(domain/paying.py) — one handle hop per batch instead of one (hold) or two (pay) per request.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ray import serve
from ray.serve.handle import DeploymentHandle

from deployments.auth import AuthDeployment
from deployments.booking import BookingDeployment
from deployments.calls import call
from deployments.catalog import CatalogDeployment
from deployments.messaging import MessagingDeployment
from domain import errors
from domain.accounts import Principal, User
from domain.attendees import AttendeeInput
from domain.auth import Tokens
from domain.booking import Receipt
from domain.catalog import EventDraft, EventSales
from domain.holding import Answer, HoldRequest
from domain.model import Booking, Event
from domain.pagination import Page
from domain.paying import Answer as PayAnswer
from domain.paying import PayRequest
from domain.ports import EventFilter
from domain.pricing import PromoCode
from domain.ticket_authoring import EventTicketType, PromoCodeDraft, TicketTypeDraft
from domain.ticketing import BookingTickets
from domain.tickets import CheckInStats, StaffMember, Ticket
from domain.waitlist import Joined, WaitlistView

BATCH_SIZE = 64
BATCH_WAIT_S = 0.002  # at most this long for company; the first request of a batch waits no longer
BATCHES_AT_ONCE = 4


class AuthClient:
    def __init__(self, handle: DeploymentHandle, timeout_s: float) -> None:
        self._handle, self._timeout_s = handle, timeout_s

    async def register(self, *, email: str, password: str, name: str, client_ip: str | None = None) -> User:
        return await call(
            self._handle,
            AuthDeployment.register,
            self._timeout_s,
            email=email,
            password=password,
            name=name,
            client_ip=client_ip,
        )

    async def login(self, *, email: str, password: str, client_ip: str | None = None) -> Tokens:
        return await call(
            self._handle, AuthDeployment.login, self._timeout_s, email=email, password=password, client_ip=client_ip
        )

    async def refresh(self, *, refresh_token: str) -> Tokens:
        return await call(self._handle, AuthDeployment.refresh, self._timeout_s, refresh_token=refresh_token)

    async def logout(self, *, principal: Principal | None = None, refresh_token: str | None = None) -> None:
        await call(
            self._handle, AuthDeployment.logout, self._timeout_s, principal=principal, refresh_token=refresh_token
        )

    async def me(self, principal: Principal) -> User:
        return await call(self._handle, AuthDeployment.me, self._timeout_s, principal)

    async def health(self) -> dict[str, str]:
        return await call(self._handle, AuthDeployment.health, self._timeout_s)


class CatalogClient:
    def __init__(self, handle: DeploymentHandle, timeout_s: float) -> None:
        self._handle, self._timeout_s = handle, timeout_s

    async def list_events(
        self, flt: EventFilter, *, limit: int = 20, cursor: str | None = None, primary: bool = False
    ) -> Page[Event]:
        return await call(
            self._handle,
            CatalogDeployment.list_events,
            self._timeout_s,
            flt,
            limit=limit,
            cursor=cursor,
            primary=primary,
        )

    async def get_event(self, event_id: str, *, viewer: Principal | None = None, primary: bool = False) -> Event:
        return await call(
            self._handle, CatalogDeployment.get_event, self._timeout_s, event_id, viewer=viewer, primary=primary
        )

    async def get_events(self, event_ids: Sequence[str]) -> list[Event]:
        return await call(self._handle, CatalogDeployment.get_events, self._timeout_s, list(event_ids))

    async def create_event(self, principal: Principal, draft: EventDraft) -> Event:
        return await call(self._handle, CatalogDeployment.create_event, self._timeout_s, principal, draft)

    async def update_event(self, principal: Principal, event_id: str, changes: dict[str, Any]) -> Event:
        return await call(self._handle, CatalogDeployment.update_event, self._timeout_s, principal, event_id, changes)

    async def cancel_event(self, principal: Principal, event_id: str) -> Event:
        return await call(self._handle, CatalogDeployment.cancel_event, self._timeout_s, principal, event_id)

    async def organizer_events(
        self, principal: Principal, *, limit: int = 20, cursor: str | None = None
    ) -> Page[EventSales]:
        return await call(
            self._handle, CatalogDeployment.organizer_events, self._timeout_s, principal, limit=limit, cursor=cursor
        )

    async def health(self) -> dict[str, str]:
        return await call(self._handle, CatalogDeployment.health, self._timeout_s)


class BookingClient:
    def __init__(self, handle: DeploymentHandle, timeout_s: float) -> None:
        self._handle, self._timeout_s = handle, timeout_s

    async def hold(self, request: HoldRequest) -> Booking:
        answer: Answer = await self._holds(request)
        if isinstance(answer, errors.DomainError):
            raise answer
        return answer

    @serve.batch(max_batch_size=BATCH_SIZE, batch_wait_timeout_s=BATCH_WAIT_S, max_concurrent_batches=BATCHES_AT_ONCE)
    async def _holds(self, requests: list[HoldRequest]) -> list[Answer]:
        try:
            return await call(self._handle, BookingDeployment.hold_many, self._timeout_s, requests)
        except errors.DomainError as error:  # timed out, or Booking refused the batch: every request hears it
            return [error] * len(requests)

    async def pay(self, principal: Principal, request: PayRequest) -> Booking:
        answer: PayAnswer = await self._pays((principal, request))
        if isinstance(answer, errors.DomainError):
            raise answer
        return answer

    @serve.batch(max_batch_size=BATCH_SIZE, batch_wait_timeout_s=BATCH_WAIT_S, max_concurrent_batches=BATCHES_AT_ONCE)
    async def _pays(self, items: list[tuple[Principal, PayRequest]]) -> list[PayAnswer]:
        try:
            return await call(self._handle, BookingDeployment.pay_many, self._timeout_s, items)
        except errors.DomainError as error:
            return [error] * len(items)

    async def cancel(self, principal: Principal, *, booking_id: str) -> Booking:
        return await call(self._handle, BookingDeployment.cancel, self._timeout_s, principal, booking_id=booking_id)

    async def payment_reported(self, *, report_id: str, charge_key: str) -> bool:
        method = BookingDeployment.payment_reported
        return await call(self._handle, method, self._timeout_s, report_id=report_id, charge_key=charge_key)

    async def get(self, principal: Principal, *, booking_id: str) -> Booking:
        return await call(self._handle, BookingDeployment.get, self._timeout_s, principal, booking_id=booking_id)

    async def waitlist_join(self, principal: Principal, *, event_id: str, quantity: int) -> Joined:
        method = BookingDeployment.waitlist_join
        return await call(self._handle, method, self._timeout_s, principal, event_id=event_id, quantity=quantity)

    async def waitlist_get(self, principal: Principal, *, event_id: str) -> WaitlistView:
        return await call(self._handle, BookingDeployment.waitlist_get, self._timeout_s, principal, event_id=event_id)

    async def waitlist_leave(self, principal: Principal, *, event_id: str) -> None:
        await call(self._handle, BookingDeployment.waitlist_leave, self._timeout_s, principal, event_id=event_id)

    async def receipt(self, principal: Principal, *, booking_id: str) -> Receipt:
        return await call(self._handle, BookingDeployment.receipt, self._timeout_s, principal, booking_id=booking_id)

    async def list(self, principal: Principal, *, limit: int = 20, cursor: str | None = None) -> Page[Booking]:
        return await call(self._handle, BookingDeployment.list, self._timeout_s, principal, limit=limit, cursor=cursor)

    async def health(self) -> dict[str, str]:
        return await call(self._handle, BookingDeployment.health, self._timeout_s)


class TicketsClient:
    """Tickets are the Booking deployment's: its confirmations issue them."""

    def __init__(self, handle: DeploymentHandle, timeout_s: float) -> None:
        self._handle, self._timeout_s = handle, timeout_s

    async def of_booking(self, principal: Principal, *, booking_id: str) -> BookingTickets:
        method = BookingDeployment.booking_tickets
        return await call(self._handle, method, self._timeout_s, principal, booking_id=booking_id)

    async def ticket(self, principal: Principal, *, ticket_id: str) -> Ticket:
        return await call(self._handle, BookingDeployment.ticket, self._timeout_s, principal, ticket_id=ticket_id)

    async def attendees_csv(self, principal: Principal, *, event_id: str) -> str:
        method = BookingDeployment.attendees_csv
        return await call(self._handle, method, self._timeout_s, principal, event_id=event_id)

    async def orders_csv(self, principal: Principal, *, event_id: str) -> str:
        return await call(self._handle, BookingDeployment.orders_csv, self._timeout_s, principal, event_id=event_id)


class CheckInClient:
    def __init__(self, handle: DeploymentHandle, timeout_s: float) -> None:
        self._handle, self._timeout_s = handle, timeout_s

    async def check_in(self, principal: Principal, *, event_id: str, code: str) -> Ticket:
        method = BookingDeployment.check_in
        return await call(self._handle, method, self._timeout_s, principal, event_id=event_id, code=code)

    async def add_staff(self, principal: Principal, *, event_id: str, email: str) -> StaffMember:
        method = BookingDeployment.add_staff
        return await call(self._handle, method, self._timeout_s, principal, event_id=event_id, email=email)

    async def stats(self, principal: Principal, *, event_id: str) -> CheckInStats:
        method = BookingDeployment.check_in_stats
        return await call(self._handle, method, self._timeout_s, principal, event_id=event_id)


class TicketAuthoringClient:
    """Ticket types and promo codes are the Catalog deployment's, as the rest of an event's authoring is."""

    def __init__(self, handle: DeploymentHandle, timeout_s: float) -> None:
        self._handle, self._timeout_s = handle, timeout_s

    async def add_ticket_type(self, principal: Principal, *, event_id: str, draft: TicketTypeDraft) -> EventTicketType:
        method = CatalogDeployment.add_ticket_type
        return await call(self._handle, method, self._timeout_s, principal, event_id=event_id, draft=draft)

    async def update_ticket_type(
        self, principal: Principal, *, event_id: str, ticket_type_id: str, changes: dict[str, Any]
    ) -> EventTicketType:
        return await call(
            self._handle,
            CatalogDeployment.update_ticket_type,
            self._timeout_s,
            principal,
            event_id=event_id,
            ticket_type_id=ticket_type_id,
            changes=changes,
        )

    async def add_promo_code(self, principal: Principal, *, event_id: str, draft: PromoCodeDraft) -> PromoCode:
        method = CatalogDeployment.add_promo_code
        return await call(self._handle, method, self._timeout_s, principal, event_id=event_id, draft=draft)

    async def promo_codes(self, principal: Principal, *, event_id: str) -> list[PromoCode]:
        return await call(self._handle, CatalogDeployment.promo_codes, self._timeout_s, principal, event_id=event_id)


class AttendeesClient:
    """Attendees are the Booking deployment's: a confirmed booking's tickets are renamed with them."""

    def __init__(self, handle: DeploymentHandle, timeout_s: float) -> None:
        self._handle, self._timeout_s = handle, timeout_s

    async def edit(self, principal: Principal, *, booking_id: str, attendees: Sequence[AttendeeInput]) -> Booking:
        method = BookingDeployment.edit_attendees
        return await call(
            self._handle, method, self._timeout_s, principal, booking_id=booking_id, attendees=list(attendees)
        )


class MessagingClient:
    def __init__(self, handle: DeploymentHandle, timeout_s: float) -> None:
        self._handle, self._timeout_s = handle, timeout_s

    async def health(self) -> dict[str, str]:
        return await call(self._handle, MessagingDeployment.health, self._timeout_s)
