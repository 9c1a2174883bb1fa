"""Natural batching: what arrives while a batch runs is the next batch; a lone call goes at once."""

import asyncio

import pytest

from domain.batching import Coalescer


async def test_calls_that_arrive_while_a_batch_runs_become_the_next_batch() -> None:
    batches: list[list[int]] = []
    release = asyncio.Event()

    async def run(items: list[int]) -> list[int]:
        batches.append(items)
        if len(batches) == 1:
            await release.wait()  # the first batch is busy while the others arrive
        return [i * 10 for i in items]

    coalesce: Coalescer[int, int] = Coalescer(run, max_size=3)
    first = asyncio.ensure_future(coalesce(0))
    await asyncio.sleep(0)
    rest = [asyncio.ensure_future(coalesce(i)) for i in range(1, 6)]
    await asyncio.sleep(0)
    release.set()

    assert await first == 0 and [await r for r in rest] == [10, 20, 30, 40, 50]
    assert batches == [[0], [1, 2, 3], [4, 5]]  # at most max_size at a time, in arrival order


async def test_a_batch_that_fails_fails_each_of_its_callers_and_the_next_batch_still_runs() -> None:
    async def run(items: list[int]) -> list[int]:
        if 1 in items:
            raise RuntimeError("the database went away")
        return items

    coalesce: Coalescer[int, int] = Coalescer(run)
    results = await asyncio.gather(coalesce(1), coalesce(2), coalesce(3), return_exceptions=True)
    # [1] went at once and failed; [2, 3] waited for it and still ran.
    assert isinstance(results[0], RuntimeError) and results[1:] == [2, 3]


async def test_several_batches_may_run_at_once() -> None:
    running = 0
    most = 0

    async def run(items: list[int]) -> list[int]:
        nonlocal running, most
        running += 1
        most = max(most, running)
        await asyncio.sleep(0.01)
        running -= 1
        return items

    coalesce: Coalescer[int, int] = Coalescer(run, max_size=1, at_once=3)
    assert await asyncio.gather(*(coalesce(i) for i in range(6))) == list(range(6))
    assert most == 3


@pytest.mark.parametrize("size", [1, 64])
async def test_a_lone_call_is_answered_without_waiting_for_company(size: int) -> None:
    async def run(items: list[str]) -> list[str]:
        return [s.upper() for s in items]

    assert await asyncio.wait_for(Coalescer(run, max_size=size)("a"), timeout=1) == "A"
