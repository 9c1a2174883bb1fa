"""Fakes of what lies outside the database: the payment gateway, password hashing, tokens, the clock."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from domain import errors
from domain.accounts import Principal, User
from domain.payments import ChargeRequest, ChargeResult


# The payment gateway.
@dataclass(frozen=True)
class Succeed:
    pass


@dataclass(frozen=True)
class Decline:
    code: str = "card_declined"


@dataclass(frozen=True)
class TimeOutAfterCharging:
    """The charge goes through at the gateway, but it answers `processing`: the caller waits, then sees Timeout
    (the payment's wait is zero in the unit tests), and `settle` later says it succeeded."""


@dataclass(frozen=True)
class TimeOutBeforeArriving:
    """The call is lost on the way: the caller sees Timeout and the gateway never hears of the key."""


@dataclass(frozen=True)
class Overload:
    """The gateway refuses the call before running it."""


Outcome = Succeed | Decline | TimeOutAfterCharging | TimeOutBeforeArriving | Overload

GOOD_CARD = "4242424242424242"
DECLINED_CARD = "4000000000000002"
NO_FUNDS_CARD = "4000000000009995"
SLOW_CARD = "4000000000000259"

SANDBOX: dict[str, Outcome] = {
    GOOD_CARD: Succeed(),
    DECLINED_CARD: Decline("card_declined"),
    NO_FUNDS_CARD: Decline("insufficient_funds"),
    SLOW_CARD: TimeOutAfterCharging(),
}


@dataclass(frozen=True)
class Charge:
    key: str
    amount_cents: int
    currency: str
    result: ChargeResult


@dataclass(frozen=True)
class Refund:
    key: str
    charge_reference: str
    amount_cents: int
    reference: str


@dataclass
class FakeGateway:
    """A payment gateway idempotent by key, programmable per card number (unknown numbers succeed)."""

    outcomes: dict[str, Outcome] = field(default_factory=lambda: dict(SANDBOX))
    charges: dict[str, Charge] = field(default_factory=dict)
    refunds: dict[str, Refund] = field(default_factory=dict)
    voided: set[str] = field(default_factory=set)
    calls: list[str] = field(default_factory=list)
    gate: asyncio.Event | None = None  # when set, charge() waits for it: a charge caught in flight
    arrived: asyncio.Event = field(default_factory=asyncio.Event)  # set once a charge call is at the gateway
    _refs: Iterator[int] = field(default_factory=lambda: itertools.count(1), repr=False)

    def program(self, card_number: str, outcome: Outcome) -> None:
        self.outcomes[card_number] = outcome

    async def charge_many(self, charges: Sequence[ChargeRequest]) -> list[ChargeResult]:
        """Each charge as its card is programmed. A call lost on the way, or refused, fails as a whole (the
        caller sees Timeout or Overloaded); the slow card is charged but answers `processing`."""
        self.calls.extend(c.key for c in charges)
        self.arrived.set()
        if self.gate is not None:
            await self.gate.wait()
        outcomes = [self.outcomes.get(c.card.number, Succeed()) for c in charges]
        new = [c for c in charges if c.key not in self.charges and c.key not in self.voided]
        if any(isinstance(self.outcomes.get(c.card.number), Overload) for c in new):
            raise errors.Overloaded()
        if any(isinstance(self.outcomes.get(c.card.number), TimeOutBeforeArriving) for c in new):
            raise errors.Timeout()
        return [self._charge(c, outcome) for c, outcome in zip(charges, outcomes, strict=True)]

    def _charge(self, charge: ChargeRequest, outcome: Outcome) -> ChargeResult:
        key, card = charge.key, charge.card
        if key in self.charges:
            return self.charges[key].result
        if key in self.voided:
            return ChargeResult(key, "declined", decline_code="voided")
        if isinstance(outcome, Decline):
            result = ChargeResult(key, "declined", decline_code=outcome.code, card_last4=card.last4)
        else:
            result = ChargeResult(key, "succeeded", reference=f"ch_{next(self._refs)}", card_last4=card.last4)
        self.charges[key] = Charge(key, charge.amount_cents, charge.currency, result)
        if isinstance(outcome, TimeOutAfterCharging):
            return ChargeResult(key, "processing", card_last4=card.last4)  # charged; the answer comes later
        return result

    async def settle(self, key: str) -> ChargeResult:
        if key in self.charges:
            return self.charges[key].result
        self.voided.add(key)
        return ChargeResult(key, "declined", decline_code="voided")

    async def refund(self, *, key: str, charge_reference: str, amount_cents: int) -> str:
        if key in self.refunds:
            return self.refunds[key].reference
        charged = next(c for c in self.succeeded() if c.result.reference == charge_reference)
        assert amount_cents <= charged.amount_cents, "refund above the charge"
        refund = Refund(key, charge_reference, amount_cents, f"re_{next(self._refs)}")
        self.refunds[key] = refund
        return refund.reference

    def succeeded(self) -> list[Charge]:
        return [c for c in self.charges.values() if c.result.succeeded]

    def refunded_references(self) -> list[str]:
        return [r.charge_reference for r in self.refunds.values()]


class FakeHasher:
    def hash(self, password: str) -> str:
        return "hashed:" + password

    def verify(self, password_hash: str, password: str) -> bool:
        return password_hash == "hashed:" + password


class FakeTokens:
    """Deterministic tokens; remembers whom each access token names so tests can act as that caller."""

    def __init__(self) -> None:
        self._counter = itertools.count(1)
        self._principals: dict[str, Principal] = {}

    def issue_access(self, user: User, session_id: str, now: datetime) -> tuple[str, int]:
        token = f"access-{next(self._counter)}"
        self._principals[token] = Principal(user.id, user.role, session_id, issued_at=now)
        return token, 900

    def new_refresh_secret(self) -> str:
        return f"refresh-{next(self._counter)}"

    def hash_refresh_secret(self, secret: str) -> str:
        return "sha256:" + secret

    def principal(self, access_token: str) -> Principal:
        return self._principals[access_token]


class FakeClock:
    def __init__(self, start: datetime = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)) -> None:
        self._now = start

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta | None = None, **parts: float) -> datetime:
        self._now += delta if delta is not None else timedelta(**parts)
        return self._now


class FakeRevocations:
    """The revocation store (Redis) in memory; `forget()` is Redis restarting with nothing kept."""

    def __init__(self, clock: FakeClock | None = None) -> None:
        self._clock = clock or FakeClock(datetime.now(UTC))
        self.revoked: set[str] = set()
        self.since: datetime | None = self._clock.now() - timedelta(days=1)
        self.reachable = True

    async def revoke(self, session_id: str, *, for_s: float) -> bool:
        if not self.reachable:
            return False
        self.revoked.add(session_id)
        return True

    async def are_revoked(self, sessions: Sequence[tuple[str, datetime | None]]) -> list[bool | None]:
        return [self._revoked(session_id, issued_at) for session_id, issued_at in sessions]

    def _revoked(self, session_id: str, issued_at: datetime | None) -> bool | None:
        if not self.reachable:
            return None
        if session_id in self.revoked:
            return True
        if self.since is None:  # a new life: it begins now and knows nothing of before
            self.since = self._clock.now()
            return None
        if issued_at is None or issued_at < self.since:
            return None
        return False

    def forget(self) -> None:
        self.revoked.clear()
        self.since = None
