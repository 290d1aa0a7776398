"""The FakeCluster's Mesos master endpoints, driven through an httpx client."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from asgard.testing import CLUSTER_NAME, FakeCluster

LEADER_ONLY = [
    "/master/slaves",
    "/slaves",
    "/master/tasks",
    "/tasks",
    "/master/tasks.json",
    "/master/state",
    "/state",
    "/master/state.json",
    "/master/state-summary",
    "/state-summary",
    "/master/frameworks",
    "/frameworks",
]
LOCAL = ["/version", "/master/flags", "/flags", "/metrics/snapshot", "/master/health", "/health"]


@pytest.fixture
def cluster() -> FakeCluster:
    return FakeCluster(seed=4)


@pytest.fixture
def client(cluster: FakeCluster) -> Iterator[httpx.Client]:
    with httpx.Client(transport=cluster.transport()) as http:
        yield http


def _get(client: httpx.Client, cluster: FakeCluster, path: str, **params: Any) -> Any:
    response = client.get(cluster.mesos_urls[0] + path, params=params)
    assert response.status_code == 200, response.text
    return response.json()


# -- leaders -----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", LEADER_ONLY)
def test_standbys_redirect_leader_only_endpoints(
    cluster: FakeCluster, client: httpx.Client, path: str
) -> None:
    cluster.set_leader(2, service="mesos")
    answer = client.get(cluster.mesos_urls[0] + path, params={"limit": 5})
    assert answer.status_code == 307
    assert answer.headers["Location"] == f"//mesos-2.asgard.test:5050{path}?limit=5"
    assert client.get(cluster.mesos_urls[2] + path).status_code == 200


@pytest.mark.parametrize("path", LEADER_ONLY)
def test_no_leader_is_503_in_plain_text(
    cluster: FakeCluster, client: httpx.Client, path: str
) -> None:
    cluster.no_leader(service="mesos")
    for url in cluster.mesos_urls:
        answer = client.get(url + path)
        assert (answer.status_code, answer.text) == (503, "No leader elected")
        assert answer.headers["Content-Type"].startswith("text/plain")


@pytest.mark.parametrize("path", LOCAL)
def test_local_endpoints_answer_on_every_master(
    cluster: FakeCluster, client: httpx.Client, path: str
) -> None:
    cluster.set_leader(1, service="mesos")
    for url in cluster.mesos_urls:
        assert client.get(url + path).status_code == 200
    cluster.no_leader(service="mesos")
    for url in cluster.mesos_urls:
        assert client.get(url + path).status_code == 200


def test_metrics_say_which_master_is_elected(cluster: FakeCluster, client: httpx.Client) -> None:
    cluster.set_leader(1, service="mesos")
    elected = [client.get(url + "/metrics/snapshot").json() for url in cluster.mesos_urls]
    assert [body["master/elected"] for body in elected] == [0, 1, 0]


def test_metrics_refuse_a_bad_timeout(cluster: FakeCluster, client: httpx.Client) -> None:
    url = cluster.mesos_urls[0] + "/metrics/snapshot"
    assert client.get(url, params={"timeout": "5secs"}).status_code == 200
    answer = client.get(url, params={"timeout": "soon"})
    assert answer.status_code == 400
    assert answer.headers["Content-Type"].startswith("text/plain")
    assert "soon" in answer.text


def test_flags_are_strings_and_name_the_cluster(cluster: FakeCluster, client: httpx.Client) -> None:
    flags = _get(client, cluster, "/master/flags")["flags"]
    assert flags["cluster"] == CLUSTER_NAME
    assert all(isinstance(value, str) for value in flags.values())
    health = client.get(cluster.mesos_urls[1] + "/master/health")
    assert (health.status_code, health.content) == (200, b"")


@pytest.mark.parametrize(("version", "release"), [("1.4", "1.4.1"), ("1.11", "1.11.0")])
def test_versions_report_the_emulated_release(version: str, release: str) -> None:
    cluster = FakeCluster(mesos_version=version)
    agent = cluster.add_agent(owner="a", cpus=1, mem=1)
    with httpx.Client(transport=cluster.transport()) as client:
        assert _get(client, cluster, "/version")["version"] == release
        assert _get(client, cluster, "/master/state")["version"] == release
        (record,) = _get(client, cluster, "/master/slaves")["slaves"]
        assert record["version"] == release
        assert client.get(cluster.agent_url(agent) + "/version").json()["version"] == release


# -- /master/slaves ----------------------------------------------------------------------------


def test_slaves_lists_agents_with_their_records(cluster: FakeCluster, client: httpx.Client) -> None:
    cluster.advance(12.5)
    first = cluster.add_agent(owner="dev", cpus=4, mem=8192, disk=1000, hostname="10.1.2.3")
    second = cluster.add_agent(owner="ops", cpus=2, mem=4096)
    body = _get(client, cluster, "/master/slaves")
    assert body["recovered_slaves"] == []
    assert [record["id"] for record in body["slaves"]] == [first, second]
    record = body["slaves"][0]
    assert record["hostname"] == "10.1.2.3"
    assert record["port"] == 5051
    assert record["pid"] == "slave(1)@10.1.2.3:5051"
    assert record["registered_time"] == cluster.now.timestamp()
    assert record["resources"] == {
        "cpus": 4,
        "mem": 8192,
        "disk": 1000,
        "gpus": 0,
        "ports": "[31000-32000]",
    }
    assert record["used_resources"] == {"cpus": 0, "mem": 0, "disk": 0, "gpus": 0}
    assert record["offered_resources"] == {"cpus": 0, "mem": 0, "disk": 0, "gpus": 0}
    assert record["unreserved_resources"] == record["resources"]
    assert record["reserved_resources"] == {}
    assert record["active"] is True


def test_slave_id_filters_and_an_unknown_id_is_empty(
    cluster: FakeCluster, client: httpx.Client
) -> None:
    cluster.add_agent(owner="dev", cpus=1, mem=1)
    wanted = cluster.add_agent(owner="dev", cpus=1, mem=1)
    body = _get(client, cluster, "/master/slaves", slave_id=wanted)
    assert [record["id"] for record in body["slaves"]] == [wanted]
    assert _get(client, cluster, "/slaves", slave_id="nope-S9") == {
        "slaves": [],
        "recovered_slaves": [],
    }


def test_attributes_keep_numbers_as_numbers(cluster: FakeCluster, client: httpx.Client) -> None:
    agent = cluster.add_agent(
        owner="dev", cpus=1, mem=1, attributes={"rack": "r1", "cluster": 48, "weight": 1.5}
    )
    (record,) = _get(client, cluster, "/master/slaves", slave_id=agent)["slaves"]
    assert record["attributes"] == {"rack": "r1", "cluster": 48, "weight": 1.5, "owner": "dev"}
    assert isinstance(record["attributes"]["cluster"], int)


def test_used_resources_include_the_executor_overhead(
    cluster: FakeCluster, client: httpx.Client
) -> None:
    agent = cluster.add_agent(owner="dev", cpus=4, mem=8192)
    first = cluster.add_task(agent_id=agent, app_id="/dev/web", cpus=1, mem=100)
    cluster.add_task(agent_id=agent, app_id="/dev/api", cpus=0.5, mem=256, disk=10)
    (record,) = _get(client, cluster, "/master/slaves")["slaves"]
    assert record["used_resources"] == {"cpus": 1.7, "mem": 420, "disk": 10, "gpus": 0}
    cluster.set_task_state(first, "TASK_KILLED")
    (record,) = _get(client, cluster, "/master/slaves")["slaves"]
    assert record["used_resources"] == {"cpus": 0.6, "mem": 288, "disk": 10, "gpus": 0}
    assert cluster.agent(agent).allocated.cpus == 0.6


def test_used_ports_are_absent_until_a_task_holds_some(
    cluster: FakeCluster, client: httpx.Client
) -> None:
    agent = cluster.add_agent(owner="dev", cpus=4, mem=8192)
    cluster.add_task(agent_id=agent, app_id="/dev/host-net")
    (record,) = _get(client, cluster, "/master/slaves")["slaves"]
    assert "ports" not in record["used_resources"]
    assert all(entry["name"] != "ports" for entry in record["used_resources_full"])
    cluster.add_task(agent_id=agent, app_id="/dev/web", ports=(31005, 31001))
    cluster.add_task(agent_id=agent, app_id="/dev/api", ports=(31006,))
    (record,) = _get(client, cluster, "/master/slaves")["slaves"]
    assert record["used_resources"]["ports"] == "[31001-31001, 31005-31006]"
    (ports,) = [entry for entry in record["used_resources_full"] if entry["name"] == "ports"]
    assert ports["ranges"]["range"] == [
        {"begin": 31001, "end": 31001},
        {"begin": 31005, "end": 31006},
    ]


# -- draining and deactivation -----------------------------------------------------------------


def _record(cluster: FakeCluster, agent: str) -> Any:
    with httpx.Client(transport=cluster.transport()) as client:
        (record,) = _get(client, cluster, "/master/slaves", slave_id=agent)["slaves"]
        return record


def test_drain_fields_in_1_11() -> None:
    cluster = FakeCluster(mesos_version="1.11")
    agent = cluster.add_agent(owner="dev", cpus=4, mem=8192)
    task = cluster.add_task(agent_id=agent, app_id="/dev/web")
    record = _record(cluster, agent)
    assert (record["active"], record["deactivated"]) == (True, False)
    assert "drain_info" not in record
    cluster.advance(5)
    cluster.drain_agent(agent, max_grace_period=30)
    record = _record(cluster, agent)
    assert (record["active"], record["deactivated"]) == (False, True)
    assert record["drain_info"] == {
        "state": "DRAINING",
        "config": {"mark_gone": False, "max_grace_period": {"nanoseconds": 30_000_000_000}},
    }
    assert record["estimated_drain_start_time_seconds"] == cluster.now.timestamp()
    cluster.set_task_state(task, "TASK_KILLED")
    assert _record(cluster, agent)["drain_info"]["state"] == "DRAINED"
    cluster.reactivate_agent(agent)
    record = _record(cluster, agent)
    assert (record["active"], record["deactivated"]) == (True, False)
    assert "drain_info" not in record


def test_deactivation_in_1_11_shows_no_drain() -> None:
    cluster = FakeCluster(mesos_version="1.11")
    agent = cluster.add_agent(owner="dev", cpus=4, mem=8192)
    cluster.deactivate_agent(agent)
    record = _record(cluster, agent)
    assert (record["active"], record["deactivated"]) == (False, True)
    assert "drain_info" not in record
    assert "estimated_drain_start_time_seconds" not in record


@pytest.mark.parametrize("operation", ["drain_agent", "deactivate_agent"])
def test_1_4_shows_only_an_inactive_agent(operation: str) -> None:
    cluster = FakeCluster(mesos_version="1.4")
    agent = cluster.add_agent(owner="dev", cpus=4, mem=8192)
    assert "deactivated" not in _record(cluster, agent)
    getattr(cluster, operation)(agent)
    record = _record(cluster, agent)
    assert record["active"] is False
    assert not {"deactivated", "drain_info", "estimated_drain_start_time_seconds"} & set(record)
    assert record["capabilities"] == ["MULTI_ROLE", "HIERARCHICAL_ROLE", "RESERVATION_REFINEMENT"]


# -- /master/tasks -----------------------------------------------------------------------------


def _many_tasks(cluster: FakeCluster, count: int) -> list[str]:
    agent = cluster.add_agent(owner="dev", cpus=1000, mem=100_000)
    ids = []
    for number in range(count):
        ids.append(cluster.add_task(agent_id=agent, app_id=f"/dev/app-{number}"))
        cluster.advance(1)
    return ids


def _ids(client: httpx.Client, cluster: FakeCluster, **params: Any) -> list[str]:
    return [task["id"] for task in _get(client, cluster, "/master/tasks", **params)["tasks"]]


def test_tasks_page_by_first_status_newest_first(
    cluster: FakeCluster, client: httpx.Client
) -> None:
    ids = _many_tasks(cluster, 120)
    assert _ids(client, cluster) == ids[::-1][:100]
    assert _ids(client, cluster, limit=-1) == ids[::-1]
    assert _ids(client, cluster, limit=10, offset=5, order="asc") == ids[5:15]
    assert _ids(client, cluster, limit=10, offset=5, order="desc") == ids[::-1][5:15]
    assert _ids(client, cluster, limit=50, offset=100, order="asc") == ids[100:]
    assert _ids(client, cluster, offset=200) == []


def test_tasks_parameters_that_do_not_parse_fall_back_like_mesos(
    cluster: FakeCluster, client: httpx.Client
) -> None:
    ids = _many_tasks(cluster, 105)
    assert len(_ids(client, cluster, limit="lots")) == 100
    assert _ids(client, cluster, limit=3, offset="x", order="sideways") == ids[::-1][:3]
    assert _ids(client, cluster, offset=-1) == []


def test_tasks_include_terminal_ones_and_filter(cluster: FakeCluster, client: httpx.Client) -> None:
    agent = cluster.add_agent(owner="dev", cpus=8, mem=8192)
    web = cluster.add_task(agent_id=agent, app_id="/dev/web")
    cluster.advance(1)
    done = cluster.add_task(agent_id=agent, app_id="/dev/web")
    cluster.set_task_state(done, "TASK_FINISHED")
    cluster.advance(1)
    job = cluster.add_task(agent_id=agent, framework="chronos", app_id="nightly")
    chronos = cluster.task(job).framework_id
    assert _ids(client, cluster, order="asc") == [web, done, job]
    assert _ids(client, cluster, framework_id=chronos) == [job]
    assert _ids(client, cluster, task_id=done) == [done]
    assert _ids(client, cluster, task_id="nope") == []
    (task,) = _get(client, cluster, "/master/tasks", task_id=done)["tasks"]
    assert task["state"] == "TASK_FINISHED"
    assert [status["state"] for status in task["statuses"]] == ["TASK_RUNNING", "TASK_FINISHED"]


def test_a_task_as_the_master_shows_it(cluster: FakeCluster, client: httpx.Client) -> None:
    agent = cluster.add_agent(owner="dev", cpus=8, mem=8192, hostname="10.168.200.97")
    cluster.advance(2.25)
    task_id = cluster.add_task(
        agent_id=agent, app_id="/dev/infra/mysql", cpus=3.5, mem=12288, ports=(31461,), healthy=True
    )
    (task,) = _get(client, cluster, "/master/tasks")["tasks"]
    record = cluster.task(task_id)
    assert task["id"] == task_id
    assert task["name"] == "mysql.infra.dev"
    assert task["executor_id"] == ""
    assert task["framework_id"] == cluster.framework_id
    assert task["slave_id"] == agent
    assert task["resources"] == {
        "cpus": 3.5,
        "mem": 12288,
        "disk": 0,
        "gpus": 0,
        "ports": "[31461-31461]",
    }
    assert task["role"] == "*"
    assert "labels" not in task
    assert task["statuses"] == [
        {
            "state": "TASK_RUNNING",
            "timestamp": cluster.now.timestamp(),
            "container_status": {
                "container_id": {"value": record.container_id},
                "network_infos": [
                    {"ip_addresses": [{"protocol": "IPv4", "ip_address": "10.168.200.97"}]}
                ],
            },
            "healthy": True,
        }
    ]
    assert task["discovery"]["ports"]["ports"] == [{"number": 31461, "protocol": "tcp"}]


# -- /master/state, /master/state-summary, /master/frameworks ---------------------------------


def test_state_summary_counts_tasks_per_agent_and_framework(
    cluster: FakeCluster, client: httpx.Client
) -> None:
    first = cluster.add_agent(owner="dev", cpus=8, mem=8192)
    second = cluster.add_agent(owner="dev", cpus=8, mem=8192)
    cluster.add_task(agent_id=first, app_id="/dev/web")
    failed = cluster.add_task(agent_id=first, app_id="/dev/web")
    cluster.set_task_state(failed, "TASK_FAILED")
    job = cluster.add_task(agent_id=second, framework="chronos", state="TASK_STAGING")
    chronos = cluster.task(job).framework_id
    body = _get(client, cluster, "/master/state-summary")
    assert (body["hostname"], body["cluster"]) == ("mesos-0.asgard.test", CLUSTER_NAME)
    one, two = body["slaves"]
    assert (one["TASK_RUNNING"], one["TASK_FAILED"], one["TASK_STAGING"]) == (1, 1, 0)
    assert one["framework_ids"] == [cluster.framework_id]
    assert (two["TASK_RUNNING"], two["TASK_STAGING"]) == (0, 1)
    assert two["framework_ids"] == [chronos]
    marathon, other = body["frameworks"]
    assert (marathon["name"], marathon["TASK_RUNNING"], marathon["TASK_FAILED"]) == (
        "marathon",
        1,
        1,
    )
    assert marathon["slave_ids"] == [first]
    assert (other["id"], other["name"], other["slave_ids"]) == (chronos, "chronos", [second])


def test_state_holds_frameworks_with_their_tasks(
    cluster: FakeCluster, client: httpx.Client
) -> None:
    cluster.set_leader(1, service="mesos")
    agent = cluster.add_agent(owner="dev", cpus=8, mem=8192)
    running = cluster.add_task(agent_id=agent, app_id="/dev/web")
    done = cluster.add_task(agent_id=agent, app_id="/dev/web")
    cluster.set_task_state(done, "TASK_KILLED")
    response = client.get(cluster.mesos_urls[1] + "/master/state")
    body = response.json()
    assert body["leader"] == body["pid"] == "master@mesos-1.asgard.test:5050"
    assert body["leader_info"]["hostname"] == "mesos-1.asgard.test"
    assert body["cluster"] == CLUSTER_NAME
    assert body["elected_time"] == cluster.now.timestamp()
    assert (body["activated_slaves"], body["deactivated_slaves"]) == (1, 0)
    assert [record["id"] for record in body["slaves"]] == [agent]
    assert "used_resources_full" not in body["slaves"][0]
    (marathon,) = body["frameworks"]
    assert marathon["id"] == cluster.framework_id
    assert [task["id"] for task in marathon["tasks"]] == [running]
    assert [task["id"] for task in marathon["completed_tasks"]] == [done]
    assert marathon["used_resources"]["cpus"] == 0.2


def test_master_capabilities_appear_from_1_11() -> None:
    old = FakeCluster(mesos_version="1.4")
    new = FakeCluster(mesos_version="1.11")
    with httpx.Client(transport=old.transport()) as client:
        assert "capabilities" not in _get(client, old, "/master/state")
    with httpx.Client(transport=new.transport()) as client:
        assert "AGENT_DRAINING" in _get(client, new, "/master/state")["capabilities"]


def test_frameworks_endpoint_filters_by_id(cluster: FakeCluster, client: httpx.Client) -> None:
    chronos = cluster.add_framework("chronos")
    body = _get(client, cluster, "/master/frameworks")
    assert [fw["name"] for fw in body["frameworks"]] == ["marathon", "chronos"]
    body = _get(client, cluster, "/master/frameworks", framework_id=chronos)
    assert [fw["id"] for fw in body["frameworks"]] == [chronos]
