"""Domain errors. Each carries the stable `code` of the HTTP contract; only the ingress knows statuses."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base of every error a use case raises on purpose."""

    code = "error"
    default_message = "The request could not be completed."

    def __init__(self, message: str | None = None, *, code: str | None = None, **details: Any) -> None:
        self.message = message or self.default_message
        if code is not None:
            self.code = code
        self.details = details
        super().__init__(self.message)

    def __reduce__(self) -> tuple[Any, ...]:
        # Errors cross process boundaries (Ray handles) as values; keep code and details intact.
        return (_rebuild, (type(self), self.message, self.code, self.details))

    def __eq__(self, other: object) -> bool:
        return (
            type(other) is type(self)
            and isinstance(other, DomainError)
            and (self.code, self.message, self.details) == (other.code, other.message, other.details)
        )

    def __hash__(self) -> int:
        return hash((type(self), self.code, self.message))


def _rebuild(cls: type[DomainError], message: str, code: str, details: dict[str, Any]) -> DomainError:
    return cls(message, code=code, **details)


# Categories: the ingress maps each to one status.
class BadRequest(DomainError):
    code = "bad_request"


class Unauthenticated(DomainError):
    code = "unauthenticated"
    default_message = "Missing, invalid or expired token."


class PaymentDeclined(DomainError):
    code = "card_declined"
    default_message = "The card was declined."


class Forbidden(DomainError):
    code = "forbidden"
    default_message = "You are not allowed to do this."


class NotFound(DomainError):
    code = "not_found"
    default_message = "Not found."


class Conflict(DomainError):
    code = "conflict"


class ValidationFailed(DomainError):
    code = "validation_error"
    default_message = "The request is not valid."


class RateLimited(DomainError):
    code = "rate_limited"
    default_message = "Too many requests; try again later."


class Unavailable(DomainError):
    code = "unavailable"
    default_message = "A dependency is unavailable; try again shortly."


class Timeout(DomainError):
    code = "timeout"
    default_message = "A downstream call took too long; retry with the same Idempotency-Key."


# Named errors of the contract.
class InvalidCredentials(Unauthenticated):
    code = "invalid_credentials"
    default_message = "Wrong e-mail or password."


class EmailTaken(Conflict):
    code = "email_taken"
    default_message = "An account with this e-mail already exists."


class SoldOut(Conflict):
    code = "sold_out"
    default_message = "Not enough seats are left for this event."


class EventNotOnSale(Conflict):
    code = "event_not_on_sale"
    default_message = "This event is not on sale."


class PurchaseLimitReached(Conflict):
    code = "purchase_limit_reached"
    default_message = "You have as many seats of this event as one buyer may have."


class BookingNotPending(Conflict):
    code = "booking_not_pending"
    default_message = "This booking is not pending."


class BookingNotConfirmed(Conflict):
    code = "booking_not_confirmed"
    default_message = "Only a confirmed booking has a receipt."


class HoldExpired(Conflict):
    code = "hold_expired"
    default_message = "The hold on these seats has expired."


class PaymentInProgress(Conflict):
    code = "payment_in_progress"
    default_message = "A payment for this booking is still being processed; retry shortly."


class CapacityBelowSold(Conflict):
    code = "capacity_below_sold"
    default_message = "Capacity cannot drop below the seats already sold or held."


class CurrencyLocked(Conflict):
    code = "currency_locked"
    default_message = "The currency cannot change once seats are held or sold: they were priced in it."


class EventCancelled(Conflict):
    code = "event_cancelled"
    default_message = "This event is cancelled."


class IdempotencyInProgress(Conflict):
    code = "idempotency_in_progress"
    default_message = "A request with this Idempotency-Key is still being processed."


class IdempotencyKeyReused(ValidationFailed):
    code = "idempotency_key_reused"
    default_message = "This Idempotency-Key was used with a different request."


class Overloaded(Unavailable):
    code = "overloaded"
    default_message = "The service is overloaded; try again shortly."


class QueuePassRequired(Forbidden):
    code = "queue_pass_required"
    default_message = "This event sells through its waiting room: join the queue and hold with the pass it gives."


class SeatsAvailable(Conflict):
    code = "seats_available"
    default_message = "Seats are on sale for this event: book them instead of joining the waiting list."


class WaitingRoomOff(Conflict):
    code = "waiting_room_off"
    default_message = "This event has no waiting room: book directly."


class PromoCodeTaken(Conflict):
    code = "promo_code_taken"
    default_message = "This event already has a promo code with this name (codes are case-insensitive)."


class PromoCodeInvalid(ValidationFailed):
    code = "promo_code_invalid"
    default_message = "This promo code is unknown, expired, used up or not valid for these tickets."


class UnknownTicket(NotFound):
    code = "unknown_ticket"
    default_message = "This is not a ticket of this event: the code is forged, mistyped or another event's."


class AlreadyCheckedIn(Conflict):
    code = "already_checked_in"
    default_message = "This ticket has already been checked in."


class TicketVoid(Conflict):
    code = "ticket_void"
    default_message = "This ticket is void: its booking or its event was cancelled."
