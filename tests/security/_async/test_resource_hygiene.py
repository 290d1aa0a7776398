"""Resource hygiene: clients, pools, views, closed backends and cancelled fan-outs.

Over a FakeCluster served on loopback sockets, a live connection is a live server thread, so
the tests see from the server's side whether a client's sockets are still open. Written once
for async; the sync twin is generated (where a cancel scope is SIGALRM interrupting the main
thread, as Ctrl-C would, and the fan-out runs on a thread pool).
"""

from __future__ import annotations

import httpx
import pytest

from asgard import Account, AsyncOrchestrator
from asgard.errors import BackendUnavailableError
from asgard.marathon import AsyncMarathonAppsBackend
from asgard.mesos import AsyncMesosAgentsBackend
from asgard.models import AppPatch, AppSpec
from asgard.testing import FakeCluster
from tests.security._async._support import settle
from tests.security._common import (
    cancel_after,
    open_server_connections,
    running_tasks,
    socket_count,
    worker_threads,
)

DEV = Account(namespace="dev", owner="dev-team")
OPS = Account(namespace="ops", owner="ops-team")
SPEC = AppSpec(id="web", instances=3, cpus=0.1, mem=32, cmd="sleep 1000")
LATENCY = 0.5


def running_app_cluster(agents: int = 3) -> tuple[FakeCluster, list[str]]:
    """A cluster whose dev app ``/web`` runs one task on each of ``agents`` dev agents."""
    cluster = FakeCluster(seed=13)
    mine = [cluster.add_agent(owner="dev-team", cpus=1, mem=1024) for _ in range(agents)]
    cluster.add_agent(owner="ops-team", cpus=1, mem=1024)
    cluster.add_app(
        "/dev/web",
        AppSpec(
            id="web",
            instances=agents,
            cpus=0.1,
            mem=32,
            cmd="sleep 1000",
            constraints=[("hostname", "UNIQUE"), ("owner", "LIKE", "dev-team")],
        ),
    )
    cluster.advance(30)
    assert len([t for t in cluster.tasks.values() if t.state == "TASK_RUNNING"]) == agents
    return cluster, mine


@pytest.mark.anyio
async def test_closing_a_backend_closes_the_client_and_sockets_it_created() -> None:
    cluster, _ = running_app_cluster()
    with cluster.serve() as served:
        sockets_before = socket_count()
        agents = AsyncMesosAgentsBackend(served.mesos_masters, account=DEV)
        apps = AsyncMarathonAppsBackend(served.marathon, account=DEV)
        await agents.list(with_tasks=True)
        await apps.list()
        assert await settle(lambda: open_server_connections() >= 2)
        created = [agents._session._client, apps._session._client]
        await agents.aclose()
        await apps.aclose()
        assert agents.closed
        assert apps.closed
        assert all(client.is_closed for client in created)
        assert await settle(lambda: open_server_connections() == 0)
        assert await settle(lambda: socket_count() <= sockets_before)


@pytest.mark.anyio
async def test_closing_a_backend_leaves_a_client_it_was_given_open() -> None:
    cluster, _ = running_app_cluster()
    with cluster.serve() as served:
        sockets_before = socket_count()
        client = httpx.AsyncClient()
        async with AsyncMarathonAppsBackend(served.marathon, account=DEV, client=client) as apps:
            assert [app.id for app in await apps.list()] == ["/web"]
        assert apps.closed
        assert not client.is_closed
        with pytest.raises(BackendUnavailableError, match="closed"):
            await apps.list()
        # the given client and its pooled connection still work
        assert open_server_connections() == 1
        response = await client.get(served.marathon[0] + "/ping")
        assert response.status_code == 200
        assert served.connections_accepted(served.marathon[0]) == 1
        await client.aclose()
        assert await settle(lambda: open_server_connections() == 0)
        assert await settle(lambda: socket_count() <= sockets_before)


@pytest.mark.anyio
async def test_for_account_views_share_the_pool_and_closing_one_leaves_the_parent_usable() -> None:
    cluster, mine = running_app_cluster()
    with cluster.serve() as served:
        wide_apps = AsyncMarathonAppsBackend(served.marathon, account=Account.cluster_wide())
        wide_agents = AsyncMesosAgentsBackend(served.mesos_masters, account=Account.cluster_wide())
        operator = AsyncOrchestrator(agents=wide_agents, apps=wide_apps)
        dev_apps = wide_apps.for_account(DEV)
        dev_agents = wide_agents.for_account(DEV)
        dev = AsyncOrchestrator(agents=dev_agents, apps=dev_apps)
        ops = operator.for_account(OPS)
        assert dev_apps.limiter is wide_apps.limiter
        assert dev_agents.limiter is wide_agents.limiter
        assert [app.id for app in await wide_apps.list()] == ["/dev/web"]
        assert [app.id for app in await dev_apps.list()] == ["/web"]
        assert await ops.apps.list() == []
        assert {agent.id for agent in await dev_agents.list()} == set(mine)
        await dev.aclose()  # closes nothing: the cluster-wide backends own the pools
        await ops.aclose()
        assert not wide_apps.closed
        assert not dev_apps.closed
        assert len(await wide_agents.list()) == 4
        assert await ops.apps.list() == []
        assert [app.id for app in await dev_apps.list()] == ["/web"]
        # one pooled connection per server served every view
        assert served.connections_accepted(served.marathon[0]) == 1
        assert served.connections_accepted(served.mesos_masters[0]) == 1
        assert (await ops.usage(interval=0.01)).apps == ()
        await operator.aclose()
        assert [view.closed for view in (dev_apps, dev_agents)] == [True, True]
        with pytest.raises(BackendUnavailableError, match="closed"):
            await ops.apps.list()
        with pytest.raises(BackendUnavailableError, match="closed"):
            await dev_agents.list()
        assert await settle(lambda: open_server_connections() == 0)


AGENT_CALLS = [
    ("list", ()),
    ("get", ("AGENT",)),
    ("tasks", ("AGENT",)),
    ("usage", ("AGENT",)),
    ("usage_all", ()),
    ("usage_sampler", ()),
    ("logs", ("TASK",)),
    ("info", ()),
]
APP_CALLS = [
    ("list", ()),
    ("get", ("web",)),
    ("create", (AppSpec(id="new", cpus=0.1, mem=32, cmd="sleep 1"),)),
    ("update", (SPEC,)),
    ("patch", ("web", AppPatch(instances=2))),
    ("scale", ("web", 2)),
    ("restart", ("web",)),
    ("delete", ("web",)),
    ("tasks", ("web",)),
    ("kill_tasks", ("web", ["TASK"])),
    ("kill_tasks_on_host", ("web", "agent-0.asgard.test")),
    ("deployments", ()),
    ("cancel", ("DEPLOYMENT",)),
    ("wait", ("DEPLOYMENT",)),
    ("versions", ("web",)),
    ("get_version", ("web", "2026-01-01T00:00:00.000Z")),
    ("rollback", ("web", "2026-01-01T00:00:00.000Z")),
    ("queue", ()),
    ("reset_delay", ("web",)),
    ("info", ()),
]
ORCHESTRATOR_CALLS = [
    ("agent_apps", ("AGENT",)),
    ("app_tasks", ("web",)),
    ("app_stats", ("web",)),
    ("usage", ()),
]
CALLS = [
    *(pytest.param("agents", name, args, id=f"agents.{name}") for name, args in AGENT_CALLS),
    *(pytest.param("apps", name, args, id=f"apps.{name}") for name, args in APP_CALLS),
    *(
        pytest.param("orchestrator", name, args, id=f"orchestrator.{name}")
        for name, args in ORCHESTRATOR_CALLS
    ),
]


@pytest.mark.anyio
@pytest.mark.parametrize("view", [False, True], ids=["backend", "for_account view"])
@pytest.mark.parametrize(("target", "name", "args"), CALLS)
async def test_every_method_of_a_closed_backend_raises_a_typed_error_and_sends_nothing(
    target: str, name: str, args: tuple[object, ...], view: bool
) -> None:
    cluster, mine = running_app_cluster(agents=1)
    task_id = next(iter(cluster.tasks))
    deployment_id = "97c136bf-5a28-4821-9d94-480d9fbb01c8"
    real: dict[object, object] = {"AGENT": mine[0], "TASK": task_id, "DEPLOYMENT": deployment_id}
    arguments = [[task_id] if arg == ["TASK"] else real.get(arg, arg) for arg in args]
    client = httpx.AsyncClient(transport=cluster.async_transport())
    account = Account.cluster_wide() if view else DEV
    owner_agents = AsyncMesosAgentsBackend(cluster.mesos_urls, account=account, client=client)
    owner_apps = AsyncMarathonAppsBackend(cluster.marathon_urls, account=account, client=client)
    agents, apps = owner_agents, owner_apps
    if view:
        agents, apps = owner_agents.for_account(DEV), owner_apps.for_account(DEV)
    orchestrator = AsyncOrchestrator(agents=agents, apps=apps)
    async with client:
        assert [app.id for app in await apps.list()] == ["/web"]
        # the owners close: the backends themselves, or the cluster-wide ones behind the views
        await owner_agents.aclose()
        await owner_apps.aclose()
        sent = len(cluster.requests)
        owner = {"agents": orchestrator.agents, "apps": orchestrator.apps}.get(target, orchestrator)
        method = getattr(owner, name)
        with pytest.raises(BackendUnavailableError, match="closed") as caught:
            await method(*arguments)
        assert len(cluster.requests) == sent
    assert caught.value.backend in {"mesos", "marathon"}
    assert agents.closed
    assert apps.closed


@pytest.mark.anyio
async def test_samplers_and_event_streams_of_a_closed_backend_raise_and_send_nothing() -> None:
    cluster, _ = running_app_cluster(agents=2)
    client = httpx.AsyncClient(transport=cluster.async_transport())
    agents = AsyncMesosAgentsBackend(cluster.mesos_urls, account=DEV, client=client)
    apps = AsyncMarathonAppsBackend(cluster.marathon_urls, account=DEV, client=client)
    async with client:
        sampler = await agents.usage_sampler()
        assert len(sampler.agent_ids) == 2
        await agents.aclose()
        await apps.aclose()
        sent = len(cluster.requests)
        with pytest.raises(BackendUnavailableError, match="closed"):
            await sampler.sample()
        with pytest.raises(BackendUnavailableError, match="closed"):
            async with apps.events():
                pass
        assert len(cluster.requests) == sent
        await apps.aclose()  # closing twice is harmless
        assert not client.is_closed


@pytest.mark.anyio
@pytest.mark.parametrize("fan_out", ["orchestrator.app_stats", "agents.usage_all"])
async def test_a_cancelled_fan_out_leaves_no_task_thread_or_socket_behind(fan_out: str) -> None:
    cluster, mine = running_app_cluster(agents=3)
    # every agent answers its containers late: the fan-out is cut while all of them are read
    cluster.faults.inject("latency", path="/containers", seconds=LATENCY, times=None)
    with cluster.serve() as served:
        tasks_before = running_tasks()
        threads_before = worker_threads()
        sockets_before = socket_count()
        agents = AsyncMesosAgentsBackend(served.mesos_masters, account=DEV, max_concurrency=3)
        apps = AsyncMarathonAppsBackend(served.marathon, account=DEV)
        orchestrator = AsyncOrchestrator(agents=agents, apps=apps)
        with cancel_after(0.2) as deadline:
            if fan_out == "agents.usage_all":
                await agents.usage_all()
            else:
                await orchestrator.app_stats("web", interval=0.01)
        assert deadline.cancelled
        assert running_tasks() == tasks_before
        assert worker_threads() == threads_before
        # the cut released every slot of the shared bound: a full fan-out runs again
        cluster.faults.clear()
        with cancel_after(10) as guard:
            samples = await agents.usage_all()
        assert not guard.cancelled
        assert set(samples) == set(mine)
        assert all(not isinstance(found, Exception) for found in samples.values())
        await orchestrator.aclose()
        assert agents.closed
        assert running_tasks() == tasks_before
        assert worker_threads() == threads_before
        # the connections cut mid-answer and the pooled ones are all closed
        assert await settle(lambda: open_server_connections() == 0, seconds=LATENCY + 5)
        assert await settle(lambda: socket_count() <= sockets_before)
    assert worker_threads() == threads_before
