"""The FakeCluster's Mesos answers have the shapes of the recorded real payloads.

For each endpoint, every key a real recording has (at every level) must be in the fake's answer
with the same JSON type, except the fields each test allow-lists with its reason. An allow-list
entry the recording does not have fails the test too, so the lists stay honest.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from asgard.testing import FakeCluster
from tests.conftest import load_fixture
from tests.unit.testing._shapes import gaps, paths_of

VERSIONS = ("1.4", "1.11")
AGENTS_PREFIX = "ead07ffb-5a61-42c9-9386-21b680597e6c"
AGENT_RECORD = "api/tasks/one_slave_json_id_2084863b-12d1-4319-b515-992eab91a53d-S1.json"
AGENT_STATE = "api/tasks/slave_state_id_2084863b-12d1-4319-b515-992eab91a53d-S1.json"


class Scenario:
    """A cluster showing every feature the recordings show."""

    def __init__(self, mesos_version: str) -> None:
        cluster = FakeCluster(seed=11, mesos_version=mesos_version, marathon_version="1.4")
        self.cluster = cluster
        self.agent = cluster.add_agent(
            owner="dev", cpus=8, mem=18000, disk=196746, attributes={"dc": "bit", "number": 29160}
        )
        other = cluster.add_agent(owner="ops", cpus=4, mem=8000, hostname="10.168.200.94")
        self.web = cluster.add_task(
            agent_id=self.agent,
            app_id="/dev/infra/mysql",
            cpus=3.5,
            mem=12288,
            ports=(31461,),
            labels={"hollowman.default_scale": "1"},
            healthy=True,
        )
        cluster.add_task(agent_id=other, app_id="/ops/web", cpus=1, mem=256, ports=(31001,))
        cluster.advance(30)
        failed = cluster.add_task(
            agent_id=self.agent,
            app_id="/dev/infra/mongodb",
            cpus=1,
            mem=3096,
            ports=(31948,),
            labels={"hollowman.default_scale": "1"},
        )
        cluster.advance(1)
        cluster.set_task_state(failed, "TASK_FAILED")
        chronos = cluster.add_task(agent_id=self.agent, framework="chronos", app_id="curator")
        cluster.advance(10)
        cluster.set_task_state(chronos, "TASK_FINISHED")
        cluster.add_task(agent_id=self.agent, framework="chronos", app_id="curator")
        cluster.write_log(self.web, "stdout", "*** Starting uWSGI 2.0.14 ***\n")
        cluster.write_log(self.web, "stderr", "warming up\n")
        cluster.advance(60)

    def get(self, url: str, **params: Any) -> Any:
        with httpx.Client(transport=self.cluster.transport()) as client:
            response = client.get(url, params=params)
        assert response.status_code == 200, response.text
        return response.json()

    def master(self, endpoint: str, **params: Any) -> Any:
        return self.get(self.cluster.mesos_urls[0] + endpoint, **params)

    def on_agent(self, endpoint: str, **params: Any) -> Any:
        return self.get(self.cluster.agent_url(self.agent) + endpoint, **params)


@pytest.fixture(scope="module", params=VERSIONS)
def scenario(request: pytest.FixtureRequest) -> Scenario:
    return Scenario(request.param)


def _version_gaps(scenario: Scenario) -> set[str]:
    # The fake claims no git sha for 1.11.0 (only 1.4.1's is recorded).
    return {"$.git_sha"} if scenario.cluster.mesos_profile.git_sha is None else set()


# -- master ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fixture",
    [
        "asgard-recorded/agents_list_raw_fields.json",
        f"asgard-recorded/{AGENT_RECORD}",
        "mesos/asgard-plugin-mesos-metrics/master-slaves.json",
    ],
)
def test_master_slaves(scenario: Scenario, fixture: str) -> None:
    real = load_fixture(fixture)
    fake = scenario.master("/master/slaves")
    assert (
        gaps(
            real,
            fake,
            # only after a re-registration, which the fake never does
            omitted={"$.slaves[].reregistered_time"},
            # keyed by the operator's attribute names
            opaque={"$.slaves[].attributes"},
        )
        == []
    )


@pytest.mark.parametrize(
    ("fixture", "omitted"),
    [
        # The fake has no Docker images, so its tasks carry no `container`.
        ("asgard-recorded/api/tasks/one_task_json_namespace_dev.json", {"$.tasks[].container"}),
        (
            "asgard-recorded/api/tasks/task_info_namespace_dev_task_id_infra_mongodb_mongodb1."
            "2580925d-0129-11e8-9a03-6e85ded2ca1e.json",
            {"$.tasks[].container"},
        ),
        (
            "mesos/asgard-plugin-mesos-metrics/master-tasks.json",
            # Docker's executor labels its status updates with the container IP.
            {"$.tasks[].container", "$.tasks[].statuses[].labels"},
        ),
    ],
)
def test_master_tasks(scenario: Scenario, fixture: str, omitted: set[str]) -> None:
    real = load_fixture(fixture)
    fake = scenario.master("/master/tasks")
    assert gaps(real, fake, omitted=omitted) == []


def test_master_state_summary(scenario: Scenario) -> None:
    real = load_fixture("mesos/datadog-integrations-core/master-state-summary.json")
    fake = scenario.master("/master/state-summary")
    assert gaps(real, fake, opaque={"$.slaves[].attributes"}) == []


def test_master_state(scenario: Scenario) -> None:
    real = load_fixture("mesos/datadog-integrations-core/master-state.json")
    fake = scenario.master("/master/state")
    old_counters = {
        f"$.{name}_tasks" for name in ("staged", "started", "finished", "killed", "failed", "lost")
    }
    assert (
        gaps(
            real,
            fake,
            # pre-1.0 counters (the recording's build is 0.22-era), and re-registration times
            omitted=old_counters
            | {"$.slaves[].reregistered_time", "$.frameworks[].reregistered_time"}
            | _version_gaps(scenario),
            opaque={"$.flags", "$.slaves[].attributes"},
        )
        == []
    )


def test_master_metrics_have_the_keys_of_interest(scenario: Scenario) -> None:
    real = load_fixture("mesos/asgard-plugin-mesos-metrics/master-metrics-snapshot.json")
    fake = scenario.master("/metrics/snapshot")
    wanted = [
        "master/elected",
        "master/uptime_secs",
        *(f"master/slaves_{s}" for s in ("active", "inactive", "connected", "unreachable")),
        *(f"master/tasks_{s}" for s in ("running", "staging", "failed", "finished", "lost")),
        *(f"master/{r}_{s}" for r in ("cpus", "mem", "disk", "gpus") for s in ("total", "used")),
        "master/cpus_percent",
        "master/mem_percent",
    ]
    for key in wanted:
        assert isinstance(real[key], (int, float)), key
        assert isinstance(fake[key], (int, float)), key
    assert gaps({k: real[k] for k in wanted}, fake) == []


# -- agent -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fixture", "extra"),
    [
        (f"asgard-recorded/{AGENT_STATE}", set()),
        # Its Chronos framework also sits in completed_frameworks; the fake never completes one.
        ("mesos/asgard-events-indexer/agent-state.json", {"$.completed_frameworks[]"}),
    ],
)
def test_agent_state(scenario: Scenario, fixture: str, extra: set[str]) -> None:
    real = load_fixture(fixture)
    fake = scenario.on_agent("/state")
    # The fake has no Docker images, so its tasks carry no `container`.
    executors = "$.frameworks[].executors[]"
    completed = "$.frameworks[].completed_executors[]"
    no_containers = {
        f"{executors}.tasks[].container",
        f"{completed}.completed_tasks[].container",
    } & paths_of(real)
    assert (
        gaps(
            real,
            fake,
            omitted=no_containers | extra | _version_gaps(scenario),
            opaque={"$.flags", "$.attributes"},
        )
        == []
    )


def test_agent_state_of_an_older_recording(scenario: Scenario) -> None:
    real = load_fixture("mesos/datadog-integrations-core/agent-state.json")
    fake = scenario.on_agent("/state")
    old = {
        f"$.{name}_tasks" for name in ("staged", "started", "finished", "killed", "failed", "lost")
    }
    assert (
        gaps(
            real,
            fake,
            # pre-1.0 counters and the old agent's copy of the --cluster flag
            omitted=old | {"$.cluster"} | _version_gaps(scenario),
            opaque={"$.flags", "$.attributes"},
        )
        == []
    )


@pytest.mark.parametrize("agent", ["S0", "S9", "S10", "S12"])
def test_agent_containers(scenario: Scenario, agent: str) -> None:
    real = load_fixture(f"asgard-recorded/agents/{AGENTS_PREFIX}-{agent}/containers.json")
    fake = scenario.on_agent("/containers")
    assert gaps(real, fake) == []


def test_agent_monitor_statistics(scenario: Scenario) -> None:
    real = load_fixture("mesos/mesosphere-mesos-cli/agent-monitor-statistics.json")
    fake = scenario.on_agent("/monitor/statistics")
    assert gaps(real, fake) == []


def test_agent_files_browse(scenario: Scenario) -> None:
    real = load_fixture("asgard-recorded/api/tasks/task_file_browse_namespace_dev.json")
    task = scenario.cluster.tasks[scenario.web]
    fake = scenario.on_agent("/files/browse", path=task.sandbox_directory)
    assert gaps(real, fake) == []


def test_agent_files_read(scenario: Scenario) -> None:
    real = load_fixture("asgard-recorded/api/tasks/task_file_read_response.json")
    task = scenario.cluster.tasks[scenario.web]
    fake = scenario.on_agent("/files/read", path=task.sandbox_directory + "/stdout", offset=0)
    assert gaps(real, fake) == []


def test_agent_metrics_have_the_keys_of_interest(scenario: Scenario) -> None:
    real = load_fixture("mesos/asgard-plugin-mesos-metrics/agent-metrics-snapshot.json")
    fake = scenario.on_agent("/metrics/snapshot")
    wanted = [
        "slave/registered",
        "slave/uptime_secs",
        "slave/executors_running",
        *(f"slave/{r}_{s}" for r in ("cpus", "mem", "disk") for s in ("total", "used", "percent")),
        *(f"slave/tasks_{s}" for s in ("running", "staging", "failed", "finished", "killed")),
    ]
    assert gaps({k: real[k] for k in wanted}, fake) == []


def test_the_helper_sees_a_missing_key_and_a_wrong_type() -> None:
    real = {"a": [{"b": 1, "c": "x"}], "d": {}}
    assert gaps(real, {"a": [{"b": 2.5, "c": "y"}], "d": {}}) == []
    assert gaps(real, {"a": [{"b": "1", "c": "y"}], "d": {}}) == [
        "$.a[].b: real ['number'] but fake ['string']"
    ]
    assert gaps(real, {"a": [], "d": {}}) == ["$.a[]: the fake array is empty, the real one is not"]
    assert gaps(real, {"a": [{"b": 1}], "d": {}}, omitted={"$.zz"}) == [
        "$.a[].c: missing in the fake",
        "$.zz: allow-listed but not in the real payload",
    ]
