"""asgard's own backends against a FakeCluster served over real loopback sockets.

The backends get only the ``http://127.0.0.1:<port>`` URLs and follow what they receive:
redirects, leader headers and agent addresses. Written once; the sync twin is generated.
"""

from __future__ import annotations

import threading
import time
from collections.abc import AsyncIterator

import pytest

from asgard import Account
from asgard.errors import InvalidInputError
from asgard.marathon import AsyncMarathonAppsBackend
from asgard.mesos import AsyncMesosAgentsBackend
from asgard.models import (
    AppSpec,
    DeploymentSucceeded,
    Event,
    StreamReconnected,
    TaskState,
    TaskStatusChanged,
)
from asgard.testing import FakeCluster

DEV = Account(namespace="dev", owner="dev-team")
MOST_EVENTS = 200


def make_cluster() -> tuple[FakeCluster, list[str]]:
    cluster = FakeCluster(seed=11, time_scale=500.0, event_stream_idle_timeout=1.0)
    mine = [cluster.add_agent(owner="dev-team", cpus=2, mem=4096) for _ in range(2)]
    cluster.add_agent(owner="ops-team", cpus=8, mem=16384)
    return cluster, mine


def web(instances: int) -> AppSpec:
    return AppSpec(id="web", instances=instances, cpus=0.5, mem=256, cmd="sleep 100")


@pytest.mark.anyio
async def test_backends_list_create_wait_scale_and_read_agents_over_sockets() -> None:
    cluster, mine = make_cluster()
    with cluster.serve() as served:
        agents = AsyncMesosAgentsBackend(served.mesos_masters, account=DEV)
        apps = AsyncMarathonAppsBackend(served.marathon, account=DEV)
        async with agents, apps:
            listed_before = await agents.list()
            created = await apps.create(web(2))
            await apps.wait(created, timeout=20, poll_interval=0.02)
            scaled = await apps.scale("web", 3)
            await apps.wait(scaled, timeout=20, poll_interval=0.02)
            app = await apps.get("web", with_tasks=True)
            listed = await agents.list(with_tasks=True)
            # usage and logs are read from the agents' own sockets, reached by host name
            samples = [sample for agent_id in mine for sample in await agents.usage(agent_id)]
            assert app.tasks is not None
            task_id = app.tasks[0].id
            cluster.write_log(task_id, "stdout", "hello from agent-0.asgard.test:5051\n")
            logs = await agents.logs(task_id)
    assert {agent.id for agent in listed_before} == set(mine)
    assert {agent.hostname for agent in listed_before} == {"127.0.0.1"}
    assert app.instances == 3
    assert len(app.tasks) == 3
    marathon_view = {(task.id, task.agent_id) for task in app.tasks}
    mesos_view = {(task.id, task.agent_id) for agent in listed for task in agent.tasks or ()}
    assert marathon_view == mesos_view
    assert {sample.app_id for sample in samples} == {"/web"}
    assert len(samples) == 3
    assert logs == "hello from agent-0.asgard.test:5051\n"
    assert cluster.requests_to(server=cluster.agent_urls[0], path="/containers")


async def collect_until(stream: AsyncIterator[Event], last: type[Event]) -> list[Event]:
    seen: list[Event] = []
    async for event in stream:
        seen.append(event)
        if isinstance(event, last) or len(seen) >= MOST_EVENTS:
            break
    return seen


@pytest.mark.anyio
async def test_events_arrive_over_server_sent_events() -> None:
    cluster, _ = make_cluster()
    with cluster.serve() as served:
        apps = AsyncMarathonAppsBackend(served.marathon, account=DEV)
        async with apps:
            async with apps.events() as stream:
                created = await apps.create(web(1))
                seen = await collect_until(stream, DeploymentSucceeded)
    assert isinstance(seen[-1], DeploymentSucceeded)
    assert seen[-1].deployment_id == created.id
    running = [
        event
        for event in seen
        if isinstance(event, TaskStatusChanged) and event.state is TaskState.TASK_RUNNING
    ]
    assert [event.app_id for event in running] == ["/web"]


@pytest.mark.anyio
async def test_a_silent_event_stream_is_taken_for_dead_and_reopened() -> None:
    # The fake keeps an idle stream open for a minute without a byte, as a dead peer would.
    cluster = FakeCluster(seed=11, event_stream_idle_timeout=60.0)
    with cluster.serve() as served:
        apps = AsyncMarathonAppsBackend(served.marathon, account=DEV)
        assert apps.event_idle_timeout == 30.0
        apps.event_idle_timeout = 0.2
        async with apps, apps.events() as stream:
            started = time.monotonic()
            seen = await collect_until(stream, StreamReconnected)
            waited = time.monotonic() - started
    assert [type(event) for event in seen] == [StreamReconnected]
    assert waited < 30  # not the minute the server would have kept the silent stream
    assert len(cluster.requests_to(server=cluster.marathon_urls[0], path="/v2/events")) == 2


@pytest.mark.anyio
async def test_marathons_keep_alives_keep_a_quiet_stream_open() -> None:
    # As Marathon: the stream never ends for idleness, Jetty writes a blank line now and then.
    cluster = FakeCluster(seed=11, event_stream_idle_timeout=None, event_stream_keep_alive=0.05)
    cluster.add_agent(owner="dev-team", cpus=2, mem=4096)

    def later() -> None:  # an event only after 4 idle timeouts of the client
        cluster.add_app("/dev/web", web(1))
        cluster.advance(5)

    timer = threading.Timer(1.2, later)
    with cluster.serve() as served:
        apps = AsyncMarathonAppsBackend(served.marathon, account=DEV)
        apps.event_idle_timeout = 0.3
        async with apps, apps.events() as stream:
            started = time.monotonic()
            timer.start()
            seen = await collect_until(stream, DeploymentSucceeded)
            waited = time.monotonic() - started
    timer.join()
    assert isinstance(seen[-1], DeploymentSucceeded)
    assert not [event for event in seen if isinstance(event, StreamReconnected)]
    assert waited >= 1.2
    assert len(cluster.requests_to(server=cluster.marathon_urls[0], path="/v2/events")) == 1


@pytest.mark.parametrize("bad", [0, -1.0, float("nan"), float("inf"), True, "30"])
def test_the_event_idle_timeout_is_a_positive_number_or_none(bad: object) -> None:
    apps = AsyncMarathonAppsBackend(["http://marathon.test:8080"], account=DEV)
    with pytest.raises(InvalidInputError):
        apps.event_idle_timeout = bad  # type: ignore[assignment]
    apps.event_idle_timeout = None
    assert apps.event_idle_timeout is None
    admin = AsyncMarathonAppsBackend(["http://marathon.test:8080"], account=Account.cluster_wide())
    admin.event_idle_timeout = 5
    assert admin.for_account(DEV).event_idle_timeout == 5.0


@pytest.mark.anyio
async def test_a_leader_change_is_followed_through_real_redirects_and_proxies() -> None:
    cluster, mine = make_cluster()
    with cluster.serve() as served:
        agents = AsyncMesosAgentsBackend(served.mesos_masters, account=DEV)
        apps = AsyncMarathonAppsBackend(served.marathon, account=DEV)
        async with agents, apps:
            assert len(await agents.list()) == 2
            assert await apps.list() == []
            async with apps.events() as stream:
                cluster.set_leader(1)  # the open stream ends; the backend reopens it
                reopened = await collect_until(stream, StreamReconnected)
                listed = await agents.list()
                created = await apps.create(web(1))
                seen = await collect_until(stream, DeploymentSucceeded)
            await apps.wait(created, timeout=20, poll_interval=0.02)
            mesos_info = await agents.info()
            marathon_info = await apps.info()
    assert {agent.id for agent in listed} == set(mine)
    assert cluster.requests_to(server=cluster.mesos_urls[1], path="/master/slaves")
    assert mesos_info.leader == served.mesos_masters[1]
    assert marathon_info.leader == served.marathon[1]
    assert [type(event) for event in reopened] == [StreamReconnected]
    assert isinstance(seen[-1], DeploymentSucceeded)
    assert seen[-1].deployment_id == created.id
    assert cluster.requests_to(server=cluster.marathon_urls[1], path="/v2/events")
