"""The Mesos parsers against every recorded payload, and malformed variants of them."""

from __future__ import annotations

import copy
import json
import random
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from asgard.errors import MalformedResponseError
from asgard.mesos import _parse
from asgard.models import Resources, TaskState
from tests import fixture_sets as fs
from tests.conftest import SHARED_FIXTURES, load_fixture

AGENT_DIRS = sorted(p.name for p in (SHARED_FIXTURES / "asgard-recorded/agents").iterdir())

SLAVE_LISTINGS = fs.MESOS_SLAVE_LISTINGS
TASK_LISTINGS = fs.MESOS_TASK_LISTINGS
STATES = fs.MESOS_STATES
AGENT_STATES = fs.MESOS_AGENT_STATES


@pytest.mark.parametrize("name", SLAVE_LISTINGS)
def test_every_recorded_agent_listing_parses(name: str) -> None:
    payload = load_fixture(name)
    agents = _parse.agents_from_slaves(payload)
    assert len(agents) == len(payload["slaves"]) + len(payload.get("recovered_slaves", []))
    for found, raw in zip(agents, payload["slaves"], strict=False):
        agent = found.agent
        assert agent.id == raw["id"]
        assert agent.hostname == raw["hostname"]
        assert agent.total.cpus == float(raw["resources"]["cpus"])
        assert agent.total.mem == float(raw["resources"]["mem"])
        assert agent.attributes == {
            key: float(value) if isinstance(value, int) else value
            for key, value in raw.get("attributes", {}).items()
        }
        assert agent.tasks is None
        assert found.pid == raw.get("pid")


@pytest.mark.parametrize("agent_dir", AGENT_DIRS)
def test_every_recorded_agent_entry_parses(agent_dir: str) -> None:
    raw = load_fixture(f"asgard-recorded/agents/{agent_dir}/info.json")
    (found,) = _parse.agents_from_slaves({"slaves": [raw]})
    assert found.agent.id == agent_dir
    assert found.agent.allocated.cpus == float(raw["used_resources"]["cpus"])


def test_the_untrimmed_agent_record() -> None:
    (found,) = _parse.agents_from_slaves(
        load_fixture("asgard-recorded/agents_list_raw_fields.json")
    )
    agent = found.agent
    assert agent.port == 5051
    assert agent.active
    assert not agent.draining
    assert agent.version == "1.4.1"
    assert agent.registered_at == datetime.fromtimestamp(1546863598.0782, tz=timezone.utc)
    assert agent.total == Resources(cpus=4, mem=8000, disk=456229, gpus=0)
    assert agent.allocated == Resources(cpus=2.7, mem=4128, disk=0, gpus=0)
    assert agent.allocated_pct.cpus == pytest.approx(67.5)
    assert agent.attributes["owner"] == "asgard"
    assert found.pid == "slave(1)@10.168.200.94:5051"


def test_oldest_agents_lack_port_version_and_usage() -> None:
    agents = _parse.agents_from_slaves(load_fixture("mesos/mesosphere-mesos-cli/master-state.json"))
    assert all(found.agent.version is None for found in agents)
    assert all(found.agent.allocated == Resources(cpus=0, mem=0) for found in agents)
    assert all(found.agent.port == 5051 for found in agents)


def test_numeric_attributes_stay_numbers() -> None:
    summary = load_fixture("mesos/datadog-integrations-core/master-state-summary.json")
    agents = _parse.agents_from_slaves(summary)
    numbers = [
        value
        for found in agents
        for value in found.agent.attributes.values()
        if isinstance(value, float)
    ]
    assert numbers
    assert 29160.0 in numbers


def test_newer_fields_drain_and_deactivation() -> None:
    raw = copy.deepcopy(load_fixture("asgard-recorded/agents_list_raw_fields.json"))
    entry = raw["slaves"][0]
    entry.update(
        deactivated=True,
        drain_info={"state": "DRAINING", "config": {"mark_gone": False}},
        estimated_drain_start_time_seconds=1.5,
        new_field_from_mesos_2={"anything": [1]},
    )
    (found,) = _parse.agents_from_slaves(raw)
    assert found.agent.draining
    assert not found.agent.active


def test_recovered_agents_are_listed_inactive_with_a_reason() -> None:
    raw = {
        "slaves": [],
        "recovered_slaves": [
            {"id": "x-S9", "hostname": "h9", "port": 5051, "attributes": {"owner": "o"}}
        ],
    }
    (found,) = _parse.agents_from_slaves(raw)
    assert not found.agent.active
    assert found.agent.errors
    assert "re-registered" in found.agent.errors[0]


@pytest.mark.parametrize(
    ("mutate", "path"),
    [
        (lambda d: d["slaves"][0].pop("id"), "/slaves/0/id"),
        (lambda d: d["slaves"][0].__setitem__("hostname", 10), "/slaves/0/hostname"),
        (
            lambda d: d["slaves"][0]["resources"].__setitem__("cpus", "4"),
            "/slaves/0/resources/cpus",
        ),
        (lambda d: d["slaves"][0].__setitem__("attributes", []), "/slaves/0/attributes"),
        (
            lambda d: d["slaves"][0].__setitem__("registered_time", "yesterday"),
            "/slaves/0/registered_time",
        ),
        (lambda d: d.pop("slaves"), "/slaves"),
        (lambda d: d.__setitem__("slaves", {}), "/slaves"),
    ],
)
def test_malformed_agent_listings_name_the_path(mutate: Any, path: str) -> None:
    payload = copy.deepcopy(load_fixture("asgard-recorded/agents_list_raw_fields.json"))
    mutate(payload)
    with pytest.raises(MalformedResponseError) as caught:
        _parse.agents_from_slaves(payload)
    assert caught.value.path == path


@pytest.mark.parametrize("name", TASK_LISTINGS)
def test_every_recorded_task_listing_parses(name: str) -> None:
    payload = load_fixture(name)
    tasks = _parse.tasks_from(payload)
    assert [task.id for task in tasks] == [raw["id"] for raw in payload["tasks"]]
    assert all(isinstance(task.state, TaskState) for task in tasks)


@pytest.mark.parametrize("name", STATES)
def test_tasks_inside_recorded_master_states_parse(name: str) -> None:
    state = load_fixture(name)
    raw = [task for framework in state["frameworks"] for task in framework.get("tasks", [])]
    raw += [
        task for framework in state["frameworks"] for task in framework.get("completed_tasks", [])
    ]
    assert raw
    assert len(_parse.tasks_from({"tasks": raw})) == len(raw)


def test_a_real_task_in_detail() -> None:
    (task,) = _parse.tasks_from(load_fixture(TASK_LISTINGS[0]))
    assert task.id == "dev_infra_mysql.b331f6c9-fb9e-11e7-ab4b-faf0633ea91f"
    assert task.state is TaskState.TASK_RUNNING
    assert task.ports == (31461,)
    assert task.agent_id == "2084863b-12d1-4319-b515-992eab91a53d-S1"
    assert task.executor_key == ("27b52920-3899-4b90-a1d6-bf83a87f3612-0000", task.id)
    assert task.container_id == "e14d7537-c1d0-4846-a076-25d623d6a70f"
    assert task.started_at == datetime.fromtimestamp(1516194429.20948, tz=timezone.utc)
    assert task.healthy is None


def test_a_failed_task_keeps_when_it_started() -> None:
    (task,) = _parse.tasks_from(load_fixture(TASK_LISTINGS[1]))
    assert task.state is TaskState.TASK_FAILED
    assert task.started_at is not None
    assert task.staged_at is not None
    assert task.staged_at <= task.started_at


def test_unknown_task_states_and_health_are_kept() -> None:
    raw = copy.deepcopy(load_fixture(TASK_LISTINGS[0]))
    raw["tasks"][0]["state"] = "TASK_FROM_THE_FUTURE"
    raw["tasks"][0]["statuses"].append(
        {"state": "TASK_RUNNING", "timestamp": 1516194500.0, "healthy": False}
    )
    (task,) = _parse.tasks_from(raw)
    assert task.state == "TASK_FROM_THE_FUTURE"
    assert task.healthy is False


@pytest.mark.parametrize(
    ("mutate", "path"),
    [
        (lambda t: t.pop("slave_id"), "/tasks/0/slave_id"),
        (lambda t: t.__setitem__("framework_id", None), "/tasks/0/framework_id"),
        (lambda t: t["resources"].__setitem__("ports", "31000"), "/tasks/0/resources/ports"),
        (
            lambda t: t["statuses"][0].__setitem__("timestamp", "now"),
            "/tasks/0/statuses/0/timestamp",
        ),
        (
            lambda t: t["statuses"][0]["container_status"]["container_id"].pop("value"),
            "/tasks/0/statuses/0/container_status/container_id/value",
        ),
    ],
)
def test_malformed_tasks_name_the_path(mutate: Any, path: str) -> None:
    raw = copy.deepcopy(load_fixture(TASK_LISTINGS[0]))
    mutate(raw["tasks"][0])
    with pytest.raises(MalformedResponseError) as caught:
        _parse.tasks_from(raw)
    assert caught.value.path == path


@pytest.mark.parametrize(
    ("text", "ports"),
    [
        ("[31000-31002]", (31000, 31001, 31002)),
        ("[31187-31187, 31217-31217, 31250-31251]", (31187, 31217, 31250, 31251)),
        ("[ 80-80 ,2000-2001 ]", (80, 2000, 2001)),
        ("[]", ()),
        (None, ()),
        ("", ()),
    ],
)
def test_port_ranges(text: str | None, ports: tuple[int, ...]) -> None:
    assert _parse.parse_ports(text) == ports


@pytest.mark.parametrize("text", ["31000", "[a-b]", "[5-1]", "{a, b}", "[0-99999999]"])
def test_bad_port_ranges(text: str) -> None:
    with pytest.raises(ValueError):  # noqa: PT011
        _parse.parse_ports(text)


@pytest.mark.parametrize("agent_dir", AGENT_DIRS)
def test_every_recorded_container_listing_parses(agent_dir: str) -> None:
    raw = load_fixture(f"asgard-recorded/agents/{agent_dir}/containers.json")
    containers = _parse.containers_from(raw)
    assert [c.container_id for c in containers] == [entry["container_id"] for entry in raw]
    for container, entry in zip(containers, raw, strict=True):
        assert container.statistics is not None
        assert (
            container.statistics.cpus_user_time_secs == entry["statistics"]["cpus_user_time_secs"]
        )
        assert container.statistics.mem_limit_bytes == entry["statistics"]["mem_limit_bytes"]


def test_containers_without_statistics_or_throttling() -> None:
    raw = copy.deepcopy(load_fixture(f"asgard-recorded/agents/{AGENT_DIRS[0]}/containers.json"))
    raw[0].pop("statistics")
    raw[0].pop("status")
    for key in ("cpus_nr_periods", "cpus_nr_throttled", "cpus_throttled_time_secs"):
        raw[1]["statistics"].pop(key)
    containers = _parse.containers_from(raw)
    assert containers[0].statistics is None
    assert containers[1].statistics is not None
    assert containers[1].statistics.cpus_nr_periods is None


def test_the_oldest_monitor_statistics_are_refused_by_the_container_parser() -> None:
    # /monitor/statistics has no container ids: asgard reads /containers instead.
    with pytest.raises(MalformedResponseError) as caught:
        _parse.containers_from(
            load_fixture("mesos/mesosphere-mesos-cli/agent-monitor-statistics.json")
        )
    assert caught.value.path == "/0/container_id"


@pytest.mark.parametrize("body", [{}, None, "x", [1]])
def test_container_listings_that_are_not_lists_of_objects(body: Any) -> None:
    with pytest.raises(MalformedResponseError):
        _parse.containers_from(body)


@pytest.mark.parametrize(
    "name", [*STATES, "mesos/datadog-integrations-core/master-state-summary.json"]
)
def test_framework_names(name: str) -> None:
    payload = load_fixture(name)
    names = _parse.framework_names(payload)
    assert names
    for framework in payload["frameworks"]:
        assert names[framework["id"]] == framework["name"]


def test_marathon_is_named_in_the_summary() -> None:
    names = _parse.framework_names(
        load_fixture("mesos/datadog-integrations-core/master-state-summary.json")
    )
    assert "marathon" in names.values()


@pytest.mark.parametrize("name", AGENT_STATES)
def test_sandbox_directories_from_every_recorded_agent_state(name: str) -> None:
    state = load_fixture(name)
    executors = [
        (framework["id"], executor["id"], executor["directory"])
        for key in ("frameworks", "completed_frameworks")
        for framework in state.get(key, [])
        for executor_key in ("executors", "completed_executors")
        for executor in framework.get(executor_key, [])
    ]
    assert executors
    for framework_id, executor_id, _directory in executors:
        found = _parse.sandbox_directory(state, framework_id, executor_id)
        assert found is not None
        assert found.startswith("/")
    first_framework, first_executor, first_directory = executors[0]
    assert _parse.sandbox_directory(state, first_framework, first_executor) == first_directory
    assert _parse.sandbox_directory(state, "no-such-framework", "x") is None


def test_file_read_version_and_flags() -> None:
    data, offset = _parse.file_read(
        load_fixture("asgard-recorded/api/tasks/task_file_read_response.json")
    )
    assert data.startswith("*** Starting uWSGI")
    assert offset == 0
    assert _parse.version_of({"version": "1.11.0", "build_date": "x"}) == "1.11.0"
    assert _parse.cluster_name({"flags": {"cluster": "prod", "port": "5050"}}) == "prod"
    assert _parse.cluster_name({"flags": {"port": "5050"}}) is None
    with pytest.raises(MalformedResponseError):
        _parse.file_read({"data": "x"})
    with pytest.raises(MalformedResponseError):
        _parse.cluster_name({"nope": 1})


def test_every_json_fixture_of_mesos_is_covered_here() -> None:
    covered = set(SLAVE_LISTINGS) | set(TASK_LISTINGS) | set(STATES) | set(AGENT_STATES)
    covered |= {
        "mesos/mesosphere-mesos-cli/agent-monitor-statistics.json",
        "asgard-recorded/api/tasks/task_file_read_response.json",
        # not answers asgard parses: metrics (asgard does not read them), a v1 stream event,
        # the browse listing (logs read files by path), Elasticsearch documents
        "mesos/asgard-plugin-mesos-metrics/master-metrics-snapshot.json",
        "mesos/asgard-plugin-mesos-metrics/agent-metrics-snapshot.json",
        "mesos/datadog-integrations-core/agent-metrics-snapshot.json",
        "mesos/asgard-events-indexer/v1-event-task-updated.json",
        "asgard-recorded/api/tasks/task_file_browse_namespace_dev.json",
    }
    mesos_shaped = {
        str(path.relative_to(SHARED_FIXTURES))
        for path in [
            *SHARED_FIXTURES.glob("mesos/**/*.json"),
            *SHARED_FIXTURES.glob("asgard-recorded/api/tasks/*.json"),
            *SHARED_FIXTURES.glob("asgard-recorded/agents_*.json"),
        ]
    }
    assert mesos_shaped - covered == set()
    for path in mesos_shaped:
        json.loads(Path(SHARED_FIXTURES, path).read_text())


def _by_sorting(statuses: list[dict[str, Any]]) -> tuple[object, ...]:
    """What the statuses say, read the obvious way: sorted by time, then walked."""
    ordered = sorted(statuses, key=lambda status: status.get("timestamp") or 0.0)
    stamps = [s for s in ordered if s.get("timestamp") is not None]
    running = [s for s in stamps if s.get("state") == "TASK_RUNNING"]
    health = [s["healthy"] for s in ordered if s.get("healthy") is not None]
    containers = [
        s["container_status"]["container_id"]["value"]
        for s in ordered
        if s.get("container_status", {}).get("container_id") is not None
    ]
    return (
        _epoch(stamps[0]["timestamp"]) if stamps else None,
        _epoch(running[0]["timestamp"]) if running else None,
        health[-1] if health else None,
        containers[-1] if containers else None,
    )


def _epoch(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=timezone.utc)


STATUSES = [
    {"state": "TASK_STAGING", "timestamp": 100.0},
    {
        "state": "TASK_STARTING",
        "timestamp": 101.0,
        "container_status": {"container_id": {"value": "c1"}},
    },
    {"state": "TASK_RUNNING", "timestamp": 102.0, "healthy": False},
    {
        "state": "TASK_RUNNING",
        "timestamp": 102.0,
        "healthy": True,
        "container_status": {"container_id": {"value": "c2"}},
    },
    {"state": "TASK_RUNNING", "healthy": False},  # no timestamp: counts as the earliest
    {"state": "TASK_RUNNING", "timestamp": 0.0},
]


@pytest.mark.parametrize("seed", range(40))
def test_statuses_in_any_order_say_what_sorted_statuses_say(seed: int) -> None:
    rng = random.Random(seed)
    statuses = rng.sample(copy.deepcopy(STATUSES), k=rng.randint(0, len(STATUSES)))
    raw = {
        "id": "t",
        "framework_id": "f",
        "slave_id": "s",
        "state": "TASK_RUNNING",
        "statuses": statuses,
    }
    (task,) = _parse.tasks_from({"tasks": [raw]})
    assert (task.staged_at, task.started_at, task.healthy, task.container_id) == _by_sorting(
        statuses
    )


def test_a_task_page_decodes_only_live_tasks_on_the_agents_asked_for() -> None:
    def raw(task_id: str, agent: str, state: str = "TASK_RUNNING") -> dict[str, Any]:
        return {"id": task_id, "framework_id": "f", "slave_id": agent, "state": state}

    page = {
        "tasks": [
            raw("mine", "S1"),
            raw("over", "S1", "TASK_FINISHED"),
            raw("theirs", "S2"),
            {"id": "broken-theirs", "slave_id": "S2"},  # never read: not the account's agent
            raw("unknown-state", "S1", "TASK_FROM_THE_FUTURE"),
        ]
    }
    tasks, listed = _parse.task_page(page, {"S1"})
    assert [task.id for task in tasks] == ["mine", "unknown-state"]
    assert listed == 5  # paging counts what the master listed
    everything, _ = _parse.task_page({"tasks": page["tasks"][:3]})
    assert [task.id for task in everything] == ["mine", "over", "theirs"]
    with pytest.raises(MalformedResponseError) as caught:
        _parse.task_page({"tasks": [{"id": "broken-mine", "slave_id": "S1"}]}, {"S1"})
    assert caught.value.path == "/tasks/0/framework_id"
