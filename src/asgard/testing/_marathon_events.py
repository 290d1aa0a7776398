"""``GET /v2/events`` of the FakeCluster's Marathon: Server-Sent Events from the event bus.

As real Marathon: the stream needs ``Accept: text/event-stream`` (else a 405 Jetty page);
``event_type`` (repeatable) filters it; the first event is ``event_stream_attached``; with no
leader a node answers its version's no-leader page; a standby answers 302 to the leader from
1.7 (:attr:`MarathonProfile.events_redirect`) and proxies the stream before.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

import httpx

from asgard.testing._eventbus import EventStreamBody
from asgard.testing._router import BUILTIN_ROUTES
from asgard.testing._state import Server

if TYPE_CHECKING:
    from asgard.testing._cluster import FakeCluster

__all__ = ["marathon_timestamp", "no_leader_page"]

_WRONG_ACCEPT: Final = (
    "<html>\n<head>\n<title>Error 405 </title>\n</head>\n<body>\n<h2>HTTP ERROR: 405</h2>\n"
    "<p>Problem accessing /v2/events. Reason:\n<pre>    HTTP method GET is not supported by "
    "this URL</pre></p>\n</body>\n</html>\n"
)


def marathon_timestamp(cluster: FakeCluster) -> str:
    """The cluster's time as Marathon writes it: ISO 8601, milliseconds, ``Z``."""
    now = cluster.now
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


def no_leader_page(cluster: FakeCluster) -> httpx.Response:
    """What a Marathon node answers while it knows no leader (503 up to 1.6, 502 after)."""
    status = cluster.marathon_profile.no_leader_status
    page = (
        f"<html>\n<head>\n<title>Error {status} Could not determine the current leader</title>"
        f"\n</head>\n<body>\n<h2>HTTP ERROR {status}</h2>\n<p>Problem accessing a resource. "
        "Reason:\n<pre>    Could not determine the current leader</pre></p>\n</body>\n</html>\n"
    )
    return httpx.Response(
        status, text=page, headers={"Content-Type": "text/html;charset=iso-8859-1"}
    )


def _events(cluster: FakeCluster, server: Server, request: httpx.Request) -> httpx.Response:
    if "text/event-stream" not in request.headers.get("accept", ""):
        return httpx.Response(
            405, text=_WRONG_ACCEPT, headers={"Content-Type": "text/html;charset=iso-8859-1"}
        )
    leader_index = cluster.marathon_leader
    if leader_index is None:
        return no_leader_page(cluster)
    leader = cluster.state.marathons[leader_index]
    headers = {"X-Marathon-Leader": leader.url}
    if leader.index != server.index:
        if cluster.marathon_profile.events_redirect:
            location = f"{leader.url}{request.url.raw_path.decode('ascii')}"
            return httpx.Response(302, headers={"Location": location, **headers})
        headers["X-Marathon-Via"] = f"1.1 {server.host}:{server.port}"
    types = request.url.params.get_list("event_type") or None
    bus = cluster.events
    subscription = bus.subscribe(types)
    bus.send(
        subscription,
        "event_stream_attached",
        {
            "remoteAddress": "127.0.0.1",
            "eventType": "event_stream_attached",
            "timestamp": marathon_timestamp(cluster),
        },
    )
    return httpx.Response(
        200,
        headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache", **headers},
        stream=EventStreamBody(bus, subscription),
    )


BUILTIN_ROUTES.register("marathon", "GET", "/v2/events", _events)
