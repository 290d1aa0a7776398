"""Both backends on one FakeCluster, as a user's tests wire them: the halves agree.

Written once; the sync twin is generated from it.
"""

from __future__ import annotations

import pytest

from asgard import Account
from asgard.errors import DeploymentFailedError, InvalidInputError, NoLeaderError, NotFoundError
from asgard.models import AppPatch, AppSpec
from asgard.testing import FakeCluster

DEV = Account(namespace="dev", owner="dev-team")


@pytest.mark.anyio
@pytest.mark.parametrize(("marathon", "mesos"), [("1.4", "1.4"), ("1.10", "1.11")])
async def test_an_app_deployed_through_marathon_runs_on_the_accounts_mesos_agents(
    marathon: str, mesos: str
) -> None:
    cluster = FakeCluster(marathon_version=marathon, mesos_version=mesos, time_scale=500.0)
    mine = [cluster.add_agent(owner="dev-team", cpus=2, mem=4096) for _ in range(2)]
    cluster.add_agent(owner="ops-team", cpus=8, mem=16384)
    agents, apps = cluster.async_backends(DEV)
    async with agents, apps:
        deployment = await apps.create(
            AppSpec(id="web", instances=3, cpus=0.5, mem=256, cmd="sleep 100")
        )
        await apps.wait(deployment, timeout=30, poll_interval=0.01)
        app = await apps.get("web", with_tasks=True)
        listed = await agents.list(with_tasks=True)
        samples = [sample for agent_id in mine for sample in await agents.usage(agent_id)]
    assert app.tasks is not None
    marathon_view = {(task.id, task.agent_id) for task in app.tasks}
    mesos_view = {(task.id, task.agent_id) for agent in listed for task in agent.tasks or ()}
    assert marathon_view == mesos_view
    assert len(mesos_view) == 3
    assert {agent_id for _, agent_id in mesos_view} <= set(mine)
    assert {sample.app_id for sample in samples} == {"/web"}
    assert len(samples) == 3
    # what Mesos says is allocated includes the three tasks and their executors
    assert sum(agent.allocated.cpus for agent in listed) == pytest.approx(3 * (0.5 + 0.1))


@pytest.mark.anyio
@pytest.mark.parametrize("account", [DEV, Account.cluster_wide()], ids=["dev", "cluster-wide"])
async def test_an_agents_tasks_are_its_own_in_every_view(account: Account) -> None:
    cluster = FakeCluster(seed=3)
    first, second = (cluster.add_agent(owner="dev-team", cpus=4, mem=8192) for _ in range(2))
    on_first = cluster.add_task(agent_id=first, app_id="/dev/web")
    on_second = cluster.add_task(agent_id=second, app_id="/dev/web")
    agents, apps = cluster.async_backends(account)
    async with agents, apps:
        assert [task.id for task in await agents.tasks(first)] == [on_first]
        assert [task.id for task in await agents.tasks(second)] == [on_second]
        got = await agents.get(first)
    assert [task.id for task in got.tasks or ()] == [on_first]


@pytest.mark.anyio
async def test_info_names_the_leader_of_now_and_says_when_there_is_none() -> None:
    cluster = FakeCluster(seed=3)
    cluster.add_agent(owner="dev-team", cpus=4, mem=8192)
    agents, apps = cluster.async_backends(DEV)
    async with agents, apps:
        await agents.list()  # the backend now remembers master 0 as the leader
        cluster.set_leader(1, service="mesos")
        assert (await agents.info()).leader == cluster.mesos_urls[1]
        cluster.no_leader(service="mesos")
        with pytest.raises(NoLeaderError):
            await agents.info()


def dev_cluster() -> FakeCluster:
    cluster = FakeCluster(seed=1)
    cluster.add_agent(owner="dev-team", cpus=4, mem=8192)
    return cluster


WEB = AppSpec(id="web", instances=2, cpus=0.5, mem=128, cmd="serve")


@pytest.mark.anyio
async def test_waiting_for_a_write_that_changes_nothing_succeeds() -> None:
    cluster = dev_cluster()
    agents, apps = cluster.async_backends(DEV)
    async with agents, apps:
        await apps.create(WEB)
        cluster.advance(30)
        same = await apps.scale("web", 2)  # a new deployment version, the app's stays
        cluster.advance(5)
        assert await apps.wait(same, timeout=1, poll_interval=0.01) == same
        noop = await apps.patch("web", AppPatch(cmd="serve"))
        cluster.advance(5)
        assert await apps.wait(noop.id, timeout=1, poll_interval=0.01) == noop


@pytest.mark.anyio
async def test_waiting_for_the_rollback_of_a_cancelled_create_succeeds() -> None:
    cluster = dev_cluster()
    agents, apps = cluster.async_backends(DEV)
    async with agents, apps:
        etl = await apps.create(AppSpec(id="etl", cpus=8, mem=1024, cmd="etl"))  # too big
        cluster.advance(5)
        rollback = await apps.cancel(etl)
        assert rollback is not None
        cluster.advance(0.5)  # the rollback (deleting the app) is over before the first poll
        assert await apps.wait(rollback, timeout=2, poll_interval=0.01) == rollback
        assert await apps.wait(rollback.id, timeout=2, poll_interval=0.01) == rollback
        with pytest.raises(NotFoundError):
            await apps.get("etl")


@pytest.mark.anyio
async def test_waiting_by_id_judges_this_backends_writes_and_refuses_unknown_ids() -> None:
    cluster = dev_cluster()
    agents, apps = cluster.async_backends(DEV)
    async with agents, apps:
        await apps.create(WEB)
        cluster.advance(30)
        doomed = await apps.patch("web", AppPatch(mem=256))
        cluster.fail_deployment(doomed.id)
        cluster.advance(30)
        with pytest.raises(DeploymentFailedError):  # by id, as by the Deployment
            await apps.wait(doomed.id, timeout=1, poll_interval=0.01)
        with pytest.raises(NotFoundError):
            await apps.wait("no-such-deployment", timeout=1, poll_interval=0.01)
    everything = cluster.async_backends(Account.cluster_wide())[1]
    async with everything:
        ops = everything.for_account(Account(namespace="ops", owner="ops-team"))
        dev = everything.for_account(DEV)
        mine = await dev.scale("web", 3)
        with pytest.raises(NotFoundError):  # another tenant's write, by id: not found
            await ops.wait(mine.id, timeout=1, poll_interval=0.01)


def test_backends_refuse_what_is_not_an_account() -> None:
    with pytest.raises(InvalidInputError):
        FakeCluster().backends("dev")  # type: ignore[arg-type]
