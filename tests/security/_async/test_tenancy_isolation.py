"""Two tenants on one cluster: neither sees the other's apps, tasks, agents or env values.

``dev`` (namespace ``dev``, owner ``dev-team``) and ``ops`` (``ops``, ``ops-team``) both run an
app named ``web`` on one FakeCluster; ``ops`` also has ``db``, an app stuck in the launch queue
and a task misplaced on one of dev's agents. Everything each tenant receives (listings, the
event stream, deployments, the queue, usage, joins and errors) is rendered in full, env values
included, and searched for the other tenant's identifiers. Written once for async; the sync
twin is generated.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import attrs
import httpx
import pytest

from asgard import Account, AsyncOrchestrator
from asgard.errors import AsgardError, InvalidInputError, NotFoundError
from asgard.marathon import AsyncMarathonAppsBackend
from asgard.mesos import AsyncMesosAgentsBackend
from asgard.models import AppSpec
from asgard.testing import FakeCluster
from tests.security._async._support import events_until_success
from tests.security._common import full_text

DEV = Account(namespace="dev", owner="dev-team")
OPS = Account(namespace="ops", owner="ops-team")
DEV_ENV = "env-SECRET-of-dev"
OPS_ENV = "env-SECRET-of-ops"
MOST_EVENTS = 2000


@attrs.define
class Tenant:
    """One tenant's backends, and everything it received."""

    account: Account
    agents: AsyncMesosAgentsBackend
    apps: AsyncMarathonAppsBackend
    orchestrator: AsyncOrchestrator
    seen: list[object] = attrs.Factory(list)
    asked: list[tuple[object, set[str]]] = attrs.Factory(list)
    deployment_ids: list[str] = attrs.Factory(list)

    @contextmanager
    def probe(self, kind: type[AsgardError], *given: str) -> Iterator[None]:
        """The block must raise ``kind``; keep it with the ids the tenant itself passed."""
        with pytest.raises(kind) as caught:
            yield
        self.asked.append((caught.value, set(given)))


def web(env_value: str, instances: int = 2) -> AppSpec:
    return AppSpec(
        id="web", instances=instances, cpus=0.1, mem=32, cmd="sleep 1000", env={"V": env_value}
    )


async def read_everything(tenant: Tenant, own_agent: str) -> None:
    """Every read the tenant can make, kept in ``tenant.seen``."""
    agents, apps, orchestrator = tenant.agents, tenant.apps, tenant.orchestrator
    versions = await apps.versions("web")
    sampler = await agents.usage_sampler()
    tenant.seen.extend(
        [
            await apps.list(with_tasks=True),
            await apps.get("web", with_tasks=True),
            await apps.tasks("web"),
            versions,
            await apps.get_version("web", versions[-1]),
            await apps.deployments(),
            await apps.queue(),
            await agents.list(with_tasks=True),
            await agents.get(own_agent),
            await agents.tasks(own_agent),
            await agents.usage(own_agent),
            await agents.usage_all(),
            await sampler.sample(),
            await orchestrator.agent_apps(own_agent),
            await orchestrator.app_tasks("web"),
            await orchestrator.app_stats("web", interval=0.01),
            await orchestrator.usage(interval=0.01),
        ]
    )


def markers(cluster: FakeCluster, tenant: Tenant, env_value: str) -> set[str]:
    """What identifies a tenant's things: app ids, task ids, agent ids and names, env values."""
    namespace = f"/{tenant.account.namespace}/"
    found = {env_value, *tenant.deployment_ids}
    found |= {app_id for app_id in cluster.apps if app_id.startswith(namespace)}
    found |= {
        task.id for task in cluster.tasks.values() if (task.app_id or "").startswith(namespace)
    }
    for agent_id, agent in cluster.agents.items():
        if agent.attributes.get("owner") == tenant.account.owner:
            found |= {agent_id, agent.hostname}
    return found


@pytest.mark.anyio
async def test_no_tenant_sees_another_tenants_data() -> None:
    cluster = FakeCluster(seed=9, time_scale=2000.0)
    dev_agents = [cluster.add_agent(owner="dev-team", cpus=2, mem=4096) for _ in range(2)]
    ops_agents = [cluster.add_agent(owner="ops-team", cpus=2, mem=4096) for _ in range(2)]
    client = httpx.AsyncClient(transport=cluster.async_transport())

    def tenant(account: Account) -> Tenant:
        agents = AsyncMesosAgentsBackend(cluster.mesos_urls, account=account, client=client)
        apps = AsyncMarathonAppsBackend(cluster.marathon_urls, account=account, client=client)
        return Tenant(account, agents, apps, AsyncOrchestrator(agents=agents, apps=apps))

    dev, ops = tenant(DEV), tenant(OPS)
    async with client, dev.orchestrator, ops.orchestrator:
        async with dev.apps.events() as dev_stream, ops.apps.events() as ops_stream:
            dev_web = await dev.apps.create(web(DEV_ENV))
            ops_web = await ops.apps.create(web(OPS_ENV))
            ops_db = await ops.apps.create(
                AppSpec(id="db", cpus=0.1, mem=32, cmd="sleep 1000", env={"V": OPS_ENV})
            )
            for owner, deployment in ((dev, dev_web), (ops, ops_web), (ops, ops_db)):
                owner.deployment_ids.append(deployment.id)
                await owner.apps.wait(deployment, timeout=20, poll_interval=0.005)
            # ops: an app that no agent of ops can hold waits in the queue, its deployment runs
            big = await ops.apps.create(
                AppSpec(id="big", cpus=5, mem=32, cmd="sleep 1000", env={"V": OPS_ENV})
            )
            ops.deployment_ids.append(big.id)
            # a task of ops's app that Mesos placed on one of dev's agents
            misplaced = cluster.add_task(agent_id=dev_agents[0], app_id="/ops/web", cpus=0.1)
            cluster.write_log(misplaced, "stdout", OPS_ENV)
            # one last deployment each: everything before it is in the streams by then
            dev_last = await dev.apps.scale("web", 3)
            ops_last = await ops.apps.scale("db", 2)
            dev.deployment_ids.append(dev_last.id)
            ops.deployment_ids.append(ops_last.id)
            await dev.apps.wait(dev_last, timeout=20, poll_interval=0.005)
            await ops.apps.wait(ops_last, timeout=20, poll_interval=0.005)
            dev.seen.extend(await events_until_success(dev_stream, dev_last.id, most=MOST_EVENTS))
            ops.seen.extend(await events_until_success(ops_stream, ops_last.id, most=MOST_EVENTS))

        await read_everything(dev, dev_agents[0])
        await read_everything(ops, ops_agents[0])
        # ops sees its own stuck deployment and queue entry; dev sees neither
        assert big.id in {deployment.id for deployment in await ops.apps.deployments()}
        assert [entry.app_id for entry in await ops.apps.queue()] == ["/big"]
        assert await dev.apps.queue() == []

        # what a tenant may try with the other's ids (found out of band)
        ops_task = next(t.id for t in await ops.apps.tasks("web"))
        with dev.probe(NotFoundError, ops_agents[0]):
            await dev.agents.get(ops_agents[0])
        with dev.probe(NotFoundError, ops_agents[0]):
            await dev.agents.usage(ops_agents[0])
        with dev.probe(NotFoundError, ops_agents[0]):
            await dev.orchestrator.agent_apps(ops_agents[0])
        with dev.probe(NotFoundError, ops_task):
            await dev.agents.logs(ops_task)
        with dev.probe(NotFoundError, misplaced):
            await dev.agents.logs(misplaced)
        with dev.probe(InvalidInputError, ops_task):
            await dev.apps.kill_tasks("web", [ops_task])
        with dev.probe(NotFoundError, big.id):
            await dev.apps.cancel(big.id)
        with dev.probe(NotFoundError):
            await dev.apps.get("db")
        with dev.probe(NotFoundError):
            await dev.apps.reset_delay("big")
        with dev.probe(NotFoundError):
            await dev.orchestrator.app_stats("db", interval=0.01)
        sampled = await dev.agents.usage_all([ops_agents[0], dev_agents[0]])
        assert isinstance(sampled[ops_agents[0]], NotFoundError)
        assert not isinstance(sampled[dev_agents[0]], Exception)
        dev.asked.append((sampled, {ops_agents[0]}))
        with dev.probe(NotFoundError, big.id):  # not dev's: not found, as if gone
            await dev.apps.wait(big.id, timeout=20, poll_interval=0.005)
        dev_task = next(t.id for t in await dev.apps.tasks("web"))
        with ops.probe(NotFoundError, dev_agents[1]):
            await ops.agents.tasks(dev_agents[1])
        with ops.probe(NotFoundError, dev_task):
            await ops.agents.logs(dev_task)
        with ops.probe(InvalidInputError, dev_task):
            await ops.apps.kill_tasks("db", [dev_task])
        with ops.probe(NotFoundError, dev_last.id):
            await ops.apps.cancel(dev_last.id)
        # control: the operator's cluster-wide view renders both tenants' data, env values too
        wide = AsyncMarathonAppsBackend(
            cluster.marathon_urls, account=Account.cluster_wide(), client=client
        )
        everything = full_text(await wide.list(with_tasks=True))
        await wide.aclose()

    dev_markers = markers(cluster, dev, DEV_ENV)
    ops_markers = markers(cluster, ops, OPS_ENV)
    assert misplaced not in dev_markers
    assert misplaced in ops_markers
    assert {"/dev/web", DEV_ENV, *dev_agents} <= dev_markers
    assert {"/ops/web", "/ops/db", "/ops/big", OPS_ENV, *ops_agents} <= ops_markers
    assert {"/dev/web", DEV_ENV, dev_task, "/ops/db", OPS_ENV, ops_task} <= {
        marker for marker in dev_markers | ops_markers if marker in everything
    }
    for me, mine, theirs in ((dev, dev_markers, ops_markers), (ops, ops_markers, dev_markers)):
        received = full_text(me.seen)
        # the renderings are complete: each tenant's own data is there in full
        assert {marker for marker in mine if not marker.startswith(f"/{me.account.namespace}/")} - {
            misplaced
        } <= {marker for marker in mine if marker in received}
        assert [marker for marker in theirs if marker in received] == []
        assert me.asked
        for answer, given in me.asked:
            text = full_text(answer)
            assert [marker for marker in theirs - given if marker in text] == []
