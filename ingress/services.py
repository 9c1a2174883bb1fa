"""What the ingress needs from the services, typed: the domain services themselves in one process (tests, the
in-process server), or the typed clients of deployments/clients.py over Serve handles. mypy checks both against
these protocols, and the clients against the deployments' methods, so a call across the deployment boundary is
checked like any other call."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from domain.accounts import Principal, User
from domain.attendees import AttendeeInput
from domain.auth import Tokens
from domain.booking import Receipt
from domain.catalog import EventDraft, EventSales
from domain.holding import HoldRequest
from domain.model import Booking, Event
from domain.pagination import Page
from domain.paying import PayRequest
from domain.ports import EventFilter
from domain.pricing import PromoCode
from domain.queue_pass import PassSigner
from domain.sessions import SessionGuard
from domain.ticket_authoring import EventTicketType, PromoCodeDraft, TicketTypeDraft
from domain.ticketing import BookingTickets
from domain.tickets import CheckInStats, StaffMember, Ticket
from domain.waiting_room import QueueEntry, Room
from domain.waitlist import Joined, WaitlistView
from ingress.client_address import Network
from ingress.latency_window import LatencyWindow
from ingress.room_cache import RoomCache

TARGETS = ("auth", "catalog", "booking", "messaging", "queue")  # the services /health asks, those it has


class AuthApi(Protocol):
    async def register(self, *, email: str, password: str, name: str, client_ip: str | None = None) -> User: ...
    async def login(self, *, email: str, password: str, client_ip: str | None = None) -> Tokens: ...
    async def refresh(self, *, refresh_token: str) -> Tokens: ...
    async def logout(self, *, principal: Principal | None = None, refresh_token: str | None = None) -> None: ...
    async def me(self, principal: Principal) -> User: ...


class CatalogApi(Protocol):
    async def list_events(
        self, flt: EventFilter, *, limit: int = 20, cursor: str | None = None, primary: bool = False
    ) -> Page[Event]: ...
    async def get_event(self, event_id: str, *, viewer: Principal | None = None, primary: bool = False) -> Event: ...
    async def get_events(self, event_ids: Sequence[str]) -> list[Event]: ...
    async def create_event(self, principal: Principal, draft: EventDraft) -> Event: ...
    async def update_event(self, principal: Principal, event_id: str, changes: dict[str, Any]) -> Event: ...
    async def cancel_event(self, principal: Principal, event_id: str) -> Event: ...
    async def organizer_events(
        self, principal: Principal, *, limit: int = 20, cursor: str | None = None
    ) -> Page[EventSales]: ...


class BookingApi(Protocol):
    async def hold(self, request: HoldRequest) -> Booking: ...
    async def pay(self, principal: Principal, request: PayRequest) -> Booking: ...
    async def cancel(self, principal: Principal, *, booking_id: str) -> Booking: ...
    async def payment_reported(self, *, report_id: str, charge_key: str) -> bool: ...
    async def get(self, principal: Principal, *, booking_id: str) -> Booking: ...
    async def receipt(self, principal: Principal, *, booking_id: str) -> Receipt: ...
    async def list(self, principal: Principal, *, limit: int = 20, cursor: str | None = None) -> Page[Booking]: ...
    async def waitlist_join(self, principal: Principal, *, event_id: str, quantity: int) -> Joined: ...
    async def waitlist_get(self, principal: Principal, *, event_id: str) -> WaitlistView: ...
    async def waitlist_leave(self, principal: Principal, *, event_id: str) -> None: ...


class TicketsApi(Protocol):
    """A buyer's tickets (the ingress draws their QR codes and PDF), and the organizer's lists as CSV."""

    async def of_booking(self, principal: Principal, *, booking_id: str) -> BookingTickets: ...
    async def ticket(self, principal: Principal, *, ticket_id: str) -> Ticket: ...
    async def attendees_csv(self, principal: Principal, *, event_id: str) -> str: ...
    async def orders_csv(self, principal: Principal, *, event_id: str) -> str: ...


class CheckInApi(Protocol):
    """The door: scans, the staff who may scan, and the counts."""

    async def check_in(self, principal: Principal, *, event_id: str, code: str) -> Ticket: ...
    async def add_staff(self, principal: Principal, *, event_id: str, email: str) -> StaffMember: ...
    async def stats(self, principal: Principal, *, event_id: str) -> CheckInStats: ...


class TicketAuthoringApi(Protocol):
    """An event's ticket types and promo codes, for its organizer: the Catalog deployment's."""

    async def add_ticket_type(
        self, principal: Principal, *, event_id: str, draft: TicketTypeDraft
    ) -> EventTicketType: ...
    async def update_ticket_type(
        self, principal: Principal, *, event_id: str, ticket_type_id: str, changes: dict[str, Any]
    ) -> EventTicketType: ...
    async def add_promo_code(self, principal: Principal, *, event_id: str, draft: PromoCodeDraft) -> PromoCode: ...
    async def promo_codes(self, principal: Principal, *, event_id: str) -> list[PromoCode]: ...


class AttendeesApi(Protocol):
    """Who sits on a booking's seats, renamed by its buyer: the Booking deployment's (it issues the tickets)."""

    async def edit(self, principal: Principal, *, booking_id: str, attendees: Sequence[AttendeeInput]) -> Booking: ...


class QueueApi(Protocol):
    """The waiting rooms: joins and polls are filed and read in the queue's store here; leaves go to the Queue."""

    async def join(self, principal: Principal, room: Room) -> tuple[QueueEntry, bool]: ...
    async def status(self, principal: Principal, room: Room) -> QueueEntry: ...
    async def leave(self, principal: Principal, event_id: str) -> None: ...


class HealthCheck(Protocol):
    async def health(self) -> dict[str, str]:
        """Check name → "ok" | "degraded" | "down" | "disabled"."""
        ...


class TokenReader(Protocol):
    def decode_access(self, token: str) -> Principal: ...


@dataclass(frozen=True)
class PaymentConfig:
    """The payment provider as the ingress sees it: what the web app is told, and the webhook's signing secret."""

    provider: str = "sandbox"  # sandbox | stripe
    publishable_key: str = ""
    webhook_secret: str = field(default="", repr=False)


@dataclass
class Services:
    """Everything the routes call, set on `app.state.services` by whoever builds the app."""

    auth: AuthApi
    catalog: CatalogApi
    booking: BookingApi
    tickets: TicketsApi
    checkin: CheckInApi
    authoring: TicketAuthoringApi
    attendees: AttendeesApi
    health: dict[str, HealthCheck]  # one per TARGETS it runs (the in-process server has no Queue deployment)
    sessions: SessionGuard
    tokens: TokenReader
    demo: bool = False  # what /api/config tells the web app
    payments: PaymentConfig = field(default_factory=PaymentConfig)
    trusted_proxies: tuple[Network, ...] = ()  # whose X-Forwarded-For names the client (ingress/client_address.py)
    queue: QueueApi | None = None  # None: waiting rooms are not served (their holds still need a pass)
    passes: PassSigner | None = None  # checks the Queue-Pass of holds, without a store read
    latencies: LatencyWindow = field(default_factory=LatencyWindow)  # holds' and payments' latency, for the Queue
    rooms: RoomCache = field(default_factory=RoomCache)  # what polls know of their events, a second old at most
