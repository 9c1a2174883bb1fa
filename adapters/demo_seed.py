"""Demo data: the two documented accounts and a dozen upcoming events, written once (fixed ids)."""

from __future__ import annotations

import uuid
from datetime import timedelta

from domain.accounts import Role, User
from domain.model import Event, EventStatus
from domain.ports import Clock, PasswordHasher, UnitOfWorkFactory

NAMESPACE = uuid.UUID("6f1c1f0e-3a0b-4c59-9a53-0d2b7f5e9a11")

ACCOUNTS = (
    ("organizer@example.com", "organizer-pass-123", "Olive Organizer", Role.ORGANIZER),
    ("customer@example.com", "customer-pass-123", "Casey Customer", Role.CUSTOMER),
)

# title, category, venue, days from now, hours long, capacity, price in cents
EVENTS = (
    ("Symphony Under the Stars", "music", "Riverside Amphitheatre", 3, 3, 400, 4500),
    ("Indie Night: The Paper Kites", "music", "The Blue Room", 5, 3, 180, 2800),
    ("Jazz at the Lighthouse", "music", "Harbour Lighthouse Hall", 9, 2, 120, 3500),
    ("City Marathon Expo", "sports", "Convention Centre Hall B", 7, 8, 1500, 1000),
    ("Derby Day: United vs City", "sports", "Northfield Stadium", 12, 2, 2000, 5500),
    ("PyData Conference 2027", "conference", "Tech Campus Auditorium", 20, 9, 600, 19900),
    ("Product Design Meetup", "conference", "Co-Lab Studios", 4, 2, 80, 0),
    ("Hamlet", "theatre", "Royal Court Theatre", 6, 3, 350, 4200),
    ("Improv Comedy Showdown", "comedy", "The Laughing Fox", 2, 2, 150, 1800),
    ("Stand-up Late Show", "comedy", "The Laughing Fox", 10, 2, 150, 2200),
    ("Modern Art After Dark", "exhibition", "Metropolitan Gallery", 8, 4, 300, 1500),
    ("Street Food Festival", "festival", "Old Market Square", 14, 10, 3000, 800),
)


def demo_user_id(email: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"user:{email}"))


async def seed_demo(*, uow: UnitOfWorkFactory, hasher: PasswordHasher, clock: Clock) -> int:
    """Write whatever demo rows are missing; returns how many were added. Safe to run any number of times."""
    now = clock.now().replace(minute=0, second=0, microsecond=0)
    added = 0
    async with uow() as tx:
        for email, password, name, role in ACCOUNTS:
            if await tx.users.get_by_email(email) is None:
                await tx.users.add(User(demo_user_id(email), email, name, role, hasher.hash(password), now))
                added += 1
        organizer = demo_user_id(ACCOUNTS[0][0])
        for title, category, venue, days, hours, capacity, price in EVENTS:
            event_id = str(uuid.uuid5(NAMESPACE, f"event:{title}"))
            if await tx.events.get(event_id) is not None:
                continue
            starts = (now + timedelta(days=days)).replace(hour=19)
            description = f"{title} at {venue}. A demo event: book seats with the sandbox cards."
            event = Event(
                id=event_id, organizer_id=organizer, title=title, description=description, category=category,
                venue=venue, starts_at=starts, ends_at=starts + timedelta(hours=hours), capacity=capacity,
                seats_available=capacity, price_cents=price, currency="EUR", status=EventStatus.PUBLISHED,
                created_at=now,
            )  # fmt: skip
            await tx.events.add(event)
            added += 1
        await tx.commit()
    return added
