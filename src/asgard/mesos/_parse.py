"""Mesos JSON → records and models (pure).

Tolerant of what Mesos versions add or leave out (0.19 to 1.11): unknown fields are ignored,
optional ones may be absent or null (``port``, ``version``, ``gpus``, ``used_resources``,
``used_resources.ports``, ``deactivated``, ``drain_info``), numbers may be ints or floats, and
attributes keep numbers as numbers. What asgard needs and cannot find raises
:class:`~asgard.errors.MalformedResponseError` with the path (see :mod:`asgard._json`).
"""

from __future__ import annotations

import functools
import re
import sys
from collections.abc import Collection, Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Any, Final

import attrs

from asgard import _json as j
from asgard.errors import MalformedResponseError
from asgard.models import Agent, Resources, TaskState

__all__ = [
    "Container",
    "MesosAgent",
    "MesosTask",
    "Statistics",
    "agents_from_slaves",
    "cluster_name",
    "containers_from",
    "file_read",
    "framework_names",
    "parse_ports",
    "sandbox_directory",
    "task_page",
    "tasks_from",
    "version_of",
]

_RANGE: Final = re.compile(r"\s*(\d+)\s*-\s*(\d+)\s*")
_MAX_EXPANDED_PORTS: Final = 65536
_FLOAT_MAX: Final = sys.float_info.max
_DRAINING: Final = frozenset({"DRAINING", "DRAINED"})
_TERMINAL_STATES: Final = frozenset(state.value for state in TaskState if state.is_terminal)
_RECOVERED: Final = "recovered by the master after a failover; it has not re-registered yet"


@attrs.frozen(kw_only=True)
class MesosAgent:
    """An agent of the master's listing, with the address details the backend needs."""

    agent: Agent
    pid: str | None = None


@attrs.frozen(kw_only=True)
class MesosTask:
    """A task as the master lists it."""

    id: str
    framework_id: str
    executor_id: str
    agent_id: str
    state: TaskState | str
    ports: tuple[int, ...]
    staged_at: datetime | None
    started_at: datetime | None
    healthy: bool | None
    container_id: str | None

    @property
    def executor_key(self) -> tuple[str, str]:
        """``(framework id, executor id)``; a command-executor task's executor id is its own."""
        return (self.framework_id, self.executor_id or self.id)


@attrs.frozen(kw_only=True)
class Statistics:
    """The counters of one container (``ResourceStatistics``); all optional but the time."""

    timestamp: datetime
    cpus_user_time_secs: float | None = None
    cpus_system_time_secs: float | None = None
    cpus_limit: float | None = None
    cpus_nr_periods: int | None = None
    cpus_nr_throttled: int | None = None
    mem_rss_bytes: int | None = None
    mem_limit_bytes: int | None = None


@attrs.frozen(kw_only=True)
class Container:
    """One entry of an agent's ``/containers``."""

    container_id: str
    executor_id: str
    framework_id: str
    statistics: Statistics | None


# -- small pieces ------------------------------------------------------------------------------


@functools.lru_cache(maxsize=4096)  # ports repeat across tasks: "[31000-31000]"
def parse_ports(text: str | None) -> tuple[int, ...]:
    """Expand a Mesos range string (``"[31000-31001, 31005-31005]"``) into port numbers.

    Raises:
        ValueError: when the text is not a range string (the parsers turn it into
            :class:`~asgard.errors.MalformedResponseError`).
    """
    if not text:
        return ()
    body = text.strip()
    if not (body.startswith("[") and body.endswith("]")):
        raise ValueError(f"not a range string: {text!r}")
    ports: list[int] = []
    for part in body[1:-1].split(","):
        if not part.strip():
            continue
        match = _RANGE.fullmatch(part)
        if match is None:
            raise ValueError(f"not a range: {part!r}")
        low, high = int(match.group(1)), int(match.group(2))
        if high < low or len(ports) + high - low + 1 > _MAX_EXPANDED_PORTS:
            raise ValueError(f"range out of bounds: {part!r}")
        ports.extend(range(low, high + 1))
    return tuple(ports)


def _resources(d: Mapping[str, Any] | None) -> Resources:
    if d is None:
        return Resources(cpus=0.0, mem=0.0)
    return Resources(
        cpus=j.opt_float(d, "cpus") or 0.0,
        mem=j.opt_float(d, "mem") or 0.0,
        disk=j.opt_float(d, "disk") or 0.0,
        gpus=j.opt_float(d, "gpus") or 0.0,
    )


def _attributes(d: Mapping[str, Any] | None) -> Mapping[str, str | float]:
    found: dict[str, str | float] = {}
    for name, value in (d or {}).items():
        if type(value) is str or type(value) is float:
            found[name] = value
        elif type(value) is int:
            # beyond a float's range it is an opaque value, kept as its digits
            found[name] = float(value) if abs(value) <= _FLOAT_MAX else str(value)
        elif value is not None:
            found[name] = str(value)
    return MappingProxyType(found)


# -- agents ------------------------------------------------------------------------------------


def _agent(d: Mapping[str, Any]) -> MesosAgent:
    drain = j.opt_dict(d, "drain_info")
    deactivated = j.opt_bool(d, "deactivated") or False
    active = j.opt_bool(d, "active")
    return MesosAgent(
        agent=Agent(
            id=j.req_str(d, "id"),
            hostname=j.req_str(d, "hostname"),
            port=j.opt_int(d, "port") or 5051,
            active=(True if active is None else active) and not deactivated,
            draining=drain is not None and j.opt_str(drain, "state") in _DRAINING,
            version=j.opt_str(d, "version"),
            attributes=_attributes(j.opt_dict(d, "attributes")),
            total=_resources(j.opt_dict(d, "resources")),
            allocated=_resources(j.opt_dict(d, "used_resources")),
            registered_at=j.opt_time(d, "registered_time"),
        ),
        pid=j.opt_str(d, "pid"),
    )


def _recovered(d: Mapping[str, Any]) -> MesosAgent:
    return MesosAgent(
        agent=Agent(
            id=j.req_str(d, "id"),
            hostname=j.req_str(d, "hostname"),
            port=j.opt_int(d, "port") or 5051,
            active=False,
            attributes=_attributes(j.opt_dict(d, "attributes")),
            total=_resources(j.opt_dict(d, "resources")),
            allocated=Resources(cpus=0.0, mem=0.0),
            errors=(_RECOVERED,),
        )
    )


def _agents(payload: Any) -> list[MesosAgent]:
    found = [_agent(item) for item in j.req_list(payload, "slaves")]
    found.extend(_recovered(item) for item in j.opt_list(payload, "recovered_slaves"))
    return found


def agents_from_slaves(payload: Any) -> list[MesosAgent]:
    """The agents of a ``/master/slaves`` (or ``/master/state``) answer, recovered ones last.

    Raises:
        MalformedResponseError: with the path of what is missing or ill-typed.
    """
    return j.parse(_agents, payload, what="agent listing")


# -- tasks -------------------------------------------------------------------------------------


def _task(d: Mapping[str, Any]) -> MesosTask:
    # The statuses in time order (a missing timestamp counts as 0; the list's order breaks
    # ties): the earliest that says when is when the task was staged, the earliest running
    # one when it started; the latest that says so gives its health and its container. One
    # pass, without sorting.
    staged = running = None  # the statuses that say when
    staged_at_s = running_at_s = health_at = container_at = 0.0
    healthy: bool | None = None
    container_id: str | None = None
    for status in j.opt_list(d, "statuses"):
        stamp = j.opt_float(status, "timestamp")
        at = stamp or 0.0
        if stamp is not None:
            if staged is None or at < staged_at_s:
                staged, staged_at_s = status, at
            if (running is None or at < running_at_s) and j.opt_str(
                status, "state"
            ) == "TASK_RUNNING":
                running, running_at_s = status, at
        said = j.opt_bool(status, "healthy")
        if said is not None and (healthy is None or at >= health_at):
            health_at, healthy = at, said
        container = j.opt_dict(status, "container_status")
        if container is not None:
            inner = j.opt_dict(container, "container_id")
            if inner is not None and (container_id is None or at >= container_at):
                container_at, container_id = at, j.req_str(inner, "value")
    resources = j.opt_dict(d, "resources") or {}
    return MesosTask(
        id=j.req_str(d, "id"),
        framework_id=j.req_str(d, "framework_id"),
        executor_id=j.opt_str(d, "executor_id") or "",
        agent_id=j.req_str(d, "slave_id"),
        state=TaskState.parse(j.req_str(d, "state")),
        ports=j.opt_converted(resources, "ports", parse_ports, "a range string") or (),
        staged_at=None if staged is None else j.opt_time(staged, "timestamp"),
        started_at=None if running is None else j.opt_time(running, "timestamp"),
        healthy=healthy,
        container_id=container_id,
    )


def _tasks(payload: Any) -> list[MesosTask]:
    return [_task(item) for item in j.req_list(payload, "tasks")]


def _wanted(item: Any, agent_ids: Collection[str]) -> bool:
    """Whether a raw task may be visible: live and on one of ``agent_ids`` (else skipped)."""
    if type(item) is not dict:
        return True  # for _task to report
    agent = item.get("slave_id")
    state = item.get("state")
    if type(agent) is str and agent not in agent_ids:
        return False
    return not (type(state) is str and state in _TERMINAL_STATES)


def _task_page(payload: Any, agent_ids: Collection[str] | None) -> tuple[list[MesosTask], int]:
    items = j.req_list(payload, "tasks")
    if agent_ids is None:
        return [_task(item) for item in items], len(items)
    return [_task(item) for item in items if _wanted(item, agent_ids)], len(items)


def task_page(
    payload: Any, agent_ids: Collection[str] | None = None
) -> tuple[list[MesosTask], int]:
    """The tasks of one ``/master/tasks`` page, and how many the page listed.

    With ``agent_ids``, only the live tasks on those agents are decoded (the others are never
    visible to the account): the count still says how long the page was, for paging.

    Raises:
        MalformedResponseError: with the path of what is missing or ill-typed.
    """
    return j.parse(lambda data: _task_page(data, agent_ids), payload, what="task listing")


def tasks_from(payload: Any) -> list[MesosTask]:
    """The tasks of one ``/master/tasks`` page.

    Raises:
        MalformedResponseError: with the path of what is missing or ill-typed.
    """
    return j.parse(_tasks, payload, what="task listing")


def _framework_names(payload: Any) -> dict[str, str]:
    names: dict[str, str] = {}
    for key in ("frameworks", "completed_frameworks"):
        for item in j.opt_list(payload, key):
            names.setdefault(j.req_str(item, "id"), j.opt_str(item, "name") or "")
    return names


def framework_names(payload: Any) -> dict[str, str]:
    """Framework id → name, from ``/master/state-summary`` (or ``/master/state``).

    Raises:
        MalformedResponseError: with the path of what is missing or ill-typed.
    """
    return j.parse(_framework_names, payload, what="framework listing")


# -- agents' own endpoints -----------------------------------------------------------------


def _statistics(d: Mapping[str, Any]) -> Statistics:
    return Statistics(
        timestamp=j.req_time(d, "timestamp"),
        cpus_user_time_secs=j.opt_float(d, "cpus_user_time_secs"),
        cpus_system_time_secs=j.opt_float(d, "cpus_system_time_secs"),
        cpus_limit=j.opt_float(d, "cpus_limit"),
        cpus_nr_periods=j.opt_int(d, "cpus_nr_periods"),
        cpus_nr_throttled=j.opt_int(d, "cpus_nr_throttled"),
        mem_rss_bytes=j.opt_int(d, "mem_rss_bytes"),
        mem_limit_bytes=j.opt_int(d, "mem_limit_bytes"),
    )


def _containers(payload: Any) -> list[Container]:
    if not isinstance(payload, list):
        raise MalformedResponseError("the container listing should be an array", path="")
    found: list[Container] = []
    for item in payload:
        statistics = j.opt_dict(item, "statistics")
        found.append(
            Container(
                container_id=j.req_str(item, "container_id"),
                executor_id=j.req_str(item, "executor_id"),
                framework_id=j.req_str(item, "framework_id"),
                statistics=None if statistics is None else _statistics(statistics),
            )
        )
    return found


def containers_from(payload: Any) -> list[Container]:
    """The entries of an agent's ``/containers`` (``statistics`` may be missing).

    Raises:
        MalformedResponseError: with the path of what is missing or ill-typed.
    """
    return j.parse(_containers, payload, what="container listing")


def _file_read(payload: Any) -> tuple[str, int]:
    return (j.req_str(payload, "data"), j.req_int(payload, "offset"))


def file_read(payload: Any) -> tuple[str, int]:
    """``(data, offset)`` of a ``/files/read`` answer.

    Raises:
        MalformedResponseError: with the path of what is missing or ill-typed.
    """
    return j.parse(_file_read, payload, what="file read")


def _directory(payload: Any, framework_id: str, executor_id: str) -> str | None:
    for framework_key in ("frameworks", "completed_frameworks"):
        for framework in j.opt_list(payload, framework_key):
            if j.req_str(framework, "id") != framework_id:
                continue
            for executor_key in ("executors", "completed_executors"):
                for executor in j.opt_list(framework, executor_key):
                    if j.req_str(executor, "id") == executor_id:
                        return j.req_str(executor, "directory")
    return None


def sandbox_directory(payload: Any, framework_id: str, executor_id: str) -> str | None:
    """The sandbox directory of an executor, from the agent's ``/state``; None when absent.

    Raises:
        MalformedResponseError: with the path of what is missing or ill-typed.
    """
    return j.parse(
        lambda data: _directory(data, framework_id, executor_id), payload, what="agent state"
    )


def version_of(payload: Any) -> str:
    """The ``version`` of a ``/version`` answer.

    Raises:
        MalformedResponseError: when it is missing.
    """
    return j.parse(lambda data: j.req_str(data, "version"), payload, what="version")


def cluster_name(payload: Any) -> str | None:
    """The ``cluster`` flag of a ``/master/flags`` answer, or None when not set.

    Raises:
        MalformedResponseError: when the answer has no ``flags`` object.
    """
    return j.parse(
        lambda data: j.opt_str(j.req_dict(data, "flags"), "cluster") or None,
        payload,
        what="flags",
    )
