"""The events an apps backend streams (``AppsBackend.events()``).

Events are rebuilt from an allow-list of fields: none carries a whole server payload, except
:class:`UnknownEvent`, which only cluster-wide accounts receive and whose ``data`` never
appears in a repr.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal, TypeAlias

import attrs

from asgard.models._util import EMPTY_MAPPING
from asgard.models.deployment import DeploymentAction
from asgard.models.task import TaskState

__all__ = [
    "AppTerminated",
    "DeploymentFailed",
    "DeploymentStepChanged",
    "DeploymentSucceeded",
    "Event",
    "HealthChanged",
    "StreamReconnected",
    "TaskStatusChanged",
    "UnknownEvent",
]


@attrs.frozen(kw_only=True)
class DeploymentSucceeded:
    """A deployment finished successfully.

    Attributes:
        deployment_id: the deployment.
        app_ids: the account's apps it touched, relative (empty when the server did not say).
        timestamp: when the server emitted the event (aware datetime), when known.
    """

    deployment_id: str
    app_ids: tuple[str, ...] = ()
    timestamp: datetime | None = None


@attrs.frozen(kw_only=True)
class DeploymentFailed:
    """A deployment failed, or was cancelled or replaced.

    Attributes:
        deployment_id: the deployment.
        app_ids: the account's apps it touched, relative (empty when the server did not say).
        reason: the server's reason, when it gave one.
        timestamp: when the server emitted the event (aware datetime), when known.
    """

    deployment_id: str
    app_ids: tuple[str, ...] = ()
    reason: str | None = None
    timestamp: datetime | None = None


@attrs.frozen(kw_only=True)
class DeploymentStepChanged:
    """A step of a deployment started, succeeded or failed.

    Attributes:
        deployment_id: the deployment.
        app_ids: the account's apps it touches, relative.
        phase: ``"started"`` (Marathon's ``deployment_info``), ``"succeeded"``
            (``deployment_step_success``) or ``"failed"`` (``deployment_step_failure``).
        current_step: the step (1-based), when the server said it.
        total_steps: how many steps the deployment has, when the server said it.
        actions: the actions of the step on the account's apps.
        timestamp: when the server emitted the event (aware datetime), when known.
    """

    deployment_id: str
    app_ids: tuple[str, ...] = ()
    phase: Literal["started", "succeeded", "failed"]
    current_step: int | None = None
    total_steps: int | None = None
    actions: tuple[DeploymentAction, ...] = ()
    timestamp: datetime | None = None


@attrs.frozen(kw_only=True)
class TaskStatusChanged:
    """A task changed state (Marathon's ``status_update_event``).

    Attributes:
        app_id: the task's app, relative.
        task_id: the task.
        state: its new state (:class:`~asgard.models.TaskState`, or the raw string).
        agent_id: the agent it runs on, when known.
        host: that agent's host name, when known.
        ports: the task's host ports.
        version: the app version the task runs, when known.
        message: the message Mesos attached to the update, when any.
        timestamp: when the server emitted the event (aware datetime), when known.
    """

    app_id: str
    task_id: str
    state: TaskState | str
    agent_id: str | None = None
    host: str | None = None
    ports: tuple[int, ...] = ()
    version: str | None = None
    message: str | None = None
    timestamp: datetime | None = None


@attrs.frozen(kw_only=True)
class HealthChanged:
    """A task or instance of an app became healthy or unhealthy.

    Attributes:
        app_id: the app, relative.
        healthy: the new health.
        task_id: the task, when the server named it.
        instance_id: the Marathon instance, when the server named it.
        version: the app version, when known.
        timestamp: when the server emitted the event (aware datetime), when known.
    """

    app_id: str
    healthy: bool
    task_id: str | None = None
    instance_id: str | None = None
    version: str | None = None
    timestamp: datetime | None = None


@attrs.frozen(kw_only=True)
class AppTerminated:
    """An app was deleted and its last task is gone.

    Attributes:
        app_id: the app, relative.
        timestamp: when the server emitted the event (aware datetime), when known.
    """

    app_id: str
    timestamp: datetime | None = None


@attrs.frozen(kw_only=True)
class StreamReconnected:
    """The event stream was lost and opened again: events in between may be missing.

    Re-list what you track. Delivered to every account.

    Attributes:
        timestamp: when the stream was opened again (aware datetime), when known.
    """

    timestamp: datetime | None = None


@attrs.frozen(kw_only=True)
class UnknownEvent:
    """An event asgard does not model, passed through (cluster-wide accounts only).

    Attributes:
        type: the server's event type (``"framework_message_event"``, ...).
        data: the event's payload, read-only; never shown in the repr, because it may carry
            environment values.
        timestamp: when the server emitted the event (aware datetime), when known.
    """

    type: str
    data: Mapping[str, Any] = attrs.field(default=EMPTY_MAPPING, repr=False, hash=False)
    timestamp: datetime | None = None


Event: TypeAlias = (
    DeploymentSucceeded
    | DeploymentFailed
    | DeploymentStepChanged
    | TaskStatusChanged
    | HealthChanged
    | AppTerminated
    | StreamReconnected
    | UnknownEvent
)
"""Any event an apps backend yields."""
