"""The Mesos agent endpoints of the FakeCluster, served from its state.

An agent answers at ``http://<hostname>:5051``; its endpoints never redirect. Paths are the
bare forms (the ``/slave(1)/`` prefixed forms of ``state`` and ``containers`` and the old
``.json`` names answer too).

==========================  ==============================================================
endpoint                    parameters
==========================  ==============================================================
``/state``                  none
``/containers``             ``container_id``: only that container (unknown: ``[]``)
``/monitor/statistics``     none (only containers with statistics)
``/files/browse``           ``path`` (required; 400 without, 404 when not attached)
``/files/read``             ``path``, ``offset`` (absent or -1: the size probe), ``length``
                            (absent or -1: to the end); reads capped at 65536 bytes; other
                            negative values, or numbers that do not parse, are 400
``/files/download``         ``path`` (raw bytes, ``application/octet-stream``)
``/version``                none
``/metrics/snapshot``       ``timeout`` (a duration; else 400)
``/health``                 none
==========================  ==============================================================

A task's sandbox answers under its real directory
(``/var/lib/mesos/slaves/<agent>/frameworks/<fw>/executors/<executor>/runs/<container>``) and
under the virtual ``/frameworks/<fw>/executors/<executor>/runs/latest`` every agent attaches;
it holds ``stdout`` and ``stderr``.

``/containers`` lists the container of every active task (all frameworks); a staging task's
container is still launching and is listed without ``status`` and ``statistics``, as a real
agent does when the containerizer cannot answer for a container. ``/monitor/statistics``
leaves such containers out.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Final

import httpx

from asgard.testing._mesos_api import (
    check_metrics_timeout,
    json_response,
    text_response,
    version_json,
)
from asgard.testing._mesos_json import (
    JSON,
    agent_pid,
    coalesce,
    executor_resources,
    number,
    ranges_text,
    resource_full,
    resource_map,
    seconds,
    task_json,
)
from asgard.testing._router import BUILTIN_ROUTES, Handler
from asgard.testing._state import (
    EXECUTOR_CPUS,
    EXECUTOR_MEM,
    MESOS_WORK_DIR,
    AgentRecord,
    SandboxFile,
    Server,
    TaskRecord,
)

if TYPE_CHECKING:
    from asgard.testing._cluster import FakeCluster

__all__ = ["FILE_READ_CAP"]

FILE_READ_CAP: Final = 65536
"""The most bytes one ``/files/read`` returns (16 pages of 4 KiB)."""

_MIB: Final = 1024 * 1024
_INT: Final = re.compile(r"[+-]?[0-9]+")
_INT64: Final = 2**63
_NO_PATH: Final = "Expecting 'path=value' in query.\n"


def _agent(cluster: FakeCluster, server: Server) -> AgentRecord:
    # The dispatcher routes only to agents in the state, so the lookup cannot fail.
    return cluster.state.agents[str(server.agent_id)]


def _tasks_here(cluster: FakeCluster, server: Server) -> list[TaskRecord]:
    return cluster.state.tasks_on(str(server.agent_id))


# -- /state ----------------------------------------------------------------------------------


def _executor(cluster: FakeCluster, task: TaskRecord) -> JSON:
    body: JSON = {
        "id": task.sandbox_executor_id,
        "name": task.executor_name,
        "source": task.id,
        "container": task.container_id,
        "directory": task.sandbox_directory,
        "resources": executor_resources(task),
        "role": "*",
    }
    if task.labels:
        body["labels"] = [{"key": key, "value": value} for key, value in task.labels.items()]
    rendered = task_json(cluster.state, task)
    body.update(
        {
            "tasks": [] if task.terminal else [rendered],
            "queued_tasks": [],
            "completed_tasks": [rendered] if task.terminal else [],
        }
    )
    return body


def _agent_flags(agent: AgentRecord) -> dict[str, str]:
    attributes = ";".join(
        f"{name}:{value if isinstance(value, str) else number(value)}"
        for name, value in agent.attributes.items()
    )
    total = agent.total
    ports = ranges_text(agent.port_ranges) or "[]"
    return {
        "attributes": attributes,
        "cgroups_cpu_enable_pids_and_tids_count": "true",
        "cgroups_enable_cfs": "true",
        "containerizers": "mesos",
        "default_role": "*",
        "executor_registration_timeout": "1mins",
        "hostname": agent.hostname,
        "isolation": "cgroups/cpu,cgroups/mem",
        "log_dir": "/var/log/mesos",
        "master": "zk://zookeeper.asgard.test:2181/mesos",
        "port": str(agent.port),
        "resources": (
            f"cpus:{number(total.cpus)};mem:{number(total.mem)};disk:{number(total.disk)};"
            f"ports:{ports}"
        ),
        "work_dir": MESOS_WORK_DIR,
    }


def _state(cluster: FakeCluster, server: Server, _request: httpx.Request) -> httpx.Response:
    agent = _agent(cluster, server)
    profile = cluster.mesos_profile
    tasks = _tasks_here(cluster, server)
    used_ranges = coalesce(cluster.state.used_ports(agent.id))
    total = resource_map(agent.total, ranges_text(agent.port_ranges))
    body = version_json(cluster)
    body.update(
        {
            "start_time": seconds(agent.registered_at),
            "id": agent.id,
            "pid": agent_pid(agent),
            "hostname": agent.hostname,
            "capabilities": list(profile.agent_capabilities),
            "resources": total,
            "reserved_resources": {},
            "unreserved_resources": dict(total),
            "reserved_resources_full": {},
            "unreserved_resources_full": resource_full(
                agent.total, agent.port_ranges, allocated=False
            ),
            "reserved_resources_allocated": {},
            "unreserved_resources_allocated": resource_map(
                agent.allocated, ranges_text(used_ranges)
            ),
            "attributes": {
                name: value if isinstance(value, str) else number(value)
                for name, value in agent.attributes.items()
            },
            "log_dir": "/var/log/mesos",
            "flags": _agent_flags(agent),
        }
    )
    leader = cluster.mesos_leader
    if leader is not None:
        body["master_hostname"] = cluster.state.masters[leader].host
    frameworks = []
    for framework in cluster.state.frameworks.values():
        mine = [task for task in tasks if task.framework_id == framework.id]
        if not mine:
            continue
        frameworks.append(
            {
                "id": framework.id,
                "name": framework.name,
                "user": framework.user,
                "failover_timeout": number(framework.failover_timeout),
                "checkpoint": framework.checkpoint,
                "hostname": framework.hostname,
                "role": framework.role,
                "executors": [_executor(cluster, task) for task in mine if not task.terminal],
                "completed_executors": [_executor(cluster, task) for task in mine if task.terminal],
            }
        )
    body["frameworks"] = frameworks
    body["completed_frameworks"] = []
    return json_response(body)


# -- /containers and /monitor/statistics -----------------------------------------------------


def _statistics(cluster: FakeCluster, task: TaskRecord) -> JSON:
    usage = task.usage
    return {
        "timestamp": seconds(cluster.now),
        "cpus_limit": number(task.resources.cpus + EXECUTOR_CPUS),
        "cpus_user_time_secs": round(usage.cpus_user_time_secs, 2),
        "cpus_system_time_secs": round(usage.cpus_system_time_secs, 2),
        "cpus_nr_periods": int(usage.nr_periods),
        "cpus_nr_throttled": int(usage.nr_throttled),
        "cpus_throttled_time_secs": round(usage.throttled_time_secs, 9),
        "mem_limit_bytes": int((task.resources.mem + EXECUTOR_MEM) * _MIB),
        "mem_rss_bytes": task.mem_rss_bytes,
        "processes": task.processes,
        "threads": task.threads,
    }


def _executor_pid(task: TaskRecord) -> int:
    return 1000 + int(task.container_id.replace("-", ""), 16) % 30000


def _container(cluster: FakeCluster, task: TaskRecord) -> JSON:
    entry: JSON = {
        "container_id": task.container_id,
        "executor_id": task.sandbox_executor_id,
        "executor_name": task.executor_name,
        "framework_id": task.framework_id,
        "source": task.id,
    }
    # A container still launching (its task staging) has neither status nor statistics: the
    # agent leaves out what the containerizer cannot tell yet.
    if task.container_running:
        entry["status"] = {
            "container_id": {"value": task.container_id},
            "executor_pid": _executor_pid(task),
        }
        entry["statistics"] = _statistics(cluster, task)
    return entry


def _containers(cluster: FakeCluster, server: Server, request: httpx.Request) -> httpx.Response:
    wanted = request.url.params.get("container_id")
    entries = [
        _container(cluster, task)
        for task in _tasks_here(cluster, server)
        if task.active and (wanted is None or task.container_id == wanted)
    ]
    return json_response(entries)


def _monitor(cluster: FakeCluster, server: Server, _request: httpx.Request) -> httpx.Response:
    entries = [
        {
            "executor_id": task.sandbox_executor_id,
            "executor_name": task.executor_name,
            "framework_id": task.framework_id,
            "source": task.id,
            "statistics": _statistics(cluster, task),
        }
        for task in _tasks_here(cluster, server)
        if task.container_running
    ]
    return json_response(entries)


# -- /files ----------------------------------------------------------------------------------


def _resolve(
    cluster: FakeCluster, server: Server, path: str
) -> tuple[TaskRecord, str | None] | None:
    """The sandbox a path names, and the file in it (None for the directory itself)."""
    cleaned = path.rstrip("/") or "/"
    for task in _tasks_here(cluster, server):
        for base in (task.sandbox_directory, task.sandbox_latest):
            if cleaned == base:
                return task, None
            if cleaned.startswith(base + "/"):
                name = cleaned[len(base) + 1 :]
                if name in task.files:
                    return task, name
    return None


def _file_info(path: str, file: SandboxFile) -> JSON:
    return {
        "path": path,
        "nlink": 1,
        "size": len(file.data),
        "mtime": int(seconds(file.mtime)),
        "mode": "-rw-r--r--",
        "uid": "root",
        "gid": "root",
    }


def _target(
    cluster: FakeCluster, server: Server, request: httpx.Request
) -> tuple[str, TaskRecord, str | None] | httpx.Response:
    """The ``path`` parameter resolved to ``(path, task, file name or None)``, or the error."""
    path = request.url.params.get("path") or None
    if path is None:
        return text_response(400, _NO_PATH)
    found = _resolve(cluster, server, path)
    if found is None:
        return httpx.Response(404)
    return (path, *found)


def _browse(cluster: FakeCluster, server: Server, request: httpx.Request) -> httpx.Response:
    target = _target(cluster, server, request)
    if isinstance(target, httpx.Response):
        return target
    path, task, name = target
    if name is not None:
        return json_response([_file_info(path, task.files[name])])
    base = path.rstrip("/")
    listing = [_file_info(f"{base}/{entry}", task.files[entry]) for entry in sorted(task.files)]
    return json_response(listing)


def _int64(request: httpx.Request, name: str) -> tuple[int | None, httpx.Response | None]:
    text = request.url.params.get(name)
    if text is None:
        return None, None
    if not _INT.fullmatch(text) or not -_INT64 <= int(text) < _INT64:
        return None, text_response(400, f"Failed to parse {name}: Failed to convert '{text}'.\n")
    value = int(text)
    if value < -1:
        return None, text_response(400, f"Negative {name} provided: {value}.\n")
    return value, None


def _read(cluster: FakeCluster, server: Server, request: httpx.Request) -> httpx.Response:
    if not request.url.params.get("path"):
        return text_response(400, _NO_PATH)
    offset, refused = _int64(request, "offset")
    if refused is not None:
        return refused
    length, refused = _int64(request, "length")
    if refused is not None:
        return refused
    target = _target(cluster, server, request)
    if isinstance(target, httpx.Response):
        return target
    _, task, name = target
    if name is None:
        return text_response(400, "Cannot read a directory.\n")
    data = task.files[name].data
    size = len(data)
    start = size if offset is None or offset == -1 else offset
    wanted = size - start if length is None or length == -1 else length
    wanted = min(wanted, FILE_READ_CAP)
    if start >= size:
        return json_response({"data": "", "offset": size})
    chunk = data[start : start + max(wanted, 0)]
    return json_response({"data": chunk.decode("utf-8", errors="replace"), "offset": start})


def _download(cluster: FakeCluster, server: Server, request: httpx.Request) -> httpx.Response:
    target = _target(cluster, server, request)
    if isinstance(target, httpx.Response):
        return target
    _, task, name = target
    if name is None:
        return text_response(400, "Cannot download a directory.\n")
    return httpx.Response(
        200,
        headers={
            "Content-Type": "application/octet-stream",
            "Content-Disposition": f"attachment; filename={name}",
        },
        content=task.files[name].data,
    )


# -- local process endpoints -----------------------------------------------------------------


def _version(cluster: FakeCluster, _server: Server, _request: httpx.Request) -> httpx.Response:
    return json_response(version_json(cluster))


def _health(_cluster: FakeCluster, _server: Server, _request: httpx.Request) -> httpx.Response:
    return httpx.Response(200)


def _metrics(cluster: FakeCluster, server: Server, request: httpx.Request) -> httpx.Response:
    refused = check_metrics_timeout(request)
    if refused is not None:
        return refused
    agent = _agent(cluster, server)
    tasks = _tasks_here(cluster, server)
    body: dict[str, float] = {
        "slave/registered": 1.0,
        "slave/uptime_secs": (cluster.now - agent.registered_at).total_seconds(),
        "slave/executors_running": float(sum(1 for task in tasks if task.active)),
        "slave/frameworks_active": float(len({task.framework_id for task in tasks})),
    }
    for name in ("cpus", "mem", "disk", "gpus"):
        total = getattr(agent.total, name)
        used = getattr(agent.allocated, name)
        body[f"slave/{name}_total"] = float(number(total))
        body[f"slave/{name}_used"] = float(number(used))
        body[f"slave/{name}_percent"] = used / total if total else 0.0
    for short in ("staging", "starting", "running", "killing", "finished", "failed", "killed"):
        state = f"TASK_{short.upper()}"
        body[f"slave/tasks_{short}"] = float(sum(1 for task in tasks if task.state == state))
    body["slave/tasks_lost"] = float(sum(1 for task in tasks if task.state == "TASK_LOST"))
    return json_response(body)


_ROUTES: Final[tuple[tuple[tuple[str, ...], Handler], ...]] = (
    (("/state", "/state.json", "/slave(1)/state", "/slave(1)/state.json"), _state),
    (("/containers", "/slave(1)/containers"), _containers),
    (("/monitor/statistics", "/monitor/statistics.json"), _monitor),
    (("/files/browse", "/files/browse.json"), _browse),
    (("/files/read", "/files/read.json"), _read),
    (("/files/download", "/files/download.json"), _download),
    (("/version",), _version),
    (("/metrics/snapshot",), _metrics),
    (("/health", "/slave(1)/health"), _health),
)

for _paths, _handler in _ROUTES:
    for _path in _paths:
        BUILTIN_ROUTES.register("agent", "GET", _path, _handler)
