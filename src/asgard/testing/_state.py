"""The FakeCluster's in-memory state: servers, agents, apps, Mesos frameworks and tasks.

Ids are deterministic for a seed: they come from the state's one seeded random source.

Records are frozen attrs classes; the state replaces a record (``attrs.evolve``) to change it,
so a snapshot handed out of the lock never changes under its reader. Every mutation happens
while the cluster's one :class:`threading.RLock` is held.
"""

from __future__ import annotations

import math
import random
import re
import uuid
from collections.abc import Mapping
from datetime import datetime
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final, Literal, get_args

import attrs
import httpx

from asgard.errors import InvalidInputError
from asgard.testing._clock import EPOCH

if TYPE_CHECKING:
    from asgard.models import AppSpec

__all__ = [
    "ACTIVE_TASK_STATES",
    "AGENT_PORT",
    "CLUSTER_NAME",
    "DEFAULT_AGENT_PORTS",
    "EXECUTOR_CPUS",
    "EXECUTOR_MEM",
    "MARATHON_FRAMEWORK_NAME",
    "MARATHON_PORT",
    "MESOS_PORT",
    "MESOS_WORK_DIR",
    "RUNNING_CONTAINER_STATES",
    "SERVER_KINDS",
    "TASK_STATES",
    "TERMINAL_TASK_STATES",
    "TEST_DOMAIN",
    "AgentDrain",
    "AgentRecord",
    "AppRecord",
    "AttributeValue",
    "ClusterState",
    "ContainerUsage",
    "FakeResources",
    "FrameworkRecord",
    "SandboxFile",
    "Server",
    "ServerKind",
    "TaskRecord",
    "TaskResources",
    "TaskState",
    "TaskStatus",
    "base_url",
]

ServerKind = Literal["mesos_master", "marathon", "agent"]
"""The three kinds of server a FakeCluster runs."""

SERVER_KINDS: Final[tuple[ServerKind, ...]] = ("mesos_master", "marathon", "agent")
"""Every :data:`ServerKind`."""

AttributeValue = str | float
"""A Mesos agent attribute value: text, or a scalar."""

TEST_DOMAIN: Final = "asgard.test"
"""The (reserved, never resolvable) DNS domain of every fake host."""

MESOS_PORT: Final = 5050
MARATHON_PORT: Final = 8080
AGENT_PORT: Final = 5051

CLUSTER_NAME: Final = "asgard-test"
"""The Mesos ``--cluster`` name every fake master reports."""

MESOS_WORK_DIR: Final = "/var/lib/mesos"
"""The agents' ``--work_dir``; sandboxes live under ``<work_dir>/slaves/<agent id>/...``."""

MARATHON_FRAMEWORK_NAME: Final = "marathon"
"""The name Marathon registers with Mesos (its framework is registered at start)."""

EXECUTOR_CPUS: Final = 0.1
"""CPUs of the Mesos command executor, added to each task's on the agent."""

EXECUTOR_MEM: Final = 32.0
"""Memory (MB) of the Mesos command executor, added to each task's on the agent."""

DEFAULT_AGENT_PORTS: Final[tuple[tuple[int, int], ...]] = ((31000, 32000),)
"""The port ranges every fake agent offers (Mesos' default ``[31000-32000]``)."""

TaskState = Literal[
    "TASK_STAGING",
    "TASK_STARTING",
    "TASK_RUNNING",
    "TASK_KILLING",
    "TASK_FINISHED",
    "TASK_FAILED",
    "TASK_KILLED",
    "TASK_ERROR",
    "TASK_LOST",
    "TASK_DROPPED",
    "TASK_UNREACHABLE",
    "TASK_GONE",
    "TASK_GONE_BY_OPERATOR",
    "TASK_UNKNOWN",
]
"""A Mesos task state, as the v0 endpoints spell it."""

TASK_STATES: Final[tuple[TaskState, ...]] = get_args(TaskState)
"""Every :data:`TaskState`."""

TERMINAL_TASK_STATES: Final[frozenset[TaskState]] = frozenset(
    {
        "TASK_FINISHED",
        "TASK_FAILED",
        "TASK_KILLED",
        "TASK_ERROR",
        "TASK_LOST",
        "TASK_DROPPED",
        "TASK_GONE",
        "TASK_GONE_BY_OPERATOR",
    }
)
"""The states a task never leaves; the master lists such tasks as completed."""

ACTIVE_TASK_STATES: Final[frozenset[TaskState]] = frozenset(
    {"TASK_STAGING", "TASK_STARTING", "TASK_RUNNING", "TASK_KILLING"}
)
"""The states in which a task (and its executor) holds resources on its agent."""

RUNNING_CONTAINER_STATES: Final[frozenset[TaskState]] = frozenset(
    {"TASK_STARTING", "TASK_RUNNING", "TASK_KILLING"}
)
"""The states in which a task's container runs: listed by ``/containers``, counters grow."""

_DEFAULT_PORTS: Final = {"http": 80, "https": 443}
_HOSTNAME_RE: Final = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*")


def base_url(url: httpx.URL | str) -> str:
    """The ``scheme://host:port`` a URL points at, with the port always spelled out.

    User-info, path, query and fragment are dropped; the host is lower-cased.

    Raises:
        InvalidInputError: when the URL has no host or a scheme other than http or https.
    """
    try:
        parsed = url if isinstance(url, httpx.URL) else httpx.URL(url)
    except (httpx.InvalidURL, TypeError) as exc:
        raise InvalidInputError(f"{url!r} is not a URL") from exc
    if parsed.scheme not in _DEFAULT_PORTS or not parsed.host:
        raise InvalidInputError(f"{str(url)!r} is not an http(s) URL with a host")
    port = parsed.port if parsed.port is not None else _DEFAULT_PORTS[parsed.scheme]
    return f"{parsed.scheme}://{parsed.host.lower()}:{port}"


@attrs.frozen(kw_only=True)
class Server:
    """One fake server: a Mesos master, a Marathon instance or a Mesos agent.

    Attributes:
        kind: ``"mesos_master"``, ``"marathon"`` or ``"agent"``.
        index: the master's or Marathon instance's position (what ``set_leader`` takes), or the
            agent's sequence number (the ``n`` of its ``-S<n>`` id).
        host: the host name, lower-case.
        port: the TCP port.
        agent_id: the Mesos agent id, for agents only.
    """

    kind: ServerKind
    index: int
    host: str
    port: int
    agent_id: str | None = None

    @property
    def url(self) -> str:
        """The base URL, ``http://<host>:<port>``."""
        return f"http://{self.host}:{self.port}"


@attrs.frozen(kw_only=True)
class FakeResources:
    """Amounts of the scalar resources the FakeCluster tracks (memory and disk in MB)."""

    cpus: float = 0.0
    mem: float = 0.0
    disk: float = 0.0
    gpus: float = 0.0


@attrs.frozen(kw_only=True)
class AgentDrain:
    """An operator's drain of an agent (Mesos 1.9+ ``DRAIN_AGENT``).

    Attributes:
        started_at: fake time the drain began.
        mark_gone: whether the agent is to be marked gone once drained.
        max_grace_period: the longest kill grace period given to its tasks, in seconds, or
            None for each task's own.
    """

    started_at: datetime
    mark_gone: bool = False
    max_grace_period: float | None = None


@attrs.frozen(kw_only=True)
class AgentRecord:
    """One Mesos agent of the fake cluster.

    Attributes:
        id: the Mesos agent id, ``<uuid>-S<n>``.
        index: the ``n`` of the id.
        hostname: the agent's host name.
        port: the agent's HTTP port (5051).
        owner: the value of the ``owner`` attribute, or None when the agent has none.
        attributes: every Mesos attribute, ``owner`` included (read-only).
        total: the agent's resources.
        allocated: the part of ``total`` that tasks use (zero until tasks are placed).
        registered_at: fake time of registration.
        active: whether the agent is active (false while deactivated or draining).
        port_ranges: the port ranges the agent offers, inclusive.
        deactivated: whether an operator deactivated the agent (or is draining it).
        drain: the operator's drain of the agent, or None.
    """

    id: str
    index: int
    hostname: str
    port: int = AGENT_PORT
    owner: str | None
    attributes: Mapping[str, AttributeValue] = attrs.field(hash=False)
    total: FakeResources
    allocated: FakeResources = FakeResources()
    registered_at: datetime
    active: bool = True
    port_ranges: tuple[tuple[int, int], ...] = DEFAULT_AGENT_PORTS
    deactivated: bool = False
    drain: AgentDrain | None = None

    @property
    def url(self) -> str:
        """The agent's base URL, ``http://<hostname>:<port>``."""
        return f"http://{self.hostname}:{self.port}"

    @property
    def server(self) -> Server:
        """The agent as a :class:`Server`."""
        return Server(
            kind="agent", index=self.index, host=self.hostname, port=self.port, agent_id=self.id
        )


@attrs.frozen(kw_only=True)
class AppRecord:
    """One version of a Marathon app of the fake cluster.

    The record in :attr:`ClusterState.apps` is the app's current version; the Marathon state
    keeps every earlier one (``GET /v2/apps/<id>/versions``).

    Attributes:
        id: the absolute Marathon id (``/ns/web``).
        spec: the :class:`asgard.models.AppSpec` the app was added with through
            ``FakeCluster.add_app``, as given; None for an app written through the API (and
            after any later change).
        created_at: fake time of creation.
        version: fake time of this version (Marathon's ``version``, millisecond precision).
        definition: the stored Marathon definition (JSON, defaults filled in, ``id``
            included, without ``version`` and ``versionInfo``); never changed in place.
        last_scaling_at: ``versionInfo.lastScalingAt`` (None: ``version``).
        last_config_change_at: ``versionInfo.lastConfigChangeAt`` (None: ``version``).
    """

    id: str
    spec: AppSpec | None = attrs.field(default=None, repr=False)
    created_at: datetime
    version: datetime
    definition: Mapping[str, Any] = attrs.field(factory=dict, repr=False, eq=False, hash=False)
    last_scaling_at: datetime | None = None
    last_config_change_at: datetime | None = None

    @property
    def scaled_at(self) -> datetime:
        """``versionInfo.lastScalingAt``."""
        return self.last_scaling_at if self.last_scaling_at is not None else self.version

    @property
    def config_changed_at(self) -> datetime:
        """``versionInfo.lastConfigChangeAt``: tasks launched before it run an old config."""
        if self.last_config_change_at is not None:
            return self.last_config_change_at
        return self.version

    @property
    def instances(self) -> int:
        """How many tasks the app asks for."""
        value = self.definition.get("instances", 1)
        return value if isinstance(value, int) else 1


@attrs.frozen(kw_only=True)
class FrameworkRecord:
    """One Mesos framework registered with the fake masters (Marathon, Chronos, ...).

    Attributes:
        id: the framework id, ``<cluster id>-<nnnn>``.
        name: the framework's name (``"marathon"``, ``"chronos"``, ...).
        hostname: the host the scheduler runs on.
        webui_url: the scheduler's web address, or ``""``.
        pid: the scheduler's libprocess address.
        user: the user its tasks run as.
        role: the role it registered with.
        capabilities: its ``FrameworkInfo`` capabilities.
        failover_timeout: seconds the master waits for it to fail over.
        checkpoint: whether its agents checkpoint.
        registered_at: fake time of registration.
        active: whether it is active.
    """

    id: str
    name: str
    hostname: str
    webui_url: str = ""
    pid: str
    user: str = "root"
    role: str = "*"
    capabilities: tuple[str, ...] = ()
    failover_timeout: float = 604800.0
    checkpoint: bool = True
    registered_at: datetime
    active: bool = True

    @property
    def is_marathon(self) -> bool:
        """Whether this is Marathon (whose tasks carry Marathon's ids, names and discovery)."""
        return self.name == MARATHON_FRAMEWORK_NAME


@attrs.frozen(kw_only=True)
class TaskResources:
    """What one task asked for (without the executor's share; memory and disk in MB).

    Attributes:
        cpus: CPUs.
        mem: memory in MB.
        disk: disk in MB.
        gpus: GPUs.
        ports: the host ports it holds, ascending.
    """

    cpus: float = 0.0
    mem: float = 0.0
    disk: float = 0.0
    gpus: float = 0.0
    ports: tuple[int, ...] = ()


@attrs.frozen(kw_only=True)
class TaskStatus:
    """One status update of a task, as ``statuses[]`` shows it.

    Attributes:
        state: the state it reported.
        timestamp: fake time of the update.
        container_id: the id of the task's container.
        healthy: the health check result it carried, or None without a health check.
    """

    state: TaskState
    timestamp: datetime
    container_id: str
    healthy: bool | None = None


@attrs.frozen(kw_only=True)
class SandboxFile:
    """One file of a task's sandbox.

    Attributes:
        data: its content.
        mtime: fake time of the last write.
    """

    data: bytes = b""
    mtime: datetime


@attrs.frozen(kw_only=True)
class ContainerUsage:
    """The cgroup counters of a task's container, as they grew with the clock.

    Counts are kept as floats so that short steps add up; the endpoints show whole periods.

    Attributes:
        cpus_user_time_secs: CPU seconds spent in user mode.
        cpus_system_time_secs: CPU seconds spent in the kernel.
        nr_periods: CFS enforcement periods elapsed (10 per second).
        nr_throttled: periods in which the container was throttled.
        throttled_time_secs: seconds the container was throttled.
    """

    cpus_user_time_secs: float = 0.0
    cpus_system_time_secs: float = 0.0
    nr_periods: float = 0.0
    nr_throttled: float = 0.0
    throttled_time_secs: float = 0.0

    def grow(self, *, cpus: float, limit: float, load: float, seconds: float) -> ContainerUsage:
        """The counters after ``seconds`` more with a demand of ``load`` times ``cpus`` CPUs.

        As under CFS quotas, the container gets at most ``limit`` CPUs (its share plus the
        executor's): CPU time grows by ``min(load * cpus, limit) * seconds`` (80 % user, 20 %
        system); CFS periods by 10 per second; when the demand exceeds the limit, the share of
        the demand it could not get is the share of periods (and of time) throttled.
        """
        demand = load * cpus
        used = min(demand, limit) * seconds
        periods = 10.0 * seconds
        throttled = (demand - limit) / demand if demand > limit else 0.0
        return ContainerUsage(
            cpus_user_time_secs=self.cpus_user_time_secs + 0.8 * used,
            cpus_system_time_secs=self.cpus_system_time_secs + 0.2 * used,
            nr_periods=self.nr_periods + periods,
            nr_throttled=self.nr_throttled + periods * throttled,
            throttled_time_secs=self.throttled_time_secs + seconds * throttled,
        )


@attrs.frozen(kw_only=True)
class TaskRecord:
    """One Mesos task of the fake cluster, run by the command executor.

    Attributes:
        id: the Mesos task id.
        name: the task's name (Marathon: the app path reversed and dotted, ``web.infra.dev``).
        framework_id: the id of the framework that launched it.
        agent_id: the id of the agent it runs on.
        executor_id: the executor id the master shows: ``""`` for a command-executor task (on
            the agent the executor id is the task id, see :attr:`sandbox_executor_id`).
        state: the latest state.
        resources: what it asked for (the executor's share is not included).
        statuses: its status updates, oldest first (none while it is staging).
        container_id: the id of its container (a UUID).
        load: how busy it is, as a multiple of its CPUs (CPU counters grow with it).
        healthy: the latest health check result, or None without a health check.
        mem_rss_bytes: its resident memory.
        processes: processes in its container.
        threads: threads in its container.
        usage: its cgroup counters.
        files: its sandbox files by name (``stdout``, ``stderr``), read-only.
        labels: its Mesos labels, read-only.
        app_id: the Marathon app it belongs to, or the job name for another framework.
        agent_hostname: its agent's host name (for its network address).
        created_at: fake time it was launched.
    """

    id: str
    name: str
    framework_id: str
    agent_id: str
    executor_id: str = ""
    state: TaskState
    resources: TaskResources
    statuses: tuple[TaskStatus, ...] = ()
    container_id: str
    load: float = 0.5
    healthy: bool | None = None
    mem_rss_bytes: int = 0
    processes: int = 1
    threads: int = 1
    usage: ContainerUsage = ContainerUsage()
    files: Mapping[str, SandboxFile] = attrs.field(hash=False)
    labels: Mapping[str, str] = attrs.field(hash=False, factory=lambda: MappingProxyType({}))
    app_id: str | None = None
    agent_hostname: str = ""
    created_at: datetime

    @property
    def terminal(self) -> bool:
        """Whether the task reached a state it never leaves."""
        return self.state in TERMINAL_TASK_STATES

    @property
    def active(self) -> bool:
        """Whether the task (with its executor) holds resources on its agent."""
        return self.state in ACTIVE_TASK_STATES

    @property
    def container_running(self) -> bool:
        """Whether the task's container runs (``/containers`` lists it, counters grow)."""
        return self.state in RUNNING_CONTAINER_STATES

    @property
    def sandbox_executor_id(self) -> str:
        """The executor id on the agent (the task id for a command-executor task)."""
        return self.executor_id or self.id

    @property
    def executor_name(self) -> str:
        """The command executor's name, as the agent reports it."""
        return f"Command Executor (Task: {self.id}) (Command: NO EXECUTABLE)"

    @property
    def sandbox_directory(self) -> str:
        """The absolute sandbox path on the agent (``<work_dir>/slaves/.../runs/<container>``)."""
        return (
            f"{MESOS_WORK_DIR}/slaves/{self.agent_id}/frameworks/{self.framework_id}"
            f"/executors/{self.sandbox_executor_id}/runs/{self.container_id}"
        )

    @property
    def sandbox_latest(self) -> str:
        """The virtual path every agent attaches for the executor's latest run."""
        return f"/frameworks/{self.framework_id}/executors/{self.sandbox_executor_id}/runs/latest"

    @property
    def started_at(self) -> datetime | None:
        """The timestamp of the first status update (what ``/master/tasks`` sorts by)."""
        return self.statuses[0].timestamp if self.statuses else None


def _number(value: object, *, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidInputError(f"{what} must be a number, not {type(value).__name__}")
    number = float(value)
    if not math.isfinite(number) or number < 0:
        raise InvalidInputError(f"{what} must be a finite, non-negative number, not {value!r}")
    return number


def check_resources(*, cpus: object, mem: object, disk: object, gpus: object) -> FakeResources:
    """Validate resource amounts and return them.

    Raises:
        InvalidInputError: when an amount is not a finite, non-negative number.
    """
    return FakeResources(
        cpus=_number(cpus, what="cpus"),
        mem=_number(mem, what="mem"),
        disk=_number(disk, what="disk"),
        gpus=_number(gpus, what="gpus"),
    )


def check_attributes(owner: object, attributes: object) -> Mapping[str, AttributeValue]:
    """Validate an agent's owner and attributes; return the attributes with ``owner`` added.

    Raises:
        InvalidInputError: when the owner is not a non-empty string (or None), when
            ``attributes`` names ``owner`` itself, or when a name is not a non-empty string or
            a value is not a string or a finite number.
    """
    if owner is not None and (not isinstance(owner, str) or not owner):
        raise InvalidInputError(f"owner must be a non-empty string or None, not {owner!r}")
    if attributes is None:
        attributes = {}
    if not isinstance(attributes, Mapping):
        raise InvalidInputError(f"attributes must be a mapping, not {type(attributes).__name__}")
    result: dict[str, AttributeValue] = {}
    for name, value in attributes.items():
        if not isinstance(name, str) or not name:
            raise InvalidInputError(f"attribute name {name!r} must be a non-empty string")
        if name == "owner":
            raise InvalidInputError("give the owner with owner=, not in attributes")
        if isinstance(value, str):
            result[name] = value
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            if not math.isfinite(value):
                raise InvalidInputError(f"attribute {name!r} must be finite, not {value!r}")
            result[name] = float(value)
        else:
            raise InvalidInputError(
                f"attribute {name!r} must be a string or a number, not {type(value).__name__}"
            )
    if owner is not None:
        result["owner"] = owner
    return MappingProxyType(result)


def check_hostname(hostname: object) -> str:
    """Validate a host name (letters, digits, ``-`` and dots) and return it lower-cased.

    Raises:
        InvalidInputError: when it is not a valid host name.
    """
    if not isinstance(hostname, str) or len(hostname) > 253:
        raise InvalidInputError(f"hostname {hostname!r} is not a host name")
    lowered = hostname.lower()
    if not _HOSTNAME_RE.fullmatch(lowered):
        raise InvalidInputError(f"hostname {hostname!r} is not a host name")
    return lowered


@attrs.define(kw_only=True)
class ClusterState:
    """Everything a FakeCluster knows; mutate it only while holding the cluster's lock.

    Attributes:
        rng: the one random source of the cluster (seeded), for every generated id.
        cluster_id: the leading master's id, a UUID; agent ids are ``<cluster_id>-S<n>``.
        masters: the Mesos masters, by index.
        marathons: the Marathon instances, by index.
        mesos_leader: the index of the leading master, or None while there is none.
        marathon_leader: the index of the leading Marathon instance, or None.
        agents: the agents by id, in registration order.
        apps: the apps by absolute Marathon id, in creation order.
        next_agent_index: the ``n`` of the next agent id.
        started_at: fake time the masters started.
        mesos_elected_at: fake time the current (or last) Mesos leader was elected.
        frameworks: the Mesos frameworks by id, in registration order (Marathon first).
        next_framework_index: the ``nnnn`` of the next framework id.
        tasks: the Mesos tasks by id, in launch order (terminal ones included).
    """

    rng: random.Random
    cluster_id: str
    masters: tuple[Server, ...]
    marathons: tuple[Server, ...]
    mesos_leader: int | None = 0
    marathon_leader: int | None = 0
    agents: dict[str, AgentRecord] = attrs.Factory(dict)
    apps: dict[str, AppRecord] = attrs.Factory(dict)
    next_agent_index: int = 0
    started_at: datetime = EPOCH
    mesos_elected_at: datetime = EPOCH
    frameworks: dict[str, FrameworkRecord] = attrs.Factory(dict)
    next_framework_index: int = 1
    tasks: dict[str, TaskRecord] = attrs.Factory(dict)

    @classmethod
    def create(
        cls, *, seed: int, masters: int, marathons: int, started_at: datetime = EPOCH
    ) -> ClusterState:
        """Build the initial state: servers, leaders at index 0, Marathon's framework.

        No agents, apps or tasks yet; Marathon is registered with Mesos at ``started_at``.
        """
        rng = random.Random(seed)  # noqa: S311 - deterministic test data, not cryptography
        state = cls(
            rng=rng,
            cluster_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            masters=tuple(
                Server(
                    kind="mesos_master", index=i, host=f"mesos-{i}.{TEST_DOMAIN}", port=MESOS_PORT
                )
                for i in range(masters)
            ),
            marathons=tuple(
                Server(
                    kind="marathon", index=i, host=f"marathon-{i}.{TEST_DOMAIN}", port=MARATHON_PORT
                )
                for i in range(marathons)
            ),
            started_at=started_at,
            mesos_elected_at=started_at,
        )
        marathon = state.marathons[0]
        state.frameworks[state.framework_id] = FrameworkRecord(
            id=state.framework_id,
            name=MARATHON_FRAMEWORK_NAME,
            hostname=marathon.host,
            webui_url=marathon.url,
            pid=f"scheduler-{state.cluster_id}@{marathon.host}:{marathon.port + 7000}",
            capabilities=("TASK_KILLING_STATE", "PARTITION_AWARE"),
            registered_at=started_at,
        )
        return state

    @property
    def framework_id(self) -> str:
        """Marathon's framework id, ``<cluster_id>-0000``."""
        return f"{self.cluster_id}-0000"

    def new_uuid(self) -> str:
        """A fresh UUID (version 4 layout) drawn from the seeded random source."""
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def servers(self) -> dict[str, Server]:
        """Every reachable server by base URL: masters, Marathon instances, then agents."""
        found = {server.url: server for server in (*self.masters, *self.marathons)}
        for agent in self.agents.values():
            found[agent.url] = agent.server
        return found

    def tasks_on(self, agent_id: str) -> list[TaskRecord]:
        """The tasks placed on an agent (terminal ones included), in launch order."""
        return [task for task in self.tasks.values() if task.agent_id == agent_id]

    def used_ports(self, agent_id: str) -> tuple[int, ...]:
        """The host ports the agent's active tasks hold, ascending."""
        return tuple(
            sorted(
                port
                for task in self.tasks_on(agent_id)
                if task.active
                for port in task.resources.ports
            )
        )

    def refresh_allocation(self, agent_id: str) -> None:
        """Recompute an agent's :attr:`AgentRecord.allocated` from its active tasks.

        Each active task counts with its command executor's share (:data:`EXECUTOR_CPUS`,
        :data:`EXECUTOR_MEM`), as a real agent reports it. Amounts are rounded to Mesos'
        three decimals.
        """
        agent = self.agents.get(agent_id)
        if agent is None:
            return
        cpus = mem = disk = gpus = 0.0
        for task in self.tasks_on(agent_id):
            if task.active:
                cpus += task.resources.cpus + EXECUTOR_CPUS
                mem += task.resources.mem + EXECUTOR_MEM
                disk += task.resources.disk
                gpus += task.resources.gpus
        allocated = FakeResources(
            cpus=round(cpus, 3), mem=round(mem, 3), disk=round(disk, 3), gpus=round(gpus, 3)
        )
        self.agents[agent_id] = attrs.evolve(agent, allocated=allocated)

    def grow_usage(self, seconds: float) -> None:
        """Let every running container's counters grow for ``seconds`` of fake time."""
        if seconds <= 0:
            return
        for task_id, task in self.tasks.items():
            if task.container_running:
                usage = task.usage.grow(
                    cpus=task.resources.cpus,
                    limit=task.resources.cpus + EXECUTOR_CPUS,
                    load=task.load,
                    seconds=seconds,
                )
                self.tasks[task_id] = attrs.evolve(task, usage=usage)
