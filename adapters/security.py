"""Password hashing (argon2id) and tokens (JWT access tokens, opaque refresh tokens)."""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from argon2 import PasswordHasher as Argon2Hasher
from argon2.exceptions import InvalidHashError, VerificationError

from domain import errors
from domain.accounts import Principal, Role, User
from domain.queue_pass import PassSigner
from domain.ticket_codes import TicketCodes

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
    def __init__(self, secret: str, *, access_ttl: timedelta, verified_cache: int = 65_536) -> None:
        self._secret = secret
        self._access_ttl = access_ttl
        # Only successes are kept (an exception is not cached), keyed by the whole token string.
        self._verified = functools.lru_cache(maxsize=verified_cache)(self._verify)

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
        """The principal a valid, unexpired token names. A token verified before is not verified again (the HMAC
        check is most of a request's CPU on the hot path): only its expiry is checked again."""
        principal, expires_at = self._verified(token)
        if time.time() >= expires_at:
            raise errors.Unauthenticated("The access token has expired.")
        return principal

    def _verify(self, token: str) -> tuple[Principal, float]:
        try:
            claims = jwt.decode(token, self._secret, algorithms=[ALGORITHM], options={"require": ["exp", "sub", "sid"]})
            issued = datetime.fromtimestamp(claims["iat"], UTC) if isinstance(claims.get("iat"), int) else None
            principal = Principal(str(claims["sub"]), Role(claims["role"]), str(claims["sid"]), issued_at=issued)
            return principal, float(claims["exp"])
        except jwt.ExpiredSignatureError as exc:
            raise errors.Unauthenticated("The access token has expired.") from exc
        except (jwt.InvalidTokenError, KeyError, ValueError, TypeError) as exc:
            raise errors.Unauthenticated("The access token is not valid.") from exc

    @classmethod
    def from_settings(cls, settings: Any) -> JwtTokens:
        return cls(settings.secret_key.get_secret_value(), access_ttl=timedelta(seconds=settings.access_token_ttl_s))

    def new_refresh_secret(self) -> str:
        return secrets.token_urlsafe(32)

    def hash_refresh_secret(self, secret: str) -> str:
        # Refresh tokens are 256-bit random values, so a fast hash is enough to keep them unusable if leaked.
        return hashlib.sha256(secret.encode()).hexdigest()


def pass_signer(settings: Any) -> PassSigner:
    """Queue passes are signed with a key derived from the secret for this one purpose: a pass is never a valid
    token of any other kind, nor the other way round."""
    secret = settings.secret_key.get_secret_value().encode()
    return PassSigner(hmac.new(secret, b"eventbook queue pass v1", hashlib.sha256).digest())


def ticket_codes(settings: Any) -> TicketCodes:
    """Ticket codes under a key derived from the secret for tickets alone (TicketCodes.from_secret): every process
    derives the same key, so a code issued by one Booking replica is checked by any other, and no token or pass is
    ever a valid code."""
    return TicketCodes.from_secret(settings.secret_key.get_secret_value())
