"""Natural batching (group commit) for calls that run in one process without Ray: the requests that arrive while a
batch runs become the next batch. No timer: a lone request goes at once; under load, batches grow by themselves.

The Serve app batches with Serve's own `@serve.batch` (deployments/clients.py); this is what the same use cases
get in one process (loadtests/inprocess.py), so that both run the same `*_many` code.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class Coalescer(Generic[T, R]):
    def __init__(self, run: Callable[[list[T]], Awaitable[list[R]]], *, max_size: int = 64, at_once: int = 1) -> None:
        self._run = run
        self._max_size = max_size
        self._free = at_once  # batches that may still start while others run
        self._waiting: list[tuple[T, asyncio.Future[R]]] = []

    async def __call__(self, item: T) -> R:
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._waiting.append((item, future))
        if self._free:
            self._start()
        return await future

    def _start(self) -> None:
        batch, self._waiting = self._waiting[: self._max_size], self._waiting[self._max_size :]
        self._free -= 1
        asyncio.get_running_loop().create_task(self._batch(batch))

    async def _batch(self, batch: list[tuple[T, asyncio.Future[R]]]) -> None:
        try:
            results = await self._run([item for item, _ in batch])
        except BaseException as error:  # the whole batch failed: every caller hears it
            for _, future in batch:
                if not future.done():
                    future.set_exception(error)
        else:
            for (_, future), result in zip(batch, results, strict=True):
                if not future.done():
                    future.set_result(result)
        finally:
            self._free += 1
            if self._waiting:
                self._start()
