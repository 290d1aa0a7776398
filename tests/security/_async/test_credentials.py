"""Credentials reach the configured servers, and no other host: redirects, leader hints, agents.

The in-memory tests wrap the FakeCluster's transport to see each request's ``Authorization``
header unredacted; the loopback test reads the cluster's request log (which shows whether a
secret header was present). Written once for async; the sync twin is generated.
"""

from __future__ import annotations

import httpx
import pytest

from asgard import Account
from asgard.auth import BasicAuth, TokenAuth
from asgard.errors import NoLeaderError
from asgard.marathon import AsyncMarathonAppsBackend
from asgard.mesos import AsyncMesosAgentsBackend
from asgard.models import AppSpec
from asgard.testing import REDACTED, FakeCluster
from tests.security._async._support import RecordingTransport
from tests.security._common import (
    AGENT_TOKEN,
    ENV_VALUE,
    PASSWORD,
    SECRETS,
    TOKEN,
    USER,
    basic_header,
    error_texts,
)

DEV = Account(namespace="dev", owner="dev-team")
EVIL_MESOS = "http://evil.example:5050"
EVIL_MARATHON = "http://evil.example:8080"
BASIC = basic_header(USER, PASSWORD)
BEARER = f"token={TOKEN}"
SPEC = AppSpec(id="web", cpus=0.1, mem=32, cmd="sleep 100", env={"DB_PASSWORD": ENV_VALUE})


def make_cluster() -> tuple[FakeCluster, str, str]:
    cluster = FakeCluster(seed=3)
    agent_id = cluster.add_agent(owner="dev-team", cpus=2, mem=2048)
    task_id = cluster.add_task(agent_id=agent_id, app_id="/dev/web", cpus=0.1, mem=32)
    cluster.write_log(task_id, "stdout", "started\n")
    return cluster, agent_id, task_id


def recording(cluster: FakeCluster) -> tuple[RecordingTransport, httpx.AsyncClient]:
    transport = RecordingTransport(cluster.async_transport())
    return transport, httpx.AsyncClient(transport=transport)


def assert_no_secret(error: BaseException) -> None:
    for text in error_texts(error):
        for secret in SECRETS:
            assert secret not in text


@pytest.mark.anyio
async def test_basic_and_token_auth_reach_every_configured_server() -> None:
    cluster, agent_id, _ = make_cluster()
    transport, client = recording(cluster)
    agents = AsyncMesosAgentsBackend(
        cluster.mesos_urls, account=DEV, auth=BasicAuth(USER, PASSWORD), client=client
    )
    apps = AsyncMarathonAppsBackend(
        cluster.marathon_urls, account=DEV, auth=TokenAuth(TOKEN), client=client
    )
    async with client, agents, apps:
        await agents.list()
        await apps.create(SPEC)
        cluster.set_leader(1)  # Mesos: the old leader redirects; Marathon: it proxies
        cluster.faults.inject("connection_refused", server=cluster.marathon_urls[0], times=None)
        await agents.get(agent_id)
        await apps.get("web")
        await apps.scale("web", 2, force=True)
    masters = [sent for url in cluster.mesos_urls for sent in transport.to(url)]
    marathons = [sent for url in cluster.marathon_urls for sent in transport.to(url)]
    assert {sent.server for sent in masters} == set(cluster.mesos_urls[:2])
    assert {sent.server for sent in marathons} == set(cluster.marathon_urls)
    assert {sent.authorization for sent in masters} == {BASIC}
    assert {sent.authorization for sent in marathons} == {BEARER}
    assert transport.servers <= {*cluster.mesos_urls, *cluster.marathon_urls}


@pytest.mark.anyio
async def test_a_mesos_redirect_to_an_unconfigured_host_gets_no_credentials() -> None:
    cluster, _, _ = make_cluster()
    transport, client = recording(cluster)
    agents = AsyncMesosAgentsBackend(
        cluster.mesos_urls, account=DEV, auth=BasicAuth(USER, PASSWORD), client=client
    )
    transport.script(
        "GET",
        cluster.mesos_urls[0] + "/master/slaves",
        httpx.Response(307, headers={"Location": "//evil.example:5050/master/slaves"}),
    )
    async with client, agents:
        listed = await agents.list()  # asks the configured masters which leads instead
    assert len(listed) == 1
    assert transport.to(EVIL_MESOS) == []
    assert transport.servers == {cluster.mesos_urls[0]}
    assert [sent.path for sent in transport.sent] == [
        "/master/slaves",
        "/master/redirect",
        "/master/slaves",
    ]
    assert {sent.authorization for sent in transport.sent} == {BASIC}


@pytest.mark.anyio
async def test_a_marathon_redirect_or_leader_header_naming_an_unconfigured_host_is_ignored() -> (
    None
):
    cluster, _, _ = make_cluster()
    transport, client = recording(cluster)
    apps = AsyncMarathonAppsBackend(
        cluster.marathon_urls, account=DEV, auth=TokenAuth(TOKEN), client=client
    )
    transport.script(
        "GET",
        cluster.marathon_urls[0] + "/v2/apps/dev/*",
        httpx.Response(302, headers={"Location": EVIL_MARATHON + "/v2/apps/dev/*"}),
    )
    transport.script(
        "GET",
        cluster.marathon_urls[0] + "/v2/info",
        httpx.Response(
            200,
            json={"name": "marathon", "version": "1.10.26"},
            headers={"X-Marathon-Leader": EVIL_MARATHON},
        ),
    )
    async with client, apps:
        assert await apps.list() == []
        await apps.info()
        await apps.create(SPEC)
        await apps.get("web")
    assert transport.to(EVIL_MARATHON) == []
    assert transport.servers == {cluster.marathon_urls[0]}
    assert {sent.authorization for sent in transport.sent} == {BEARER}


@pytest.mark.anyio
async def test_standbys_naming_an_unconfigured_leader_never_send_it_anything() -> None:
    cluster, _, _ = make_cluster()
    transport, client = recording(cluster)
    # Only the standbys are configured; mesos-0 and marathon-0 lead.
    agents = AsyncMesosAgentsBackend(
        cluster.mesos_urls[1:], account=DEV, auth=BasicAuth(USER, PASSWORD), client=client
    )
    apps = AsyncMarathonAppsBackend(
        cluster.marathon_urls[1:], account=DEV, auth=TokenAuth(TOKEN), client=client
    )
    async with client, agents, apps:
        with pytest.raises(NoLeaderError) as mesos:
            await agents.list()  # 307 to mesos-0
        created = await apps.create(SPEC)  # marathon-1 proxies, naming marathon-0 as leader
        with pytest.raises(NoLeaderError) as events:
            async with apps.events():  # 302 to marathon-0
                pass
    assert created.app_ids == ("/web",)
    assert transport.to(cluster.mesos_urls[0]) == []
    assert transport.to(cluster.marathon_urls[0]) == []
    assert {sent.authorization for sent in transport.to(cluster.mesos_urls[1])} == {BASIC}
    assert {sent.authorization for sent in transport.to(cluster.marathon_urls[1])} == {BEARER}
    assert_no_secret(mesos.value)
    assert_no_secret(events.value)


@pytest.mark.anyio
async def test_agents_found_through_the_master_get_no_master_credentials() -> None:
    cluster, agent_id, task_id = make_cluster()
    transport, client = recording(cluster)
    agents = AsyncMesosAgentsBackend(
        cluster.mesos_urls, account=DEV, auth=BasicAuth(USER, PASSWORD), client=client
    )
    async with client, agents:
        samples = await agents.usage(agent_id)
        logs = await agents.logs(task_id)
        every = await agents.usage_all()
    agent_url = cluster.agent_url(agent_id)
    to_agent = transport.to(agent_url)
    assert len(samples) == 1
    assert logs == "started\n"
    assert not isinstance(every[agent_id], Exception)
    assert {sent.path for sent in to_agent} >= {"/containers", "/files/read"}
    assert {sent.authorization for sent in to_agent} == {None}
    assert {sent.authorization for sent in transport.sent if sent.server != agent_url} == {BASIC}


@pytest.mark.anyio
async def test_agent_auth_goes_to_the_agents_and_the_master_credentials_stay_with_masters() -> None:
    cluster, agent_id, task_id = make_cluster()
    transport, client = recording(cluster)
    agents = AsyncMesosAgentsBackend(
        cluster.mesos_urls,
        account=DEV,
        auth=BasicAuth(USER, PASSWORD),
        agent_auth=TokenAuth(AGENT_TOKEN),
        client=client,
    )
    async with client, agents:
        await agents.usage(agent_id)
        await agents.logs(task_id)
    agent_url = cluster.agent_url(agent_id)
    assert transport.to(agent_url)
    assert {sent.authorization for sent in transport.to(agent_url)} == {f"token={AGENT_TOKEN}"}
    assert {sent.authorization for sent in transport.sent if sent.server != agent_url} == {BASIC}


@pytest.mark.anyio
async def test_over_loopback_sockets_credentials_reach_only_the_configured_servers() -> None:
    cluster, agent_id, _ = make_cluster()
    with cluster.serve() as served:
        standby_only = AsyncMesosAgentsBackend(
            served.mesos_masters[1:], account=DEV, auth=BasicAuth(USER, PASSWORD)
        )
        agents = AsyncMesosAgentsBackend(
            served.mesos_masters, account=DEV, auth=BasicAuth(USER, PASSWORD)
        )
        apps = AsyncMarathonAppsBackend(served.marathon[1:], account=DEV, auth=TokenAuth(TOKEN))
        async with standby_only, agents, apps:
            with pytest.raises(NoLeaderError):
                await standby_only.list()
            with pytest.raises(NoLeaderError):
                async with apps.events():
                    pass
            assert await apps.list() == []
            leader_reached_before = len(cluster.requests_to(cluster.mesos_urls[0]))
            samples = await agents.usage(agent_id)
    assert len(samples) == 1
    assert leader_reached_before == 0
    # the leading master was reached only by the backend that lists it, with credentials
    assert {r.header("authorization") for r in cluster.requests_to(cluster.mesos_urls[0])} == {
        REDACTED
    }
    assert cluster.requests_to(cluster.marathon_urls[0]) == []
    assert {r.header("authorization") for r in cluster.requests_to(cluster.marathon_urls[1])} == {
        REDACTED
    }
    agent_requests = cluster.requests_to(cluster.agent_url(agent_id))
    assert agent_requests
    assert {r.header("authorization") for r in agent_requests} == {None}
