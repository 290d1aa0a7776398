"""Async helpers of the security tests (the sync twin is generated from this file)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable

import attrs
import httpx

from asgard._acompat import asleep
from asgard.models import DeploymentSucceeded, Event

__all__ = ["RecordingTransport", "Sent", "events_until_success", "settle"]


@attrs.frozen
class Sent:
    """One request as it left the client: where to, and the credentials it carried."""

    server: str
    method: str
    path: str
    authorization: str | None


class RecordingTransport(httpx.AsyncBaseTransport):
    """Wraps a transport: records every request with its ``Authorization`` header, unredacted,
    and can answer chosen requests with a scripted response instead of the inner transport.
    """

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.sent: list[Sent] = []
        self._scripted: list[tuple[str, str, httpx.Response]] = []

    def script(self, method: str, url: str, response: httpx.Response) -> None:
        """Answer the next ``method`` request to ``url`` (base URL and path) with ``response``."""
        self._scripted.append((method, url, response))

    def to(self, server: str) -> list[Sent]:
        """The requests sent to one base URL."""
        return [sent for sent in self.sent if sent.server == server]

    @property
    def servers(self) -> set[str]:
        """Every base URL a request was sent to."""
        return {sent.server for sent in self.sent}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        server = f"{url.scheme}://{url.host}:{url.port}"
        self.sent.append(
            Sent(server, request.method, url.path, request.headers.get("authorization"))
        )
        for index, (method, target, response) in enumerate(self._scripted):
            if method == request.method and target == server + url.path:
                del self._scripted[index]
                return response
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


async def settle(condition: Callable[[], bool], seconds: float = 5.0) -> bool:
    """Wait (yielding to the event loop, in async code) until ``condition()`` holds.

    Returns:
        Whether it held within ``seconds``.
    """
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        await asleep(0.01)
    return True


async def events_until_success(
    stream: AsyncIterator[Event], deployment_id: str, *, most: int
) -> list[Event]:
    """The events up to ``deployment_id``'s success, or the first ``most`` events."""
    seen: list[Event] = []
    async for event in stream:
        seen.append(event)
        if isinstance(event, DeploymentSucceeded) and event.deployment_id == deployment_id:
            break
        if len(seen) >= most:
            break
    return seen
