"""Messages: facts the rest of the world hears about, recorded by the entity that changed.

Repositories write an entity's new messages to the outbox in the same transaction as the entity itself,
so a message exists exactly when its change was committed.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

BOOKING_CONFIRMED = "booking.confirmed"
BOOKING_CANCELLED = "booking.cancelled"
BOOKING_EXPIRED = "booking.expired"
PAYMENT_SUCCEEDED = "payment.succeeded"
PAYMENT_REFUNDED = "payment.refunded"
EVENT_PUBLISHED = "event.published"
EVENT_CANCELLED = "event.cancelled"
# A hold made for a waiting-list entry; under `booking.` so the notifications consumer's binding hears it.
WAITLIST_OFFERED = "booking.waitlist_offered"


@dataclass(frozen=True)
class Message:
    topic: str
    payload: dict[str, Any]
    id: str = field(default_factory=lambda: str(uuid.uuid4()))


class RecordsMessages:
    """Mixin for entities: `messages` holds what happened since the entity was last saved."""

    messages: list[Message]

    def record(self, topic: str, now: datetime, **payload: Any) -> None:
        self.messages.append(Message(topic, {**payload, "occurred_at": now.isoformat()}))

    def take_messages(self) -> list[Message]:
        taken, self.messages[:] = list(self.messages), []
        return taken
