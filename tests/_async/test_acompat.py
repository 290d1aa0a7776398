"""The bounded gather twins: one result or exception per item, in order, within the bound."""

from __future__ import annotations

import threading

import pytest

from asgard._acompat import AsyncLimiter, aboth, agather_bounded, asleep


@pytest.mark.anyio
async def test_results_and_exceptions_come_back_one_per_item_in_order() -> None:
    async def work(item: int) -> int:
        await asleep(0.001 * (5 - item % 5))
        if item % 3 == 0:
            raise ValueError(f"item {item}")
        return item * 10

    results = await agather_bounded(work, range(10), AsyncLimiter(4))
    assert len(results) == 10
    for item, result in enumerate(results):
        if item % 3 == 0:
            assert isinstance(result, ValueError)
            assert str(result) == f"item {item}"
        else:
            assert result == item * 10


class InFlight:
    """Counts the calls in flight, from any thread, and the most at once."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.running = 0
        self.peak = 0

    async def hold(self, seconds: float) -> None:
        with self.lock:
            self.running += 1
            self.peak = max(self.peak, self.running)
        await asleep(seconds)
        with self.lock:
            self.running -= 1


@pytest.mark.anyio
async def test_the_bound_is_reached_and_never_passed() -> None:
    flight = InFlight()

    async def work(item: int) -> int:
        await flight.hold(0.01)
        return item

    limiter = AsyncLimiter(3)
    assert await agather_bounded(work, range(12), limiter) == list(range(12))
    assert flight.peak == 3


@pytest.mark.anyio
async def test_empty_and_single_inputs() -> None:
    async def work(item: int) -> int:
        return item + 1

    assert await agather_bounded(work, [], AsyncLimiter(2)) == []
    assert await agather_bounded(work, [1], AsyncLimiter(2)) == [2]


class Stop(BaseException):
    """Stands for cancellation and interrupts: never turned into a per-item result."""


def holds(exc: BaseException, kind: type[BaseException]) -> bool:
    if isinstance(exc, kind):
        return True
    return any(holds(inner, kind) for inner in getattr(exc, "exceptions", ()))


@pytest.mark.anyio
async def test_base_exceptions_are_not_swallowed() -> None:
    async def work(item: int) -> int:
        if item == 1:
            raise Stop
        return item

    with pytest.raises(BaseException) as caught:  # noqa: PT011
        await agather_bounded(work, [0, 1, 2], AsyncLimiter(2))
    assert holds(caught.value, Stop)


@pytest.mark.anyio
async def test_both_runs_two_calls_at_once_and_returns_both_results() -> None:
    flight = InFlight()

    async def call(value: str) -> str:
        await flight.hold(0.02)
        return value

    assert await aboth(lambda: call("a"), lambda: call("b"), AsyncLimiter(2)) == ("a", "b")
    assert flight.peak == 2
    flight.peak = 0
    # One request at a time means one request at a time, even here.
    assert await aboth(lambda: call("a"), lambda: call("b"), AsyncLimiter(1)) == ("a", "b")
    assert flight.peak == 1


@pytest.mark.anyio
async def test_both_waits_for_both_and_raises_the_first_error() -> None:
    finished: list[str] = []

    async def fail(name: str) -> str:
        await asleep(0.001)
        finished.append(name)
        raise ValueError(name)

    async def slow() -> str:
        await asleep(0.02)
        finished.append("slow")
        return "slow"

    with pytest.raises(ValueError, match="first"):
        await aboth(lambda: fail("first"), lambda: fail("second"), AsyncLimiter(2))
    assert sorted(finished) == ["first", "second"]
    finished.clear()
    with pytest.raises(ValueError, match="first"):
        await aboth(lambda: fail("first"), slow, AsyncLimiter(2))
    assert finished == ["first", "slow"]  # the other call was not abandoned
    finished.clear()
    with pytest.raises(ValueError, match="second"):
        await aboth(slow, lambda: fail("second"), AsyncLimiter(2))
    assert sorted(finished) == ["second", "slow"]
