"""What every service deployment shares: running each request on behalf of its callers, opening the
infrastructure (adapters/bootstrap.py), and the health checks Serve and /health call."""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, TypeVar

from adapters.bootstrap import Infrastructure, connect
from adapters.db.readers import acting_as, read_consistently
from adapters.db.round_trips import ROUND_TRIPS
from adapters.settings import get_settings
from deployments import metrics
from domain.accounts import Principal

log = logging.getLogger("eventbook.deployments")

NOT_REQUESTS = frozenset({"health", "check_health"})
F = TypeVar("F", bound=Callable[..., Awaitable[Any]])


def count_round_trips() -> None:
    """Export this replica's database round trips as a Ray metric (loadtests/bench_onsale.py reads it)."""
    if metrics.db_round_trip not in ROUND_TRIPS.listeners:
        ROUND_TRIPS.listeners.append(metrics.db_round_trip)


def reads(method: F) -> F:
    """Mark a deployment method as a read: a miss answered by the replica is read again on the primary."""
    method.__eventbook_read__ = True  # type: ignore[attr-defined]
    return method


def callers(values: Iterable[Any]) -> list[Principal]:
    """The Principals among a call's arguments, and inside the requests it carries (a batch of holds)."""
    found: list[Principal] = []
    for value in values:
        if isinstance(value, Principal):
            found.append(value)
        elif isinstance(getattr(value, "principal", None), Principal):
            found.append(value.principal)
        elif isinstance(value, list | tuple):
            found.extend(callers(value))
    return found


def on_behalf_of_callers(method: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    """Run a request as the users it is for: their commits remember the primary's WAL position, and their reads
    are fenced by it when the replica serves them (adapters/db/routing.py). A read runs again on the primary
    when the replica missed; a write never runs twice."""
    is_read = getattr(method, "__eventbook_read__", False)

    @functools.wraps(method)
    async def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        users = [p.user_id for p in callers((*args, *kwargs.values()))]
        if is_read:
            return await read_consistently(users[0] if users else None, lambda: method(self, *args, **kwargs))
        with acting_as(users):
            return await method(self, *args, **kwargs)

    return wrapper


class ServiceDeployment:
    infra: Infrastructure

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Every public async method of a deployment is a request: it runs on behalf of its callers."""
        super().__init_subclass__(**kwargs)
        for name, member in list(vars(cls).items()):
            if not name.startswith("_") and name not in NOT_REQUESTS and inspect.iscoroutinefunction(member):
                setattr(cls, name, on_behalf_of_callers(member))

    async def _open(self) -> Infrastructure:
        self.infra = await connect(get_settings())
        count_round_trips()
        return self.infra

    async def check_health(self) -> None:
        """Serve calls this periodically; raising makes Serve replace the replica."""
        await self.infra.database_ok()

    async def health(self) -> dict[str, str]:
        checks = {"cache": await self.infra.redis.ping()}
        if self.infra.router is not None:  # with no replica configured the ingress reports it "disabled"
            checks["replica"] = await self.infra.router.health()
        try:
            await self.check_health()
        except Exception:  # any failure to reach the database is reported, not raised
            log.exception("database health check failed")
            return {**checks, "database": "down"}
        return {**checks, "database": "ok"}
