"""The FakeCluster's clock: fake time that moves only when a test says so."""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Final

from asgard.errors import InvalidInputError

__all__ = ["EPOCH", "Clock", "TickListener"]

EPOCH: Final = datetime(2026, 1, 1, tzinfo=timezone.utc)
"""Where every FakeCluster's clock starts: 2026-01-01T00:00:00Z."""

TickListener = Callable[[datetime, datetime], None]
"""A callback run on every :meth:`Clock.advance` with the time before and the time after."""


def check_seconds(value: object, *, what: str) -> float:
    """Return ``value`` as a finite, non-negative float.

    Raises:
        InvalidInputError: when ``value`` is not a number (``bool`` included), is NaN or
            infinite, or is negative.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidInputError(f"{what} must be a number of seconds, not {type(value).__name__}")
    seconds = float(value)
    if not math.isfinite(seconds) or seconds < 0:
        raise InvalidInputError(f"{what} must be a finite, non-negative number, not {value!r}")
    return seconds


class Clock:
    """Fake time for one cluster: an aware UTC datetime that only :meth:`advance` moves.

    Listeners registered with :meth:`on_advance` run on every advance, in registration order,
    while the cluster's lock is held; that is where deployments step and usage counters grow.

    Args:
        lock: the cluster's lock, shared with its state.
        start: the first value of :attr:`now` (aware); :data:`EPOCH` by default.

    Raises:
        InvalidInputError: when ``start`` is not timezone-aware.
    """

    def __init__(self, lock: threading.RLock, *, start: datetime = EPOCH) -> None:
        if start.tzinfo is None:
            raise InvalidInputError("the clock must start at a timezone-aware datetime")
        self._lock = lock
        self._start = start.astimezone(timezone.utc)
        self._now = self._start
        self._listeners: list[TickListener] = []

    @property
    def now(self) -> datetime:
        """The current fake time, an aware datetime in UTC."""
        with self._lock:
            return self._now

    @property
    def elapsed(self) -> float:
        """Seconds of fake time since the clock started."""
        with self._lock:
            return (self._now - self._start).total_seconds()

    def advance(self, seconds: float) -> None:
        """Move the clock forward by ``seconds`` and run every listener once.

        ``advance(0)`` still runs the listeners (a convenient "step" for tests).

        Raises:
            InvalidInputError: when ``seconds`` is negative, not finite, or not a number.
        """
        step = check_seconds(seconds, what="advance()")
        with self._lock:
            before = self._now
            self._now = before + timedelta(seconds=step)
            for listener in list(self._listeners):
                listener(before, self._now)

    def on_advance(self, listener: TickListener) -> Callable[[], None]:
        """Register ``listener(before, after)`` to run on every :meth:`advance`.

        Returns:
            A function that unregisters the listener (calling it twice is harmless).
        """
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe
