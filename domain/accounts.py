"""Accounts and sessions: who a user is, and who is calling."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime


class Role(enum.StrEnum):
    CUSTOMER = "customer"
    ORGANIZER = "organizer"
    ADMIN = "admin"


@dataclass
class User:
    id: str
    email: str
    name: str
    role: Role
    password_hash: str
    created_at: datetime


@dataclass(frozen=True)
class Principal:
    """Who is calling, as proven by a verified access token."""

    user_id: str
    role: Role
    session_id: str
    issued_at: datetime | None = None  # when its token was signed: revocations are checked against it

    def can_organize(self) -> bool:
        return self.role in (Role.ORGANIZER, Role.ADMIN)

    def owns_or_admin(self, owner_id: str) -> bool:
        return self.user_id == owner_id or self.role is Role.ADMIN


@dataclass
class Session:
    id: str
    user_id: str
    created_at: datetime
    revoked_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


@dataclass
class RefreshToken:
    token_hash: str
    session_id: str
    user_id: str
    expires_at: datetime
    used_at: datetime | None = None
