"""Mesos frameworks, tasks and agent operations on a FakeCluster's state.

Every function here changes a :class:`~asgard.testing._state.ClusterState` in place and must
run with the cluster's lock held; :class:`~asgard.testing.FakeCluster` wraps each one in a
documented control method. Validation happens before the first change, so a refused call
changes nothing.
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Final

import attrs

from asgard.account import normalize_app_id
from asgard.errors import ConflictError, InvalidInputError, NotFoundError
from asgard.testing._state import (
    TASK_STATES,
    TEST_DOMAIN,
    AgentDrain,
    AgentRecord,
    ClusterState,
    FrameworkRecord,
    SandboxFile,
    TaskRecord,
    TaskResources,
    TaskState,
    TaskStatus,
)
from asgard.testing._versions import MarathonProfile

__all__ = [
    "DEFAULT_JOB",
    "LOG_STREAMS",
    "add_framework",
    "add_task",
    "deactivate_agent",
    "drain_agent",
    "find_agent",
    "find_task",
    "lose_tasks_of",
    "reactivate_agent",
    "remove_task",
    "set_task_state",
    "write_log",
]

LOG_STREAMS: Final = ("stdout", "stderr")
"""The sandbox files a task writes its output to."""

DEFAULT_JOB: Final = "job"
"""The job name of a non-Marathon task launched without ``app_id`` or ``task_id``."""

_MIB: Final = 1024 * 1024
_TASK_ID_FORBIDDEN: Final = re.compile(r"[/\s\x00]")
_JOB_NAME: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_FRAMEWORK_ID: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def _number(value: object, *, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidInputError(f"{what} must be a number, not {type(value).__name__}")
    number = float(value)
    if not math.isfinite(number) or number < 0:
        raise InvalidInputError(f"{what} must be a finite, non-negative number, not {value!r}")
    return number


def check_task_state(state: object) -> TaskState:
    """Return ``state`` as a :data:`~asgard.testing.TaskState`.

    Raises:
        InvalidInputError: when it is not one of the Mesos ``TASK_*`` names.
    """
    for known in TASK_STATES:
        if state == known:
            return known
    raise InvalidInputError(f"{state!r} is not a Mesos task state; use one of TASK_STATES")


def find_agent(state: ClusterState, agent_id: object) -> AgentRecord:
    """The agent with that id.

    Raises:
        NotFoundError: when no agent has that id.
    """
    agent = state.agents.get(agent_id) if isinstance(agent_id, str) else None
    if agent is None:
        raise NotFoundError(f"no agent {agent_id!r} in this cluster")
    return agent


def find_task(state: ClusterState, task_id: object) -> TaskRecord:
    """The task with that id.

    Raises:
        NotFoundError: when no task has that id.
    """
    task = state.tasks.get(task_id) if isinstance(task_id, str) else None
    if task is None:
        raise NotFoundError(f"no task {task_id!r} in this cluster")
    return task


def _known_framework(state: ClusterState, framework: object) -> FrameworkRecord | None:
    """The framework with that name or id, or None for a new name.

    Raises:
        InvalidInputError: when ``framework`` is not a non-empty string.
    """
    if not isinstance(framework, str) or not framework.strip():
        raise InvalidInputError(f"framework must be a framework name or id, not {framework!r}")
    for record in state.frameworks.values():
        if framework in {record.name, record.id}:
            return record
    return None


def add_framework(
    state: ClusterState, name: object, framework_id: object, now: datetime
) -> FrameworkRecord:
    """Register a framework (``<cluster id>-<nnnn>`` unless ``framework_id`` is given).

    Raises:
        InvalidInputError: for an empty or non-string name, a name another framework has, or a
            framework id that is not letters, digits, ``.``, ``_`` and ``-``.
        ConflictError: when another framework has that id.
    """
    if not isinstance(name, str) or not name.strip():
        raise InvalidInputError(f"a framework name must be a non-empty string, not {name!r}")
    if any(record.name == name for record in state.frameworks.values()):
        raise InvalidInputError(f"a framework named {name!r} is registered already")
    if framework_id is None:
        index = state.next_framework_index
        chosen = f"{state.cluster_id}-{index:04d}"
        while chosen in state.frameworks:
            index += 1
            chosen = f"{state.cluster_id}-{index:04d}"
        state.next_framework_index = index + 1
    elif not isinstance(framework_id, str) or not _FRAMEWORK_ID.fullmatch(framework_id):
        raise InvalidInputError(f"framework id {framework_id!r} is not a valid Mesos id")
    elif framework_id in state.frameworks:
        raise ConflictError(f"framework {framework_id!r} is registered already")
    else:
        chosen = framework_id
    host = f"framework-{len(state.frameworks)}.{TEST_DOMAIN}"
    record = FrameworkRecord(
        id=chosen,
        name=name,
        hostname=host,
        pid=f"scheduler-{state.new_uuid()}@{host}:{9090 + len(state.frameworks)}",
        registered_at=now,
    )
    state.frameworks[chosen] = record
    return record


def _check_ports(ports: object, agent: AgentRecord, taken: Iterable[int]) -> tuple[int, ...]:
    if isinstance(ports, (str, bytes)) or not isinstance(ports, Iterable):
        raise InvalidInputError(f"ports must be a sequence of port numbers, not {ports!r}")
    chosen: list[int] = []
    busy = set(taken)
    for port in ports:
        if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
            raise InvalidInputError(f"port {port!r} is not a port number")
        if not any(low <= port <= high for low, high in agent.port_ranges):
            raise InvalidInputError(f"port {port} is outside agent {agent.id}'s port ranges")
        if port in busy or port in chosen:
            raise InvalidInputError(f"port {port} is taken on agent {agent.id}")
        chosen.append(port)
    return tuple(sorted(chosen))


def _check_labels(labels: object) -> Mapping[str, str]:
    if labels is None:
        return MappingProxyType({})
    if not isinstance(labels, Mapping):
        raise InvalidInputError(f"labels must be a mapping, not {type(labels).__name__}")
    for key, value in labels.items():
        if not isinstance(key, str) or not key or not isinstance(value, str):
            raise InvalidInputError(f"label {key!r}: keys and values must be strings")
    return MappingProxyType(dict(labels))


def _check_task_id(task_id: object) -> str:
    if (
        not isinstance(task_id, str)
        or not task_id
        or task_id in {".", ".."}
        or _TASK_ID_FORBIDDEN.search(task_id)
    ):
        raise InvalidInputError(f"task id {task_id!r} is not a valid Mesos task id")
    return task_id


def _status(
    task_state: TaskState, now: datetime, container_id: str, healthy: bool | None
) -> TaskStatus:
    return TaskStatus(
        state=task_state,
        timestamp=now,
        container_id=container_id,
        healthy=healthy if task_state == "TASK_RUNNING" else None,
    )


def _naming(
    state: ClusterState,
    is_marathon: bool,
    marathon: MarathonProfile,
    app_id: object,
    task_id: object,
    now: datetime,
) -> tuple[str, str, str | None]:
    """The task's id, name and app (or job) id."""
    if is_marathon:
        if app_id is not None and not isinstance(app_id, str):
            raise InvalidInputError(f"app_id must be a Marathon app id, not {app_id!r}")
        app = normalize_app_id(app_id) if app_id is not None else None
        if task_id is None:
            if app is None:
                raise InvalidInputError("a Marathon task needs app_id= (or task_id=)")
            uuid1 = str(uuid.UUID(int=state.rng.getrandbits(128), version=1))
            task_id = marathon.task_id(app, uuid1)
        chosen = _check_task_id(task_id)
        name = ".".join(reversed(app.lstrip("/").split("/"))) if app is not None else chosen
        return chosen, name, app
    job: str | None = None
    if app_id is not None:
        if not isinstance(app_id, str) or not _JOB_NAME.fullmatch(app_id):
            raise InvalidInputError(
                f"job name {app_id!r} must be letters, digits, '.', '_' and '-' (no ':' or '/')"
            )
        job = app_id
    if task_id is None:
        job = job or DEFAULT_JOB
        millis = int(now.timestamp() * 1000)
        attempt = 0
        task_id = f"ct:{millis}:{attempt}:{job}:"
        while task_id in state.tasks:
            attempt += 1
            task_id = f"ct:{millis}:{attempt}:{job}:"
    chosen = _check_task_id(task_id)
    return chosen, (f"ChronosTask:{job}" if job is not None else chosen), job


def add_task(
    state: ClusterState,
    marathon: MarathonProfile,
    now: datetime,
    *,
    agent_id: object,
    app_id: object,
    task_id: object,
    framework: object,
    cpus: object,
    mem: object,
    disk: object,
    ports: object,
    task_state: object,
    load: object,
    healthy: object,
    labels: object,
) -> TaskRecord:
    """Launch a command-executor task on an agent; see :meth:`FakeCluster.add_task`.

    Raises:
        InvalidInputError: for a bad argument (see the control method).
        NotFoundError: for an unknown agent.
        ConflictError: when the task id is taken.
    """
    agent = find_agent(state, agent_id)
    chosen_state = check_task_state(task_state)
    resources = TaskResources(
        cpus=_number(cpus, what="cpus"),
        mem=_number(mem, what="mem"),
        disk=_number(disk, what="disk"),
        ports=_check_ports(ports, agent, state.used_ports(agent.id)),
    )
    busy = _number(load, what="load")
    if healthy is not None and not isinstance(healthy, bool):
        raise InvalidInputError(f"healthy must be True, False or None, not {healthy!r}")
    chosen_labels = _check_labels(labels)
    if agent.deactivated:
        raise InvalidInputError(
            f"agent {agent.id} is deactivated or draining: Mesos offers nothing from it"
        )
    # Marathon is registered from the start, so a name no framework has is never Marathon.
    known = _known_framework(state, framework)
    is_marathon = known is not None and known.is_marathon
    chosen_id, name, app = _naming(state, is_marathon, marathon, app_id, task_id, now)
    if chosen_id in state.tasks:
        raise ConflictError(f"task {chosen_id!r} exists already")
    record = known or add_framework(state, framework, None, now)
    container_id = state.new_uuid()
    rss_share = 0.25 + 0.5 * state.rng.random()
    processes = 2 + state.rng.randrange(3)
    threads = processes * (2 + state.rng.randrange(14))
    statuses = (
        ()
        if chosen_state == "TASK_STAGING"
        else (_status(chosen_state, now, container_id, healthy),)
    )
    task = TaskRecord(
        id=chosen_id,
        name=name,
        framework_id=record.id,
        agent_id=agent.id,
        state=chosen_state,
        resources=resources,
        statuses=statuses,
        container_id=container_id,
        load=busy,
        healthy=healthy,
        mem_rss_bytes=int(resources.mem * _MIB * rss_share),
        processes=processes,
        threads=threads,
        files=MappingProxyType(
            {stream: SandboxFile(data=b"", mtime=now) for stream in LOG_STREAMS}
        ),
        labels=chosen_labels,
        app_id=app,
        agent_hostname=agent.hostname,
        created_at=now,
    )
    state.tasks[chosen_id] = task
    state.refresh_allocation(agent.id)
    return task


def set_task_state(
    state: ClusterState, task_id: object, task_state: object, now: datetime, healthy: object
) -> TaskRecord:
    """Add a status update to a task; see :meth:`FakeCluster.set_task_state`.

    Raises:
        NotFoundError: for an unknown task.
        InvalidInputError: for an unknown state, a bad ``healthy``, or a task that is terminal.
    """
    task = find_task(state, task_id)
    chosen = check_task_state(task_state)
    if healthy is not None and not isinstance(healthy, bool):
        raise InvalidInputError(f"healthy must be True, False or None, not {healthy!r}")
    if task.terminal:
        raise InvalidInputError(f"task {task.id!r} is {task.state} already, which is final")
    health = task.healthy if healthy is None else healthy
    updated = attrs.evolve(
        task,
        state=chosen,
        healthy=health,
        statuses=(*task.statuses, _status(chosen, now, task.container_id, health)),
    )
    state.tasks[task.id] = updated
    state.refresh_allocation(task.agent_id)
    return updated


def remove_task(state: ClusterState, task_id: object) -> None:
    """Forget a task entirely; see :meth:`FakeCluster.remove_task`.

    Raises:
        NotFoundError: for an unknown task.
    """
    task = find_task(state, task_id)
    del state.tasks[task.id]
    state.refresh_allocation(task.agent_id)


def write_log(
    state: ClusterState, task_id: object, stream: object, data: object, now: datetime
) -> None:
    """Append to a task's ``stdout`` or ``stderr``; see :meth:`FakeCluster.write_log`.

    Raises:
        NotFoundError: for an unknown task.
        InvalidInputError: for another stream, or data that is neither str nor bytes.
    """
    task = find_task(state, task_id)
    if stream not in LOG_STREAMS:
        raise InvalidInputError(f"stream must be 'stdout' or 'stderr', not {stream!r}")
    if isinstance(data, str):
        chunk = data.encode("utf-8")
    elif isinstance(data, (bytes, bytearray, memoryview)):
        chunk = bytes(data)
    else:
        raise InvalidInputError(f"log data must be str or bytes, not {type(data).__name__}")
    files = dict(task.files)
    name = str(stream)
    files[name] = SandboxFile(data=files[name].data + chunk, mtime=now)
    state.tasks[task.id] = attrs.evolve(task, files=MappingProxyType(files))


def lose_tasks_of(state: ClusterState, agent_id: str, now: datetime) -> None:
    """Mark every active task of a removed agent ``TASK_LOST``."""
    for task in state.tasks_on(agent_id):
        if not task.terminal:
            state.tasks[task.id] = attrs.evolve(
                task,
                state="TASK_LOST",
                statuses=(*task.statuses, _status("TASK_LOST", now, task.container_id, None)),
            )


def deactivate_agent(state: ClusterState, agent_id: object) -> None:
    """Deactivate an agent (no offers from it); see :meth:`FakeCluster.deactivate_agent`.

    Raises:
        NotFoundError: for an unknown agent.
    """
    agent = find_agent(state, agent_id)
    state.agents[agent.id] = attrs.evolve(agent, active=False, deactivated=True)


def drain_agent(
    state: ClusterState,
    agent_id: object,
    now: datetime,
    *,
    mark_gone: object,
    max_grace_period: object,
) -> None:
    """Start draining an agent; see :meth:`FakeCluster.drain_agent`.

    Raises:
        NotFoundError: for an unknown agent.
        InvalidInputError: for a ``mark_gone`` that is not a bool or a bad grace period.
    """
    agent = find_agent(state, agent_id)
    if not isinstance(mark_gone, bool):
        raise InvalidInputError(f"mark_gone must be True or False, not {mark_gone!r}")
    grace = None if max_grace_period is None else _number(max_grace_period, what="grace period")
    started = agent.drain.started_at if agent.drain is not None else now
    drain = AgentDrain(started_at=started, mark_gone=mark_gone, max_grace_period=grace)
    state.agents[agent.id] = attrs.evolve(agent, active=False, deactivated=True, drain=drain)


def reactivate_agent(state: ClusterState, agent_id: object) -> None:
    """Undo a deactivation or drain; see :meth:`FakeCluster.reactivate_agent`.

    Raises:
        NotFoundError: for an unknown agent.
    """
    agent = find_agent(state, agent_id)
    state.agents[agent.id] = attrs.evolve(agent, active=True, deactivated=False, drain=None)
