"""The pure core both transports share: one request in, one :class:`Outcome` out.

:func:`dispatch` finds the server a request is for (by scheme, host and port), takes the faults
scripted for it, logs it, runs the endpoint handler when the faults let it, and decides what the
client sees. It never sleeps and never raises an httpx error itself: the transports do both,
each in its own way, from the outcome. A request for a host that is not in the cluster gets
:class:`httpx.ConnectError`, as an unreachable host would give.

The handler runs when the request arrives; a latency fault delays only the answer, so a write
is applied at once and its reply comes ``seconds`` later. When the request's read timeout (from
httpx's ``timeout`` extension) is shorter than that delay, the client waits that long and gets
:class:`httpx.ReadTimeout`, as it would from a slow server.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING

import attrs
import httpx

from asgard.errors import InvalidInputError
from asgard.testing._eventbus import EventStreamBody
from asgard.testing._faults import UNREACHED_KINDS, jetty_error_page, locked_response
from asgard.testing._requestlog import record_of
from asgard.testing._router import (
    PATH_PARAMS_EXTENSION,
    method_not_allowed,
    not_found,
)
from asgard.testing._state import Server, base_url

if TYPE_CHECKING:
    from asgard.testing._cluster import FakeCluster


__all__ = ["Outcome", "dispatch"]

_BODY_KINDS = frozenset({"truncated_body", "wrong_content_type"})


@attrs.frozen(kw_only=True)
class Outcome:
    """What the client of a fake server experiences for one request.

    Attributes:
        result: the response, or the httpx error the transport raises instead.
        delay: seconds of real time the transport waits before answering or raising.
    """

    result: httpx.Response | httpx.TransportError
    delay: float = 0.0

    @property
    def response(self) -> httpx.Response | None:
        """The response, or None when the client gets an error."""
        return self.result if isinstance(self.result, httpx.Response) else None

    @property
    def error(self) -> httpx.TransportError | None:
        """The httpx error the client gets, or None when it gets a response."""
        return self.result if isinstance(self.result, httpx.TransportError) else None

    def unwrap(self) -> httpx.Response:
        """Return the response, or raise the error.

        Raises:
            httpx.TransportError: the error the fault or the unknown host decided.
        """
        if isinstance(self.result, httpx.Response):
            return self.result
        raise self.result


def dispatch(cluster: FakeCluster, request: httpx.Request) -> Outcome:
    """Serve one request from the cluster's state (its body must have been read).

    Raises:
        Exception: whatever an endpoint handler raises (a bug in the handler) propagates.
    """
    with cluster.lock:
        cluster.sync_time()
        url = _base_url_or_empty(request.url)
        server = cluster.state.servers().get(url)
        if server is None:
            cluster.requests.add(
                record_of(request, server=url or str(request.url), at=cluster.now, reached=False)
            )
            return Outcome(
                result=httpx.ConnectError("[Errno -2] Name or service not known", request=request)
            )
        path = request.url.path
        picked = cluster.faults.take(server, path)
        delay = (picked.latency.seconds or 0.0) if picked.latency is not None else 0.0
        kind = picked.fault.kind if picked.fault is not None else None
        cluster.requests.add(
            record_of(
                request,
                server=server.url,
                at=cluster.now,
                faults=picked.kinds,
                reached=kind not in UNREACHED_KINDS,
            )
        )
        if kind in UNREACHED_KINDS:
            return Outcome(
                result=httpx.ConnectError("[Errno 111] Connection refused", request=request)
            )
        if kind == "server_error_html":
            return _answer(request, jetty_error_page(500, "Server Error", path), delay)
        if kind == "locked":
            return _answer(request, locked_response(cluster.state.new_uuid()), delay)

        response = _serve(cluster, server, request)

        if kind == "timeout":
            return Outcome(result=httpx.ReadTimeout("timed out", request=request), delay=delay)
        if kind == "connection_reset":
            return Outcome(
                result=httpx.ReadError("[Errno 104] Connection reset by peer", request=request),
                delay=delay,
            )
        if isinstance(response.stream, EventStreamBody) and kind in _BODY_KINDS:
            # A live stream has no whole body to cut or relabel: cut the stream instead.
            response.stream.subscription.abrupt = True
            response.stream.subscription.closed = True
        elif kind == "truncated_body":
            body = response.content
            response = _rebuild(response, body[: len(body) // 2])
        elif kind == "wrong_content_type":
            response = _rebuild(response, response.content, content_type="text/html")
        return _answer(request, response, delay)


def _base_url_or_empty(url: httpx.URL) -> str:
    try:
        return base_url(url)
    except InvalidInputError:
        return ""


def _serve(cluster: FakeCluster, server: Server, request: httpx.Request) -> httpx.Response:
    resolution = cluster.router.resolve(server.kind, request.method, request.url.path)
    if resolution.route is None:
        if resolution.allowed:
            return method_not_allowed(server.kind, request.method.upper(), resolution.allowed)
        template = cluster.marathon_profile.unknown_route_message
        return not_found(
            server.kind, request.url.path, template.replace("{path}", request.url.path)
        )
    params: Mapping[str, str] = MappingProxyType(dict(resolution.params))
    request.extensions[PATH_PARAMS_EXTENSION] = params
    response = resolution.route.handler(cluster, server, request)
    if not isinstance(response.stream, EventStreamBody):  # an event stream is read live
        response.read()
    return response


def _rebuild(
    response: httpx.Response, body: bytes, *, content_type: str | None = None
) -> httpx.Response:
    headers = httpx.Headers(
        [
            (name, value)
            for name, value in response.headers.multi_items()
            if name not in {"content-length", "content-encoding", "transfer-encoding"}
        ]
    )
    if content_type is not None:
        headers["Content-Type"] = content_type
    return httpx.Response(response.status_code, headers=headers, content=body)


def _answer(request: httpx.Request, response: httpx.Response, delay: float) -> Outcome:
    read_timeout = _read_timeout(request)
    if read_timeout is not None and delay > read_timeout:
        return Outcome(result=httpx.ReadTimeout("timed out", request=request), delay=read_timeout)
    return Outcome(result=response, delay=delay)


def _read_timeout(request: httpx.Request) -> float | None:
    timeouts = request.extensions.get("timeout")
    if not isinstance(timeouts, Mapping):
        return None
    value = timeouts.get("read")
    return float(value) if isinstance(value, (int, float)) else None
