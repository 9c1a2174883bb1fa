"""Buyers for the waiting-room benchmark, made directly in the database: thousands of argon2 sign-ups would time the
password hash, not the queue. Each gets a user row, a session row and an access token signed with the platform's
secret (EVENTBOOK_SECRET_KEY, or the demo placeholder `make run` uses), exactly what a login would have given."""

from __future__ import annotations

import os
import secrets
import uuid
from datetime import UTC, datetime, timedelta

import psycopg

from adapters.security import Argon2PasswordHasher, JwtTokens
from adapters.settings import PLACEHOLDER_SECRET
from domain.accounts import Role, User

TOKEN_TTL = timedelta(hours=1)  # longer than any run
Buyer = tuple[str, dict[str, str]]  # user id, Authorization header


def make_buyers(database_url: str, count: int) -> list[Buyer]:
    """`count` customer accounts with an active session each: (user id, Authorization header)."""
    secret = os.environ.get("EVENTBOOK_SECRET_KEY", PLACEHOLDER_SECRET)
    tokens = JwtTokens(secret, access_ttl=TOKEN_TTL)
    password_hash = Argon2PasswordHasher().hash(secrets.token_urlsafe(16))  # nobody logs in with these
    now = datetime.now(UTC)
    run = secrets.token_hex(4)
    users = [
        User(str(uuid.uuid4()), f"queue-{run}-{i}@example.org", f"Queue buyer {i}", Role.CUSTOMER, password_hash, now)
        for i in range(count)
    ]
    session_ids = [str(uuid.uuid4()) for _ in users]
    dsn = database_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn) as conn, conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO users (id, email, name, role, password_hash, created_at) VALUES (%s, %s, %s, %s, %s, %s)",
            [(u.id, u.email, u.name, u.role.value, u.password_hash, now) for u in users],
        )
        cur.executemany(
            "INSERT INTO sessions (id, user_id, created_at) VALUES (%s, %s, %s)",
            [(sid, u.id, now) for sid, u in zip(session_ids, users, strict=True)],
        )
    return [
        (u.id, {"Authorization": f"Bearer {tokens.issue_access(u, sid, now)[0]}"})
        for u, sid in zip(users, session_ids, strict=True)
    ]
