"""The FakeCluster's Marathon scheduler: writes start deployments, the clock makes them progress.

Every write (create, update, scale, restart, delete, kill with ``scale``, rollback, cancel)
goes through :meth:`MarathonScheduler.deploy`, which checks the app locks (409 unless
``force``, which cancels the running deployment) and ``--max_running_deployments`` (403 on
1.6+), stores the new app versions at once (as Marathon does), and records a deployment whose
steps are Marathon's actions: ``StartApplication`` then ``ScaleApplication`` for a new app,
``ScaleApplication`` for a change of ``instances`` only, ``RestartApplication`` for any
other change and for a restart, ``StopApplication`` for a deletion.

Nothing else moves until the clock does. On each :meth:`FakeCluster.advance
<asgard.testing.FakeCluster.advance>` :meth:`MarathonScheduler.tick` walks through the
interval from one due moment to the next (a launch, a task starting 1 s after it was staged,
a health check grace period ending, a launch back-off expiring), so one long ``advance``
does what many short ones would. At each moment it:

1. notices the tasks that ended outside Marathon (a test's ``set_task_state``, a removed
   agent): a failure is remembered as ``lastTaskFailure`` and delays the app's next launch
   (``backoffSeconds`` * ``backoffFactor`` ^ (failures - 1), at most
   ``maxLaunchDelaySeconds``);
2. moves tasks on: ``TASK_STAGING`` → ``TASK_RUNNING`` after 1 s (or ``TASK_FAILED`` for a
   launch scripted to fail), healthy once the health checks' grace period is over (unless a
   test made the app unhealthy);
3. kills the tasks of deleted apps, kills tasks beyond ``instances`` (staging ones first, then
   by ``killSelection``) and launches the missing ones on agents whose free resources
   (the task's plus the command executor's 0.1 CPU and 32 MB, as the Mesos side counts
   them) and ports fit and that satisfy the app's constraints; while a deployment restarts an
   app, old tasks are replaced by new ones keeping at least ``minimumHealthCapacity`` *
   ``instances`` ready and at most ``(1 + maximumOverCapacity)`` * ``instances`` in all;
4. finishes each deployment step whose apps reached their target: ``instances`` tasks of the
   current configuration running (and healthy where the app has health checks), or no task
   left for a deleted app. A finished deployment leaves ``/v2/deployments``.

Placement follows Marathon's constraints: ``LIKE`` / ``UNLIKE`` match the whole attribute
value (or host name) as a regular expression, ``IS`` and ``CLUSTER`` compare it, ``UNIQUE``
and ``MAX_PER`` count the app's tasks per value, ``GROUP_BY`` keeps the values balanced
(loosely: a value is accepted while no value has fewer of the app's tasks). An agent without
the attribute only satisfies ``UNLIKE``. Offers an app could not use are reported per reason
in Marathon's funnel order (:attr:`MarathonProfile.offer_reasons`).

Events are published on the cluster's bus with Marathon's payloads as each change happens.

Left out: pods, groups, readiness checks and resident tasks; health checks are not probed (a
task is healthy once the grace period is over, unhealthy while a test says so) and unhealthy
tasks are never killed; kills are immediate (no ``TASK_KILLING``); GPUs are checked against the
agents' totals but not accounted for in their allocation. A rolling replacement whose strategy
leaves no room (``minimumHealthCapacity`` 1, ``maximumOverCapacity`` 0) replaces one task at a
time.
"""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

import attrs

from asgard._time import parse_timestamp
from asgard.errors import ConflictError, InvalidInputError, NotFoundError
from asgard.testing import _tasks
from asgard.testing._marathon_apps import (
    MarathonError,
    check_definition,
    complete,
    is_config_change,
    merge,
    service_ports,
    used_service_ports,
)
from asgard.testing._marathon_json import (
    ip_addresses,
    plan_json,
    task_json,
)
from asgard.testing._marathon_state import (
    STAGING_SECONDS,
    Action,
    DeploymentRecord,
    LaunchState,
    MarathonState,
    MarathonTask,
    marathon_time,
    truncate_ms,
)
from asgard.testing._state import (
    EXECUTOR_CPUS,
    EXECUTOR_MEM,
    AgentRecord,
    AppRecord,
    ClusterState,
    TaskRecord,
)
from asgard.testing._versions import MarathonProfile

if TYPE_CHECKING:
    from asgard.testing._cluster import FakeCluster

__all__ = [
    "CANCELLED_REASON",
    "LAUNCH_FAILURE_MESSAGE",
    "MarathonScheduler",
    "as_control_error",
    "unknown_app",
]

LAUNCH_FAILURE_MESSAGE: Final = "Container exited with status 1 (scripted launch failure)"
"""The ``message`` of a failure scripted with ``fail_next_launch``."""

CANCELLED_REASON: Final = "The upgrade has been cancelled"
"""The ``reason`` of ``deployment_failed`` (1.8+) for a cancelled or superseded deployment."""

_FAILURE_STATES: Final[frozenset[str]] = frozenset(
    {"TASK_FAILED", "TASK_ERROR", "TASK_LOST", "TASK_DROPPED", "TASK_GONE", "TASK_UNREACHABLE"}
)
_CONDITIONS: Final[Mapping[str, str]] = {
    "TASK_STAGING": "Staging",
    "TASK_STARTING": "Starting",
    "TASK_RUNNING": "Running",
    "TASK_KILLING": "Killing",
    "TASK_FINISHED": "Finished",
    "TASK_FAILED": "Failed",
    "TASK_KILLED": "Killed",
    "TASK_ERROR": "Error",
    "TASK_LOST": "Gone",
    "TASK_DROPPED": "Dropped",
    "TASK_GONE": "Gone",
    "TASK_GONE_BY_OPERATOR": "GoneByOperator",
    "TASK_UNREACHABLE": "Unreachable",
    "TASK_UNKNOWN": "Unknown",
}
_MOMENTS_PER_TICK: Final = 100_000
_PASSES_PER_MOMENT: Final = 200


def _locked(message_ids: Iterable[str]) -> MarathonError:
    return MarathonError(
        409,
        {
            "message": "App is locked by one or more deployments. Override with the option "
            "'?force=true'. View details at '/v2/deployments/<DEPLOYMENT_ID>'.",
            "deployments": [{"id": deployment_id} for deployment_id in message_ids],
        },
    )


def _too_many(limit: int) -> MarathonError:
    return MarathonError(
        403,
        {
            "message": f"Max number ({limit}) of running deployments is achieved. Wait for "
            "existing deployments to complete or cancel oneusing force=true parameter. You can "
            "increase max deployment number by using --max_running_deployments parameter but "
            "be advised that this can have negative effects on the performance."
        },
    )


def unknown_app(app_id: str, version: str | None = None) -> MarathonError:
    """Marathon's 404 for an app (or an app version) it does not have."""
    suffix = f" in version {version}" if version is not None else ""
    return MarathonError(404, {"message": f"App '{app_id}' does not exist{suffix}"})


def _attribute(agent: AgentRecord, field: str) -> str | None:
    if field == "hostname":
        return agent.hostname
    value = agent.attributes.get(field)
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)


def _fullmatch(pattern: str, value: str) -> bool:
    try:
        return re.fullmatch(pattern, value) is not None
    except re.error:
        return False


def _free(total: float, used: float) -> float:
    return round(total - used, 3)


class MarathonScheduler:
    """The fake Marathon's writes, deployments and task scheduling for one cluster.

    Endpoint handlers and control methods call it with the cluster's lock held.

    Args:
        cluster: the cluster it schedules on.
    """

    def __init__(self, cluster: FakeCluster) -> None:
        self._cluster = cluster

    # -- shortcuts ------------------------------------------------------------------------

    @property
    def state(self) -> ClusterState:
        """The cluster's state."""
        return self._cluster.state

    @property
    def marathon(self) -> MarathonState:
        """Marathon's state."""
        return self._cluster.marathon_state

    @property
    def profile(self) -> MarathonProfile:
        """The emulated Marathon version."""
        return self._cluster.marathon_profile

    def emit(self, event_type: str, payload: dict[str, Any], at: datetime) -> None:
        """Publish an event with its ``eventType`` and ``timestamp``."""
        payload["eventType"] = event_type
        payload["timestamp"] = marathon_time(at)
        self._cluster.events.publish(event_type, payload)

    # -- writes ---------------------------------------------------------------------------

    def _max_deployments(self) -> int | None:
        if self.profile.max_running_deployments is None:
            return None
        return self.marathon.max_running_deployments

    def deploy(
        self,
        changes: Mapping[str, AppRecord | None],
        *,
        force: bool,
        version: datetime,
        restart: Iterable[str] = (),
        at: datetime,
        enforce_limit: bool = True,
    ) -> DeploymentRecord:
        """Store new app versions (None deletes) and start the deployment that rolls them out.

        Raises:
            MarathonError: 409 when a running deployment holds one of the apps and ``force``
                is false; 403 when ``--max_running_deployments`` deployments run already
                (unless ``enforce_limit`` is false: the control API is never limited).
        """
        marathon = self.marathon
        conflicts = [
            deployment
            for deployment in marathon.deployments.values()
            if any(
                app_id in deployment.target or app_id in deployment.original for app_id in changes
            )
        ]
        if conflicts and not force:
            raise _locked(deployment.id for deployment in conflicts)
        limit = self._max_deployments() if enforce_limit else None
        if limit is not None and len(marathon.deployments) - len(conflicts) >= limit:
            raise _too_many(limit)
        for deployment in conflicts:
            self._fail(deployment, at)
        original_root = dict(self.state.apps)
        original_version = max(
            (record.version for record in original_root.values()), default=self.state.started_at
        )
        original = {app_id: self.state.apps.get(app_id) for app_id in changes}
        restarting = set(restart)
        for app_id, record in changes.items():
            self._store(app_id, record)
            if app_id in restarting:
                launch = marathon.launch_state(app_id)
                launch.failures = 0
                launch.delay_until = None
        deployment = DeploymentRecord(
            id=self.state.new_uuid(),
            version=version,
            steps=self._steps(original, changes, restarting),
            original=original,
            target=dict(changes),
            restart={app_id for app_id in restarting if changes.get(app_id) is not None},
            started_at=at,
            original_root=original_root,
            target_root=dict(self.state.apps),
            original_version=original_version,
        )
        marathon.deployments[deployment.id] = deployment
        self._announce_step(deployment, at)
        return deployment

    def _store(self, app_id: str, record: AppRecord | None) -> None:
        marathon = self.marathon
        if record is None:
            self.state.apps.pop(app_id, None)
            marathon.versions.pop(app_id, None)
            marathon.launch.pop(app_id, None)
            marathon.unhealthy_apps.discard(app_id)
            marathon.last_failures.pop(app_id, None)
            return
        self.state.apps[app_id] = record
        history = marathon.versions.setdefault(app_id, [])
        if not any(known.version == record.version for known in history):
            history.append(record)

    @staticmethod
    def _steps(
        original: Mapping[str, AppRecord | None],
        changes: Mapping[str, AppRecord | None],
        restart: set[str],
    ) -> list[list[tuple[Action, str]]]:
        per_app: list[list[tuple[Action, str]]] = []
        for app_id, target in changes.items():
            before = original.get(app_id)
            actions: list[tuple[Action, str]]
            if before is None and target is None:
                actions = []
            elif before is None:
                assert target is not None
                actions = [("StartApplication", app_id)]
                if target.instances > 0:
                    actions.append(("ScaleApplication", app_id))
            elif target is None:
                actions = [("StopApplication", app_id)]
            elif app_id in restart:
                actions = [("RestartApplication", app_id)]
            elif target.version != before.version:
                actions = [("ScaleApplication", app_id)]
            else:
                actions = []
            per_app.append(actions)
        steps: list[list[tuple[Action, str]]] = []
        for actions in per_app:
            for index, action in enumerate(actions):
                while len(steps) <= index:
                    steps.append([])
                steps[index].append(action)
        return steps

    def _announce_step(self, deployment: DeploymentRecord, at: datetime) -> None:
        step = (
            deployment.steps[deployment.current]
            if deployment.current < len(deployment.steps)
            else []
        )
        self.emit(
            "deployment_info",
            {
                "plan": plan_json(self._cluster, deployment),
                "currentStep": {
                    "actions": [{"action": action, "app": app_id} for action, app_id in step]
                },
            },
            at,
        )

    def _fail(self, deployment: DeploymentRecord, at: datetime) -> None:
        """End a deployment as failed (cancelled, superseded): step failure, then failed."""
        self.marathon.deployments.pop(deployment.id, None)
        if deployment.current < len(deployment.steps):
            step = deployment.steps[deployment.current]
            self.emit(
                "deployment_step_failure",
                {
                    "plan": plan_json(self._cluster, deployment),
                    "currentStep": {
                        "actions": [{"action": action, "app": app_id} for action, app_id in step]
                    },
                },
                at,
            )
        payload: dict[str, Any] = {
            "id": deployment.id,
            "plan": plan_json(self._cluster, deployment),
        }
        if self.profile.deployment_failed_reason:
            payload["reason"] = CANCELLED_REASON
        self.emit("deployment_failed", payload, at)

    def _record(
        self,
        app_id: str,
        definition: dict[str, Any],
        current: AppRecord | None,
        at: datetime,
        *,
        spec: Any = None,
    ) -> tuple[AppRecord, bool]:
        """The new version of an app and whether it changes the configuration.

        An unchanged definition keeps the current record (no new version).
        """
        if current is None:
            version = self.marathon.next_version(at)
            record = AppRecord(
                id=app_id,
                spec=spec,
                created_at=at,
                version=version,
                definition=definition,
                last_scaling_at=version,
                last_config_change_at=version,
            )
            return record, True
        if is_config_change(current.definition, definition):
            version = self.marathon.next_version(at)
            return (
                attrs.evolve(
                    current,
                    spec=spec,
                    version=version,
                    definition=definition,
                    last_scaling_at=version,
                    last_config_change_at=version,
                ),
                True,
            )
        if current.definition.get("instances") != definition.get("instances"):
            version = self.marathon.next_version(at)
            return (
                attrs.evolve(
                    current,
                    spec=spec,
                    version=version,
                    definition=definition,
                    last_scaling_at=version,
                    last_config_change_at=current.config_changed_at,
                ),
                False,
            )
        return current, False

    def _finish_definition(self, definition: dict[str, Any]) -> dict[str, Any]:
        check_definition(self.profile, definition)
        taken = used_service_ports(
            record.definition
            for app_id, record in self.state.apps.items()
            if app_id != definition["id"]
        )
        service_ports(definition, taken)
        return definition

    def create(
        self,
        fields: Mapping[str, Any],
        *,
        force: bool,
        at: datetime,
        spec: Any = None,
        enforce_limit: bool = True,
    ) -> tuple[DeploymentRecord, AppRecord]:
        """Create an app from the fields of a body (``POST /v2/apps``, ``add_app``).

        Raises:
            MarathonError: 422 for an invalid definition, 409 when the app exists (or is
                locked), 403 past the deployment limit.
        """
        definition = self._finish_definition(complete(self.profile, fields))
        app_id = definition["id"]
        if app_id in self.state.apps:
            raise MarathonError(409, {"message": f"An app with id [{app_id}] already exists."})
        record, _ = self._record(app_id, definition, None, at, spec=spec)
        deployment = self.deploy(
            {app_id: record},
            force=force,
            version=record.version,
            at=at,
            enforce_limit=enforce_limit,
        )
        return deployment, record

    def update(
        self,
        app_id: str,
        fields: Mapping[str, Any],
        *,
        partial: bool,
        force: bool,
        allow_create: bool,
        at: datetime,
    ) -> tuple[DeploymentRecord, AppRecord, bool]:
        """Update an app (``PUT`` / ``PATCH``): a partial or full change, a scale, a rollback.

        Returns:
            The deployment, the app's new record and whether the app was created.

        Raises:
            MarathonError: 404 for an unknown app (or version), 422, 409 or 403 as for
                :meth:`create`.
        """
        current = self.state.apps.get(app_id)
        if current is None:
            if not allow_create:
                raise unknown_app(app_id)
            created_fields = {key: value for key, value in fields.items() if key != "version"}
            created_fields["id"] = app_id
            deployment, record = self.create(created_fields, force=force, at=at)
            return deployment, record, True
        rollback = fields.get("version") if partial else None
        if isinstance(rollback, str):
            old = self.find_version(app_id, rollback)
            if old is None:
                raise unknown_app(app_id)
            definition = copy.deepcopy(dict(old.definition))
        elif partial:
            definition = complete(self.profile, merge(current.definition, fields))
        else:
            full = {key: value for key, value in fields.items() if key != "version"}
            full["id"] = app_id
            definition = complete(self.profile, full)
        definition["id"] = app_id
        definition = self._finish_definition(definition)
        record, config = self._record(app_id, definition, current, at)
        version = record.version if record is not current else self.marathon.next_version(at)
        deployment = self.deploy(
            {app_id: record},
            force=force,
            version=version,
            restart=[app_id] if config else [],
            at=at,
        )
        return deployment, record, False

    def find_version(self, app_id: str, version: str) -> AppRecord | None:
        """A stored version of an app by its timestamp (any ISO 8601 spelling), or None."""
        try:
            wanted = truncate_ms(parse_timestamp(version))
        except ValueError:
            return None
        for record in self.marathon.versions.get(app_id, []):
            if record.version == wanted:
                return record
        return None

    def restart(self, app_id: str, *, force: bool, at: datetime) -> DeploymentRecord:
        """Restart an app: a new version of the same definition, every task replaced.

        Raises:
            MarathonError: 404 for an unknown app, 409 or 403 as for :meth:`deploy`.
        """
        current = self.state.apps.get(app_id)
        if current is None:
            raise unknown_app(app_id)
        version = self.marathon.next_version(at)
        record = attrs.evolve(current, spec=None, version=version, last_config_change_at=version)
        return self.deploy({app_id: record}, force=force, version=version, restart=[app_id], at=at)

    def delete(self, app_id: str, *, force: bool, at: datetime) -> DeploymentRecord:
        """Delete an app; its tasks are killed by the deployment.

        Raises:
            MarathonError: 404 for an unknown app, 409 or 403 as for :meth:`deploy`.
        """
        if app_id not in self.state.apps:
            raise unknown_app(app_id)
        version = self.marathon.next_version(at)
        return self.deploy({app_id: None}, force=force, version=version, at=at)

    def scale_down_for(
        self, killed: Mapping[str, int], *, force: bool, at: datetime
    ) -> DeploymentRecord:
        """The deployment that lowers ``instances`` after a kill with ``scale=true``."""
        version = self.marathon.next_version(at)
        changes: dict[str, AppRecord | None] = {}
        for app_id, count in killed.items():
            current = self.state.apps[app_id]
            definition = copy.deepcopy(dict(current.definition))
            definition["instances"] = max(0, current.instances - count)
            changes[app_id] = attrs.evolve(
                current,
                spec=None,
                version=version,
                definition=definition,
                last_scaling_at=version,
                last_config_change_at=current.config_changed_at,
            )
        return self.deploy(changes, force=force, version=version, at=at)

    def cancel(
        self, deployment_id: str, *, rollback: bool, at: datetime
    ) -> DeploymentRecord | None:
        """Cancel a running deployment: stop it, or roll its apps back to where they were.

        Either way the deployment publishes ``deployment_failed``. The rollback restores each
        app's previous definition, recreates a deleted app and deletes a created one, as a new
        (forced) deployment. As in Marathon (``GroupVersioningUtil``), a restored app is a
        change like any other: it gets the rollback's new version, with
        ``lastConfigChangeAt`` moved when its configuration changes back; an app whose
        definition did not change (a restart) keeps its version.

        Raises:
            MarathonError: 404 ``DeploymentPlan <id> does not exist``.
        """
        deployment = self.marathon.deployments.get(deployment_id)
        if deployment is None:
            raise MarathonError(404, {"message": f"DeploymentPlan {deployment_id} does not exist"})
        if not rollback:
            self._fail(deployment, at)
            return None
        version = self.marathon.next_version(at)
        changes: dict[str, AppRecord | None] = {}
        restart: list[str] = []
        for app_id in deployment.affected_apps or list(deployment.original):
            before = deployment.original.get(app_id)
            now_record = self.state.apps.get(app_id)
            if before is None or now_record is None:
                changes[app_id] = (
                    None
                    if before is None
                    else attrs.evolve(
                        before,
                        version=version,
                        last_scaling_at=version,
                        last_config_change_at=version,
                    )
                )
            elif is_config_change(now_record.definition, before.definition):
                changes[app_id] = attrs.evolve(
                    before, version=version, last_scaling_at=version, last_config_change_at=version
                )
                restart.append(app_id)
            elif now_record.definition.get("instances") != before.definition.get("instances"):
                changes[app_id] = attrs.evolve(
                    before,
                    version=version,
                    last_scaling_at=version,
                    last_config_change_at=now_record.config_changed_at,
                )
            else:
                changes[app_id] = now_record
        return self.deploy(changes, force=True, version=version, restart=restart, at=at)

    # -- tasks: kills at request time -------------------------------------------------------

    def kill(self, task_id: str, at: datetime) -> None:
        """Kill one of Marathon's tasks now (``TASK_KILLED``); the app may replace it later."""
        marathon_task = self.marathon.tasks.pop(task_id, None)
        task = self.state.tasks.get(task_id)
        if marathon_task is None or task is None or task.terminal:
            return
        updated = _tasks.set_task_state(self.state, task_id, "TASK_KILLED", at, None)
        self._status_events(marathon_task, updated, at)

    def live_tasks(self, app_id: str) -> list[tuple[MarathonTask, TaskRecord]]:
        """An app's tasks that are not terminal, with their Mesos records, in launch order."""
        found: list[tuple[MarathonTask, TaskRecord]] = []
        for marathon_task in self.marathon.tasks_of(app_id):
            task = self.state.tasks.get(marathon_task.task_id)
            if task is not None and not task.terminal:
                found.append((marathon_task, task))
        return found

    def render_task(self, marathon_task: MarathonTask, task: TaskRecord) -> dict[str, Any]:
        """A task as Marathon lists it."""
        return task_json(
            self._cluster, marathon_task, task, self.state.apps.get(marathon_task.app_id)
        )

    # -- controls ---------------------------------------------------------------------------

    def set_app_health(self, app_id: str, healthy: bool, at: datetime) -> None:
        """Make every task of an app fail (or pass again) its health checks.

        Raises:
            NotFoundError: for an unknown app.
            InvalidInputError: when ``healthy`` is not a bool.
        """
        flag: object = healthy
        if not isinstance(flag, bool):
            raise InvalidInputError(f"healthy must be True or False, not {healthy!r}")
        if app_id not in self.state.apps:
            raise NotFoundError(f"no app {app_id!r} in this cluster")
        if healthy:
            self.marathon.unhealthy_apps.discard(app_id)
        else:
            self.marathon.unhealthy_apps.add(app_id)
        self._health(at)

    def fail_next_launch(self, app_id: str, times: int) -> None:
        """Script the next ``times`` launches of an app to fail.

        Raises:
            NotFoundError: for an unknown app.
            InvalidInputError: when ``times`` is not an integer of at least 1.
        """
        count: object = times
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise InvalidInputError(f"times must be an integer of at least 1, not {times!r}")
        if app_id not in self.state.apps:
            raise NotFoundError(f"no app {app_id!r} in this cluster")
        self.marathon.launch_state(app_id).fail_next += count

    def reset_delay(self, app_id: str) -> bool:
        """Clear an app's launch back-off; False when the app is not in the launch queue."""
        launch = self.marathon.launch.get(app_id)
        app = self.state.apps.get(app_id)
        if app is None or launch is None:
            return False
        delayed = launch.delay_until is not None and launch.delay_until > self._cluster.now
        if not delayed and self.pending(app) <= 0:
            return False
        launch.delay_until = None
        launch.failures = 0
        return True

    # -- the clock --------------------------------------------------------------------------

    def tick(self, before: datetime, after: datetime) -> None:
        """Let the interval ``[before, after]`` pass: every due change happens at its moment.

        While no Marathon instance leads, nothing is scheduled (as during an election): the
        deployments resume with the next :meth:`tick` after a leader is set.
        """
        if self.state.marathon_leader is None:
            return
        moment = before
        for _ in range(_MOMENTS_PER_TICK):
            self._settle(moment)
            due = self._next_due(moment)
            if due is None or due > after:
                break
            moment = due
        if moment < after:
            self._settle(after)

    def _settle(self, at: datetime) -> None:
        for _ in range(_PASSES_PER_MOMENT):
            if not self._pass(at):
                return

    def _pass(self, at: datetime) -> bool:
        changed = self._observe_ended(at)
        changed = self._progress_tasks(at) or changed
        changed = self._health(at) or changed
        changed = self._progress_deployments(at) or changed
        changed = self._kill_orphans(at) or changed
        for app in list(self.state.apps.values()):
            changed = self._schedule(app, at) or changed
        return changed

    def _next_due(self, after: datetime) -> datetime | None:
        candidates: list[datetime] = []
        for marathon_task in self.marathon.tasks.values():
            task = self.state.tasks.get(marathon_task.task_id)
            if task is None or task.terminal:
                continue
            if task.state == "TASK_STAGING":
                candidates.append(marathon_task.staged_at + timedelta(seconds=STAGING_SECONDS))
            elif marathon_task.running_at is not None and marathon_task.healthy is None:
                grace = self._grace(marathon_task.app_id)
                if grace is not None:
                    candidates.append(marathon_task.running_at + timedelta(seconds=grace))
        for launch in self.marathon.launch.values():
            if launch.delay_until is not None:
                candidates.append(launch.delay_until)
        later = [moment for moment in candidates if moment > after]
        return min(later) if later else None

    def _grace(self, app_id: str) -> float | None:
        app = self.state.apps.get(app_id)
        checks = app.definition.get("healthChecks", []) if app is not None else []
        if not checks:
            return None
        return float(min(check.get("gracePeriodSeconds", 300) for check in checks))

    # -- task progress ------------------------------------------------------------------------

    def _status_events(
        self, marathon_task: MarathonTask, task: TaskRecord, at: datetime, message: str = ""
    ) -> None:
        self.emit(
            "status_update_event",
            {
                "slaveId": task.agent_id,
                "taskId": task.id,
                "taskStatus": task.state,
                "message": message,
                "appId": marathon_task.app_id,
                "host": task.agent_hostname,
                "ipAddresses": ip_addresses(self._cluster, task),
                "ports": list(task.resources.ports),
                "version": marathon_time(marathon_task.version),
            },
            at,
        )
        self._instance_event(marathon_task, task, _CONDITIONS.get(task.state, "Unknown"), at)

    def _instance_event(
        self, marathon_task: MarathonTask, task: TaskRecord, condition: str, at: datetime
    ) -> None:
        self.emit(
            "instance_changed_event",
            {
                "instanceId": marathon_task.instance_id,
                "condition": condition,
                "runSpecId": marathon_task.app_id,
                "agentId": task.agent_id,
                "host": task.agent_hostname,
                "runSpecVersion": marathon_time(marathon_task.version),
            },
            at,
        )

    def _ended(
        self, marathon_task: MarathonTask, task: TaskRecord | None, at: datetime, message: str
    ) -> None:
        """Forget a task that ended outside Marathon's own kills; remember a failure."""
        self.marathon.tasks.pop(marathon_task.task_id, None)
        state: str = task.state if task is not None else "TASK_LOST"
        if task is not None:
            self._status_events(marathon_task, task, at, message)
        if state not in _FAILURE_STATES:
            return
        app = self.state.apps.get(marathon_task.app_id)
        self.marathon.last_failures[marathon_task.app_id] = {
            "appId": marathon_task.app_id,
            "host": task.agent_hostname if task is not None else "",
            "message": message or f"Task {marathon_task.task_id} ended {state}",
            "state": state,
            "taskId": marathon_task.task_id,
            "timestamp": marathon_time(at),
            "version": marathon_time(marathon_task.version),
            "slaveId": task.agent_id if task is not None else None,
        }
        if app is None:
            return
        launch = self.marathon.launch_state(app.id)
        launch.failures += 1
        backoff = float(app.definition.get("backoffSeconds", 1))
        factor = float(app.definition.get("backoffFactor", 1.15))
        cap = float(
            app.definition.get("maxLaunchDelaySeconds", self.profile.default_max_launch_delay)
        )
        delay = min(backoff * factor ** (launch.failures - 1), cap)
        launch.delay_until = truncate_ms(at + timedelta(seconds=delay))

    def _observe_ended(self, at: datetime) -> bool:
        changed = False
        for marathon_task in list(self.marathon.tasks.values()):
            task = self.state.tasks.get(marathon_task.task_id)
            if task is None or task.terminal:
                self._ended(marathon_task, task, at, "")
                changed = True
        return changed

    def _progress_tasks(self, at: datetime) -> bool:
        changed = False
        for marathon_task in list(self.marathon.tasks.values()):
            task = self.state.tasks.get(marathon_task.task_id)
            if task is None or task.state != "TASK_STAGING":
                continue
            if at < marathon_task.staged_at + timedelta(seconds=STAGING_SECONDS):
                continue
            changed = True
            if marathon_task.fail_at_start:
                failed = _tasks.set_task_state(self.state, task.id, "TASK_FAILED", at, None)
                self._ended(marathon_task, failed, at, LAUNCH_FAILURE_MESSAGE)
                continue
            running = _tasks.set_task_state(self.state, task.id, "TASK_RUNNING", at, None)
            marathon_task.running_at = at
            self._status_events(marathon_task, running, at)
        return changed

    def _health(self, at: datetime) -> bool:
        changed = False
        for marathon_task in list(self.marathon.tasks.values()):
            if marathon_task.running_at is None:
                continue
            grace = self._grace(marathon_task.app_id)
            if grace is None:
                continue
            healthy: bool | None
            if marathon_task.app_id in self.marathon.unhealthy_apps:
                healthy = False
            elif at >= marathon_task.running_at + timedelta(seconds=grace):
                healthy = True
            else:
                healthy = marathon_task.healthy
            if healthy is None or healthy == marathon_task.healthy:
                continue
            marathon_task.healthy = healthy
            if healthy:
                marathon_task.last_success = at
                if marathon_task.first_success is None:
                    marathon_task.first_success = at
            else:
                marathon_task.last_failure = at
            self._health_event(marathon_task, healthy, at)
            changed = True
        return changed

    def _health_event(self, marathon_task: MarathonTask, healthy: bool, at: datetime) -> None:
        if self.profile.legacy_app_fields:
            self.emit(
                "health_status_changed_event",
                {
                    "appId": marathon_task.app_id,
                    "taskId": marathon_task.task_id,
                    "instanceId": marathon_task.instance_id,
                    "version": marathon_time(marathon_task.version),
                    "alive": healthy,
                },
                at,
            )
        else:
            self.emit(
                "instance_health_changed_event",
                {
                    "instanceId": marathon_task.instance_id,
                    "runSpecId": marathon_task.app_id,
                    "runSpecVersion": marathon_time(marathon_task.version),
                    "healthy": healthy,
                },
                at,
            )

    def _kill_orphans(self, at: datetime) -> bool:
        changed = False
        for marathon_task in list(self.marathon.tasks.values()):
            if marathon_task.app_id not in self.state.apps:
                self.kill(marathon_task.task_id, at)
                changed = True
        return changed

    # -- scheduling ---------------------------------------------------------------------------

    def _restarting(self, app_id: str) -> bool:
        deployment = self.marathon.deployment_of(app_id)
        return deployment is not None and app_id in deployment.restart

    def _ready(self, app: AppRecord, marathon_task: MarathonTask, task: TaskRecord) -> bool:
        if task.state != "TASK_RUNNING":
            return False
        return not app.definition.get("healthChecks") or marathon_task.healthy is True

    def pending(self, app: AppRecord) -> int:
        """How many of the app's tasks Marathon still has to launch."""
        live = self.live_tasks(app.id)
        if self._restarting(app.id):
            current = [pair for pair in live if pair[0].config_version == app.config_changed_at]
            return max(0, app.instances - len(current))
        return max(0, app.instances - len(live))

    def _kill_order(
        self, app: AppRecord, pairs: list[tuple[MarathonTask, TaskRecord]]
    ) -> list[MarathonTask]:
        oldest_first = app.definition.get("killSelection") == "OLDEST_FIRST"
        ordered = sorted(
            pairs,
            key=lambda pair: (pair[1].state == "TASK_RUNNING", pair[0].staged_at),
        )
        staging = [pair for pair in ordered if pair[1].state != "TASK_RUNNING"]
        running = [pair for pair in ordered if pair[1].state == "TASK_RUNNING"]
        if not oldest_first:
            running.reverse()
            staging.reverse()
        return [pair[0] for pair in (*staging, *running)]

    def _replace(
        self, app: AppRecord, live: list[tuple[MarathonTask, TaskRecord]], at: datetime
    ) -> tuple[int, bool]:
        """One step of a rolling replacement.

        Returns:
            How many tasks to launch, and whether tasks were killed.
        """
        wanted = app.instances
        current = [pair for pair in live if pair[0].config_version == app.config_changed_at]
        old = [pair for pair in live if pair[0].config_version != app.config_changed_at]
        strategy = app.definition.get("upgradeStrategy", {})
        minimum = math.ceil(wanted * float(strategy.get("minimumHealthCapacity", 1)))
        ceiling = wanted + math.floor(wanted * float(strategy.get("maximumOverCapacity", 1)))
        ready_new = [pair for pair in current if self._ready(app, *pair)]
        old_ready = [pair for pair in old if self._ready(app, *pair)]
        spare = len(ready_new) + len(old_ready) - minimum
        doomed = [pair[0] for pair in old if not self._ready(app, *pair)]
        doomed += [pair[0] for pair in old_ready[: max(0, spare)]]
        surplus = self._kill_order(app, current)[: max(0, len(current) - wanted)]
        kept_old = len(old) - len(doomed)
        kept_current = len(current) - len(surplus)
        room = ceiling - kept_old - kept_current
        settled = len(ready_new) == len(current) and not doomed
        if wanted > kept_current and room <= 0 and kept_old > 0 and settled:
            # A strategy that leaves no room (all healthy, no over-capacity): one at a time.
            doomed.append(next(pair[0] for pair in old if pair[0] not in doomed))
            room += 1
        for marathon_task in (*doomed, *surplus):
            self.kill(marathon_task.task_id, at)
        return min(max(0, wanted - kept_current), max(0, room)), bool(doomed or surplus)

    def _schedule(self, app: AppRecord, at: datetime) -> bool:
        live = self.live_tasks(app.id)
        if self._restarting(app.id):
            need, changed = self._replace(app, live, at)
        else:
            excess = self._kill_order(app, live)[: max(0, len(live) - app.instances)]
            for marathon_task in excess:
                self.kill(marathon_task.task_id, at)
            changed = bool(excess)
            need = max(0, app.instances - len(live))
        launch = self.marathon.launch_state(app.id)
        if need <= 0:
            if self.pending(app) <= 0:
                launch.since = None
            return changed
        if launch.since is None:
            launch.since = at
        if launch.delay_until is not None:
            if at < launch.delay_until:
                return changed
            launch.delay_until = None
        placed = 0
        funnel: list[tuple[str, tuple[str, ...]]] = []
        for _ in range(need):
            agent, funnel = self._offers(app)
            if agent is None:
                break
            self._launch(app, agent, at)
            placed += 1
        self._record_round(launch, funnel, placed, need, at)
        if placed:
            changed = True
            if self.pending(app) <= 0:
                launch.since = None
        return changed

    def _record_round(
        self,
        launch: LaunchState,
        funnel: list[tuple[str, tuple[str, ...]]],
        placed: int,
        need: int,
        at: datetime,
    ) -> None:
        if placed:
            launch.last_used_at = at
        unused = [(agent_id, reasons) for agent_id, reasons in funnel if reasons]
        if placed >= need and not unused:
            return
        counted = launch.last_round != at  # one round of offers per moment
        launch.last_round = at
        launch.unused_detail = unused
        if counted:
            launch.processed_offers += len(funnel)
            launch.unused_offers += len(unused)
        if unused:
            launch.last_unused_at = at
        remaining = len(funnel)
        last: dict[str, tuple[int, int]] = {}
        for reason in self.profile.offer_reasons:
            declined = sum(1 for _, reasons in unused if reasons and reasons[0] == reason)
            last[reason] = (declined, remaining)
            if counted:
                before = launch.launch_attempts.get(reason, (0, 0))
                launch.launch_attempts[reason] = (before[0] + declined, before[1] + remaining)
            remaining -= declined
        launch.last_offers = last

    def _offers(
        self, app: AppRecord
    ) -> tuple[AgentRecord | None, list[tuple[str, tuple[str, ...]]]]:
        """The agent to launch on (or None) and each active agent's reasons to decline."""
        agents = [agent for agent in self.state.agents.values() if agent.active]
        placements = self._placements(app.id)
        funnel: list[tuple[str, tuple[str, ...]]] = []
        fitting: list[AgentRecord] = []
        for agent in agents:
            reasons = self._reasons(app, agent, agents, placements)
            funnel.append((agent.id, reasons))
            if not reasons:
                fitting.append(agent)
        if not fitting:
            return None, funnel
        counts = {
            agent.id: sum(1 for value in placements if value == agent.id) for agent in fitting
        }
        chosen = min(fitting, key=lambda agent: (counts[agent.id], agent.index))
        return chosen, funnel

    def _placements(self, app_id: str) -> list[str]:
        """The agent ids of the app's live tasks (one entry per task)."""
        return [task.agent_id for _, task in self.live_tasks(app_id)]

    def _reasons(
        self,
        app: AppRecord,
        agent: AgentRecord,
        agents: list[AgentRecord],
        placements: list[str],
    ) -> tuple[str, ...]:
        definition = app.definition
        reasons: list[str] = []
        roles = definition.get("acceptedResourceRoles")
        if isinstance(roles, list) and roles and "*" not in roles:
            reasons.append("UnfulfilledRole")
        if not self._constraints_met(definition.get("constraints", []), agent, agents, placements):
            reasons.append("UnfulfilledConstraint")
        if _free(agent.total.cpus, agent.allocated.cpus) < round(
            float(definition.get("cpus", 1)) + EXECUTOR_CPUS, 3
        ):
            reasons.append("InsufficientCpus")
        if _free(agent.total.mem, agent.allocated.mem) < round(
            float(definition.get("mem", 128)) + EXECUTOR_MEM, 3
        ):
            reasons.append("InsufficientMemory")
        if _free(agent.total.disk, agent.allocated.disk) < round(
            float(definition.get("disk", 0)), 3
        ):
            reasons.append("InsufficientDisk")
        if _free(agent.total.gpus, agent.allocated.gpus) < round(
            float(definition.get("gpus", 0)), 3
        ):
            reasons.append("InsufficientGpus")
        if self._ports(app, agent) is None:
            reasons.append("InsufficientPorts")
        order = {reason: index for index, reason in enumerate(self.profile.offer_reasons)}
        return tuple(sorted(reasons, key=lambda reason: order.get(reason, len(order))))

    def _constraints_met(
        self,
        constraints: list[list[str]],
        agent: AgentRecord,
        agents: list[AgentRecord],
        placements: list[str],
    ) -> bool:
        by_id = {known.id: known for known in self.state.agents.values()}
        for constraint in constraints:
            field, operator = constraint[0], constraint[1]
            value = constraint[2] if len(constraint) > 2 else None
            own = _attribute(agent, field)
            if operator == "UNLIKE":
                if own is not None and value is not None and _fullmatch(value, own):
                    return False
                continue
            if own is None:
                return False
            placed_values = [
                _attribute(by_id[agent_id], field) for agent_id in placements if agent_id in by_id
            ]
            if operator == "LIKE":
                ok = value is not None and _fullmatch(value, own)
            elif operator == "IS":
                ok = own == value
            elif operator == "UNIQUE":
                ok = own not in placed_values
            elif operator == "CLUSTER":
                ok = own == value if value else all(known == own for known in placed_values)
            elif operator == "MAX_PER":
                ok = value is not None and placed_values.count(own) < int(value)
            elif operator == "GROUP_BY":
                values = {
                    found for known in agents if (found := _attribute(known, field)) is not None
                }
                fewest = min((placed_values.count(found) for found in values), default=0)
                ok = placed_values.count(own) <= fewest
            else:
                ok = False
            if not ok:
                return False
        return True

    def _ports(self, app: AppRecord, agent: AgentRecord) -> tuple[int, ...] | None:
        """The host ports a task of the app gets on the agent, or None when they do not fit."""
        definition = app.definition
        wanted = [
            int(item.get("port", 0))
            for item in definition.get("portDefinitions", [])
            if isinstance(item, dict)
        ]
        if not wanted:
            wanted = [0 for _ in _host_port_mappings(definition)]
        fixed = bool(definition.get("requirePorts"))
        busy = set(self.state.used_ports(agent.id))
        chosen: list[int] = []
        for port in wanted:
            if fixed and port:
                if port in busy or port in chosen or not _in_ranges(port, agent.port_ranges):
                    return None
                chosen.append(port)
                continue
            found = next(
                (
                    candidate
                    for low, high in agent.port_ranges
                    for candidate in range(low, high + 1)
                    if candidate not in busy and candidate not in chosen
                ),
                None,
            )
            if found is None:
                return None
            chosen.append(found)
        return tuple(chosen)

    def _launch(self, app: AppRecord, agent: AgentRecord, at: datetime) -> None:
        launch = self.marathon.launch_state(app.id)
        fails = launch.fail_next > 0
        if fails:
            launch.fail_next -= 1
        ports = self._ports(app, agent) or ()
        definition = app.definition
        labels = {
            key: value
            for key, value in definition.get("labels", {}).items()
            if isinstance(value, str)
        }
        task = _tasks.add_task(
            self.state,
            self.profile,
            at,
            agent_id=agent.id,
            app_id=app.id,
            task_id=None,
            framework=self.state.framework_id,
            cpus=float(definition.get("cpus", 1)),
            mem=float(definition.get("mem", 128)),
            disk=float(definition.get("disk", 0)),
            ports=ports,
            task_state="TASK_STAGING",
            load=0.5,
            healthy=None,
            labels=labels,
        )
        instance_id = task.id.rsplit("._app.", 1)[0] if "._app." in task.id else task.id
        marathon_task = MarathonTask(
            task_id=task.id,
            app_id=app.id,
            instance_id=instance_id,
            version=app.version,
            config_version=app.config_changed_at,
            staged_at=at,
            fail_at_start=fails,
        )
        self.marathon.tasks[task.id] = marathon_task
        self._instance_event(marathon_task, task, self.profile.instance_created_condition, at)

    # -- deployments --------------------------------------------------------------------------

    def _done(self, action: Action, app_id: str) -> bool:
        if action == "StartApplication":
            return True
        if action == "StopApplication":
            return not self.live_tasks(app_id)
        app = self.state.apps.get(app_id)
        if app is None:
            return True
        live = self.live_tasks(app_id)
        if len(live) != app.instances:
            return False
        for marathon_task, task in live:
            if not self._ready(app, marathon_task, task):
                return False
            if (
                action == "RestartApplication"
                and marathon_task.config_version != app.config_changed_at
            ):
                return False
        return True

    def _progress_deployments(self, at: datetime) -> bool:
        changed = False
        for deployment in list(self.marathon.deployments.values()):
            while deployment.current < len(deployment.steps) and all(
                self._done(action, app_id)
                for action, app_id in deployment.steps[deployment.current]
            ):
                step = deployment.steps[deployment.current]
                self.emit(
                    "deployment_step_success",
                    {
                        "plan": plan_json(self._cluster, deployment),
                        "currentStep": {
                            "actions": [
                                {"action": action, "app": app_id} for action, app_id in step
                            ]
                        },
                    },
                    at,
                )
                for action, app_id in step:
                    if action == "StopApplication":
                        self.emit("app_terminated_event", {"appId": app_id}, at)
                deployment.current += 1
                changed = True
                if deployment.current < len(deployment.steps):
                    self._announce_step(deployment, at)
            if deployment.current >= len(deployment.steps):
                self.marathon.deployments.pop(deployment.id, None)
                self.emit(
                    "deployment_success",
                    {"id": deployment.id, "plan": plan_json(self._cluster, deployment)},
                    at,
                )
                changed = True
        return changed


def _host_port_mappings(definition: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    container = definition.get("container")
    if not isinstance(container, dict):
        return []
    mappings = container.get("portMappings")
    docker = container.get("docker")
    if mappings is None and isinstance(docker, dict):
        mappings = docker.get("portMappings")
    if not isinstance(mappings, list):
        return []
    return [
        item for item in mappings if isinstance(item, dict) and item.get("hostPort") is not None
    ]


def _in_ranges(port: int, ranges: Iterable[tuple[int, int]]) -> bool:
    return any(low <= port <= high for low, high in ranges)


def as_control_error(error: MarathonError) -> Exception:
    """A :class:`MarathonError` as the exception a control method raises."""
    message = str(error.body.get("message", ""))
    details = error.body.get("details")
    if details:
        message = f"{message}: {details}"
    if error.status == 404:
        return NotFoundError(message)
    if error.status in (403, 409):
        return ConflictError(message)
    return InvalidInputError(message)
