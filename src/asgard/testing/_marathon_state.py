"""What the FakeCluster's Marathon knows beyond the current apps: versions, tasks, deployments.

The current version of every app is in :attr:`ClusterState.apps
<asgard.testing._state.ClusterState.apps>`; :class:`MarathonState` holds the rest: each app's
earlier versions, Marathon's view of the tasks it launched (the Mesos records stay in
:attr:`ClusterState.tasks <asgard.testing._state.ClusterState.tasks>`), the running
deployments, the launch queue and the scripted failures. Every change happens while the
cluster's lock is held.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Final, Literal

import attrs

from asgard.testing._state import AppRecord

__all__ = [
    "FIRST_SERVICE_PORT",
    "LAST_SERVICE_PORT",
    "STAGING_SECONDS",
    "Action",
    "DeploymentRecord",
    "LaunchState",
    "MarathonState",
    "MarathonTask",
    "marathon_time",
    "truncate_ms",
]

FIRST_SERVICE_PORT: Final = 10000
"""The first service port Marathon hands out (``--local_port_min``)."""

LAST_SERVICE_PORT: Final = 20000
"""The last service port Marathon hands out (``--local_port_max``)."""

STAGING_SECONDS: Final = 1.0
"""Seconds of fake time a launched task stays ``TASK_STAGING`` before it runs."""

Action = Literal["StartApplication", "ScaleApplication", "RestartApplication", "StopApplication"]
"""A deployment step's action on an app."""


def truncate_ms(moment: datetime) -> datetime:
    """``moment`` without its sub-millisecond part (Marathon's precision)."""
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def marathon_time(moment: datetime) -> str:
    """A datetime as Marathon writes it: ISO 8601 in UTC with milliseconds and ``Z``."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


@attrs.define(kw_only=True)
class MarathonTask:
    """Marathon's view of one task it launched (the Mesos record has the same id).

    Attributes:
        task_id: the Mesos task id.
        app_id: the app's absolute id.
        instance_id: the Marathon instance id (1.8+: ``<app>.instance-<uuid>``; before: the
            task id).
        version: the app version the task was launched with (``version`` of the task).
        config_version: the app's ``lastConfigChangeAt`` at launch: the task runs the current
            configuration while the app's is the same.
        staged_at: fake time of the launch.
        running_at: fake time it reported ``TASK_RUNNING``, or None.
        healthy: its health check result, or None before the first one (or without checks).
        first_success: fake time of its first passed health check.
        last_success: fake time of its last passed health check.
        last_failure: fake time of its last failed health check.
        fail_at_start: the launch is scripted to fail (``fail_next_launch``).
    """

    task_id: str
    app_id: str
    instance_id: str
    version: datetime
    config_version: datetime
    staged_at: datetime
    running_at: datetime | None = None
    healthy: bool | None = None
    first_success: datetime | None = None
    last_success: datetime | None = None
    last_failure: datetime | None = None
    fail_at_start: bool = False


@attrs.define(kw_only=True)
class LaunchState:
    """An app's place in the launch queue and its launch back-off.

    Attributes:
        since: fake time the app started waiting for offers (None while it waits for none).
        failures: launch failures in a row (the back-off grows with them).
        delay_until: no launch before this fake time (the back-off), or None.
        fail_next: how many of the next launches are scripted to fail.
        processed_offers: offers looked at while the app waited.
        unused_offers: offers it could not use.
        last_unused_at: fake time of the last offer it could not use.
        last_used_at: fake time of the last offer it used.
        last_offers: the last round of offers, one per agent: reason → (declined, processed).
        launch_attempts: every round added up: reason → (declined, processed).
        unused_detail: the offers of the last round the app could not use: (agent id,
            reasons).
        last_round: fake time of the last round of offers counted.
    """

    since: datetime | None = None
    failures: int = 0
    delay_until: datetime | None = None
    fail_next: int = 0
    processed_offers: int = 0
    unused_offers: int = 0
    last_unused_at: datetime | None = None
    last_used_at: datetime | None = None
    last_offers: dict[str, tuple[int, int]] = attrs.Factory(dict)
    launch_attempts: dict[str, tuple[int, int]] = attrs.Factory(dict)
    unused_detail: list[tuple[str, tuple[str, ...]]] = attrs.Factory(list)
    last_round: datetime | None = None


@attrs.define(kw_only=True)
class DeploymentRecord:
    """A running deployment.

    Attributes:
        id: its id (a UUID).
        version: its version: the new version of the apps it changes.
        steps: its steps, each a list of ``(action, app id)``.
        current: the index of the step in progress (0-based; ``currentStep`` is one more).
        original: each touched app before the deployment (None: it did not exist).
        target: each touched app as the deployment leaves it (None: it is deleted).
        restart: the apps whose tasks the deployment replaces (config change, restart).
        started_at: fake time it started.
        original_root: every app before the deployment (the heavy plan's ``original``).
        target_root: every app as the deployment leaves them (the heavy plan's ``target``).
        original_version: the version of ``original_root``.
    """

    id: str
    version: datetime
    steps: list[list[tuple[Action, str]]]
    current: int = 0
    original: dict[str, AppRecord | None] = attrs.Factory(dict)
    target: dict[str, AppRecord | None] = attrs.Factory(dict)
    restart: set[str] = attrs.Factory(set)
    started_at: datetime
    original_root: dict[str, AppRecord] = attrs.Factory(dict)
    target_root: dict[str, AppRecord] = attrs.Factory(dict)
    original_version: datetime

    @property
    def affected_apps(self) -> list[str]:
        """The apps it touches, in step order."""
        found: list[str] = []
        for step in self.steps:
            for _, app_id in step:
                if app_id not in found:
                    found.append(app_id)
        return found


@attrs.define(kw_only=True)
class MarathonState:
    """Marathon's state besides the current apps; change it only with the cluster lock held.

    Attributes:
        versions: every stored version of each app, oldest first (the last is current).
        tasks: Marathon's view of the tasks it launched and that are not terminal yet.
        deployments: the running deployments, oldest first.
        launch: each app's launch queue state.
        last_failures: each app's last task failure (``lastTaskFailure`` JSON).
        unhealthy_apps: apps whose tasks a test made fail their health checks.
        max_running_deployments: the ``--max_running_deployments`` limit, or None.
        last_version: the last version handed out (versions strictly increase).
    """

    versions: dict[str, list[AppRecord]] = attrs.Factory(dict)
    tasks: dict[str, MarathonTask] = attrs.Factory(dict)
    deployments: dict[str, DeploymentRecord] = attrs.Factory(dict)
    launch: dict[str, LaunchState] = attrs.Factory(dict)
    last_failures: dict[str, dict[str, Any]] = attrs.Factory(dict)
    unhealthy_apps: set[str] = attrs.Factory(set)
    max_running_deployments: int | None = None
    last_version: datetime | None = None

    def next_version(self, now: datetime) -> datetime:
        """A new version timestamp: ``now`` in milliseconds, after every earlier one."""
        chosen = truncate_ms(now)
        if self.last_version is not None and chosen <= self.last_version:
            chosen = self.last_version + timedelta(milliseconds=1)
        self.last_version = chosen
        return chosen

    def launch_state(self, app_id: str) -> LaunchState:
        """The app's launch state, created when it has none."""
        found = self.launch.get(app_id)
        if found is None:
            found = self.launch[app_id] = LaunchState()
        return found

    def deployment_of(self, app_id: str) -> DeploymentRecord | None:
        """The running deployment that touches the app, if any."""
        for deployment in self.deployments.values():
            if app_id in deployment.target or app_id in deployment.original:
                return deployment
        return None

    def tasks_of(self, app_id: str) -> list[MarathonTask]:
        """Marathon's tasks of an app, in launch order."""
        return [task for task in self.tasks.values() if task.app_id == app_id]
