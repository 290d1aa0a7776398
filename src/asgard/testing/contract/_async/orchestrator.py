"""The behaviour an async Orchestrator must show over a pair of backends (sync twin generated).

Subclass :class:`AsyncOrchestratorContract` and give it the fixtures ``cluster`` (a
:class:`~asgard.testing.ClusterControl` whose time flows while a client waits) and
``orchestrator_for`` (``account -> AsyncOrchestrator`` over the backends under test, wired to
that cluster). It checks what only both backends together can do.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from asgard.account import Account
from asgard.backends import Capability
from asgard.errors import NotFoundError, TenancyViolationError
from asgard.models import AppSpec
from asgard.orchestrator import AsyncOrchestrator
from asgard.testing._control import ClusterControl
from asgard.testing.contract._common import DEV, OPS, ContractBase, requires

__all__ = ["AsyncOrchestratorContract"]

TIMEOUT = 60.0
POLL = 0.02

OrchestratorFactory = Callable[[Account], AsyncOrchestrator]


class _Layout:
    """Three agents of the account, one of the other tenant, which runs an app."""

    def __init__(self, cluster: ClusterControl) -> None:
        self.dev_agents = [cluster.add_agent(owner=DEV.owner, cpus=4, mem=8192) for _ in range(3)]
        self.ops_agents = [cluster.add_agent(owner=OPS.owner, cpus=4, mem=8192)]
        cluster.add_app(
            "/ops/web",
            AppSpec(
                id="/ops/web",
                cpus=0.1,
                mem=32,
                cmd="sleep 1000",
                constraints=[("owner", "LIKE", OPS.owner)],
            ),
        )


class AsyncOrchestratorContract(ContractBase):
    """Behaviour every :class:`~asgard.AsyncOrchestrator` must show over its backends."""

    @pytest.fixture
    def layout(self, cluster: ClusterControl) -> _Layout:
        """The cluster the tests deploy to."""
        return _Layout(cluster)

    async def _deploy(self, orch: AsyncOrchestrator, instances: int = 3) -> None:
        spec = AppSpec(id="web", instances=instances, cpus=0.2, mem=64, cmd="serve")
        await orch.apps.wait(await orch.apps.create(spec), timeout=TIMEOUT, poll_interval=POLL)

    @pytest.mark.anyio
    async def test_tasks_are_placed_on_the_accounts_agents(
        self, layout: _Layout, orchestrator_for: OrchestratorFactory
    ) -> None:
        """``app_tasks`` gives each task its agent; ``agent_apps`` finds the app back."""
        async with orchestrator_for(DEV) as orch:
            await self._deploy(orch)
            placed = await orch.app_tasks("web")
            assert len(placed) == 3
            assert all(p.agent is not None for p in placed)
            assert {p.agent.id for p in placed if p.agent} <= set(layout.dev_agents)
            agent_id = placed[0].task.agent_id
            assert agent_id is not None
            assert [app.id for app in await orch.agent_apps(agent_id)] == ["/web"]
            with pytest.raises(NotFoundError):
                await orch.agent_apps(layout.ops_agents[0])

    @pytest.mark.anyio
    async def test_app_stats_measure_every_task(
        self, layout: _Layout, orchestrator_for: OrchestratorFactory
    ) -> None:
        """Every running task is measured; the app's figures are percents of its limits."""
        async with orchestrator_for(DEV) as orch:
            requires(orch.agents, Capability.USAGE)
            await self._deploy(orch)
            stats = await orch.app_stats("web", interval=0.1)
        assert stats.app_id == "/web"
        assert dict(stats.errors) == {}
        assert len(stats.tasks) == 3
        assert stats.cpu_pct is not None
        assert stats.cpu_pct > 0
        assert stats.ram_pct is not None
        assert 0 < stats.ram_pct <= 100

    @pytest.mark.anyio
    async def test_a_dead_agent_costs_only_its_tasks(
        self, cluster: ClusterControl, layout: _Layout, orchestrator_for: OrchestratorFactory
    ) -> None:
        """Tasks on an agent that cannot be read go to ``errors``; the others are measured."""
        async with orchestrator_for(DEV) as orch:
            requires(orch.agents, Capability.USAGE)
            await self._deploy(orch)
            placed = await orch.app_tasks("web")
            dead = placed[0].task.agent_id
            assert dead is not None
            cluster.faults.inject("agent_unreachable", server=cluster.agent_url(dead), times=None)
            stats = await orch.app_stats("web", interval=0.1)
        on_dead = {p.task.id for p in placed if p.task.agent_id == dead}
        assert set(stats.errors) == on_dead
        assert len(stats.tasks) == 3 - len(on_dead)

    @pytest.mark.anyio
    async def test_usage_is_the_accounts_only(
        self, layout: _Layout, orchestrator_for: OrchestratorFactory
    ) -> None:
        """The account's agents' resources, and only its apps' shares."""
        async with orchestrator_for(DEV) as orch:
            requires(orch.agents, Capability.USAGE)
            await self._deploy(orch, instances=2)
            usage = await orch.usage(interval=0.1)
            agents = await orch.agents.list()
        assert usage.total.cpus == sum(agent.total.cpus for agent in agents)
        assert [share.app_id for share in usage.apps] == ["/web"]
        assert usage.apps[0].allocated.cpus == 2 * 0.2

    @pytest.mark.anyio
    async def test_scoped_orchestrators_cannot_widen(
        self, orchestrator_for: OrchestratorFactory
    ) -> None:
        """``for_account`` needs a cluster-wide orchestrator."""
        async with orchestrator_for(DEV) as orch:
            with pytest.raises(TenancyViolationError):
                orch.for_account(OPS)
            assert orch.account == DEV
