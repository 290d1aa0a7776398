"""What the orchestrator computes from both backends: placements, usage and statistics."""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from asgard.models._resources import Resources
from asgard.models._util import EMPTY_MAPPING
from asgard.models.agent import Agent
from asgard.models.task import Task

__all__ = ["AccountUsage", "AppStats", "AppUsage", "TaskPlacement", "TaskStats"]


@attrs.frozen(kw_only=True)
class TaskPlacement:
    """A task with the agent it runs on.

    Attributes:
        task: the task.
        agent: its agent, or None when the task runs on an agent that is not the account's
            (or that could not be found).
    """

    task: Task
    agent: Agent | None


@attrs.frozen(kw_only=True)
class TaskStats:
    """How much of its limits one task used between two usage samples.

    Attributes:
        task_id: the task.
        agent_id: the agent it runs on.
        cpu_pct: CPU use as a percent of the CPU limit (two full CPUs of a 2-CPU limit is
            100), or None when the counters or the limit are missing.
        ram_pct: resident memory as a percent of the memory limit, or None when unknown.
        cpu_thr_pct: throttled CFS periods as a percent of periods, or None when unknown.
    """

    task_id: str
    agent_id: str
    cpu_pct: float | None
    ram_pct: float | None
    cpu_thr_pct: float | None


@attrs.frozen(kw_only=True)
class AppStats:
    """How much of its limits an app used, over all its measured tasks.

    Attributes:
        app_id: the app, relative to the namespace.
        cpu_pct: the sum of CPU use over the sum of CPU limits, in percent; None when no
            task could be measured.
        ram_pct: the sum of resident memory over the sum of memory limits, in percent;
            None when no task could be measured.
        cpu_thr_pct: throttled periods over periods, in percent; None when unknown.
        tasks: the statistics of each measured task.
        errors: tasks that could not be measured: task id → reason, read-only.
    """

    app_id: str
    cpu_pct: float | None
    ram_pct: float | None
    cpu_thr_pct: float | None
    tasks: tuple[TaskStats, ...] = ()
    errors: Mapping[str, str] = attrs.field(default=EMPTY_MAPPING, hash=False)


@attrs.frozen(kw_only=True)
class AppUsage:
    """One app's share of the account's resources.

    Attributes:
        app_id: the app, relative to the namespace.
        allocated: what its tasks have allocated.
        used: what its tasks measurably use (CPUs in use, resident memory in MiB).
    """

    app_id: str
    allocated: Resources
    used: Resources


@attrs.frozen(kw_only=True)
class AccountUsage:
    """The account's agents' resources, and each app's share of them.

    Attributes:
        total: what the account's agents offer.
        allocated: what is allocated on them.
        used: what is measurably used (CPUs in use, resident memory in MiB).
        apps: each app's share.
        errors: what could not be measured: agent or task id → reason, read-only.
    """

    total: Resources
    allocated: Resources
    used: Resources
    apps: tuple[AppUsage, ...] = ()
    errors: Mapping[str, str] = attrs.field(default=EMPTY_MAPPING, hash=False)
