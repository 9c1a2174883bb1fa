"""Password hashing (argon2id) and tokens (JWT access tokens, opaque refresh tokens)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

import jwt
from argon2 import PasswordHasher as Argon2Hasher
from argon2.exceptions import InvalidHashError, VerificationError

from domain import errors
from domain.accounts import Principal, Role, User

ALGORITHM = "HS256"


class Argon2PasswordHasher:
    def __init__(self) -> None:
        self._argon = Argon2Hasher()  # argon2id with the library's current recommended parameters

    def hash(self, password: str) -> str:
        return self._argon.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._argon.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False


class JwtTokens:
    def __init__(self, secret: str, *, access_ttl: timedelta) -> None:
        self._secret = secret
        self._access_ttl = access_ttl

    def issue_access(self, user: User, session_id: str, now: datetime) -> tuple[str, int]:
        claims = {
            "sub": user.id,
            "role": user.role.value,
            "sid": session_id,
            "iat": int(now.timestamp()),
            "exp": int((now + self._access_ttl).timestamp()),
            "jti": secrets.token_hex(8),
        }
        return jwt.encode(claims, self._secret, algorithm=ALGORITHM), int(self._access_ttl.total_seconds())

    def decode_access(self, token: str) -> Principal:
        try:
            claims = jwt.decode(token, self._secret, algorithms=[ALGORITHM], options={"require": ["exp", "sub", "sid"]})
            return Principal(user_id=str(claims["sub"]), role=Role(claims["role"]), session_id=str(claims["sid"]))
        except jwt.ExpiredSignatureError as exc:
            raise errors.Unauthenticated("The access token has expired.") from exc
        except (jwt.InvalidTokenError, KeyError, ValueError) as exc:
            raise errors.Unauthenticated("The access token is not valid.") from exc

    @classmethod
    def from_settings(cls, settings: Any) -> JwtTokens:
        return cls(settings.secret_key.get_secret_value(), access_ttl=timedelta(seconds=settings.access_token_ttl_s))

    def new_refresh_secret(self) -> str:
        return secrets.token_urlsafe(32)

    def hash_refresh_secret(self, secret: str) -> str:
        # Refresh tokens are 256-bit random values, so a fast hash is enough to keep them unusable if leaked.
        return hashlib.sha256(secret.encode()).hexdigest()
