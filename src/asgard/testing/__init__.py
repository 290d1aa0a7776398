"""An in-memory Mesos + Marathon cluster for tests, and the control API tests drive it with.

:class:`FakeCluster` holds masters with a leader and standbys, agents with owners and resources,
Mesos frameworks and tasks on those agents (with growing usage counters and sandbox logs),
Marathon apps with their versions, deployments that place and replace tasks as the clock the test
moves, scripted faults and a log of what each server received.
Its :meth:`~FakeCluster.transport` and :meth:`~FakeCluster.async_transport` route every server
of the cluster for an ``httpx.Client`` / ``httpx.AsyncClient``; no socket is opened::

    cluster = FakeCluster(seed=1)
    agent_id = cluster.add_agent(owner="dev-team", cpus=4, mem=8192)
    task_id = cluster.add_task(agent_id=agent_id, app_id="/dev-team/web", cpus=0.5, mem=256)
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
from asgard.testing._deployments import MarathonScheduler
from asgard.testing._dispatch import Outcome
from asgard.testing._faults import FAULT_KINDS, Fault, FaultKind, Faults
from asgard.testing._marathon_apps import MarathonError
from asgard.testing._marathon_state import (
    DeploymentRecord,
    LaunchState,
    MarathonState,
    MarathonTask,
)
from asgard.testing._requestlog import REDACTED, RecordedRequest, RequestLog
from asgard.testing._router import Handler, Route, Router, path_params
from asgard.testing._serve import DEFAULT_TIMEOUT_HOLD, ServedCluster
from asgard.testing._state import (
    ACTIVE_TASK_STATES,
    CLUSTER_NAME,
    EXECUTOR_CPUS,
    EXECUTOR_MEM,
    SERVER_KINDS,
    TASK_STATES,
    TERMINAL_TASK_STATES,
    AgentDrain,
    AgentRecord,
    AppRecord,
    AttributeValue,
    ClusterState,
    ContainerUsage,
    FakeResources,
    FrameworkRecord,
    SandboxFile,
    Server,
    ServerKind,
    TaskRecord,
    TaskResources,
    TaskState,
    TaskStatus,
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
    # the cluster over loopback HTTP
    "ServedCluster",
    "DEFAULT_TIMEOUT_HOLD",
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
    "AgentDrain",
    "AppRecord",
    "AttributeValue",
    "ClusterState",
    "FakeResources",
    "Server",
    "ServerKind",
    # Mesos frameworks and tasks
    "ACTIVE_TASK_STATES",
    "CLUSTER_NAME",
    "EXECUTOR_CPUS",
    "EXECUTOR_MEM",
    "TASK_STATES",
    "TERMINAL_TASK_STATES",
    "ContainerUsage",
    "FrameworkRecord",
    "SandboxFile",
    "TaskRecord",
    "TaskResources",
    "TaskState",
    "TaskStatus",
    "Handler",
    "Route",
    "Router",
    "path_params",
    # Marathon's apps, deployments and tasks
    "DeploymentRecord",
    "LaunchState",
    "MarathonError",
    "MarathonScheduler",
    "MarathonState",
    "MarathonTask",
    # versions
    "SUPPORTED_MARATHON_VERSIONS",
    "SUPPORTED_MESOS_VERSIONS",
    "MarathonProfile",
    "MesosProfile",
]
