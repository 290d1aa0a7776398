"""The FakeCluster's Marathon event stream through an httpx client: filter, standbys, ends.

Written once; the sync twin is generated from it.
"""

from __future__ import annotations

import httpx
import pytest

from asgard import Account
from asgard.models import (
    AppSpec,
    DeploymentSucceeded,
    Event,
    StreamReconnected,
    TaskState,
    TaskStatusChanged,
)
from asgard.testing import FakeCluster

EVENT = {"eventType": "status_update_event", "appId": "/dev/web", "taskId": "t1"}


async def read(response: httpx.Response) -> bytes:
    body = b""
    async for chunk in response.aiter_bytes():
        body += chunk
    return body


@pytest.mark.anyio
async def test_published_events_reach_the_open_streams_filtered() -> None:
    cluster = FakeCluster(event_stream_idle_timeout=0.2)
    leader = cluster.marathon_urls[0]
    async with httpx.AsyncClient(transport=cluster.async_transport()) as client:
        headers = {"Accept": "text/event-stream"}
        async with client.stream("GET", f"{leader}/v2/events", headers=headers) as everything:
            async with client.stream(
                "GET",
                f"{leader}/v2/events",
                params={"event_type": "deployment_success"},
                headers=headers,
            ) as filtered:
                assert cluster.events.open_streams == 2
                cluster.events.publish("status_update_event", EVENT)
                cluster.events.publish("deployment_success", {"eventType": "deployment_success"})
                all_events = await read(everything)
                only = await read(filtered)
    assert everything.headers["Content-Type"] == "text/event-stream"
    assert all_events.count(b"event: ") == 3
    assert all_events.startswith(b"event: event_stream_attached\ndata: {")
    assert b'event: status_update_event\ndata: {"eventType":"status_update_event"' in all_events
    assert only.count(b"event: ") == 2  # attached, and the success
    assert b"status_update_event" not in only
    assert cluster.events.open_streams == 0


@pytest.mark.anyio
async def test_without_the_sse_accept_header_the_answer_is_405_html() -> None:
    cluster = FakeCluster()
    async with httpx.AsyncClient(transport=cluster.async_transport()) as client:
        answer = await client.get(f"{cluster.marathon_urls[0]}/v2/events")
    assert answer.status_code == 405
    assert b"HTTP ERROR: 405" in answer.content


@pytest.mark.anyio
@pytest.mark.parametrize(("version", "status"), [("1.10", 302), ("1.4", 200)])
async def test_a_standby_redirects_from_1_7_and_proxies_before(version: str, status: int) -> None:
    cluster = FakeCluster(marathon_version=version, event_stream_idle_timeout=0.05)
    standby, leader = cluster.marathon_urls[1], cluster.marathon_urls[0]
    async with httpx.AsyncClient(transport=cluster.async_transport()) as client:
        async with client.stream(
            "GET", f"{standby}/v2/events?event_type=x", headers={"Accept": "text/event-stream"}
        ) as answer:
            await read(answer)
    assert answer.status_code == status
    assert answer.headers["X-Marathon-Leader"] == leader
    if status == 302:
        assert answer.headers["Location"] == f"{leader}/v2/events?event_type=x"


@pytest.mark.anyio
async def test_streams_end_on_request_on_a_leader_change_and_abruptly() -> None:
    cluster = FakeCluster(event_stream_idle_timeout=5)
    leader = cluster.marathon_urls[0]
    headers = {"Accept": "text/event-stream"}
    async with httpx.AsyncClient(transport=cluster.async_transport()) as client:
        async with client.stream("GET", f"{leader}/v2/events", headers=headers) as first:
            assert cluster.end_event_streams() == 1
            assert (await read(first)).count(b"event: ") == 1
        async with client.stream("GET", f"{leader}/v2/events", headers=headers) as second:
            cluster.set_leader(1, service="marathon")
            await read(second)
        async with client.stream(
            "GET", f"{cluster.marathon_urls[1]}/v2/events", headers=headers
        ) as third:
            cluster.end_event_streams(abrupt=True)
            with pytest.raises(httpx.ReadError):
                await read(third)
        cluster.no_leader(service="marathon")
        answer = await client.get(f"{leader}/v2/events", headers=headers)
    assert answer.status_code == 502
    assert b"Could not determine the current leader" in answer.content


@pytest.mark.anyio
async def test_with_a_time_scale_a_stream_that_only_listens_sees_deployments_progress() -> None:
    # No request but the stream's own: time flows while it waits, as on a real cluster.
    cluster = FakeCluster(seed=4, time_scale=500.0)
    cluster.add_agent(owner="dev-team", cpus=4, mem=8192)
    dev = Account(namespace="dev", owner="dev-team")
    agents, apps = cluster.async_backends(dev)
    seen: list[Event] = []
    async with agents, apps, apps.events() as stream:
        cluster.add_app("/dev/web", AppSpec(id="/dev/web", instances=2, cpus=0.1, mem=32, cmd="x"))
        async for event in stream:
            seen.append(event)
            if isinstance(event, DeploymentSucceeded) or len(seen) >= 50:
                break
    assert isinstance(seen[-1], DeploymentSucceeded)
    assert not [event for event in seen if isinstance(event, StreamReconnected)]
    running = [
        e for e in seen if isinstance(e, TaskStatusChanged) and e.state == TaskState.TASK_RUNNING
    ]
    assert len(running) == 2
