"""The Mesos master endpoints of the FakeCluster, served from its state.

Leader behaviour first: a real master answers state endpoints only when it leads. A standby
answers ``307`` with a scheme-less ``Location: //<leader-host>:<port><path and query>``, and a
master that knows no leader answers ``503`` ``No leader elected`` in plain text.
``/master/redirect`` always answers ``307`` to the leader's base address (also on the leader
itself). See notes/mesos.md §1.2.

Every endpoint exists under the ``/master/`` prefix and as a bare alias (``/master/slaves`` and
``/slaves``); the old ``.json`` names of ``state`` and ``tasks`` answer too.

============================  ======  ==========================================================
endpoint                      leader  parameters
============================  ======  ==========================================================
``/master/slaves``            yes     ``slave_id`` (unknown id: 200 with empty lists)
``/master/tasks``             yes     ``limit`` (default 100, negative: all), ``offset``,
                                      ``order`` (``asc``; anything else is ``desc``),
                                      ``framework_id``, ``task_id``; unparsable numbers fall
                                      back to their defaults, as in Mesos
``/master/state``             yes     none
``/master/state-summary``     yes     none
``/master/frameworks``        yes     ``framework_id``
``/master/redirect``          yes     none (always 307, no path)
``/master/flags``             no      none
``/master/health``            no      none (200, empty body)
``/version``                  no      none
``/metrics/snapshot``         no      ``timeout`` (a duration such as ``5secs``; else 400)
============================  ======  ==========================================================
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Final

import httpx

from asgard.testing._mesos_json import (
    JSON,
    agent_record,
    framework_full,
    framework_summary,
    number,
    seconds,
    state_counts,
    task_json,
)
from asgard.testing._router import BUILTIN_ROUTES, Handler
from asgard.testing._state import CLUSTER_NAME, TASK_STATES, Server, TaskRecord

if TYPE_CHECKING:
    from asgard.testing._cluster import FakeCluster

__all__ = [
    "DEFAULT_TASK_LIMIT",
    "json_response",
    "leader_only",
    "master_pid",
    "no_leader_elected",
    "numify_int",
    "text_response",
    "version_json",
]

DEFAULT_TASK_LIMIT: Final = 100
"""How many tasks ``/master/tasks`` returns without ``limit``."""

_INT: Final = re.compile(r"[+-]?[0-9]+")
_DURATION: Final = re.compile(r"[0-9]+(\.[0-9]+)?(ns|us|ms|secs|mins|hrs|days|weeks)")
_INT32: Final = 2**31


def json_response(body: object, status: int = 200) -> httpx.Response:
    """A JSON answer, compact as Mesos writes it."""
    return httpx.Response(
        status,
        headers={"Content-Type": "application/json"},
        content=json.dumps(body, separators=(",", ":")).encode(),
    )


def text_response(status: int, body: str) -> httpx.Response:
    """A plain-text answer (Mesos' error bodies are plain text, not JSON)."""
    return httpx.Response(
        status, headers={"Content-Type": "text/plain; charset=utf-8"}, content=body.encode()
    )


def no_leader_elected() -> httpx.Response:
    """What a master answers while no leader is elected."""
    return text_response(503, "No leader elected")


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


def numify_int(text: str | None) -> int | None:
    """Parse a query value as Mesos' ``numify<int>`` does: a 32-bit integer, else None."""
    if text is None or not _INT.fullmatch(text.strip()):
        return None
    value = int(text)
    return value if -_INT32 <= value < _INT32 else None


def master_pid(server: Server) -> str:
    """A master's libprocess address, ``master@<host>:<port>``."""
    return f"master@{server.host}:{server.port}"


def version_json(cluster: FakeCluster) -> JSON:
    """The ``/version`` answer of the emulated Mesos release."""
    profile = cluster.mesos_profile
    body: JSON = {
        "version": profile.release,
        "build_date": profile.build_date,
        "build_time": profile.build_time,
        "build_user": profile.build_user,
        "git_tag": profile.release,
    }
    if profile.git_sha is not None:
        body["git_sha"] = profile.git_sha
    return body


# -- leader-only endpoints -------------------------------------------------------------------


def _slaves(cluster: FakeCluster, _server: Server, request: httpx.Request) -> httpx.Response:
    state = cluster.state
    wanted = request.url.params.get("slave_id")
    agents = [
        agent_record(state, agent, cluster.mesos_profile, full=True)
        for agent in state.agents.values()
        if wanted is None or agent.id == wanted
    ]
    return json_response({"slaves": agents, "recovered_slaves": []})


def _listed_tasks(cluster: FakeCluster, request: httpx.Request) -> list[TaskRecord]:
    """Tasks in the master's order: by framework; active, unreachable, then completed."""
    params = request.url.params
    framework_id = params.get("framework_id")
    task_id = params.get("task_id")
    found: list[TaskRecord] = []
    for framework in cluster.state.frameworks.values():
        if framework_id is not None and framework.id != framework_id:
            continue
        mine = [
            task
            for task in cluster.state.tasks.values()
            if task.framework_id == framework.id and (task_id is None or task.id == task_id)
        ]
        found.extend(t for t in mine if not t.terminal and t.state != "TASK_UNREACHABLE")
        found.extend(t for t in mine if t.state == "TASK_UNREACHABLE")
        found.extend(t for t in mine if t.terminal)
    return found


def _tasks(cluster: FakeCluster, _server: Server, request: httpx.Request) -> httpx.Response:
    params = request.url.params
    limit = numify_int(params.get("limit"))
    offset = numify_int(params.get("offset"))
    chosen_limit = DEFAULT_TASK_LIMIT if limit is None else limit
    chosen_offset = 0 if offset is None else offset
    tasks = _listed_tasks(cluster, request)
    # Mesos sorts by the first status' timestamp; tasks without statuses come first in
    # ascending order and last in descending order. The sort is stable here.
    with_status = [task for task in tasks if task.started_at is not None]
    without = [task for task in tasks if task.started_at is None]
    if params.get("order") == "asc":
        with_status.sort(key=lambda task: task.statuses[0].timestamp)
        ordered = without + with_status
    else:
        with_status.sort(key=lambda task: task.statuses[0].timestamp, reverse=True)
        ordered = with_status + without
    # Mesos casts both to size_t: a negative limit means all, a negative offset means none.
    if chosen_offset < 0:
        page: list[TaskRecord] = []
    elif chosen_limit < 0:
        page = ordered[chosen_offset:]
    else:
        page = ordered[chosen_offset : chosen_offset + chosen_limit]
    return json_response({"tasks": [task_json(cluster.state, task) for task in page]})


def _flags_of(cluster: FakeCluster, server: Server) -> dict[str, str]:
    masters = len(cluster.state.masters)
    return {
        "agent_ping_timeout": "15secs",
        "agent_reregister_timeout": "10mins",
        "allocation_interval": "1secs",
        "authenticate_agents": "false",
        "authenticate_frameworks": "false",
        "authenticate_http_frameworks": "false",
        "authenticate_http_readonly": "false",
        "authenticate_http_readwrite": "false",
        "cluster": CLUSTER_NAME,
        "help": "false",
        "hostname": server.host,
        "hostname_lookup": "true",
        "log_dir": "/var/log/mesos",
        "max_agent_ping_timeouts": "5",
        "max_completed_frameworks": "50",
        "max_completed_tasks_per_framework": "1000",
        "port": str(server.port),
        "quiet": "false",
        "quorum": str(masters // 2 + 1),
        "registry": "replicated_log",
        "registry_fetch_timeout": "1mins",
        "registry_store_timeout": "20secs",
        "version": "false",
        "webui_dir": "/usr/share/mesos/webui",
        "work_dir": "/var/lib/mesos/master",
        "zk": f"zk://zookeeper.{server.host.split('.', 1)[-1]}:2181/mesos",
        "zk_session_timeout": "10secs",
    }


def _state(cluster: FakeCluster, server: Server, _request: httpx.Request) -> httpx.Response:
    state = cluster.state
    profile = cluster.mesos_profile
    body = version_json(cluster)
    body.update(
        {
            "start_time": seconds(state.started_at),
            "elected_time": seconds(state.mesos_elected_at),
            "id": state.cluster_id,
            "pid": master_pid(server),
            "hostname": server.host,
        }
    )
    if profile.master_capabilities is not None:
        body["capabilities"] = list(profile.master_capabilities)
    active = sum(1 for agent in state.agents.values() if agent.active)
    body.update(
        {
            "activated_slaves": active,
            "deactivated_slaves": len(state.agents) - active,
            "unreachable_slaves": 0,
            "leader": master_pid(server),
            "leader_info": {
                "id": state.cluster_id,
                "pid": master_pid(server),
                "port": server.port,
                "hostname": server.host,
            },
            "cluster": CLUSTER_NAME,
            "log_dir": "/var/log/mesos",
            "flags": _flags_of(cluster, server),
            "slaves": [
                agent_record(state, agent, profile, full=False) for agent in state.agents.values()
            ],
            "recovered_slaves": [],
            "frameworks": [framework_full(state, fw) for fw in state.frameworks.values()],
            "completed_frameworks": [],
            "orphan_tasks": [],
            "unregistered_frameworks": [],
        }
    )
    return json_response(body)


def _state_summary(cluster: FakeCluster, server: Server, _request: httpx.Request) -> httpx.Response:
    state = cluster.state
    agents = []
    for agent in state.agents.values():
        record = agent_record(state, agent, cluster.mesos_profile, full=False)
        on_agent = state.tasks_on(agent.id)
        record.update(state_counts(on_agent))
        record["framework_ids"] = list(dict.fromkeys(task.framework_id for task in on_agent))
        agents.append(record)
    frameworks = []
    for framework in state.frameworks.values():
        record = framework_summary(state, framework)
        mine = [task for task in state.tasks.values() if task.framework_id == framework.id]
        record.update(state_counts(mine))
        record["slave_ids"] = list(dict.fromkeys(task.agent_id for task in mine))
        frameworks.append(record)
    return json_response(
        {
            "hostname": server.host,
            "cluster": CLUSTER_NAME,
            "slaves": agents,
            "frameworks": frameworks,
        }
    )


def _frameworks(cluster: FakeCluster, _server: Server, request: httpx.Request) -> httpx.Response:
    wanted = request.url.params.get("framework_id")
    frameworks = [
        framework_full(cluster.state, framework)
        for framework in cluster.state.frameworks.values()
        if wanted is None or framework.id == wanted
    ]
    return json_response(
        {"frameworks": frameworks, "completed_frameworks": [], "unregistered_frameworks": []}
    )


def _redirect(cluster: FakeCluster, _server: Server, _request: httpx.Request) -> httpx.Response:
    leader = _leader(cluster)
    if leader is None:
        return no_leader_elected()
    return httpx.Response(307, headers={"Location": f"//{leader.host}:{leader.port}"})


# -- local endpoints -------------------------------------------------------------------------


def _flags(cluster: FakeCluster, server: Server, _request: httpx.Request) -> httpx.Response:
    return json_response({"flags": _flags_of(cluster, server)})


def _health(_cluster: FakeCluster, _server: Server, _request: httpx.Request) -> httpx.Response:
    return httpx.Response(200)


def _version(cluster: FakeCluster, _server: Server, _request: httpx.Request) -> httpx.Response:
    return json_response(version_json(cluster))


def check_metrics_timeout(request: httpx.Request) -> httpx.Response | None:
    """The 400 of ``/metrics/snapshot`` with a ``timeout`` that is not a duration, or None."""
    timeout = request.url.params.get("timeout")
    if timeout is not None and not _DURATION.fullmatch(timeout):
        return text_response(
            400, f"Invalid timeout '{timeout}': Invalid duration format: {timeout}\n"
        )
    return None


def _percent(used: float, total: float) -> float:
    return used / total if total else 0.0


def _metrics(cluster: FakeCluster, server: Server, request: httpx.Request) -> httpx.Response:
    refused = check_metrics_timeout(request)
    if refused is not None:
        return refused
    state = cluster.state
    agents = list(state.agents.values())
    active = sum(1 for agent in agents if agent.active)
    body: dict[str, float] = {
        "master/elected": 1.0 if cluster.mesos_leader == server.index else 0.0,
        "master/uptime_secs": (cluster.now - state.started_at).total_seconds(),
        "master/slaves_active": float(active),
        "master/slaves_inactive": float(len(agents) - active),
        "master/slaves_connected": float(len(agents)),
        "master/slaves_disconnected": 0.0,
        "master/slaves_unreachable": 0.0,
        "master/frameworks_active": float(len(state.frameworks)),
        "master/frameworks_inactive": 0.0,
        "master/frameworks_connected": float(len(state.frameworks)),
        "master/frameworks_disconnected": 0.0,
        "master/outstanding_offers": 0.0,
    }
    for name in ("cpus", "mem", "disk", "gpus"):
        total = sum(getattr(agent.total, name) for agent in agents)
        used = sum(getattr(agent.allocated, name) for agent in agents)
        body[f"master/{name}_total"] = float(number(total))
        body[f"master/{name}_used"] = float(number(used))
        body[f"master/{name}_percent"] = _percent(used, total)
        for suffix in ("total", "used", "percent"):
            body[f"master/{name}_revocable_{suffix}"] = 0.0
    for task_state in TASK_STATES:
        key = "master/" + task_state.lower().replace("task_", "tasks_", 1)
        body[key] = float(sum(1 for task in state.tasks.values() if task.state == task_state))
    body.update({"system/cpus_total": 4.0, "system/mem_total_bytes": 8.0 * 1024**3})
    return json_response(body)


def _register_master(name: str, handler: Handler, *, leader: bool) -> None:
    served = leader_only(handler) if leader else handler
    for path in (f"/master/{name}", f"/{name}"):
        BUILTIN_ROUTES.register("mesos_master", "GET", path, served)


for _name, _handler in (
    ("slaves", _slaves),
    ("tasks", _tasks),
    ("tasks.json", _tasks),
    ("state", _state),
    ("state.json", _state),
    ("state-summary", _state_summary),
    ("frameworks", _frameworks),
):
    _register_master(_name, _handler, leader=True)
_register_master("flags", _flags, leader=False)
_register_master("health", _health, leader=False)
for _path in ("/master/redirect", "/redirect"):
    BUILTIN_ROUTES.register("mesos_master", "GET", _path, _redirect)
BUILTIN_ROUTES.register("mesos_master", "GET", "/version", _version)
BUILTIN_ROUTES.register("mesos_master", "GET", "/metrics/snapshot", _metrics)
