"""The two thin httpx transports of a FakeCluster, one sync and one async.

Both read the request body, hand the request to the cluster's pure dispatcher, wait out any
latency fault (:func:`time.sleep` in the sync transport, :func:`anyio.sleep` in the async one,
so concurrent requests really overlap), then return the response or raise the httpx error the
dispatcher decided. Neither opens a socket.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx

from asgard._acompat import asleep, sleep

if TYPE_CHECKING:
    from asgard.testing._cluster import FakeCluster

__all__ = ["AsyncFakeTransport", "FakeTransport"]


class FakeTransport(httpx.BaseTransport):
    """An :class:`httpx.BaseTransport` that routes every server of a FakeCluster.

    Safe to share between threads (the cluster serialises requests with its lock; latency is
    waited out without it). Build it with :meth:`FakeCluster.transport`.

    Args:
        cluster: the cluster to serve from.
    """

    def __init__(self, cluster: FakeCluster) -> None:
        self.cluster = cluster

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Serve one request from the cluster.

        Raises:
            httpx.ConnectError: for a host that is not in the cluster, or a
                ``connection_refused`` / ``agent_unreachable`` fault.
            httpx.ReadTimeout: for a ``timeout`` fault, or latency beyond the read timeout.
            httpx.ReadError: for a ``connection_reset`` fault.
        """
        request.read()
        outcome = self.cluster.handle(request)
        if outcome.delay > 0:
            sleep(outcome.delay)
        return outcome.unwrap()


class AsyncFakeTransport(httpx.AsyncBaseTransport):
    """An :class:`httpx.AsyncBaseTransport` that routes every server of a FakeCluster.

    Build it with :meth:`FakeCluster.async_transport`.

    Args:
        cluster: the cluster to serve from.
    """

    def __init__(self, cluster: FakeCluster) -> None:
        self.cluster = cluster

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Serve one request from the cluster.

        Raises:
            httpx.ConnectError: for a host that is not in the cluster, or a
                ``connection_refused`` / ``agent_unreachable`` fault.
            httpx.ReadTimeout: for a ``timeout`` fault, or latency beyond the read timeout.
            httpx.ReadError: for a ``connection_reset`` fault.
        """
        await request.aread()
        outcome = self.cluster.handle(request)
        if outcome.delay > 0:
            await asleep(outcome.delay)
        return outcome.unwrap()
