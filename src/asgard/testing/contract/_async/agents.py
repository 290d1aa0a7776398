"""The behaviour every async agents backend must show (the sync twin is generated from it).

Subclass :class:`AsyncAgentsBackendContract` in a test module and give it two fixtures:

- ``cluster``: a :class:`~asgard.testing.ClusterControl` (a fresh
  :class:`~asgard.testing.FakeCluster`, or a harness for a real cluster);
- ``agents_backend_for``: a callable ``account -> backend`` returning a new backend of the
  implementation under test, wired to that cluster (the contract closes what it gets).

Every test builds what it needs through the cluster's control API, so the contract knows
nothing of the implementation.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from asgard.account import Account
from asgard.backends import AsyncAgentsBackend, Capability
from asgard.errors import (
    BackendError,
    BackendUnavailableError,
    InvalidInputError,
    NotFoundError,
    TenancyViolationError,
    UnsupportedOperationError,
)
from asgard.testing._control import ClusterControl
from asgard.testing.contract._common import DEV, OPS, ContractBase, requires

__all__ = ["AsyncAgentsBackendContract"]


AgentsFactory = Callable[[Account], AsyncAgentsBackend]


class _Layout:
    """A small cluster: two agents of each owner, tasks of both namespaces and frameworks."""

    def __init__(self, cluster: ClusterControl) -> None:
        self.dev_agents = [
            cluster.add_agent(owner=DEV.owner, cpus=4, mem=8192, attributes={"rack": "r1"}),
            cluster.add_agent(owner=DEV.owner, cpus=8, mem=16384),
        ]
        self.ops_agents = [
            cluster.add_agent(owner=OPS.owner, cpus=4, mem=8192),
            cluster.add_agent(owner=OPS.owner, cpus=4, mem=8192),
        ]
        first = self.dev_agents[0]
        self.dev_web = cluster.add_task(agent_id=first, app_id="/dev/web", cpus=0.5, mem=256)
        self.dev_api = cluster.add_task(agent_id=first, app_id="/dev/api/v1", cpus=1, mem=512)
        self.dev_done = cluster.add_task(agent_id=first, app_id="/dev/web", state="TASK_FINISHED")
        # another namespace's task on the account's own agent, and another framework's
        self.ops_on_dev = cluster.add_task(agent_id=first, app_id="/ops/web", cpus=0.5, mem=256)
        self.chronos = cluster.add_task(agent_id=first, framework="chronos", cpus=0.1, mem=32)
        # the account's namespace on another owner's agent
        self.dev_on_ops = cluster.add_task(agent_id=self.ops_agents[0], app_id="/dev/web")


class AsyncAgentsBackendContract(ContractBase):
    """Behaviour every :class:`~asgard.backends.AsyncAgentsBackend` must show."""

    @pytest.fixture
    def layout(self, cluster: ClusterControl) -> _Layout:
        """The cluster the tests read."""
        return _Layout(cluster)

    @pytest.mark.anyio
    async def test_list_shows_only_the_accounts_agents(
        self, layout: _Layout, agents_backend_for: AgentsFactory
    ) -> None:
        """An account lists its own agents, with resources, and no other owner's."""
        async with agents_backend_for(DEV) as agents:
            listed = await agents.list()
        assert sorted(agent.id for agent in listed) == sorted(layout.dev_agents)
        assert all(agent.attributes["owner"] == DEV.owner for agent in listed)
        assert all(agent.tasks is None for agent in listed)
        big = next(agent for agent in listed if agent.id == layout.dev_agents[1])
        assert (big.total.cpus, big.total.mem) == (8, 16384)

    @pytest.mark.anyio
    async def test_other_owners_and_unknown_agents_are_not_found(
        self, layout: _Layout, agents_backend_for: AgentsFactory
    ) -> None:
        """Another owner's agent is reported as absent, never as forbidden."""
        async with agents_backend_for(DEV) as agents:
            for agent_id in (layout.ops_agents[0], "no-such-agent-S999"):
                with pytest.raises(NotFoundError):
                    await agents.get(agent_id)
                with pytest.raises(NotFoundError):
                    await agents.tasks(agent_id)
                if Capability.USAGE in agents.capabilities:
                    with pytest.raises(NotFoundError):
                        await agents.usage(agent_id)

    @pytest.mark.anyio
    async def test_bad_ids_are_refused(self, agents_backend_for: AgentsFactory) -> None:
        """An id that cannot be one fails before any request."""
        async with agents_backend_for(DEV) as agents:
            with pytest.raises(InvalidInputError):
                await agents.get("")

    @pytest.mark.anyio
    async def test_tasks_are_only_the_accounts_live_ones(
        self, layout: _Layout, agents_backend_for: AgentsFactory
    ) -> None:
        """Other namespaces' and frameworks' tasks, and finished ones, are invisible."""
        async with agents_backend_for(DEV) as agents:
            tasks = await agents.tasks(layout.dev_agents[0])
            agent = await agents.get(layout.dev_agents[0])
        assert sorted((task.id, task.app_id) for task in tasks) == sorted(
            [(layout.dev_web, "/web"), (layout.dev_api, "/api/v1")]
        )
        assert agent.tasks is not None
        assert sorted(task.id for task in agent.tasks) == sorted(task.id for task in tasks)
        assert all(task.agent_id == layout.dev_agents[0] for task in tasks)

    @pytest.mark.anyio
    async def test_list_with_tasks_asks_no_agent(
        self, cluster: ClusterControl, layout: _Layout, agents_backend_for: AgentsFactory
    ) -> None:
        """Tasks come from the master's listing: no request per agent."""
        cluster.requests.clear()
        async with agents_backend_for(DEV) as agents:
            listed = await agents.list(with_tasks=True)
        by_id = {agent.id: agent for agent in listed}
        first, second = (by_id[agent_id].tasks for agent_id in layout.dev_agents)
        assert first is not None
        assert second == ()
        assert sorted(task.id for task in first) == sorted([layout.dev_web, layout.dev_api])
        for agent_id in (*layout.dev_agents, *layout.ops_agents):
            assert cluster.requests.filter(server=cluster.agent_url(agent_id)) == []

    @pytest.mark.anyio
    async def test_cluster_wide_sees_everything(
        self, layout: _Layout, agents_backend_for: AgentsFactory
    ) -> None:
        """The operator's account sees every agent and every live task, ids absolute."""
        async with agents_backend_for(Account.cluster_wide()) as agents:
            listed = await agents.list(with_tasks=True)
            scoped = agents.for_account(OPS)
            ops_listed = await scoped.list()
        assert {agent.id for agent in listed} >= {*layout.dev_agents, *layout.ops_agents}
        apps = {task.id: task.app_id for agent in listed for task in agent.tasks or ()}
        assert apps[layout.ops_on_dev] == "/ops/web"
        assert apps[layout.dev_on_ops] == "/dev/web"
        assert apps[layout.chronos] is None
        assert sorted(agent.id for agent in ops_listed) == sorted(layout.ops_agents)

    @pytest.mark.anyio
    async def test_scoped_backends_cannot_widen_their_scope(
        self, agents_backend_for: AgentsFactory
    ) -> None:
        """``for_account`` on a scoped backend is refused, whatever the account."""
        async with agents_backend_for(DEV) as agents:
            with pytest.raises(TenancyViolationError):
                agents.for_account(OPS)
            with pytest.raises(TenancyViolationError):
                agents.for_account(Account.cluster_wide())
            assert agents.account == DEV

    @pytest.mark.anyio
    async def test_usage_samples_the_accounts_containers_and_grows(
        self, cluster: ClusterControl, layout: _Layout, agents_backend_for: AgentsFactory
    ) -> None:
        """One sample per container of the account's tasks; counters grow with time."""
        agent_id = layout.dev_agents[0]
        async with agents_backend_for(DEV) as agents:
            requires(agents, Capability.USAGE)
            first = {sample.task_id: sample for sample in await agents.usage(agent_id)}
            cluster.advance(10)
            second = {sample.task_id: sample for sample in await agents.usage(agent_id)}
        assert set(first) == set(second) == {layout.dev_web, layout.dev_api}
        for task_id, before in first.items():
            after = second[task_id]
            assert after.container_id == before.container_id
            assert after.app_id in {"/web", "/api/v1"}
            assert after.timestamp > before.timestamp
            assert before.cpu_time_secs is not None
            assert after.cpu_time_secs is not None
            assert after.cpu_time_secs > before.cpu_time_secs
            assert after.cpus_limit is not None

    @pytest.mark.anyio
    async def test_usage_all_samples_many_agents_and_keeps_errors_apart(
        self, cluster: ClusterControl, layout: _Layout, agents_backend_for: AgentsFactory
    ) -> None:
        """One call samples every agent; a dead agent is its own error, a foreign one absent."""
        async with agents_backend_for(DEV) as agents:
            requires(agents, Capability.USAGE)
            found = await agents.usage_all()
            assert set(found) == set(layout.dev_agents)
            busy, idle = (found[agent_id] for agent_id in layout.dev_agents)
            assert not isinstance(busy, Exception)
            assert {sample.task_id for sample in busy} == {layout.dev_web, layout.dev_api}
            assert idle == []
            picked = await agents.usage_all([layout.dev_agents[0], layout.ops_agents[0]])
            assert isinstance(picked[layout.ops_agents[0]], NotFoundError)
            cluster.faults.inject(
                "agent_unreachable", server=cluster.agent_url(layout.dev_agents[0]), times=None
            )
            broken = await agents.usage_all()
        assert isinstance(broken[layout.dev_agents[0]], BackendError)
        assert broken[layout.dev_agents[1]] == []

    @pytest.mark.anyio
    async def test_a_usage_sampler_samples_the_same_containers_again(
        self, cluster: ClusterControl, layout: _Layout, agents_backend_for: AgentsFactory
    ) -> None:
        """Found once, sampled twice: the same containers, later; foreign agents never."""
        busy, idle = layout.dev_agents
        foreign = layout.ops_agents[0]
        async with agents_backend_for(DEV) as agents:
            requires(agents, Capability.USAGE)
            sampler = await agents.usage_sampler([busy, idle, foreign, busy])
            assert sampler.agent_ids == (busy, idle)
            first = await sampler.sample()
            cluster.advance(10)
            second = await sampler.sample([busy, foreign])
            everything = await (await agents.usage_sampler()).sample()
        assert list(first) == [foreign, busy, idle]  # errors first, then in the order asked
        assert isinstance(first[foreign], NotFoundError)
        assert isinstance(second[foreign], NotFoundError)
        assert first[idle] == []
        assert set(second) == {busy, foreign}
        before, after = first[busy], second[busy]
        assert not isinstance(before, Exception)
        assert not isinstance(after, Exception)
        assert {s.task_id for s in before} == {s.task_id for s in after}
        assert {s.task_id for s in before} == {layout.dev_web, layout.dev_api}
        assert all(a.timestamp > b.timestamp for b, a in zip(before, after, strict=True))
        assert set(everything) == set(layout.dev_agents)

    @pytest.mark.anyio
    async def test_an_unreachable_agent_is_a_backend_error(
        self, cluster: ClusterControl, layout: _Layout, agents_backend_for: AgentsFactory
    ) -> None:
        """A dead agent fails its own call with a typed error, not the listing."""
        agent_id = layout.dev_agents[0]
        cluster.faults.inject("agent_unreachable", server=cluster.agent_url(agent_id), times=None)
        async with agents_backend_for(DEV) as agents:
            requires(agents, Capability.USAGE)
            with pytest.raises(BackendError):
                await agents.usage(agent_id)
            assert len(await agents.list()) == 2

    @pytest.mark.anyio
    async def test_logs_give_the_tail_of_the_sandbox_file(
        self, cluster: ClusterControl, layout: _Layout, agents_backend_for: AgentsFactory
    ) -> None:
        """``logs`` reads the task's own file; other namespaces' tasks are not found."""
        text = "".join(f"request {number}\n" for number in range(10000))
        cluster.write_log(layout.dev_web, "stderr", text)
        async with agents_backend_for(DEV) as agents:
            requires(agents, Capability.LOGS)
            assert await agents.logs(layout.dev_web, stream="stderr", tail=100) == text[-100:]
            assert await agents.logs(layout.dev_web, stream="stderr", tail=10**6) == text
            with pytest.raises(NotFoundError):
                await agents.logs(layout.ops_on_dev)

    @pytest.mark.anyio
    async def test_the_leader_is_followed(
        self, cluster: ClusterControl, layout: _Layout, agents_backend_for: AgentsFactory
    ) -> None:
        """Calls keep working when the leading master changes, or the first one is down."""
        async with agents_backend_for(DEV) as agents:
            assert len(await agents.list()) == 2
            cluster.set_leader(1, service="mesos")
            assert len(await agents.list()) == 2
            cluster.faults.inject("connection_refused", server=cluster.mesos_urls[0], times=None)
            assert len(await agents.list()) == 2

    @pytest.mark.anyio
    async def test_no_leader_is_a_typed_error(
        self, cluster: ClusterControl, layout: _Layout, agents_backend_for: AgentsFactory
    ) -> None:
        """With no leader elected, calls fail with a backend error, not a hang."""
        cluster.no_leader(service="mesos")
        async with agents_backend_for(DEV) as agents:
            with pytest.raises(BackendUnavailableError):
                await agents.list()

    @pytest.mark.anyio
    async def test_a_closed_backend_says_so(self, agents_backend_for: AgentsFactory) -> None:
        """Using a closed backend raises BackendUnavailableError."""
        agents = agents_backend_for(DEV)
        await agents.aclose()
        with pytest.raises(BackendUnavailableError):
            await agents.list()

    @pytest.mark.anyio
    async def test_undeclared_capabilities_are_refused(
        self, layout: _Layout, agents_backend_for: AgentsFactory
    ) -> None:
        """What a backend does not declare raises UnsupportedOperationError, not a guess."""
        agent_id = layout.dev_agents[0]
        async with agents_backend_for(DEV) as agents:
            missing = {Capability.USAGE, Capability.LOGS} - agents.capabilities
            if not missing:
                pytest.skip("the backend declares every optional agents capability")
            if Capability.USAGE in missing:
                with pytest.raises(UnsupportedOperationError):
                    await agents.usage(agent_id)
                with pytest.raises(UnsupportedOperationError):
                    await agents.usage_all()
                with pytest.raises(UnsupportedOperationError):
                    await agents.usage_sampler()
            if Capability.LOGS in missing:
                with pytest.raises(UnsupportedOperationError):
                    await agents.logs(layout.dev_web)

    @pytest.mark.anyio
    async def test_info_names_the_leader(
        self, cluster: ClusterControl, agents_backend_for: AgentsFactory
    ) -> None:
        """``info`` names the leading server."""
        cluster.set_leader(1, service="mesos")
        async with agents_backend_for(DEV) as agents:
            info = await agents.info()
        assert info.leader == cluster.mesos_urls[1]
        assert info.version
