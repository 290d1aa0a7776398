"""Marathon's event bus in the FakeCluster, and the streaming body of ``/v2/events``.

The Marathon endpoints publish each event (the payload exactly as Marathon sends it) with
:meth:`EventBus.publish`; every stream open at that moment gets it, rendered once as a
Server-Sent Event. A stream ends when the test calls :meth:`EventBus.end_streams`, when the
serving node loses leadership, or after :attr:`EventBus.idle_timeout` seconds of real time
without an event, so a client is expected to reconnect (None: never for idleness).
``end_streams(abrupt=True)`` cuts the connection instead: the client's read fails as on a
reset. With :attr:`EventBus.keep_alive`, a quiet stream writes a blank line (CR LF) every so
many seconds, as Jetty's ``EventSourceServlet`` under Marathon does (every 10 s by default).

The body works for both transports: the sync iterator waits on a condition variable, the
async one polls with :func:`anyio.sleep` so it never blocks the event loop.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from typing import Any, Final

import anyio
import httpx

__all__ = ["EventBus", "EventStreamBody", "Subscription"]

_POLL: Final = 0.005
_IDLE_TICK: Final = 0.02  # how often a quiet stream calls ``on_idle`` (real seconds)
KEEP_ALIVE: Final = b"\r\n"  # Jetty's EventSourceServlet heartbeat


def render(event_type: str, payload: Any) -> bytes:
    """One Server-Sent Event, as Marathon writes it."""
    data = json.dumps(payload, separators=(",", ":"))
    return f"event: {event_type}\ndata: {data}\n\n".encode()


class Subscription:
    """One open event stream: its filter and the events not yet read."""

    def __init__(self, types: frozenset[str] | None) -> None:
        self.types = types
        self.pending: deque[bytes] = deque()
        self.closed = False
        self.abrupt = False
        self.keep_alives = 0

    def wants(self, event_type: str) -> bool:
        """Whether the stream's ``event_type`` filter lets this type through."""
        return self.types is None or event_type in self.types


class EventBus:
    """Delivers published events to the open streams.

    Args:
        idle_timeout: seconds of real time without an event after which a stream ends;
            None: never.
        keep_alive: seconds of real time between the blank keep-alive lines of a quiet
            stream; None: none.
    """

    def __init__(self, idle_timeout: float | None = 2.0, keep_alive: float | None = None) -> None:
        self.idle_timeout = idle_timeout
        self.keep_alive = keep_alive
        #: called now and then while a stream waits (outside the bus's lock): the cluster
        #: moves its clock there when time flows with real time, so a client that only
        #: listens sees deployments progress as one that polls does
        self.on_idle: Callable[[], None] | None = None
        self._condition = threading.Condition()
        self._subscriptions: list[Subscription] = []
        self.published = 0

    def subscribe(self, types: Iterable[str] | None = None) -> Subscription:
        """Open a stream that gets every event published from now on (of ``types``)."""
        subscription = Subscription(None if types is None else frozenset(types))
        with self._condition:
            self._subscriptions.append(subscription)
        return subscription

    def publish(self, event_type: str, payload: Any) -> None:
        """Send an event (Marathon's payload, ``eventType`` included) to every open stream."""
        chunk = render(event_type, payload)
        with self._condition:
            self.published += 1
            for subscription in self._subscriptions:
                if not subscription.closed and subscription.wants(event_type):
                    subscription.pending.append(chunk)
            self._condition.notify_all()

    def send(self, subscription: Subscription, event_type: str, payload: Any) -> None:
        """Send an event to one stream only (``event_stream_attached``)."""
        with self._condition:
            subscription.pending.append(render(event_type, payload))
            self._condition.notify_all()

    def end_streams(self, *, abrupt: bool = False) -> int:
        """End every open stream; ``abrupt`` cuts them as a connection reset would.

        Returns:
            How many streams were open.
        """
        with self._condition:
            count = 0
            for subscription in self._subscriptions:
                if not subscription.closed:
                    count += 1
                    subscription.closed = True
                    subscription.abrupt = abrupt
            self._subscriptions = []
            self._condition.notify_all()
        return count

    @property
    def open_streams(self) -> int:
        """How many streams are open."""
        with self._condition:
            return sum(1 for subscription in self._subscriptions if not subscription.closed)

    def _forget(self, subscription: Subscription) -> None:
        with self._condition:
            subscription.closed = True
            if subscription in self._subscriptions:
                self._subscriptions.remove(subscription)

    def _take(self, subscription: Subscription) -> bytes | None:
        """The next chunk, or None when there is none yet (caller holds the condition)."""
        return subscription.pending.popleft() if subscription.pending else None

    def _deadlines(self) -> tuple[float, float]:
        """When a quiet stream ends, and when it writes a keep-alive (monotonic seconds)."""
        now = time.monotonic()
        end = math.inf if self.idle_timeout is None else now + self.idle_timeout
        beat = math.inf if self.keep_alive is None else now + self.keep_alive
        return end, beat

    @staticmethod
    def _beat(subscription: Subscription) -> bytes:
        subscription.keep_alives += 1
        return KEEP_ALIVE

    def next_chunk(self, subscription: Subscription) -> bytes | None:
        """Block (real time) for the next chunk; None when the stream ends.

        Raises:
            httpx.ReadError: when the stream was cut abruptly.
        """
        deadline, beat = self._deadlines()
        while True:
            on_idle = self.on_idle
            with self._condition:
                chunk = self._take(subscription)
                if chunk is not None:
                    return chunk
                if subscription.closed:
                    break
                now = time.monotonic()
                if now >= deadline:
                    break
                if now >= beat:
                    return self._beat(subscription)
                wake = min(deadline, beat, math.inf if on_idle is None else now + _IDLE_TICK)
                self._condition.wait(None if math.isinf(wake) else wake - now)
                chunk = self._take(subscription)
                if chunk is not None:
                    return chunk
            if on_idle is not None:
                on_idle()  # may publish: not under the bus's lock
        self._end(subscription)
        return None

    async def anext_chunk(self, subscription: Subscription) -> bytes | None:
        """The async twin of :meth:`next_chunk`, polling without blocking the loop.

        Raises:
            httpx.ReadError: when the stream was cut abruptly.
        """
        deadline, beat = self._deadlines()
        idle_at = time.monotonic() + _IDLE_TICK
        while True:
            with self._condition:
                chunk = self._take(subscription)
                if chunk is not None:
                    return chunk
                now = time.monotonic()
                done = subscription.closed or now >= deadline
                if not done and now >= beat:
                    return self._beat(subscription)
            if done:
                self._end(subscription)
                return None
            on_idle = self.on_idle
            if on_idle is not None and now >= idle_at:
                on_idle()
                idle_at = now + _IDLE_TICK
            await anyio.sleep(_POLL)

    def _end(self, subscription: Subscription) -> None:
        self._forget(subscription)
        if subscription.abrupt:
            raise httpx.ReadError("the event stream was cut")


class EventStreamBody(httpx.SyncByteStream, httpx.AsyncByteStream):
    """The body of one ``/v2/events`` answer: chunks as events are published."""

    def __init__(self, bus: EventBus, subscription: Subscription) -> None:
        self.bus = bus
        self.subscription = subscription

    def __iter__(self) -> Iterator[bytes]:
        while (chunk := self.bus.next_chunk(self.subscription)) is not None:
            yield chunk

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while (chunk := await self.bus.anext_chunk(self.subscription)) is not None:
            yield chunk

    def close(self) -> None:
        """The client went away: stop delivering to this stream."""
        self.bus._forget(self.subscription)

    async def aclose(self) -> None:
        """The client went away: stop delivering to this stream."""
        self.close()
