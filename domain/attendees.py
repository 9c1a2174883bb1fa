"""Who sits on each seat of a booking: one attendee per seat, named on the ticket and in the organizer's list.

Seats are numbered in line order (the first line's seats, then the second's), and attendee i sits on seat i, so a
ticket never needs more than the booking's lines and its attendee list to know its type.

Defaults: a buyer who names nobody gets every seat in their own name and e-mail; a list shorter than the seats is
filled up with the buyer; an entry without a name is the buyer too. An entry with a name but no e-mail keeps no
e-mail: the buyer's address next to a friend's name would send that friend's ticket mail to the wrong person.
Names may change until the event starts; after that the door list is what it is.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from domain import errors
from domain.pricing import Line

MAX_NAME = 200
MAX_EMAIL = 254
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")  # the shape sign-up accepts (domain/auth.py)


@dataclass(frozen=True)
class Attendee:
    name: str
    email: str | None = None


@dataclass(frozen=True)
class AttendeeInput:
    """What a buyer typed for one seat; either part may be missing."""

    name: str | None = None
    email: str | None = None

    def plain(self) -> dict[str, str | None]:
        return {"name": self.name, "email": self.email}


@dataclass(frozen=True)
class Seat:
    """One seat of a booking: its place in line order, its type and who sits on it."""

    index: int
    ticket_type_id: str
    type_name: str
    attendee: Attendee


def _problems(name: str, email: str | None) -> dict[str, str]:
    problems: dict[str, str] = {}
    if not 1 <= len(name) <= MAX_NAME:
        problems["name"] = f"1 to {MAX_NAME} characters."
    elif any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in name):
        # Line breaks and invisible controls would break the ticket's layout and the door list.
        problems["name"] = "No line breaks or control characters."
    if email is not None and (len(email) > MAX_EMAIL or not _EMAIL.match(email)):
        problems["email"] = "Not a valid e-mail address."
    return problems


def _named(entries: Sequence[AttendeeInput], fallbacks: Sequence[Attendee]) -> list[Attendee]:
    """Each entry as an attendee, or its fallback where it has no name; every problem reported at once."""
    result: list[Attendee] = []
    problems: dict[str, str] = {}
    for i, (entry, fallback) in enumerate(zip(entries, fallbacks, strict=True)):
        name = (entry.name or "").strip()
        if not name:
            result.append(fallback)
            continue
        email = (entry.email or "").strip().lower() or None
        for field, problem in _problems(name, email).items():
            problems[f"attendees[{i}].{field}"] = problem
        result.append(Attendee(name, email))
    if problems:
        raise errors.ValidationFailed("Some attendees are not valid.", fields=problems)
    return result


def attendee(name: str, email: str | None = None) -> Attendee:
    """A valid attendee: name trimmed, e-mail trimmed and lower-cased (blank means none); ValidationFailed if not."""
    name = name.strip()
    email = (email or "").strip().lower() or None
    if problems := _problems(name, email):
        raise errors.ValidationFailed("The attendee is not valid.", fields=problems)
    return Attendee(name, email)


def attendees_for(
    seats: int, given: Sequence[AttendeeInput] | None, *, buyer_name: str, buyer_email: str | None
) -> list[Attendee]:
    """One attendee per seat, in line order, with the buyer standing in wherever nobody is named.

    ValidationFailed lists every bad entry at once, keyed `attendees[i].name` / `attendees[i].email`.
    """
    given = list(given or ())
    if len(given) > seats:
        raise errors.ValidationFailed(
            f"{len(given)} attendees for {seats} seats.", fields={"attendees": f"At most {seats}, one per seat."}
        )
    buyer = Attendee(buyer_name.strip()[:MAX_NAME], (buyer_email or "").strip().lower() or None)
    named = _named(given, [buyer] * len(given))
    return named + [buyer] * (seats - len(named))


def typed_attendees(seats: int, given: Sequence[AttendeeInput]) -> list[AttendeeInput]:
    """What a buyer typed at the hold, checked and trimmed, one entry per seat; a seat without a name stays the
    buyer's (named when the tickets are issued). ValidationFailed lists every bad entry, as `attendees_for` does."""
    if len(given) > seats:
        raise errors.ValidationFailed(
            f"{len(given)} attendees for {seats} seats.", fields={"attendees": f"At most {seats}, one per seat."}
        )
    unnamed = Attendee("")
    named = _named(given, [unnamed] * len(given))
    typed = [AttendeeInput(a.name, a.email) if a is not unnamed else AttendeeInput() for a in named]
    return typed + [AttendeeInput()] * (seats - len(typed))


def editable(starts_at: datetime, now: datetime) -> bool:
    return now < starts_at


def edit(
    current: Sequence[Attendee], changes: Sequence[AttendeeInput], *, starts_at: datetime, now: datetime
) -> list[Attendee]:
    """The list after a buyer renamed their seats: one entry per seat, as at the hold; refused once the event began.

    An entry with no name keeps that seat's current attendee (so a client can send only what changed).
    """
    if not editable(starts_at, now):
        when = starts_at.isoformat().replace("+00:00", "Z")
        raise errors.Conflict("Attendees can no longer change: the event has started.", starts_at=when)
    if len(changes) != len(current):
        raise errors.ValidationFailed(
            f"{len(changes)} attendees for {len(current)} seats.",
            fields={"attendees": f"Exactly {len(current)}, one per seat."},
        )
    return _named(changes, current)


def seats(lines: Sequence[Line], attendees: Sequence[Attendee]) -> list[Seat]:
    """Each seat of the lines, in order, with its attendee: what the tickets are issued from."""
    kinds = [(line.ticket_type_id, line.name) for line in lines for _ in range(line.quantity)]
    if len(kinds) != len(attendees):
        raise errors.ValidationFailed(
            f"{len(attendees)} attendees for {len(kinds)} seats.",
            fields={"attendees": f"Exactly {len(kinds)}, one per seat."},
        )
    return [Seat(i, type_id, name, who) for i, ((type_id, name), who) in enumerate(zip(kinds, attendees, strict=True))]
