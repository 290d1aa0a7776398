"""Twin primitives for the async source and its generated sync copy.

``scripts/unasync.py`` renames each async name here to its sync twin (``agather_bounded`` →
``gather_bounded``, ``asleep`` → ``sleep``, ``AsyncLimiter`` → ``Limiter``, ``AsyncLock`` →
``Lock``). This is the only module, apart from :mod:`asgard.testing`, that imports anyio.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Awaitable, Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import anyio

__all__ = [
    "AsyncLimiter",
    "AsyncLock",
    "Limiter",
    "Lock",
    "agather_bounded",
    "asleep",
    "gather_bounded",
    "sleep",
]

T = TypeVar("T")
I = TypeVar("I")  # noqa: E741

asleep = anyio.sleep
sleep = time.sleep
AsyncLock = anyio.Lock
Lock = threading.Lock


class AsyncLimiter:
    """A bound on how many operations run at once, shared by every backend of one pool."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._limiter = anyio.CapacityLimiter(limit)

    async def __aenter__(self) -> None:
        await self._limiter.acquire()

    async def __aexit__(self, *exc_info: object) -> None:
        self._limiter.release()


class Limiter:
    """The sync twin of :class:`AsyncLimiter`: a semaphore shared across threads."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._semaphore = threading.BoundedSemaphore(limit)

    def __enter__(self) -> None:
        self._semaphore.acquire()

    def __exit__(self, *exc_info: object) -> None:
        self._semaphore.release()


async def agather_bounded(
    func: Callable[[I], Awaitable[T]], items: Iterable[I], limiter: AsyncLimiter
) -> list[T | Exception]:
    """Run ``func`` on every item concurrently, at most ``limiter.limit`` at a time.

    Returns one result or one exception per item, in the order of ``items``; an exception of
    one item never cancels the others, and no ``ExceptionGroup`` escapes. Cancellation and
    other ``BaseException`` still propagate.
    """
    work = list(items)
    results: list[T | Exception] = [_PENDING] * len(work)  # type: ignore[list-item]

    async def run(index: int, item: I) -> None:
        async with limiter:
            try:
                results[index] = await func(item)
            except Exception as exc:
                results[index] = exc

    if len(work) == 1:
        await run(0, work[0])
        return results
    async with anyio.create_task_group() as group:
        for index, item in enumerate(work):
            group.start_soon(run, index, item)
    return results


def gather_bounded(
    func: Callable[[I], T], items: Iterable[I], limiter: Limiter
) -> list[T | Exception]:
    """Run ``func`` on every item in a bounded thread pool (the sync twin of the above).

    The bound is ``limiter``'s, shared by every backend of one pool; the threads share the one
    ``httpx.Client``, which httpx documents as safe to use from several threads.
    """
    work = list(items)
    results: list[T | Exception] = [_PENDING] * len(work)  # type: ignore[list-item]

    def run(index: int, item: I) -> None:
        with limiter:
            try:
                results[index] = func(item)
            except Exception as exc:
                results[index] = exc

    if len(work) <= 1:
        for index, item in enumerate(work):
            run(index, item)
        return results
    with ThreadPoolExecutor(
        max_workers=min(limiter.limit, len(work)), thread_name_prefix="asgard"
    ) as pool:
        futures = [pool.submit(run, index, item) for index, item in enumerate(work)]
        for future in futures:
            future.result()
    return results


_PENDING: object = object()
