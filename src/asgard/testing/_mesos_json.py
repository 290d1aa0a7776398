"""How a fake Mesos renders its state as v0 JSON: resources, agents, tasks, frameworks.

Pure functions of the state, shared by the master and agent endpoints. The shapes follow the
recorded payloads in ``shared/fixtures`` (Mesos 1.4.1 production, 1.7.1) where they exist and
the Mesos writers otherwise; what differs between versions comes from the
:class:`~asgard.testing.MesosProfile`, never from a version test here.

Rules worth knowing (see notes/mesos.md §2):

- Scalars are rounded to Mesos' three decimals and whole numbers are written without a
  fraction (``"cpus": 4``, ``"cpus": 2.7``), as stout's JSON writer does.
- ``cpus``, ``mem``, ``disk`` and ``gpus`` are always in a resource map; ``ports`` is a range
  string (``"[31001-31001, 31005-31006]"``, coalesced) and is left out when there are none.
- Text attributes are strings, scalar attributes numbers.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from datetime import datetime
from typing import Any, Final

from asgard.testing._state import (
    EXECUTOR_CPUS,
    EXECUTOR_MEM,
    AgentRecord,
    ClusterState,
    FakeResources,
    FrameworkRecord,
    TaskRecord,
    TaskStatus,
)
from asgard.testing._versions import MesosProfile

__all__ = [
    "COUNTED_STATES",
    "JSON",
    "agent_ip",
    "agent_pid",
    "agent_record",
    "coalesce",
    "executor_resources",
    "framework_full",
    "framework_summary",
    "number",
    "ranges_text",
    "resource_map",
    "seconds",
    "state_counts",
    "task_json",
]

JSON = dict[str, Any]
"""A JSON object as the endpoints build it."""

COUNTED_STATES: Final = (
    "TASK_STAGING",
    "TASK_STARTING",
    "TASK_RUNNING",
    "TASK_KILLING",
    "TASK_FINISHED",
    "TASK_KILLED",
    "TASK_FAILED",
    "TASK_LOST",
    "TASK_ERROR",
    "TASK_UNREACHABLE",
)
"""The task-state counters ``/master/state-summary`` writes per agent and per framework."""

_ZERO: Final = FakeResources()


def number(value: float) -> int | float:
    """A scalar as Mesos writes it: three decimals at most, whole numbers without fraction."""
    rounded = round(float(value), 3)
    return int(rounded) if rounded.is_integer() else rounded


def seconds(moment: datetime) -> float:
    """A fake time as Mesos' float epoch seconds."""
    return moment.timestamp()


def coalesce(ports: Iterable[int]) -> tuple[tuple[int, int], ...]:
    """Sorted, merged inclusive ranges of a set of ports (``31001, 31002`` → ``31001-31002``)."""
    ranges: list[list[int]] = []
    for port in sorted(set(ports)):
        if ranges and port == ranges[-1][1] + 1:
            ranges[-1][1] = port
        else:
            ranges.append([port, port])
    return tuple((low, high) for low, high in ranges)


def ranges_text(ranges: Iterable[tuple[int, int]]) -> str | None:
    """A range resource as v0 JSON writes it (``"[31000-32000]"``), or None when empty."""
    parts = [f"{low}-{high}" for low, high in ranges]
    return f"[{', '.join(parts)}]" if parts else None


def resource_map(amounts: FakeResources, ports: str | None = None) -> JSON:
    """A flat v0 resource map: the four scalars always, ``ports`` only when some."""
    result: JSON = {
        "disk": number(amounts.disk),
        "mem": number(amounts.mem),
        "gpus": number(amounts.gpus),
        "cpus": number(amounts.cpus),
    }
    if ports is not None:
        result["ports"] = ports
    return result


def resource_full(
    amounts: FakeResources, ranges: tuple[tuple[int, int], ...], *, allocated: bool
) -> list[JSON]:
    """The protobuf form (``*_full`` arrays): one entry per non-empty resource."""
    entries: list[JSON] = []
    for name in ("cpus", "mem", "disk", "gpus"):
        value = getattr(amounts, name)
        if value:
            entries.append(
                {"name": name, "type": "SCALAR", "scalar": {"value": number(value)}, "role": "*"}
            )
    if ranges:
        entries.append(
            {
                "name": "ports",
                "type": "RANGES",
                "ranges": {"range": [{"begin": low, "end": high} for low, high in ranges]},
                "role": "*",
            }
        )
    if allocated:
        for entry in entries:
            entry["allocation_info"] = {"role": "*"}
    return entries


def _attribute(value: str | float) -> str | int | float:
    return value if isinstance(value, str) else number(value)


def agent_ip(agent_id: str, hostname: str) -> str:
    """The IPv4 address of an agent: its host name when that is one, else ``10.0.x.y``."""
    try:
        return str(ipaddress.IPv4Address(hostname))
    except ValueError:
        index = int(agent_id.rsplit("-S", 1)[-1]) if "-S" in agent_id else 0
        return f"10.0.{index // 250}.{index % 250 + 1}"


def agent_pid(agent: AgentRecord) -> str:
    """The agent's libprocess address, ``slave(1)@<host>:<port>``.

    The host is the agent's host name (an IP in production recordings): clients that address
    agents by their pid reach the fake agent that way.
    """
    return f"slave(1)@{agent.hostname}:{agent.port}"


def _drain_state(state: ClusterState, agent: AgentRecord) -> str:
    busy = any(task.active for task in state.tasks_on(agent.id))
    return "DRAINING" if busy else "DRAINED"


def agent_record(
    state: ClusterState, agent: AgentRecord, profile: MesosProfile, *, full: bool
) -> JSON:
    """One agent as the master writes it: ``/master/slaves`` (``full``), ``/state``, summary.

    ``full`` adds the protobuf ``*_full`` arrays that only ``/master/slaves`` carries.
    """
    used_ranges = coalesce(state.used_ports(agent.id))
    total = resource_map(agent.total, ranges_text(agent.port_ranges))
    record: JSON = {
        "id": agent.id,
        "hostname": agent.hostname,
        "port": agent.port,
        "attributes": {name: _attribute(value) for name, value in agent.attributes.items()},
        "pid": agent_pid(agent),
        "registered_time": seconds(agent.registered_at),
        "resources": total,
        "used_resources": resource_map(agent.allocated, ranges_text(used_ranges)),
        "offered_resources": resource_map(_ZERO),
        "reserved_resources": {},
        "unreserved_resources": dict(total),
        "active": agent.active,
        "version": profile.release,
        "capabilities": list(profile.agent_capabilities),
    }
    if profile.agent_drain_fields:
        record["deactivated"] = agent.deactivated
        if agent.drain is not None:
            config: JSON = {"mark_gone": agent.drain.mark_gone}
            if agent.drain.max_grace_period is not None:
                config["max_grace_period"] = {
                    "nanoseconds": int(agent.drain.max_grace_period * 1_000_000_000)
                }
            record["drain_info"] = {"state": _drain_state(state, agent), "config": config}
            record["estimated_drain_start_time_seconds"] = seconds(agent.drain.started_at)
    if full:
        record["reserved_resources_full"] = {}
        record["unreserved_resources_full"] = resource_full(
            agent.total, agent.port_ranges, allocated=False
        )
        record["used_resources_full"] = resource_full(agent.allocated, used_ranges, allocated=True)
        record["offered_resources_full"] = []
    return record


def _task_resources(task: TaskRecord) -> JSON:
    res = task.resources
    amounts = FakeResources(cpus=res.cpus, mem=res.mem, disk=res.disk, gpus=res.gpus)
    return resource_map(amounts, ranges_text(coalesce(res.ports)))


def executor_resources(task: TaskRecord) -> JSON:
    """A command executor's resources on the agent: its task's plus the executor's share.

    Once the task is terminal only the executor's own share remains (as recorded).
    """
    res = task.resources
    if task.terminal:
        return resource_map(FakeResources(cpus=EXECUTOR_CPUS, mem=EXECUTOR_MEM))
    amounts = FakeResources(
        cpus=res.cpus + EXECUTOR_CPUS, mem=res.mem + EXECUTOR_MEM, disk=res.disk, gpus=res.gpus
    )
    return resource_map(amounts, ranges_text(coalesce(res.ports)))


def _status_json(task: TaskRecord, status: TaskStatus) -> JSON:
    result: JSON = {
        "state": status.state,
        "timestamp": seconds(status.timestamp),
        "container_status": {
            "container_id": {"value": status.container_id},
            "network_infos": [
                {
                    "ip_addresses": [
                        {
                            "protocol": "IPv4",
                            "ip_address": agent_ip(task.agent_id, task.agent_hostname),
                        }
                    ]
                }
            ],
        },
    }
    if status.healthy is not None:
        result["healthy"] = status.healthy
    return result


def task_json(state: ClusterState, task: TaskRecord) -> JSON:
    """One task as the master (and the agent) writes it.

    ``labels`` appears only when the task has labels and ``discovery`` only for Marathon's
    tasks, as in the recordings; ``user`` only for other frameworks (Chronos sets it).
    """
    framework = state.frameworks.get(task.framework_id)
    marathon = framework is not None and framework.is_marathon
    result: JSON = {
        "id": task.id,
        "name": task.name,
        "framework_id": task.framework_id,
        "executor_id": task.executor_id,
        "slave_id": task.agent_id,
        "state": task.state,
        "resources": _task_resources(task),
        "role": framework.role if framework is not None else "*",
        "statuses": [_status_json(task, status) for status in task.statuses],
    }
    if framework is not None and not marathon:
        result["user"] = framework.user
    if task.labels:
        result["labels"] = [{"key": key, "value": value} for key, value in task.labels.items()]
    if marathon:
        result["discovery"] = {
            "name": task.name,
            "visibility": "FRAMEWORK",
            "ports": {
                "ports": [{"number": port, "protocol": "tcp"} for port in task.resources.ports]
            },
        }
    return result


def state_counts(tasks: Iterable[TaskRecord]) -> JSON:
    """The ``TASK_*`` counters of a set of tasks (every counter present)."""
    counts = dict.fromkeys(COUNTED_STATES, 0)
    for task in tasks:
        if task.state in counts:
            counts[task.state] += 1
    return counts


def _framework_used(state: ClusterState, framework: FrameworkRecord) -> JSON:
    cpus = mem = disk = gpus = 0.0
    ports: list[int] = []
    for task in state.tasks.values():
        if task.framework_id == framework.id and task.active:
            cpus += task.resources.cpus + EXECUTOR_CPUS
            mem += task.resources.mem + EXECUTOR_MEM
            disk += task.resources.disk
            gpus += task.resources.gpus
            ports.extend(task.resources.ports)
    amounts = FakeResources(cpus=cpus, mem=mem, disk=disk, gpus=gpus)
    return resource_map(amounts, ranges_text(coalesce(ports)))


def framework_summary(state: ClusterState, framework: FrameworkRecord) -> JSON:
    """A framework as ``/master/state-summary`` writes it (without the counters)."""
    return {
        "id": framework.id,
        "name": framework.name,
        "pid": framework.pid,
        "used_resources": _framework_used(state, framework),
        "offered_resources": resource_map(_ZERO),
        "capabilities": list(framework.capabilities),
        "hostname": framework.hostname,
        "webui_url": framework.webui_url,
        "active": framework.active,
        "connected": framework.active,
        "recovered": False,
    }


def framework_full(state: ClusterState, framework: FrameworkRecord) -> JSON:
    """A framework as ``/master/state`` and ``/master/frameworks`` write it, tasks included."""
    result = framework_summary(state, framework)
    mine = [task for task in state.tasks.values() if task.framework_id == framework.id]
    result.update(
        {
            "user": framework.user,
            "failover_timeout": number(framework.failover_timeout),
            "checkpoint": framework.checkpoint,
            "registered_time": seconds(framework.registered_at),
            "unregistered_time": 0,
            "resources": result["used_resources"],
            "role": framework.role,
            "tasks": [
                task_json(state, task)
                for task in mine
                if not task.terminal and task.state != "TASK_UNREACHABLE"
            ],
            "unreachable_tasks": [
                task_json(state, task) for task in mine if task.state == "TASK_UNREACHABLE"
            ],
            "completed_tasks": [task_json(state, task) for task in mine if task.terminal],
            "offers": [],
            "executors": [],
        }
    )
    return result
