"""The models of asgard: frozen, backend-neutral attrs classes.

Read models (:class:`Agent`, :class:`App`, :class:`Task`, ...) are built by backends and hold
no wire knowledge. Input specs (:class:`AppSpec`, :class:`AppPatch`, :class:`HealthCheck`)
check their values at construction and raise :class:`~asgard.errors.InvalidInputError`.
Every model is frozen and keyword-only; sequences are tuples and mappings are read-only.
Change a copy with :func:`attrs.evolve`.
"""

from __future__ import annotations

from asgard.models._resources import Resources
from asgard.models._table import Table, table
from asgard.models._util import UNSET, Unset
from asgard.models.agent import Agent, UsageSample
from asgard.models.app import App, AppPatch, AppSpec, AppStatus
from asgard.models.deployment import ClusterInfo, Deployment, DeploymentAction, QueueEntry
from asgard.models.event import (
    AppTerminated,
    DeploymentFailed,
    DeploymentStepChanged,
    DeploymentSucceeded,
    Event,
    HealthChanged,
    StreamReconnected,
    TaskStatusChanged,
    UnknownEvent,
)
from asgard.models.health import HealthCheck, HealthCheckProtocol
from asgard.models.stats import AccountUsage, AppStats, AppUsage, TaskPlacement, TaskStats
from asgard.models.task import Task, TaskFailure, TaskState, is_terminal

__all__ = [
    "Table",
    "table",
    "UNSET",
    "AccountUsage",
    "Agent",
    "App",
    "AppPatch",
    "AppSpec",
    "AppStats",
    "AppStatus",
    "AppTerminated",
    "AppUsage",
    "ClusterInfo",
    "Deployment",
    "DeploymentAction",
    "DeploymentFailed",
    "DeploymentStepChanged",
    "DeploymentSucceeded",
    "Event",
    "HealthChanged",
    "HealthCheck",
    "HealthCheckProtocol",
    "QueueEntry",
    "Resources",
    "StreamReconnected",
    "Task",
    "TaskFailure",
    "TaskPlacement",
    "TaskState",
    "TaskStats",
    "TaskStatusChanged",
    "UnknownEvent",
    "Unset",
    "UsageSample",
    "is_terminal",
]
