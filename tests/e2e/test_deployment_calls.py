"""Calls between deployments on a real Serve instance: timeouts → Timeout, backpressure → Overloaded,
domain errors arrive intact. This module runs its own small local Ray, separate from the app's."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
import ray
from ray import serve

from deployments.calls import call, returns_domain_errors
from domain import errors


class Probe:
    @returns_domain_errors
    async def sold_out(self) -> None:
        raise errors.SoldOut("Only 3 seats are left for this event.", seats_available=3)

    @returns_domain_errors
    async def sleep(self, seconds: float) -> str:
        await asyncio.sleep(seconds)
        return "done"


ProbeDeployment = serve.deployment(max_ongoing_requests=1, max_queued_requests=1, ray_actor_options={"num_cpus": 0.1})(
    Probe
)


@pytest.fixture(scope="module")
def probe() -> Iterator[Any]:
    ray.init(address="local", num_cpus=1, include_dashboard=False, log_to_driver=False)
    try:
        yield serve.run(ProbeDeployment.bind(), name="calls_probe", route_prefix=None)
    finally:
        serve.shutdown()
        ray.shutdown()


async def test_a_domain_error_raised_in_a_replica_arrives_with_its_code_and_details(probe: Any) -> None:
    with pytest.raises(errors.SoldOut) as raised:
        await call(probe, Probe.sold_out, 10)
    assert raised.value.code == "sold_out" and raised.value.details == {"seats_available": 3}
    assert raised.value.message == "Only 3 seats are left for this event."


async def test_a_call_past_its_timeout_becomes_a_timeout_error(probe: Any) -> None:
    with pytest.raises(errors.Timeout):
        await call(probe, Probe.sleep, 0.5, 5)
    assert await call(probe, Probe.sleep, 10, 0) == "done"


async def test_a_full_queue_is_refused_at_once_as_overloaded(probe: Any) -> None:
    # One request runs, one waits in the queue; the rest are refused by Serve without waiting.
    results = await asyncio.gather(*(call(probe, Probe.sleep, 10, 1.0) for _ in range(6)), return_exceptions=True)
    overloaded = [r for r in results if isinstance(r, errors.Overloaded)]
    assert overloaded and all(r.details.get("retry_after") for r in overloaded)
    assert results.count("done") >= 1 and len(overloaded) + results.count("done") == 6
