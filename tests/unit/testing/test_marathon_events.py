"""The events the FakeCluster's Marathon publishes, read from ``/v2/events`` as a client would."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from asgard.testing import FakeCluster
from asgard.testing._eventbus import KEEP_ALIVE, EventBus, render

VERSIONS = ("1.4", "1.10")
SSE = {"Accept": "text/event-stream"}
WEB = {
    "id": "/dev/web",
    "cmd": "sleep 1000",
    "instances": 1,
    "cpus": 0.1,
    "mem": 32,
    "env": {"PASSWORD": "hunter2"},
    "healthChecks": [{"protocol": "HTTP", "gracePeriodSeconds": 5}],
}


def parse(stream: bytes) -> list[tuple[str, dict[str, Any]]]:
    """The ``(event type, payload)`` pairs of a Server-Sent Events body."""
    found: list[tuple[str, dict[str, Any]]] = []
    for block in stream.decode().split("\n\n"):
        if not block.strip():
            continue
        lines = dict(line.split(": ", 1) for line in block.split("\n"))
        found.append((lines["event"], json.loads(lines["data"])))
    return found


def recorded(
    version: str, script: Callable[[FakeCluster, httpx.Client, str], None]
) -> list[tuple[str, dict[str, Any]]]:
    """The events published while ``script`` runs (the stream ends once it is idle)."""
    cluster = FakeCluster(seed=2, marathon_version=version, event_stream_idle_timeout=0.05)
    cluster.add_agent(owner="dev-team", cpus=4, mem=4096)
    leader = cluster.marathon_urls[0]
    with httpx.Client(transport=cluster.transport()) as client:
        with client.stream("GET", leader + "/v2/events", headers=SSE) as stream:
            script(cluster, client, leader)
            body = b"".join(stream.iter_bytes())
    events = parse(body)
    assert events[0][0] == "event_stream_attached"
    for event_type, payload in events:
        assert payload["eventType"] == event_type
        assert payload["timestamp"].endswith("Z")
    return events[1:]


def lifecycle(cluster: FakeCluster, client: httpx.Client, leader: str) -> None:
    assert client.post(leader + "/v2/apps", json=WEB).status_code == 201
    cluster.advance(0)  # the app is started, its task launched
    cluster.advance(1)  # the task runs
    cluster.advance(5)  # the task is healthy: the deployment is done
    assert client.delete(leader + "/v2/apps/dev/web").status_code == 200
    cluster.advance(0)  # the task is killed, the app is gone


@pytest.mark.parametrize("version", VERSIONS)
def test_a_lifecycle_publishes_marathons_events_in_order(version: str) -> None:
    events = recorded(version, lifecycle)
    health = "health_status_changed_event" if version == "1.4" else "instance_health_changed_event"
    assert [event_type for event_type, _ in events] == [
        "deployment_info",  # StartApplication
        "api_post_event",
        "deployment_step_success",
        "deployment_info",  # ScaleApplication
        "instance_changed_event",  # launched
        "status_update_event",  # TASK_RUNNING
        "instance_changed_event",
        health,
        "deployment_step_success",
        "deployment_success",
        "deployment_info",  # StopApplication
        "status_update_event",  # TASK_KILLED
        "instance_changed_event",
        "deployment_step_success",
        "app_terminated_event",
        "deployment_success",
    ]
    by_type: dict[str, list[dict[str, Any]]] = {}
    for event_type, payload in events:
        by_type.setdefault(event_type, []).append(payload)
    post = by_type["api_post_event"][0]
    assert post["uri"] == "/v2/apps"
    assert post["appDefinition"]["env"] == {"PASSWORD": "hunter2"}  # Marathon leaks env
    running, killed = by_type["status_update_event"]
    assert (running["taskStatus"], killed["taskStatus"]) == ("TASK_RUNNING", "TASK_KILLED")
    assert (running["appId"], running["host"]) == ("/dev/web", "agent-0.asgard.test")
    assert running["version"] == post["appDefinition"]["version"]
    conditions = [payload["condition"] for payload in by_type["instance_changed_event"]]
    created = "Created" if version == "1.4" else "Provisioned"
    assert conditions == [created, "Running", "Killed"]
    assert by_type[health][0].get("alive", by_type[health][0].get("healthy")) is True
    assert by_type["app_terminated_event"][0]["appId"] == "/dev/web"
    first, second = by_type["deployment_success"]
    assert first["id"] != second["id"]


@pytest.mark.parametrize("version", VERSIONS)
def test_plans_are_heavy_on_1_4_and_light_on_1_10(version: str) -> None:
    def create(cluster: FakeCluster, client: httpx.Client, leader: str) -> None:
        client.post(leader + "/v2/apps", json={**WEB, "id": "/ops/db"})
        client.post(leader + "/v2/apps", json=WEB)

    events = recorded(version, create)
    infos = [payload for event_type, payload in events if event_type == "deployment_info"]
    plan = infos[1]["plan"]
    assert infos[1]["currentStep"] == {
        "actions": [{"action": "StartApplication", "app": "/dev/web"}]
    }
    assert plan["steps"][0] == {"actions": [{"action": "StartApplication", "app": "/dev/web"}]}
    if version == "1.10":
        assert set(plan) == {"id", "steps", "version"}
        return
    assert set(plan) == {"id", "original", "target", "steps", "version"}
    # The heavy plan carries the whole cluster: another namespace's app, env values and all.
    original_groups = {group["id"]: group for group in plan["original"]["groups"]}
    assert [app["id"] for app in original_groups["/ops"]["apps"]] == ["/ops/db"]
    assert "/dev" not in original_groups
    target_groups = {group["id"]: group for group in plan["target"]["groups"]}
    assert target_groups["/dev"]["apps"][0]["env"] == {"PASSWORD": "hunter2"}
    assert set(plan["target"]) == {"id", "apps", "pods", "groups", "dependencies", "version"}


@pytest.mark.parametrize("version", VERSIONS)
def test_a_forced_write_and_a_rollback_fail_deployments(version: str) -> None:
    ids: dict[str, str] = {}

    def script(cluster: FakeCluster, client: httpx.Client, leader: str) -> None:
        ids["first"] = client.post(leader + "/v2/apps", json={**WEB, "cpus": 64}).json()[
            "deployments"
        ][0]["id"]
        ids["second"] = client.put(
            leader + "/v2/apps/dev/web?force=true", json={"cpus": 0.1}
        ).json()["deploymentId"]
        ids["rollback"] = cluster.fail_deployment(ids["second"])

    events = recorded(version, script)
    failed = [payload for event_type, payload in events if event_type == "deployment_failed"]
    assert [payload["id"] for payload in failed] == [ids["first"], ids["second"]]
    assert all(("reason" in payload) is (version == "1.10") for payload in failed)
    step_failures = [p for t, p in events if t == "deployment_step_failure"]
    assert len(step_failures) == 2
    assert events[-1][0] == "deployment_info"
    assert events[-1][1]["plan"]["id"] == ids["rollback"]


def test_a_failed_launch_and_a_health_failure_are_published() -> None:
    def script(cluster: FakeCluster, client: httpx.Client, leader: str) -> None:
        client.post(leader + "/v2/apps", json=WEB)
        cluster.fail_next_launch("/dev/web")
        cluster.advance(1)
        cluster.advance(1)
        cluster.advance(10)
        cluster.set_app_health("/dev/web", False)

    events = recorded("1.10", script)
    statuses = [p["taskStatus"] for t, p in events if t == "status_update_event"]
    assert statuses == ["TASK_FAILED", "TASK_RUNNING"]
    failed = next(p for t, p in events if t == "status_update_event")
    assert "scripted launch failure" in failed["message"]
    health = [p["healthy"] for t, p in events if t == "instance_health_changed_event"]
    assert health == [True, False]


def test_a_quiet_stream_writes_jettys_keep_alive_and_never_ends_for_idleness() -> None:
    bus = EventBus(idle_timeout=None, keep_alive=0.01)
    subscription = bus.subscribe()
    assert [bus.next_chunk(subscription) for _ in range(3)] == [KEEP_ALIVE] * 3
    assert KEEP_ALIVE == b"\r\n"  # Jetty's EventSourceServlet heartbeat
    bus.publish("event_stream_attached", {"eventType": "event_stream_attached"})
    assert bus.next_chunk(subscription) == render(
        "event_stream_attached", {"eventType": "event_stream_attached"}
    )
    assert subscription.keep_alives == 3
    assert bus.end_streams() == 1
    assert bus.next_chunk(subscription) is None


def test_without_keep_alives_a_quiet_stream_ends_after_the_idle_timeout() -> None:
    bus = EventBus(idle_timeout=0.01)
    subscription = bus.subscribe()
    assert bus.next_chunk(subscription) is None
    assert subscription.keep_alives == 0
    assert bus.open_streams == 0


def test_a_quiet_stream_without_idle_timeout_or_keep_alive_waits_until_ended() -> None:
    bus = EventBus(idle_timeout=None)
    subscription = bus.subscribe()
    timer = threading.Timer(0.1, bus.end_streams)
    timer.start()
    assert bus.next_chunk(subscription) is None  # blocked (no OverflowError) until ended
    timer.join()
