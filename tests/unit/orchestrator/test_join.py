"""The Orchestrator's arithmetic and joins, with exact values from known counter deltas."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from asgard.errors import BackendUnavailableError
from asgard.models import Agent, App, Resources, Task, TaskState, UsageSample
from asgard.orchestrator import _join

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
MIB = 1024 * 1024


def sample(
    task: str,
    *,
    at: float,
    cpu: float,
    periods: int = 0,
    throttled: int = 0,
    container: str | None = None,
    agent: str = "A1",
    **fields: Any,
) -> UsageSample:
    values: dict[str, Any] = {
        "cpus_limit": 0.6,
        "mem_rss_bytes": 100 * MIB,
        "mem_limit_bytes": 400 * MIB,
        "cpus_nr_periods": periods,
        "cpus_nr_throttled": throttled,
    }
    values.update(fields)
    return UsageSample(
        task_id=task,
        app_id="/web",
        agent_id=agent,
        container_id=container or f"c-{task}",
        timestamp=T0 + timedelta(seconds=at),
        cpus_user_time_secs=cpu * 0.8,
        cpus_system_time_secs=cpu * 0.2,
        **values,
    )


def task(task_id: str, agent: str | None = "A1", app: str = "/web") -> Task:
    return Task(id=task_id, app_id=app, agent_id=agent, state=TaskState.TASK_RUNNING)


def test_one_task_exactly() -> None:
    measured = _join.measure(
        sample("t1", at=0, cpu=100.0, periods=1000, throttled=10),
        sample("t1", at=10, cpu=103.0, periods=1100, throttled=35),
    )
    assert not isinstance(measured, str)
    stats = measured.stats
    # 3 CPU seconds in 10 s is 0.3 CPUs, of a 0.6 limit: 50 %
    assert stats.cpu_pct == pytest.approx(50.0)
    assert stats.ram_pct == pytest.approx(25.0)
    assert stats.cpu_thr_pct == pytest.approx(25.0)  # 25 of 100 periods
    assert measured.cpus_used == pytest.approx(0.3)


@pytest.mark.parametrize(
    ("before", "after", "reason"),
    [
        (sample("t1", at=0, cpu=5), sample("t1", at=10, cpu=1, container="c-new"), "restarted"),
        (sample("t1", at=5, cpu=1), sample("t1", at=5, cpu=2), "same time"),
        (sample("t1", at=0, cpu=5), sample("t1", at=10, cpu=1), "backwards"),
    ],
)
def test_pairs_that_cannot_be_measured(
    before: UsageSample, after: UsageSample, reason: str
) -> None:
    result = _join.measure(before, after)
    assert isinstance(result, str)
    assert reason in result


def test_missing_counters_give_none_not_errors() -> None:
    measured = _join.measure(
        sample("t1", at=0, cpu=1, cpus_nr_periods=None, cpus_limit=None, mem_limit_bytes=None),
        sample("t1", at=10, cpu=2, cpus_nr_periods=None, cpus_limit=None, mem_limit_bytes=None),
    )
    assert not isinstance(measured, str)
    assert (measured.stats.cpu_pct, measured.stats.ram_pct, measured.stats.cpu_thr_pct) == (
        None,
        None,
        None,
    )


def test_an_app_sums_use_over_limits_and_keeps_going_past_errors() -> None:
    tasks = [
        task("t1"),
        task("t2", agent="A2"),
        task("t3", agent="A3"),
        task("t4"),
        task("t5", agent=None),
    ]
    first: dict[str, list[UsageSample] | Exception] = {
        "A1": [sample("t1", at=0, cpu=0, periods=0, throttled=0), sample("t4", at=0, cpu=0)],
        "A2": [sample("t2", at=0, cpu=0, agent="A2", cpus_limit=1.4, periods=0, throttled=0)],
        "A3": BackendUnavailableError("agent down"),
    }
    second: dict[str, list[UsageSample] | Exception] = {
        "A1": [sample("t1", at=10, cpu=3.0, periods=100, throttled=10)],
        "A2": [
            sample(
                "t2",
                at=10,
                cpu=7.0,
                agent="A2",
                cpus_limit=1.4,
                periods=100,
                throttled=30,
                mem_rss_bytes=300 * MIB,
            )
        ],
        "A3": BackendUnavailableError("agent down"),
    }
    measured, errors = _join.pair_samples(tasks, first, second)
    stats = _join.app_stats("/web", measured, errors)
    # (0.3 + 0.7) CPUs over (0.6 + 1.4) of limits: 50 %; memory (100 + 300) / 800 MiB
    assert stats.cpu_pct == pytest.approx(50.0)
    assert stats.ram_pct == pytest.approx(50.0)
    assert stats.cpu_thr_pct == pytest.approx(20.0)
    assert [t.task_id for t in stats.tasks] == ["t1", "t2"]
    assert stats.tasks[1].cpu_pct == pytest.approx(50.0)
    assert set(stats.errors) == {"t3", "t4", "t5"}
    assert "agent down" in stats.errors["t3"]
    assert "gone" in stats.errors["t4"]
    assert "not one of the account's" in stats.errors["t5"]


def test_no_measured_task_gives_no_percent() -> None:
    stats = _join.app_stats("/web", [], {"t1": "down"})
    assert (stats.cpu_pct, stats.ram_pct, stats.cpu_thr_pct) == (None, None, None)


def agent(agent_id: str, cpus: float, used: float) -> Agent:
    return Agent(
        id=agent_id,
        hostname=agent_id,
        port=5051,
        active=True,
        total=Resources(cpus=cpus, mem=1024),
        allocated=Resources(cpus=used, mem=256),
    )


def app(app_id: str, tasks: list[Task], **fields: Any) -> App:
    values: dict[str, Any] = {
        "instances": len(tasks),
        "cpus": 0.5,
        "mem": 128,
        "tasks_running": len(tasks),
    }
    values.update(fields)
    return App(id=app_id, version="v", tasks=tuple(tasks), **values)


def test_joins_and_account_usage() -> None:
    web = app("/web", [task("t1"), task("t2", agent="A2")])
    api = app("/api", [task("t3", agent="A2", app="/api")])
    assert [a.id for a in _join.agent_apps([web, api], "A2")] == ["/web", "/api"]
    assert [a.id for a in _join.agent_apps([web, api], "A1")] == ["/web"]
    agents = {"A1": agent("A1", 4, 1)}
    placed = _join.placements([task("t1"), task("t2", agent="A2"), task("t9", agent=None)], agents)
    assert [(p.task.id, p.agent.id if p.agent else None) for p in placed] == [
        ("t1", "A1"),
        ("t2", None),
        ("t9", None),
    ]
    first: dict[str, list[UsageSample] | Exception] = {
        "A1": [sample("t1", at=0, cpu=0)],
        "A2": [sample("t2", at=0, cpu=0, agent="A2"), sample("t3", at=0, cpu=0, agent="A2")],
    }
    second: dict[str, list[UsageSample] | Exception] = {
        "A1": [sample("t1", at=10, cpu=2)],
        "A2": [sample("t2", at=10, cpu=4, agent="A2"), sample("t3", at=10, cpu=1, agent="A2")],
    }
    measured, errors = _join.pair_samples(
        [task("t1"), task("t2", agent="A2"), task("t3", agent="A2")], first, second
    )
    usage = _join.account_usage(
        [agent("A1", 4, 1), agent("A2", 8, 2)], [web, api], measured, errors
    )
    assert usage.total.cpus == 12
    assert usage.allocated.cpus == 3
    assert usage.used.cpus == pytest.approx(0.7)
    assert usage.used.mem == pytest.approx(300)
    shares = {share.app_id: share for share in usage.apps}
    assert shares["/web"].allocated.cpus == 1.0
    assert shares["/web"].used.cpus == pytest.approx(0.6)
    assert shares["/api"].used.cpus == pytest.approx(0.1)
    assert usage.errors == {}
