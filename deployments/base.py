"""What every service deployment shares: the database it opens and the health check Serve calls."""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import text

from adapters.bootstrap import Infrastructure, connect
from adapters.db.routing import read_consistently
from adapters.settings import get_settings
from domain.accounts import Principal

log = logging.getLogger("eventbook.deployments")

NOT_REQUESTS = frozenset({"health", "check_health"})


def on_behalf_of_caller(method: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    """Run a request as the Principal among its arguments (`principal`, `viewer`), anonymously without one.

    Commits made for that user remember the primary's WAL position, and reads the user makes are fenced by it,
    so they never miss the user's own writes when served by the replica (adapters/db/routing.py).
    """

    @functools.wraps(method)
    async def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        principal = next((a for a in (*args, *kwargs.values()) if isinstance(a, Principal)), None)
        user_id = principal.user_id if principal is not None else None
        return await read_consistently(user_id, lambda: method(self, *args, **kwargs))

    return wrapper


class ServiceDeployment:
    infra: Infrastructure

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Every public async method of a deployment is a request: it runs on behalf of its caller."""
        super().__init_subclass__(**kwargs)
        for name, member in list(vars(cls).items()):
            if not name.startswith("_") and name not in NOT_REQUESTS and inspect.iscoroutinefunction(member):
                setattr(cls, name, on_behalf_of_caller(member))

    async def _open(self) -> Infrastructure:
        self.infra = await connect(get_settings())
        return self.infra

    async def check_health(self) -> None:
        """Serve calls this periodically; raising makes Serve replace the replica."""
        async with self.infra.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

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
