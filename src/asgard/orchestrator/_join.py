"""The Orchestrator's joins and arithmetic (pure): what needs both backends' answers.

Usage percentages come from two samples of the same container (a restarted task's counters
start again from zero, so samples of different containers are never compared):

- ``cpu_pct`` = Δ(user + system CPU seconds) / Δtime / ``cpus_limit`` * 100;
- ``ram_pct`` = RSS / memory limit * 100 (the second sample);
- ``cpu_thr_pct`` = Δthrottled periods / Δperiods * 100;

and, for an app, the sums over its measured tasks (use over limits, not a mean of percents).
``cpus_limit`` and the memory limit are what Mesos reports: they include the executor's share.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from types import MappingProxyType

import attrs

from asgard.models import (
    AccountUsage,
    Agent,
    App,
    AppStats,
    AppUsage,
    Resources,
    Task,
    TaskPlacement,
    TaskStats,
    UsageSample,
)

__all__ = [
    "Measured",
    "account_usage",
    "agent_apps",
    "app_stats",
    "measure",
    "pair_samples",
    "placements",
]

MIB = 1024 * 1024
Samples = Mapping[str, "list[UsageSample] | Exception"]


def agent_apps(apps: Iterable[App], agent_id: str) -> list[App]:
    """The apps (listed with their tasks) that run a task on ``agent_id``."""
    return [app for app in apps if any(task.agent_id == agent_id for task in app.tasks or ())]


def placements(tasks: Iterable[Task], agents: Mapping[str, Agent]) -> list[TaskPlacement]:
    """Each task with its agent, or None when the agent is not the account's."""
    return [
        TaskPlacement(task=task, agent=agents.get(task.agent_id) if task.agent_id else None)
        for task in tasks
    ]


@attrs.frozen
class Measured:
    """One task's use between two samples, in absolute numbers (for sums) and as stats."""

    stats: TaskStats
    cpus_used: float | None  # CPUs in use (cores)
    cpus_limit: float | None
    rss_bytes: int | None
    mem_limit_bytes: int | None
    periods: int | None
    throttled: int | None


def _pct(part: float | None, whole: float | None) -> float | None:
    if part is None or whole is None or whole <= 0:
        return None
    return part / whole * 100


def measure(before: UsageSample, after: UsageSample) -> Measured | str:
    """One task's use between two samples of its container, or why it cannot be measured."""
    if before.container_id != after.container_id:
        return "the task's container changed between the samples (it restarted)"
    seconds = (after.timestamp - before.timestamp).total_seconds()
    if seconds <= 0:
        return "the two samples were taken at the same time"
    cpus_used = None
    if before.cpu_time_secs is not None and after.cpu_time_secs is not None:
        spent = after.cpu_time_secs - before.cpu_time_secs
        if spent < 0:
            return "the CPU counters went backwards (the container was reset)"
        cpus_used = spent / seconds
    periods = throttled = None
    if None not in (before.cpus_nr_periods, after.cpus_nr_periods) and None not in (
        before.cpus_nr_throttled,
        after.cpus_nr_throttled,
    ):
        periods = (after.cpus_nr_periods or 0) - (before.cpus_nr_periods or 0)
        throttled = (after.cpus_nr_throttled or 0) - (before.cpus_nr_throttled or 0)
        if periods < 0 or throttled < 0:
            periods = throttled = None
    stats = TaskStats(
        task_id=after.task_id,
        agent_id=after.agent_id,
        cpu_pct=_pct(cpus_used, after.cpus_limit),
        ram_pct=_pct(
            None if after.mem_rss_bytes is None else float(after.mem_rss_bytes),
            None if after.mem_limit_bytes is None else float(after.mem_limit_bytes),
        ),
        cpu_thr_pct=_pct(
            None if throttled is None else float(throttled),
            None if not periods else float(periods),
        ),
    )
    return Measured(
        stats=stats,
        cpus_used=cpus_used,
        cpus_limit=after.cpus_limit,
        rss_bytes=after.mem_rss_bytes,
        mem_limit_bytes=after.mem_limit_bytes,
        periods=periods,
        throttled=throttled,
    )


def pair_samples(
    tasks: Iterable[Task], first: Samples, second: Samples
) -> tuple[list[Measured], dict[str, str]]:
    """Measure each task from the two rounds of samples; the others go to errors by reason."""
    measured: list[Measured] = []
    errors: dict[str, str] = {}
    for task in tasks:
        reason = _unsampled(task, first) or _unsampled(task, second)
        if reason is not None:
            errors[task.id] = reason
            continue
        before = _sample_of(task, first)
        after = _sample_of(task, second)
        if before is None or after is None:
            errors[task.id] = (
                "no sample of the task's container (not running, or without statistics)"
                if before is None
                else "the task's container was gone at the second sample"
            )
            continue
        result = measure(before, after)
        if isinstance(result, str):
            errors[task.id] = result
        else:
            measured.append(result)
    return measured, errors


def _unsampled(task: Task, samples: Samples) -> str | None:
    if task.agent_id is None or task.agent_id not in samples:
        return "the task's agent is not one of the account's"
    found = samples[task.agent_id]
    if isinstance(found, Exception):
        return f"its agent could not be sampled: {found}"
    return None


def _sample_of(task: Task, samples: Samples) -> UsageSample | None:
    found = samples.get(task.agent_id or "")
    if isinstance(found, Exception) or found is None:
        return None
    return next((sample for sample in found if sample.task_id == task.id), None)


def _ratio_of_sums(parts: Iterable[float | None], wholes: Iterable[float | None]) -> float | None:
    pairs = [(p, w) for p, w in zip(parts, wholes, strict=True) if p is not None and w is not None]
    whole = sum(w for _, w in pairs)
    return sum(p for p, _ in pairs) / whole * 100 if pairs and whole > 0 else None


def app_stats(app_id: str, measured: Sequence[Measured], errors: Mapping[str, str]) -> AppStats:
    """The app's statistics: per task, and the sums of use over the sums of limits."""
    return AppStats(
        app_id=app_id,
        cpu_pct=_ratio_of_sums((m.cpus_used for m in measured), (m.cpus_limit for m in measured)),
        ram_pct=_ratio_of_sums(
            (None if m.rss_bytes is None else float(m.rss_bytes) for m in measured),
            (None if m.mem_limit_bytes is None else float(m.mem_limit_bytes) for m in measured),
        ),
        cpu_thr_pct=_ratio_of_sums(
            (None if m.throttled is None else float(m.throttled) for m in measured),
            (None if m.periods is None else float(m.periods) for m in measured),
        ),
        tasks=tuple(m.stats for m in measured),
        errors=MappingProxyType(dict(errors)),
    )


def _sum(resources: Iterable[Resources]) -> Resources:
    cpus = mem = disk = gpus = 0.0
    for item in resources:
        cpus, mem, disk, gpus = cpus + item.cpus, mem + item.mem, disk + item.disk, gpus + item.gpus
    return Resources(cpus=cpus, mem=mem, disk=disk, gpus=gpus)


def _used(measured: Iterable[Measured]) -> Resources:
    cpus = mem = 0.0
    for m in measured:
        cpus += m.cpus_used or 0.0
        mem += (m.rss_bytes or 0) / MIB
    return Resources(cpus=cpus, mem=mem)


def account_usage(
    agents: Sequence[Agent],
    apps: Sequence[App],
    measured: Sequence[Measured],
    errors: Mapping[str, str],
) -> AccountUsage:
    """The account's agents' total, allocated and measured use, and each app's share.

    An app's allocation is its per-task resources times its running tasks; its use is what its
    measured tasks used (CPUs in use, resident memory in MiB).
    """
    app_of = {task.id: app.id for app in apps for task in app.tasks or ()}
    by_app: dict[str, list[Measured]] = {}
    for m in measured:
        by_app.setdefault(app_of.get(m.stats.task_id, ""), []).append(m)
    shares = tuple(
        AppUsage(
            app_id=app.id,
            allocated=Resources(
                cpus=app.cpus * app.tasks_running,
                mem=app.mem * app.tasks_running,
                disk=app.disk * app.tasks_running,
                gpus=float(app.gpus * app.tasks_running),
            ),
            used=_used(by_app.get(app.id, ())),
        )
        for app in apps
    )
    return AccountUsage(
        total=_sum(agent.total for agent in agents),
        allocated=_sum(agent.allocated for agent in agents),
        used=_used(measured),
        apps=shares,
        errors=MappingProxyType(dict(errors)),
    )
