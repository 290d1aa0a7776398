"""The FakeCluster transport seen through an httpx client: routing, faults, latency, the log.

Written once; the sync twin is generated from this file by scripts/unasync.py.
"""

from __future__ import annotations

import json
import time

import httpx
import pytest

from asgard.testing import REDACTED, FakeCluster, FaultKind, Server, _transport

MARATHON_0 = "http://marathon-0.asgard.test:8080"
MARATHON_1 = "http://marathon-1.asgard.test:8080"
APPS = MARATHON_0 + "/v2/apps"


class Bench:
    """A cluster with one Marathon endpoint, ``POST /v2/apps``, that counts its calls."""

    def __init__(self) -> None:
        self.cluster = FakeCluster(seed=5)
        self.calls: list[bytes] = []
        self.cluster.router.register("marathon", "POST", "/v2/apps", self.create)
        self.cluster.router.register("agent", "GET", "/state", self.agent_state)

    def create(
        self, cluster: FakeCluster, server: Server, request: httpx.Request
    ) -> httpx.Response:
        self.calls.append(request.content)
        cluster.add_agent(owner="made-by-handler", cpus=1, mem=1)  # a visible state change
        body = {"id": "/dev/web", "server": server.url, "payload": json.loads(request.content)}
        return httpx.Response(201, json=body)

    def agent_state(
        self, _cluster: FakeCluster, server: Server, _request: httpx.Request
    ) -> httpx.Response:
        return httpx.Response(200, json={"id": server.agent_id})


@pytest.fixture
def bench() -> Bench:
    return Bench()


@pytest.mark.anyio
async def test_request_is_served_and_logged(bench: Bench) -> None:
    async with httpx.AsyncClient(transport=bench.cluster.async_transport()) as client:
        response = await client.post(
            APPS, json={"id": "web"}, headers={"Authorization": "Basic c2VjcmV0"}
        )
    assert response.status_code == 201
    assert response.json() == {
        "id": "/dev/web",
        "server": MARATHON_0,
        "payload": {"id": "web"},
    }
    assert bench.calls == [b'{"id":"web"}']
    (record,) = bench.cluster.requests_to(MARATHON_0, "/v2/apps", "POST")
    assert record.header("authorization") == REDACTED
    assert record.body_size == len(b'{"id":"web"}')
    assert record.faults == ()


@pytest.mark.anyio
async def test_unknown_host_is_a_connect_error(bench: Bench) -> None:
    client = httpx.AsyncClient(transport=bench.cluster.async_transport())
    try:
        with pytest.raises(httpx.ConnectError):
            await client.get("http://marathon-9.asgard.test:8080/v2/apps")
    finally:
        await client.aclose()
    assert len(bench.cluster.requests) == 0
    assert len(bench.cluster.requests.unreached) == 1


@pytest.mark.anyio
async def test_unregistered_path_is_404(bench: Bench) -> None:
    async with httpx.AsyncClient(transport=bench.cluster.async_transport()) as client:
        marathon = await client.get(MARATHON_0 + "/v2/nothing")
        mesos = await client.get(bench.cluster.mesos_urls[0] + "/master/quota")
    assert (marathon.status_code, marathon.json()) == (404, {"message": "URI not found"})
    assert mesos.status_code == 404
    assert mesos.headers["content-type"].startswith("text/plain")


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("kind", "error", "handler_ran"),
    [
        ("timeout", httpx.ReadTimeout, True),
        ("connection_reset", httpx.ReadError, True),
        ("connection_refused", httpx.ConnectError, False),
    ],
)
async def test_transport_errors_and_whether_the_write_happened(
    bench: Bench, kind: FaultKind, error: type[Exception], handler_ran: bool
) -> None:
    bench.cluster.faults.inject(kind, server=MARATHON_0, path="/v2/apps")
    async with httpx.AsyncClient(transport=bench.cluster.async_transport()) as client:
        with pytest.raises(error):
            await client.post(APPS, json={"id": "web"})
        # the fault is used up: the next request is answered
        assert (await client.post(APPS, json={"id": "web"})).status_code == 201
    assert len(bench.calls) == (2 if handler_ran else 1)
    assert len(bench.cluster.agents) == (2 if handler_ran else 1)
    received = bench.cluster.requests_to(path="/v2/apps")
    if handler_ran:
        assert [r.faults for r in received] == [(kind,), ()]
        assert bench.cluster.requests.unreached == ()
    else:
        assert [r.faults for r in received] == [()]
        (refused,) = bench.cluster.requests.unreached
        assert refused.faults == (kind,)


@pytest.mark.anyio
async def test_agent_unreachable_refuses_agent_connections(bench: Bench) -> None:
    agent_id = bench.cluster.add_agent(owner="ops", cpus=2, mem=512)
    url = bench.cluster.agent(agent_id).url
    bench.cluster.faults.inject("agent_unreachable", server=url)
    async with httpx.AsyncClient(transport=bench.cluster.async_transport()) as client:
        with pytest.raises(httpx.ConnectError):
            await client.get(url + "/state")
        assert (await client.get(url + "/state")).json() == {"id": agent_id}


@pytest.mark.anyio
async def test_server_error_html_does_not_run_the_handler(bench: Bench) -> None:
    bench.cluster.faults.inject("server_error_html", path="/v2/apps*")
    async with httpx.AsyncClient(transport=bench.cluster.async_transport()) as client:
        response = await client.post(APPS, json={"id": "web"})
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("text/html")
    assert "HTTP ERROR 500" in response.text
    assert "/v2/apps" in response.text
    assert bench.calls == []
    assert bench.cluster.requests[0].faults == ("server_error_html",)


@pytest.mark.anyio
async def test_locked_answers_409_with_a_deployment_id(bench: Bench) -> None:
    bench.cluster.faults.inject("locked", server=MARATHON_0)
    async with httpx.AsyncClient(transport=bench.cluster.async_transport()) as client:
        response = await client.post(APPS, json={"id": "web"})
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["message"] == "App is locked by one or more deployments."
    (deployment,) = body["deployments"]
    assert isinstance(deployment["id"], str)
    assert deployment["id"]
    assert bench.calls == []


@pytest.mark.anyio
async def test_truncated_body_keeps_status_and_type(bench: Bench) -> None:
    async with httpx.AsyncClient(transport=bench.cluster.async_transport()) as client:
        whole = await client.post(APPS, json={"id": "web"})
        bench.cluster.faults.inject("truncated_body", path="/v2/apps")
        cut = await client.post(APPS, json={"id": "web"})
    assert cut.status_code == whole.status_code == 201
    assert cut.headers["content-type"] == whole.headers["content-type"]
    assert cut.content == whole.content[: len(whole.content) // 2]
    with pytest.raises(json.JSONDecodeError):
        cut.json()
    assert len(bench.calls) == 2


@pytest.mark.anyio
async def test_wrong_content_type_keeps_the_body(bench: Bench) -> None:
    bench.cluster.faults.inject("wrong_content_type")
    async with httpx.AsyncClient(transport=bench.cluster.async_transport()) as client:
        response = await client.post(APPS, json={"id": "web"})
    assert response.status_code == 201
    assert response.headers["content-type"] == "text/html"
    assert response.json()["id"] == "/dev/web"
    assert len(bench.calls) == 1


@pytest.mark.anyio
async def test_latency_sleeps_then_answers(bench: Bench, monkeypatch: pytest.MonkeyPatch) -> None:
    slept: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)

    monkeypatch.setattr(_transport, "asleep", fake_sleep)
    bench.cluster.faults.inject("latency", seconds=2.5, server=MARATHON_0, times=2)
    async with httpx.AsyncClient(transport=bench.cluster.async_transport()) as client:
        for _ in range(3):
            assert (await client.post(APPS, json={"id": "web"})).status_code == 201
        assert (await client.post(MARATHON_1 + "/v2/apps", json={"id": "web"})).status_code == 201
    assert slept == [2.5, 2.5]
    assert len(bench.calls) == 4
    assert [r.faults for r in bench.cluster.requests] == [("latency",), ("latency",), (), ()]


@pytest.mark.anyio
async def test_latency_longer_than_the_read_timeout_times_out(
    bench: Bench, monkeypatch: pytest.MonkeyPatch
) -> None:
    slept: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)

    monkeypatch.setattr(_transport, "asleep", fake_sleep)
    bench.cluster.faults.inject("latency", seconds=30)
    timeout = httpx.Timeout(5.0, read=0.25)
    transport = bench.cluster.async_transport()
    async with httpx.AsyncClient(transport=transport, timeout=timeout) as client:
        with pytest.raises(httpx.ReadTimeout):
            await client.post(APPS, json={"id": "web"})
    assert slept == [0.25]
    assert len(bench.calls) == 1  # the server got the write; only the reply was lost


@pytest.mark.anyio
async def test_latency_really_waits(bench: Bench) -> None:
    bench.cluster.faults.inject("latency", seconds=0.05)
    async with httpx.AsyncClient(transport=bench.cluster.async_transport()) as client:
        started = time.monotonic()
        response = await client.post(APPS, json={"id": "web"})
        elapsed = time.monotonic() - started
    assert response.status_code == 201
    assert elapsed >= 0.04
