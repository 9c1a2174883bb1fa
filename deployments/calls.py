"""Calls between deployments: a timeout on every await, and domain errors carried back as values.

Handles have no timeout of their own, so each await is bounded here. A domain error raised in a replica
is returned (not raised) so that it crosses the process boundary intact, then raised again by the caller.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable
from typing import Any, ParamSpec, TypeVar

from ray.exceptions import ActorDiedError, ActorUnavailableError, RayActorError
from ray.serve.exceptions import BackPressureError, DeploymentUnavailableError, ReplicaUnavailableError
from ray.serve.handle import DeploymentHandle

from domain import errors

P = ParamSpec("P")
R = TypeVar("R")

RETRY_AFTER_S = 1


def returns_domain_errors(method: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R | errors.DomainError]]:
    """Wrap a deployment method so a DomainError comes back as a value rather than a RayTaskError."""

    @functools.wraps(method)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> R | errors.DomainError:
        try:
            return await method(*args, **kwargs)
        except errors.DomainError as error:
            return error

    return wrapper


async def call(handle: DeploymentHandle, method: str, timeout_s: float, /, *args: Any, **kwargs: Any) -> Any:
    """Call `method` on a deployment; raise its domain error, Timeout (504) or Overloaded/Unavailable (503)."""

    async def response() -> Any:
        return await getattr(handle, method).remote(*args, **kwargs)

    try:
        result = await asyncio.wait_for(response(), timeout_s)
    except TimeoutError as exc:
        raise errors.Timeout(f"{handle.deployment_name} did not answer within {timeout_s:g} s.") from exc
    except BackPressureError as exc:
        raise errors.Overloaded(retry_after=RETRY_AFTER_S) from exc
    except (DeploymentUnavailableError, ReplicaUnavailableError, ActorUnavailableError, ActorDiedError) as exc:
        raise errors.Unavailable(f"{handle.deployment_name} is unavailable.", retry_after=RETRY_AFTER_S) from exc
    except RayActorError as exc:
        raise errors.Unavailable(f"{handle.deployment_name} failed.", retry_after=RETRY_AFTER_S) from exc
    if isinstance(result, errors.DomainError):
        raise result
    return result
