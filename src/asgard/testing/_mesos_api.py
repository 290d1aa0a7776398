"""The Mesos master endpoints of the FakeCluster: leader behaviour first.

A real master answers state endpoints only when it leads: a standby answers ``307`` with a
scheme-less ``Location: //<leader-host>:<port><path and query>``, and a master that knows no
leader answers ``503`` ``No leader elected`` in plain text. ``/master/redirect`` always answers
``307`` to the leader's base address (also on the leader itself). See notes/mesos.md §1.2.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx

from asgard.testing._router import BUILTIN_ROUTES, Handler
from asgard.testing._state import Server

if TYPE_CHECKING:
    from asgard.testing._cluster import FakeCluster

__all__ = ["leader_only", "no_leader_elected"]


def no_leader_elected() -> httpx.Response:
    """What a master answers while no leader is elected."""
    return httpx.Response(
        503, text="No leader elected", headers={"Content-Type": "text/plain; charset=utf-8"}
    )


def _leader(cluster: FakeCluster) -> Server | None:
    index = cluster.mesos_leader
    return None if index is None else cluster.state.masters[index]


def leader_only(handler: Handler) -> Handler:
    """Serve ``handler`` on the leading master; redirect from standbys; 503 with no leader."""

    def gated(cluster: FakeCluster, server: Server, request: httpx.Request) -> httpx.Response:
        leader = _leader(cluster)
        if leader is None:
            return no_leader_elected()
        if leader.index != server.index:
            target = f"//{leader.host}:{leader.port}{request.url.raw_path.decode('ascii')}"
            return httpx.Response(307, headers={"Location": target})
        return handler(cluster, server, request)

    return gated


def _redirect(cluster: FakeCluster, _server: Server, _request: httpx.Request) -> httpx.Response:
    leader = _leader(cluster)
    if leader is None:
        return no_leader_elected()
    return httpx.Response(307, headers={"Location": f"//{leader.host}:{leader.port}"})


for _path in ("/master/redirect", "/redirect"):
    BUILTIN_ROUTES.register("mesos_master", "GET", _path, _redirect)
