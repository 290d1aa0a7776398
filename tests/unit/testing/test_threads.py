"""One sync transport shared by many threads, as sync fan-out uses it."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx

from asgard.testing import FakeCluster, Server


def _register(cluster: FakeCluster, _server: Server, request: httpx.Request) -> httpx.Response:
    agent_id = cluster.add_agent(owner=request.url.params["owner"], cpus=1, mem=1)
    return httpx.Response(200, json={"id": agent_id})


def test_threads_share_one_transport_without_losing_updates() -> None:
    cluster = FakeCluster()
    cluster.router.register("mesos_master", "POST", "/register", _register)
    url = cluster.mesos_urls[0] + "/register"
    with httpx.Client(transport=cluster.transport()) as client:

        def call(number: int) -> str:
            response = client.post(url, params={"owner": f"team-{number % 3}"})
            return str(response.json()["id"])

        with ThreadPoolExecutor(max_workers=8) as pool:
            ids = list(pool.map(call, range(200)))
    assert len(set(ids)) == 200
    assert set(cluster.agents) == set(ids)
    assert len(cluster.requests) == 200
    assert sorted(agent.index for agent in cluster.agents.values()) == list(range(200))
