"""The FakeCluster clock and its tick listeners."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from asgard.errors import InvalidInputError
from asgard.testing import EPOCH, FakeCluster


def test_clock_starts_at_a_fixed_aware_utc_time() -> None:
    cluster = FakeCluster()
    assert cluster.now == datetime(2026, 1, 1, tzinfo=timezone.utc) == EPOCH
    assert cluster.now.utcoffset() == timedelta(0)
    assert FakeCluster(seed=99).now == EPOCH


def test_advance_moves_the_clock() -> None:
    cluster = FakeCluster()
    cluster.advance(1.5)
    cluster.advance(60)
    assert cluster.now == EPOCH + timedelta(seconds=61.5)
    assert cluster.clock.elapsed == 61.5


@pytest.mark.parametrize("seconds", [-1, -0.001, float("nan"), float("inf"), "1", None, True])
def test_bad_advance_is_refused_and_time_stays(seconds: Any) -> None:
    cluster = FakeCluster()
    calls: list[object] = []
    cluster.on_advance(lambda before, after: calls.append((before, after)))
    with pytest.raises(InvalidInputError):
        cluster.advance(seconds)
    assert cluster.now == EPOCH
    assert calls == []


def test_listeners_run_in_order_with_before_and_after() -> None:
    cluster = FakeCluster()
    calls: list[tuple[str, datetime, datetime]] = []
    cluster.on_advance(lambda before, after: calls.append(("first", before, after)))
    cluster.on_advance(lambda before, after: calls.append(("second", before, after)))
    cluster.advance(10)
    later = EPOCH + timedelta(seconds=10)
    assert calls == [("first", EPOCH, later), ("second", EPOCH, later)]


def test_advance_zero_still_ticks() -> None:
    cluster = FakeCluster()
    ticks: list[datetime] = []
    cluster.on_advance(lambda _before, after: ticks.append(after))
    cluster.advance(0)
    assert ticks == [EPOCH]


def test_unsubscribe_stops_a_listener() -> None:
    cluster = FakeCluster()
    ticks: list[datetime] = []
    unsubscribe = cluster.on_advance(lambda _before, after: ticks.append(after))
    cluster.advance(1)
    unsubscribe()
    unsubscribe()  # harmless the second time
    cluster.advance(1)
    assert ticks == [EPOCH + timedelta(seconds=1)]


def test_listeners_may_change_the_state_and_see_the_new_time() -> None:
    cluster = FakeCluster()

    def register_agent(_before: datetime, after: datetime) -> None:
        assert cluster.now == after  # the clock has moved when listeners run
        cluster.add_agent(owner="late", cpus=1, mem=1)

    cluster.on_advance(register_agent)
    cluster.advance(5)
    (agent,) = cluster.agents.values()
    assert agent.registered_at == EPOCH + timedelta(seconds=5)
