"""What every service deployment shares: the database it opens and the health check Serve calls."""

from __future__ import annotations

import logging

from sqlalchemy import text

from adapters.bootstrap import Infrastructure, connect
from adapters.settings import get_settings

log = logging.getLogger("eventbook.deployments")


class ServiceDeployment:
    infra: Infrastructure

    async def _open(self) -> Infrastructure:
        self.infra = await connect(get_settings())
        return self.infra

    async def check_health(self) -> None:
        """Serve calls this periodically; raising makes Serve replace the replica."""
        async with self.infra.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def health(self) -> dict[str, str]:
        checks = {"cache": await self.infra.redis.ping()}
        try:
            await self.check_health()
        except Exception:  # any failure to reach the database is reported, not raised
            log.exception("database health check failed")
            return {**checks, "database": "down"}
        return {**checks, "database": "ok"}
