"""How the ingress reaches the services: Serve handles in production, in-process objects in tests and benches.

The ingress only ever says `await backend.call("booking", "hold", principal, ...)`. The method names and
arguments are those of the domain services (AuthService, CatalogService, BookingService), which the
deployments expose one for one, plus `health` (a dict of check name → "ok" | "degraded" | "down" | "disabled"),
the only method of "messaging" (the outbox relay and consumers) that the ingress calls.
"""

from __future__ import annotations

from typing import Any, Protocol

TARGETS = ("auth", "catalog", "booking", "messaging")


class Backend(Protocol):
    async def call(self, target: str, method: str, /, *args: Any, **kwargs: Any) -> Any:
        """Run the method; raise domain errors (including Timeout and Unavailable) as they are."""
        ...


class LocalBackend:
    """Services in this process: used by unit-level HTTP tests and the in-process benchmark server."""

    def __init__(self, services: dict[str, Any]) -> None:
        self._services = services

    async def call(self, target: str, method: str, /, *args: Any, **kwargs: Any) -> Any:
        return await getattr(self._services[target], method)(*args, **kwargs)


class ServeBackend:
    """Deployment handles, each call bounded by that deployment's timeout."""

    def __init__(self, handles: dict[str, Any], timeouts_s: dict[str, float]) -> None:
        self._handles = handles
        self._timeouts = timeouts_s

    async def call(self, target: str, method: str, /, *args: Any, **kwargs: Any) -> Any:
        from deployments.calls import call  # imported here so in-process use needs no Ray

        return await call(self._handles[target], method, self._timeouts[target], *args, **kwargs)
