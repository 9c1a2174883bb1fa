"""Waiting rooms: /api/events/{id}/queue (join, poll, leave). Joins and polls are answered here from the queue's
store (one Redis round trip, no database read; a poll or join usually by ingress/queue_lane.py before it reaches this
router) with `Retry-After`, the pace at which the platform wants this client back; leaves go to the Queue
deployment. The event's room is as known at most a second ago (ingress/room_cache.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Response, status
from pydantic import BaseModel, ConfigDict, Field

from domain import errors
from domain.model import Event, EventStatus
from domain.waiting_room import QueueEntry, QueueStatus, Room
from ingress.deps import CurrentPrincipal, ResourceId, ServicesDep
from ingress.errors import error_responses
from ingress.services import QueueApi, Services
from ingress.views import iso

router = APIRouter(prefix="/api/events/{id}/queue", tags=["queue"])
ANSWERS = (401, 404, 409, 422, 503, 504)
RETRY_AFTER_DOC = {"Retry-After": {"description": "Seconds before polling again.", "schema": {"type": "integer"}}}


class QueueEntryRead(BaseModel):
    event_id: str
    status: QueueStatus
    position: int | None
    ahead: int | None
    estimated_wait_s: int | None
    admitted_until: datetime | None
    pass_: str | None = Field(None, alias="pass", description="The Queue-Pass of an admitted entry; null otherwise.")

    model_config = ConfigDict(populate_by_name=True)


def room_of(event: Event) -> Room:
    closed = event.status is EventStatus.CANCELLED or event.seats_available == 0
    return Room(event.id, event.sale_starts_at, closed=closed)


async def queue_room(services: Services, event_id: str, *, recent: bool = False) -> tuple[QueueApi, Room]:
    """The queue and the event's room; `recent`: as known at most a second ago (joins and polls)."""
    if recent:
        event = await services.rooms.event(event_id, lambda: services.catalog.get_event(event_id))
    else:
        event = await services.catalog.get_event(event_id)
    if services.queue is None:
        raise errors.Unavailable("The waiting room is not running.", retry_after=5)
    if not event.waiting_room:
        raise errors.WaitingRoomOff()
    return services.queue, room_of(event)


def entry_headers(entry: QueueEntry) -> dict[str, str]:
    return {"Retry-After": str(entry.retry_after_s)}


def entry_view(entry: QueueEntry, response: Response) -> dict[str, Any]:
    response.headers.update(entry_headers(entry))
    return entry_body(entry)


def entry_body(entry: QueueEntry) -> dict[str, Any]:
    """The answer's body, as QueueEntryRead serializes it (ingress/queue_lane.py writes it without the model)."""
    return {
        "event_id": entry.event_id,
        "status": entry.status.value,
        "position": entry.position,
        "ahead": entry.ahead,
        "estimated_wait_s": entry.estimated_wait_s,
        "admitted_until": iso(entry.admitted_until),
        "pass": entry.pass_token,
    }


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=QueueEntryRead,
    responses={**error_responses(400, *ANSWERS), 200: {"model": QueueEntryRead, "headers": RETRY_AFTER_DOC}},
)
async def join(id: ResourceId, services: ServicesDep, principal: CurrentPrincipal, response: Response) -> Any:
    """Join the event's waiting room; joining again answers the same entry (200)."""
    queue, room = await queue_room(services, id, recent=True)
    entry, created = await queue.join(principal, room)
    if not created:
        response.status_code = status.HTTP_200_OK
    return entry_view(entry, response)


@router.get("", response_model=QueueEntryRead, responses=error_responses(*ANSWERS))
async def poll(id: ResourceId, services: ServicesDep, principal: CurrentPrincipal, response: Response) -> Any:
    """Where the caller stands; `Retry-After` says when to ask again."""
    queue, room = await queue_room(services, id, recent=True)
    return entry_view(await queue.status(principal, room), response)


@router.delete("", status_code=status.HTTP_204_NO_CONTENT, responses=error_responses(*ANSWERS))
async def leave(id: ResourceId, services: ServicesDep, principal: CurrentPrincipal) -> Response:
    """Leave the waiting room (an admitted buyer's pass stays valid until it runs out)."""
    queue, _ = await queue_room(services, id)
    await queue.leave(principal, id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
