"""Twin primitives for the async source and its generated sync copy.

``scripts/unasync.py`` renames each async name here to its sync twin (``agather_bounded`` →
``gather_bounded``, ``aboth`` → ``both``, ``asleep`` → ``sleep``, ``AsyncLimiter`` →
``Limiter``, ``AsyncLock`` → ``Lock``). This is the only module, apart from
:mod:`asgard.testing`, that imports anyio.
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
    "aboth",
    "agather_bounded",
    "asleep",
    "both",
    "gather_bounded",
    "sleep",
]

T = TypeVar("T")
U = TypeVar("U")
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


async def aboth(
    first: Callable[[], Awaitable[T]], second: Callable[[], Awaitable[U]], limiter: AsyncLimiter
) -> tuple[T, U]:
    """Run two calls at once (one after the other when ``limiter`` allows one at a time).

    Both finish before this returns; the first one's error wins, then the second's. No slot
    of ``limiter`` is held: either call may fan out within it.
    """
    if limiter.limit <= 1:
        return await first(), await second()
    results: list[object] = [_PENDING, _PENDING]
    errors: list[Exception | None] = [None, None]

    async def run(index: int, call: Callable[[], Awaitable[object]]) -> None:
        try:
            results[index] = await call()
        except Exception as exc:
            errors[index] = exc

    async with anyio.create_task_group() as group:
        group.start_soon(run, 1, second)
        await run(0, first)
    for error in errors:
        if error is not None:
            raise error
    return results[0], results[1]  # type: ignore[return-value]


def both(first: Callable[[], T], second: Callable[[], U], limiter: Limiter) -> tuple[T, U]:
    """The sync twin of :func:`aboth`: ``second`` runs in a thread while ``first`` runs here."""
    if limiter.limit <= 1:
        return first(), second()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="asgard") as pool:
        pending = pool.submit(second)
        result = first()  # on an error, leaving the block still waits for ``second``
    return result, pending.result()


_PENDING: object = object()
