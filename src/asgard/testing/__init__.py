"""An in-memory Mesos + Marathon cluster for tests, and the control API tests drive it with.

:class:`FakeCluster` holds masters with a leader and standbys, agents with owners and resources,
Marathon apps, a clock the test moves, scripted faults and a log of what each server received.
Its :meth:`~FakeCluster.transport` and :meth:`~FakeCluster.async_transport` route every server
of the cluster for an ``httpx.Client`` / ``httpx.AsyncClient``; no socket is opened::

    cluster = FakeCluster(seed=1)
    agent_id = cluster.add_agent(owner="dev-team", cpus=4, mem=8192)
    cluster.faults.inject("timeout", server=cluster.marathon_urls[0], path="/v2/apps*")
    with httpx.Client(transport=cluster.transport()) as client:
        ...

:class:`ClusterControl` is the Protocol of that control API, which a harness for a real
cluster may implement as well.
"""

from __future__ import annotations

from asgard.testing._clock import EPOCH, Clock, TickListener
from asgard.testing._cluster import DEFAULT_AGENT_DISK, FakeCluster
from asgard.testing._control import ClusterControl, FaultInjector, RequestHistory, Service
from asgard.testing._dispatch import Outcome
from asgard.testing._faults import FAULT_KINDS, Fault, FaultKind, Faults
from asgard.testing._requestlog import REDACTED, RecordedRequest, RequestLog
from asgard.testing._router import Handler, Route, Router, path_params
from asgard.testing._state import (
    SERVER_KINDS,
    AgentRecord,
    AppRecord,
    AttributeValue,
    ClusterState,
    FakeResources,
    Server,
    ServerKind,
)
from asgard.testing._transport import AsyncFakeTransport, FakeTransport
from asgard.testing._versions import (
    SUPPORTED_MARATHON_VERSIONS,
    SUPPORTED_MESOS_VERSIONS,
    MarathonProfile,
    MesosProfile,
)

__all__ = [
    # the cluster and its transports
    "FakeCluster",
    "FakeTransport",
    "AsyncFakeTransport",
    "Outcome",
    # the control API as a Protocol
    "ClusterControl",
    "FaultInjector",
    "RequestHistory",
    "Service",
    # faults
    "FAULT_KINDS",
    "FaultKind",
    "Fault",
    "Faults",
    # the request log
    "REDACTED",
    "RecordedRequest",
    "RequestLog",
    # time
    "EPOCH",
    "Clock",
    "TickListener",
    # state and endpoints, for endpoint code and advanced tests
    "DEFAULT_AGENT_DISK",
    "SERVER_KINDS",
    "AgentRecord",
    "AppRecord",
    "AttributeValue",
    "ClusterState",
    "FakeResources",
    "Server",
    "ServerKind",
    "Handler",
    "Route",
    "Router",
    "path_params",
    # versions
    "SUPPORTED_MARATHON_VERSIONS",
    "SUPPORTED_MESOS_VERSIONS",
    "MarathonProfile",
    "MesosProfile",
]
