"""The FakeCluster's Marathon state rendered as Marathon's JSON, in the emulated version's shape.

Apps (``AppInfo``), tasks, deployments, plans and root groups, queue entries, ``/v2/info``
and the payloads of the events. Where 1.4 and 1.10 differ the renderers read the
:class:`~asgard.testing.MarathonProfile`: 1.4 tasks carry no ``role``, the task statistics
key is ``taskStats`` before 1.9, queue entries gain ``role`` in 1.9, ``/v2/info`` of 1.4
writes ``null`` for unset options and has ``event_subscriber``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from asgard.testing._marathon_apps import render_definition
from asgard.testing._marathon_state import (
    DeploymentRecord,
    LaunchState,
    MarathonTask,
    marathon_time,
)
from asgard.testing._state import AppRecord, TaskRecord

if TYPE_CHECKING:
    from asgard.testing._cluster import FakeCluster

__all__ = [
    "app_info",
    "deployment_json",
    "health_results",
    "info_json",
    "plan_json",
    "queue_entry",
    "root_group_json",
    "task_json",
]

_STAGED = frozenset({"TASK_STAGING", "TASK_STARTING"})


def _agent_ip(index: int) -> str:
    return f"10.0.{index // 250}.{index % 250 + 1}"


def ip_addresses(cluster: FakeCluster, task: TaskRecord) -> list[dict[str, str]]:
    """The task's ``ipAddresses``: its agent's address (host networking)."""
    agent = cluster.state.agents.get(task.agent_id)
    index = agent.index if agent is not None else 0
    return [{"ipAddress": _agent_ip(index), "protocol": "IPv4"}]


def health_results(marathon_task: MarathonTask, app: AppRecord | None) -> list[dict[str, Any]]:
    """A task's ``healthCheckResults``: one per health check once it was checked."""
    if app is None or marathon_task.healthy is None:
        return []
    checks = app.definition.get("healthChecks", [])
    result = {
        "alive": marathon_task.healthy,
        "consecutiveFailures": 0 if marathon_task.healthy else 1,
        "firstSuccess": _time(marathon_task.first_success),
        "lastFailure": _time(marathon_task.last_failure),
        "lastSuccess": _time(marathon_task.last_success),
        "lastFailureCause": None if marathon_task.healthy else "Health check failed",
        "instanceId": marathon_task.instance_id,
    }
    return [dict(result) for _ in checks]


def _time(moment: datetime | None) -> str | None:
    return None if moment is None else marathon_time(moment)


def task_json(
    cluster: FakeCluster, marathon_task: MarathonTask, task: TaskRecord, app: AppRecord | None
) -> dict[str, Any]:
    """One task as ``/v2/tasks`` and ``/v2/apps/<id>/tasks`` list it."""
    profile = cluster.marathon_profile
    service_ports = (
        [item.get("port", 0) for item in app.definition.get("portDefinitions", [])]
        if app is not None
        else []
    )
    body: dict[str, Any] = {
        "id": task.id,
        "appId": marathon_task.app_id,
        "host": task.agent_hostname,
        "slaveId": task.agent_id,
        "state": task.state,
        "ports": list(task.resources.ports),
        "stagedAt": marathon_time(marathon_task.staged_at),
        "startedAt": _time(marathon_task.running_at),
        "version": marathon_time(marathon_task.version),
        "ipAddresses": ip_addresses(cluster, task),
    }
    if service_ports or not profile.legacy_app_fields:
        body["servicePorts"] = service_ports
    results = health_results(marathon_task, app)
    if results or not profile.legacy_app_fields:
        body["healthCheckResults"] = results
    if not profile.legacy_app_fields:
        body["localVolumes"] = []
        if marathon_task.running_at is None:
            del body["startedAt"]
    if profile.role_fields:
        body["role"] = "*"
    return body


def _counts(cluster: FakeCluster, app_id: str) -> dict[str, int]:
    staged = running = healthy = unhealthy = 0
    for marathon_task in cluster.marathon_state.tasks_of(app_id):
        task = cluster.state.tasks.get(marathon_task.task_id)
        if task is None or task.terminal:
            continue
        if task.state in _STAGED:
            staged += 1
        elif task.state == "TASK_RUNNING":
            running += 1
        if marathon_task.healthy is True:
            healthy += 1
        elif marathon_task.healthy is False:
            unhealthy += 1
    return {
        "tasksStaged": staged,
        "tasksRunning": running,
        "tasksHealthy": healthy,
        "tasksUnhealthy": unhealthy,
    }


def app_tasks(cluster: FakeCluster, app_id: str) -> list[dict[str, Any]]:
    """The app's tasks that are not terminal, as Marathon lists them."""
    app = cluster.state.apps.get(app_id)
    found: list[dict[str, Any]] = []
    for marathon_task in cluster.marathon_state.tasks_of(app_id):
        task = cluster.state.tasks.get(marathon_task.task_id)
        if task is not None and not task.terminal:
            found.append(task_json(cluster, marathon_task, task, app))
    return found


def _stats(cluster: FakeCluster, tasks: list[MarathonTask]) -> dict[str, Any]:
    counts = {"staged": 0, "running": 0, "healthy": 0, "unhealthy": 0}
    lifetimes: list[float] = []
    for marathon_task in tasks:
        task = cluster.state.tasks.get(marathon_task.task_id)
        if task is None or task.terminal:
            continue
        if task.state in _STAGED:
            counts["staged"] += 1
        elif task.state == "TASK_RUNNING":
            counts["running"] += 1
        if marathon_task.healthy is True:
            counts["healthy"] += 1
        elif marathon_task.healthy is False:
            counts["unhealthy"] += 1
        if marathon_task.running_at is not None:
            lifetimes.append((cluster.now - marathon_task.running_at).total_seconds())
    stats: dict[str, Any] = {"counts": counts}
    if lifetimes:
        ordered = sorted(lifetimes)
        middle = len(ordered) // 2
        median = (
            ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2.0
        )
        stats["lifeTime"] = {
            "averageSeconds": sum(ordered) / len(ordered),
            "medianSeconds": median,
        }
    return {"stats": stats}


def task_stats(cluster: FakeCluster, app: AppRecord) -> dict[str, Any]:
    """``taskStats`` / ``tasksStats``: counts and lifetimes by version group (non-empty)."""
    tasks = cluster.marathon_state.tasks_of(app.id)
    groups = {
        "startedAfterLastScaling": [t for t in tasks if t.staged_at >= app.scaled_at],
        "withLatestConfig": [t for t in tasks if t.config_version == app.config_changed_at],
        "withOutdatedConfig": [t for t in tasks if t.config_version != app.config_changed_at],
        "totalSummary": tasks,
    }
    return {name: _stats(cluster, group) for name, group in groups.items() if group}


def app_info(
    cluster: FakeCluster,
    app: AppRecord,
    *,
    tasks: bool = False,
    last_task_failure: bool = False,
    task_stats_wanted: bool = False,
) -> dict[str, Any]:
    """An app as ``AppInfo``: the definition, counts and deployments, and what is embedded."""
    body = render_definition(cluster.marathon_profile, app)
    body.update(_counts(cluster, app.id))
    body["deployments"] = [
        {"id": deployment.id}
        for deployment in cluster.marathon_state.deployments.values()
        if app.id in deployment.target or app.id in deployment.original
    ]
    if tasks:
        body["tasks"] = app_tasks(cluster, app.id)
    failure = cluster.marathon_state.last_failures.get(app.id)
    if last_task_failure and failure is not None:
        body["lastTaskFailure"] = dict(failure)
    if task_stats_wanted:
        body[cluster.marathon_profile.task_stats_key] = task_stats(cluster, app)
    return body


def steps_json(deployment: DeploymentRecord) -> list[dict[str, Any]]:
    """The plan's steps: ``[{"actions": [{"action", "app"}]}]``."""
    return [
        {"actions": [{"action": action, "app": app_id} for action, app_id in step]}
        for step in deployment.steps
    ]


def deployment_json(deployment: DeploymentRecord) -> dict[str, Any]:
    """One entry of ``GET /v2/deployments``."""
    current = (
        deployment.steps[deployment.current] if deployment.current < len(deployment.steps) else []
    )
    body: dict[str, Any] = {
        "id": deployment.id,
        "version": marathon_time(deployment.version),
        "affectedApps": deployment.affected_apps,
        "steps": steps_json(deployment),
        "currentActions": [
            {"action": action, "app": app_id, "readinessCheckResults": []}
            for action, app_id in current
        ],
        "currentStep": min(deployment.current + 1, len(deployment.steps)),
        "totalSteps": len(deployment.steps),
        "affectedPods": [],
    }
    return body


def _group_tree(cluster: FakeCluster, apps: Iterable[AppRecord], version: str) -> dict[str, Any]:
    """The root group holding ``apps``, with every intermediate group."""
    root: dict[str, Any] = {
        "id": "/",
        "apps": [],
        "groups": [],
        "dependencies": [],
        "version": version,
    }
    groups: dict[str, dict[str, Any]] = {"/": root}
    for app in apps:
        parent = "/"
        segments = app.id.strip("/").split("/")[:-1]
        for depth in range(1, len(segments) + 1):
            group_id = "/" + "/".join(segments[:depth])
            if group_id not in groups:
                group: dict[str, Any] = {
                    "id": group_id,
                    "apps": [],
                    "groups": [],
                    "dependencies": [],
                    "version": version,
                }
                groups[parent]["groups"].append(group)
                groups[group_id] = group
            parent = group_id
        groups[parent]["apps"].append(render_definition(cluster.marathon_profile, app))
    for group in groups.values():
        group["pods"] = []
        if cluster.marathon_profile.role_fields:
            group["enforceRole"] = False
    return root


def root_group_json(
    cluster: FakeCluster, apps: Mapping[str, AppRecord], version: datetime
) -> dict[str, Any]:
    """A root group (``original`` / ``target`` of a heavy plan) from a snapshot of the apps."""
    return _group_tree(cluster, apps.values(), marathon_time(version))


def plan_json(cluster: FakeCluster, deployment: DeploymentRecord) -> dict[str, Any]:
    """The deployment plan in events: light ``{id, steps, version}`` on 1.10, heavy on 1.4."""
    body: dict[str, Any] = {"id": deployment.id}
    if not cluster.marathon_profile.light_plan_events:
        body["original"] = root_group_json(
            cluster, deployment.original_root, deployment.original_version
        )
        body["target"] = root_group_json(cluster, deployment.target_root, deployment.version)
    body["steps"] = steps_json(deployment)
    body["version"] = marathon_time(deployment.version)
    return body


def queue_entry(
    cluster: FakeCluster,
    app: AppRecord,
    count: int,
    launch: LaunchState,
    *,
    offers: bool = False,
) -> dict[str, Any]:
    """One entry of ``GET /v2/queue``."""
    now = cluster.now
    delay = launch.delay_until
    left = max(0.0, (delay - now).total_seconds()) if delay is not None else 0.0
    summary: dict[str, Any] = {
        "processedOffersCount": launch.processed_offers,
        "unusedOffersCount": launch.unused_offers,
    }
    if launch.last_unused_at is not None:
        summary["lastUnusedOfferAt"] = marathon_time(launch.last_unused_at)
    if launch.last_used_at is not None:
        summary["lastUsedOfferAt"] = marathon_time(launch.last_used_at)
    reasons = cluster.marathon_profile.offer_reasons
    if launch.last_offers:
        summary["rejectSummaryLastOffers"] = [
            {
                "reason": reason,
                "declined": launch.last_offers.get(reason, (0, 0))[0],
                "processed": launch.last_offers.get(reason, (0, 0))[1],
            }
            for reason in reasons
        ]
        summary["rejectSummaryLaunchAttempt"] = [
            {
                "reason": reason,
                "declined": launch.launch_attempts.get(reason, (0, 0))[0],
                "processed": launch.launch_attempts.get(reason, (0, 0))[1],
            }
            for reason in reasons
        ]
    body: dict[str, Any] = {
        "app": render_definition(cluster.marathon_profile, app),
        "count": count,
        "delay": {"timeLeftSeconds": int(left + 0.999), "overdue": left <= 0.0},
        "since": marathon_time(launch.since if launch.since is not None else now),
        "processedOffersSummary": summary,
    }
    if cluster.marathon_profile.role_fields:
        body["role"] = "*"
    if offers:
        body["lastUnusedOffers"] = [
            _unused_offer(cluster, agent_id, offer_reasons, launch, number)
            for number, (agent_id, offer_reasons) in enumerate(launch.unused_detail)
        ]
    return body


def _unused_offer(
    cluster: FakeCluster,
    agent_id: str,
    reasons: tuple[str, ...],
    launch: LaunchState,
    number: int,
) -> dict[str, Any]:
    agent = cluster.state.agents.get(agent_id)
    resources: list[dict[str, Any]] = []
    attributes: list[dict[str, Any]] = []
    hostname = ""
    if agent is not None:
        hostname = agent.hostname
        free = {
            "cpus": agent.total.cpus - agent.allocated.cpus,
            "mem": agent.total.mem - agent.allocated.mem,
            "disk": agent.total.disk - agent.allocated.disk,
        }
        resources = [
            {"name": name, "scalar": round(value, 3), "role": "*"} for name, value in free.items()
        ]
        for name, value in agent.attributes.items():
            if isinstance(value, str):
                attributes.append({"name": name, "text": value})
            else:
                attributes.append({"name": name, "scalar": value})
    stamp = launch.last_unused_at if launch.last_unused_at is not None else cluster.now
    return {
        "offer": {
            "id": f"{cluster.state.cluster_id}-O{number}",
            "agentId": agent_id,
            "hostname": hostname,
            "resources": resources,
            "attributes": attributes,
        },
        "timestamp": marathon_time(stamp),
        "reason": list(reasons),
    }


def info_json(cluster: FakeCluster) -> dict[str, Any]:
    """``GET /v2/info`` as the leader answers it."""
    profile = cluster.marathon_profile
    index = cluster.state.marathon_leader
    leader = cluster.state.marathons[index if index is not None else 0]
    masters = ",".join(f"{server.host}:2181" for server in cluster.state.masters)
    legacy = profile.legacy_app_fields
    config: dict[str, Any] = {
        "access_control_allow_origin": None if legacy else ["*"],
        "checkpoint": True,
        "decline_offer_duration": 120000,
        "default_network_name": None if legacy else "dcos",
        "env_vars_prefix": None if legacy else "",
        "executor": "//cmd",
        "failover_timeout": 604800,
        "features": [],
        "framework_name": "marathon",
        "ha": True,
        "hostname": leader.host,
        "launch_token": 100,
        "launch_token_refresh_interval": 30000,
        "leader_proxy_connection_timeout_ms": 5000,
        "leader_proxy_read_timeout_ms": 10000,
        "local_port_max": 20000,
        "local_port_min": 10000,
        "master": f"zk://{masters}/mesos",
        "max_instances_per_offer": 5,
        "mesos_heartbeat_failure_threshold": 5,
        "mesos_heartbeat_interval": 15000,
        "mesos_leader_ui_url": f"{_mesos_leader_url(cluster)}/",
        "mesos_role": None if legacy else "*",
        "mesos_user": "root",
        "min_revive_offers_interval": 5000,
        "offer_matching_timeout": 1000 if legacy else 3000,
        "on_elected_prepare_timeout": 180000,
        "reconciliation_initial_delay": 15000,
        "reconciliation_interval": 600000,
        "scale_apps_initial_delay": 15000,
        "scale_apps_interval": 300000,
        "store_cache": True,
        "task_launch_confirm_timeout": 300000,
        "task_launch_timeout": 300000,
        "task_lost_expunge_initial_delay": 300000,
        "task_lost_expunge_interval": 30000,
        "task_reservation_timeout": 20000,
        "webui_url": None if legacy else leader.url,
    }
    if legacy:
        config["revive_offers_for_new_apps"] = True
        config["revive_offers_repetitions"] = 3
    else:
        config["mesos_bridge_name"] = "mesos-bridge"
        if profile.max_running_deployments is not None:
            limit = cluster.marathon_state.max_running_deployments
            config["max_running_deployments"] = limit
    body: dict[str, Any] = {
        "name": "marathon",
        "version": profile.release,
        "buildref": profile.buildref,
        "elected": True,
        "leader": f"{leader.host}:{leader.port}",
        "frameworkId": cluster.state.framework_id,
        "marathon_config": config,
        "zookeeper_config": {
            "zk": f"zk://{masters}/marathon",
            "zk_compression": True,
            "zk_compression_threshold": 65536,
            "zk_connection_timeout": 10000,
            "zk_max_node_size": 1024000,
            "zk_max_versions": 50,
            "zk_session_timeout": 10000,
            "zk_timeout": 10000,
        },
        "http_config": {"http_port": leader.port, "https_port": 8443},
    }
    if legacy:
        body["event_subscriber"] = None
    if profile.role_fields:
        config["new_group_enforce_role"] = "off"
    return body


def _mesos_leader_url(cluster: FakeCluster) -> str:
    index = cluster.state.mesos_leader
    return cluster.state.masters[index if index is not None else 0].url
