"""Agents (the machines tasks run on) and the usage samples of their containers."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import attrs

from asgard.models._resources import Resources
from asgard.models._util import EMPTY_MAPPING
from asgard.models.task import Task

__all__ = ["Agent", "UsageSample"]


def _allocated_pct(agent: Agent) -> Resources:
    return agent.allocated.percent_of(agent.total)


@attrs.frozen(kw_only=True)
class Agent:
    """A machine of the cluster that runs tasks (a Mesos agent).

    Attributes:
        id: the agent id, an opaque string.
        hostname: the host name the agent registered with.
        port: the port of the agent's own HTTP API.
        active: whether the master considers the agent active.
        draining: whether the agent is being drained (always False on servers that cannot
            drain).
        version: the agent's software version, when known.
        attributes: the agent's attributes, read-only; numeric-looking values stay numbers.
            The account's agents carry ``owner``.
        total: the resources the agent offers.
        allocated: the resources allocated to tasks on it.
        allocated_pct: ``allocated`` as percents of ``total``, per resource (a
            :class:`Resources` whose fields are percents; 0.0 where the total is zero).
            Computed from ``total`` and ``allocated`` when not given.
        registered_at: when the agent registered (aware datetime), when known.
        tasks: the account's tasks on the agent, or None when they were not fetched.
        errors: what could not be read for this agent, so one broken agent does not fail a
            whole listing; empty when everything was read.
    """

    id: str
    hostname: str
    port: int
    active: bool
    draining: bool = False
    version: str | None = None
    attributes: Mapping[str, str | float] = attrs.field(default=EMPTY_MAPPING, hash=False)
    total: Resources
    allocated: Resources
    allocated_pct: Resources = attrs.field(default=attrs.Factory(_allocated_pct, takes_self=True))
    registered_at: datetime | None = None
    tasks: tuple[Task, ...] | None = None
    errors: tuple[str, ...] = ()


def _cpu_time(sample: UsageSample) -> float | None:
    if sample.cpus_user_time_secs is None or sample.cpus_system_time_secs is None:
        return None
    return sample.cpus_user_time_secs + sample.cpus_system_time_secs


@attrs.frozen(kw_only=True)
class UsageSample:
    """One reading of a task's container counters on an agent.

    Compare two samples only when their ``container_id`` is the same: a restarted task's
    counters start again from zero. Percentages divide by ``cpus_limit`` as Mesos reports it
    (it includes the executor's share).

    Attributes:
        task_id: the task whose container this is.
        app_id: the task's app, relative to the namespace; None when no task-naming rule
            attributes the task (cluster-wide accounts only).
        agent_id: the agent the sample was read from.
        container_id: the container the counters belong to.
        timestamp: when the agent took the sample (aware datetime).
        cpus_user_time_secs: CPU seconds spent in user mode, when reported.
        cpus_system_time_secs: CPU seconds spent in the kernel, when reported.
        cpu_time_secs: user plus system CPU seconds: the one CPU counter every orchestrator
            has. Computed from the two above when not given.
        cpus_limit: the CPU limit of the container, when reported.
        cpus_nr_periods: CFS enforcement periods elapsed, when reported.
        cpus_nr_throttled: CFS periods in which the container was throttled, when reported.
        mem_rss_bytes: resident memory in bytes, when reported.
        mem_limit_bytes: the memory limit in bytes, when reported.
    """

    task_id: str
    app_id: str | None
    agent_id: str
    container_id: str
    timestamp: datetime
    cpus_user_time_secs: float | None = None
    cpus_system_time_secs: float | None = None
    cpu_time_secs: float | None = attrs.field(default=attrs.Factory(_cpu_time, takes_self=True))
    cpus_limit: float | None = None
    cpus_nr_periods: int | None = None
    cpus_nr_throttled: int | None = None
    mem_rss_bytes: int | None = None
    mem_limit_bytes: int | None = None
