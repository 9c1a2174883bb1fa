"""Calls between deployments: typed by the method they call, a timeout on every await, errors carried as values.

`await call(handle, Booking.hold_many, timeout_s, requests)` names the deployment's method itself (not a string):
mypy checks the arguments and the answer's type against that method, across the process boundary. Handles have
no timeout of their own, so each await is bounded here. A domain error raised in a replica is returned (not
raised) so that it crosses the boundary intact, then raised again by the caller.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable
from typing import Any, Concatenate, ParamSpec, TypeVar

from ray.exceptions import ActorDiedError, ActorUnavailableError, RayActorError
from ray.serve.exceptions import BackPressureError, DeploymentUnavailableError, ReplicaUnavailableError
from ray.serve.handle import DeploymentHandle

from domain import errors

P = ParamSpec("P")
R = TypeVar("R")

RETRY_AFTER_S = 1


def returns_domain_errors(method: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
    """Wrap a deployment method so a DomainError comes back as a value rather than a RayTaskError; `call`
    raises it again on the caller's side, so to its callers the method still raises it."""

    @functools.wraps(method)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> Any:
        try:
            return await method(*args, **kwargs)
        except errors.DomainError as error:
            return error

    return wrapper


async def call(
    handle: DeploymentHandle,
    method: Callable[Concatenate[Any, P], Awaitable[R]],
    timeout_s: float,
    /,
    *args: P.args,
    **kwargs: P.kwargs,
) -> R:
    """Call `method` on the handle's deployment; raise its domain error, Timeout (504) or Overloaded/Unavailable
    (503: Serve's queue for it is full, or it has no replica)."""
    name = handle.deployment_name

    async def response() -> Any:
        return await getattr(handle, method.__name__).remote(*args, **kwargs)

    try:
        result = await asyncio.wait_for(response(), timeout_s)
    except TimeoutError as exc:
        raise errors.Timeout(f"{name} did not answer within {timeout_s:g} s.") from exc
    except BackPressureError as exc:
        raise errors.Overloaded(retry_after=RETRY_AFTER_S) from exc
    except (DeploymentUnavailableError, ReplicaUnavailableError, ActorUnavailableError, ActorDiedError) as exc:
        raise errors.Unavailable(f"{name} is unavailable.", retry_after=RETRY_AFTER_S) from exc
    except RayActorError as exc:
        raise errors.Unavailable(f"{name} failed.", retry_after=RETRY_AFTER_S) from exc
    if isinstance(result, errors.DomainError):
        raise result
    answer: R = result
    return answer
