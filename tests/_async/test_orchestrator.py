"""The Orchestrator on the FakeCluster: joins, exact stats, bounded fan-out, failures, tenancy.

Written once; tests/_sync/test_orchestrator.py is generated from it.
"""

from __future__ import annotations

import threading
from typing import Any

import httpx
import pytest

from asgard import Account, AsyncOrchestrator
from asgard.errors import InvalidInputError, NotFoundError, TenancyViolationError
from asgard.marathon import AsyncMarathonAppsBackend
from asgard.mesos import AsyncMesosAgentsBackend
from asgard.models import AppSpec
from asgard.testing import FakeCluster

DEV = Account(namespace="dev", owner="dev-team")
OPS = Account(namespace="ops", owner="ops-team")
PIN = ("owner", "LIKE", "dev-team")


class Counting(httpx.AsyncBaseTransport):
    """Counts the requests in flight to agents' /containers, and the peak."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.lock = threading.Lock()
        self.in_flight = 0
        self.peak = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        counted = request.url.path == "/containers"
        if counted:
            with self.lock:
                self.in_flight += 1
                self.peak = max(self.peak, self.in_flight)
        try:
            return await self.inner.handle_async_request(request)
        finally:
            if counted:
                with self.lock:
                    self.in_flight -= 1


def build(agents: int = 6) -> tuple[FakeCluster, list[str]]:
    cluster = FakeCluster(seed=21)
    mine = [cluster.add_agent(owner="dev-team", cpus=4, mem=8192) for _ in range(agents)]
    cluster.add_agent(owner="ops-team", cpus=4, mem=8192)
    spec = AppSpec(id="/dev/web", instances=agents, cpus=0.5, mem=256, cmd="run", constraints=[PIN])
    cluster.add_app("/dev/web", spec)
    cluster.add_app(
        "/dev/api",
        AppSpec(id="/dev/api", instances=1, cpus=1, mem=512, cmd="run", constraints=[PIN]),
    )
    cluster.add_app(
        "/ops/web",
        AppSpec(
            id="/ops/web", cpus=1, mem=128, cmd="run", constraints=[("owner", "LIKE", "ops-team")]
        ),
    )
    cluster.advance(30)
    return cluster, mine


def orchestrator(
    cluster: FakeCluster, account: Account = DEV, **options: Any
) -> tuple[AsyncOrchestrator, Counting]:
    counting = Counting(cluster.async_transport())
    client = httpx.AsyncClient(transport=counting)
    return (
        AsyncOrchestrator(
            agents=AsyncMesosAgentsBackend(
                cluster.mesos_urls, account=account, client=client, **options
            ),
            apps=AsyncMarathonAppsBackend(cluster.marathon_urls, account=account, client=client),
        ),
        counting,
    )


@pytest.fixture
def cluster_time(monkeypatch: pytest.MonkeyPatch) -> list[FakeCluster]:
    """Make the orchestrator's waits move the fake clock instead of sleeping."""
    holder: list[FakeCluster] = []

    async def advance(seconds: float) -> None:
        holder[0].advance(seconds)

    monkeypatch.setattr("asgard.orchestrator._async.asleep", advance)
    return holder


@pytest.mark.anyio
async def test_app_stats_are_exact_from_known_counters(cluster_time: list[FakeCluster]) -> None:
    cluster, _ = build()
    cluster_time.append(cluster)
    orch, _ = orchestrator(cluster)
    async with orch:
        stats = await orch.app_stats("web", interval=10)
    assert stats.app_id == "/web"
    assert len(stats.tasks) == 6
    assert stats.errors == {}
    # the fake runs Marathon tasks at half their CPUs: 0.25 of a 0.6 limit (0.5 + executor)
    assert stats.cpu_pct == pytest.approx(0.25 / 0.6 * 100)
    for task in stats.tasks:
        assert task.cpu_pct == pytest.approx(0.25 / 0.6 * 100)
        assert task.cpu_thr_pct == 0
        assert task.ram_pct is not None
        assert 0 < task.ram_pct < 100


@pytest.mark.anyio
async def test_agents_are_sampled_concurrently_up_to_the_bound(
    cluster_time: list[FakeCluster],
) -> None:
    cluster, _ = build(agents=8)
    cluster_time.append(cluster)
    cluster.faults.inject("latency", path="/containers", seconds=0.05, times=None)
    orch, counting = orchestrator(cluster, max_concurrency=3)
    async with orch:
        stats = await orch.app_stats("web", interval=1)
    assert len(stats.tasks) == 8
    assert counting.peak == 3


@pytest.mark.anyio
async def test_a_dead_agent_costs_only_its_tasks(cluster_time: list[FakeCluster]) -> None:
    cluster, mine = build()
    cluster_time.append(cluster)
    dead = cluster.agent(mine[0])
    cluster.faults.inject("agent_unreachable", server=dead.url, times=None)
    orch, _ = orchestrator(cluster, read_retries=0)
    async with orch:
        stats = await orch.app_stats("web", interval=5)
    assert len(stats.tasks) == 5
    (reason,) = stats.errors.values()
    assert "could not be sampled" in reason
    assert stats.cpu_pct == pytest.approx(0.25 / 0.6 * 100)


@pytest.mark.anyio
async def test_a_task_killed_between_the_samples_is_reported() -> None:
    cluster, _ = build()
    orch, _ = orchestrator(cluster)
    victim = next(task for task in cluster.tasks.values() if task.id.startswith("dev_web"))

    async def kill_then_advance(seconds: float) -> None:
        cluster.set_task_state(victim.id, "TASK_KILLED")
        cluster.advance(seconds)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("asgard.orchestrator._async.asleep", kill_then_advance)
        async with orch:
            stats = await orch.app_stats("web", interval=5)
    assert victim.id in stats.errors
    assert "gone" in stats.errors[victim.id]
    assert len(stats.tasks) == 5


@pytest.mark.anyio
async def test_joins(cluster_time: list[FakeCluster]) -> None:
    cluster, mine = build()
    cluster_time.append(cluster)
    orch, _ = orchestrator(cluster)
    async with orch:
        placed = await orch.app_tasks("web")
        assert len(placed) == 6
        assert all(p.agent is not None and p.agent.id in mine for p in placed)
        api_agent = (await orch.app_tasks("api"))[0].task.agent_id
        assert api_agent is not None
        on_agent = await orch.agent_apps(api_agent)
        assert {app.id for app in on_agent} == {"/web", "/api"}
        with pytest.raises(NotFoundError):
            await orch.agent_apps(next(a for a in cluster.agents if a not in mine))
        usage = await orch.usage(interval=10)
    assert usage.total.cpus == 6 * 4
    assert usage.allocated.cpus == pytest.approx(6 * 0.6 + 1.1)
    shares = {share.app_id: share for share in usage.apps}
    assert set(shares) == {"/web", "/api"}
    assert shares["/web"].used.cpus == pytest.approx(6 * 0.25)
    assert shares["/api"].used.cpus == pytest.approx(0.5)
    assert usage.used.cpus == pytest.approx(2.0)


@pytest.mark.anyio
async def test_tenancy(cluster_time: list[FakeCluster]) -> None:
    cluster, _ = build()
    cluster_time.append(cluster)
    orch, _ = orchestrator(cluster)
    async with orch:
        with pytest.raises(NotFoundError):
            await orch.app_stats("/ops/web")  # that is /dev/ops/web
        with pytest.raises(InvalidInputError):
            await orch.app_stats("../ops/web")
        with pytest.raises(InvalidInputError):
            await orch.app_stats("web", interval=0)
        with pytest.raises(TenancyViolationError):
            orch.for_account(OPS)
    everything, _ = orchestrator(cluster, Account.cluster_wide())
    async with everything:
        ops = everything.for_account(OPS)
        assert [p.task.app_id for p in await ops.app_tasks("web")] == ["/web"]


def test_backends_of_different_accounts_are_refused() -> None:
    cluster = FakeCluster()
    agents, _ = cluster.async_backends(DEV)
    _, apps = cluster.async_backends(OPS)
    with pytest.raises(InvalidInputError):
        AsyncOrchestrator(agents=agents, apps=apps)
