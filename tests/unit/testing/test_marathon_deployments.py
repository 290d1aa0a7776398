"""The FakeCluster's Marathon deployments: placement, scaling, restarts, health, failures.

Everything goes through the HTTP API of the cluster (``httpx.Client`` on its transport), and
time moves only with ``cluster.advance``.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from asgard.errors import ConflictError, InvalidInputError, NotFoundError
from asgard.models import AppSpec, HealthCheck
from asgard.testing import FakeCluster

VERSIONS = ("1.4", "1.10")
OWNER_PIN = ["owner", "LIKE", "dev-team"]


class Marathon:
    """A cluster with two dev-team agents and one ops-team agent, and a client for it."""

    def __init__(self, version: str, **options: Any) -> None:
        self.cluster = FakeCluster(seed=3, marathon_version=version, **options)
        self.dev = [
            self.cluster.add_agent(owner="dev-team", cpus=2, mem=2048),
            self.cluster.add_agent(owner="dev-team", cpus=2, mem=2048),
        ]
        self.ops = self.cluster.add_agent(owner="ops-team", cpus=8, mem=8192)
        self.url = self.cluster.marathon_urls[0]
        self.client = httpx.Client(transport=self.cluster.transport())

    def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return self.client.request(method, self.url + path, **kwargs)

    def ok(self, method: str, path: str, **kwargs: Any) -> Any:
        answer = self.call(method, path, **kwargs)
        assert answer.status_code in (200, 201), answer.text
        return answer.json()

    def app(self, app_id: str) -> Any:
        return self.ok("GET", f"/v2/apps{app_id}")["app"]

    def tasks(self, app_id: str) -> list[Any]:
        return list(self.ok("GET", f"/v2/apps{app_id}/tasks")["tasks"])

    def deployments(self) -> list[Any]:
        return list(self.ok("GET", "/v2/deployments"))

    def create(self, app_id: str = "/dev/web", **fields: Any) -> Any:
        body = {
            "id": app_id,
            "cmd": "sleep 1000",
            "instances": 2,
            "cpus": 0.25,
            "mem": 128,
            "constraints": [OWNER_PIN],
            **fields,
        }
        return self.ok("POST", "/v2/apps", json=body)


@pytest.fixture(params=VERSIONS)
def marathon(request: pytest.FixtureRequest) -> Marathon:
    return Marathon(request.param)


def test_a_created_app_runs_only_on_matching_agents(marathon: Marathon) -> None:
    created = marathon.create(instances=4)
    deployment_id = created["deployments"][0]["id"]
    listed = marathon.deployments()
    assert [item["id"] for item in listed] == [deployment_id]
    assert [step["actions"][0]["action"] for step in listed[0]["steps"]] == [
        "StartApplication",
        "ScaleApplication",
    ]
    assert listed[0]["affectedApps"] == ["/dev/web"]

    marathon.cluster.advance(0)  # launched: staging for one second
    assert {task["state"] for task in marathon.tasks("/dev/web")} == {"TASK_STAGING"}
    assert marathon.deployments()
    marathon.cluster.advance(1)
    tasks = marathon.tasks("/dev/web")
    assert len(tasks) == 4
    assert {task["state"] for task in tasks} == {"TASK_RUNNING"}
    assert {task["slaveId"] for task in tasks} == set(marathon.dev)
    assert marathon.deployments() == []

    app = marathon.app("/dev/web")
    assert (app["tasksRunning"], app["tasksStaged"], app["deployments"]) == (4, 0, [])
    # Mesos sees the same tasks, and each agent accounts for them (plus the executors).
    mesos = marathon.client.get(
        marathon.cluster.mesos_urls[0] + "/master/tasks", params={"limit": -1}
    ).json()["tasks"]
    assert {task["id"] for task in mesos} == {task["id"] for task in tasks}
    assert {task["state"] for task in mesos} == {"TASK_RUNNING"}
    for agent_id in marathon.dev:
        count = sum(1 for task in tasks if task["slaveId"] == agent_id)
        assert count == 2
        allocated = marathon.cluster.agent(agent_id).allocated
        assert allocated.cpus == pytest.approx(count * (0.25 + 0.1))
        assert allocated.mem == pytest.approx(count * (128 + 32))
    assert marathon.cluster.agent(marathon.ops).allocated.cpus == 0


def test_task_ids_follow_the_version(marathon: Marathon) -> None:
    marathon.create()
    marathon.cluster.advance(1)
    task = marathon.tasks("/dev/web")[0]
    if marathon.cluster.marathon_profile.version == "1.4":
        assert task["id"].startswith("dev_web.")
        assert ".instance-" not in task["id"]
    else:
        assert task["id"].startswith("dev_web.instance-")
        assert task["id"].endswith("._app.1")
    assert task["appId"] == "/dev/web"
    assert task["ports"]
    assert task["servicePorts"] == [10000]


def test_a_locked_app_refuses_writes_unless_forced(marathon: Marathon) -> None:
    first = marathon.create()["deployments"][0]["id"]
    locked = marathon.call("PUT", "/v2/apps/dev/web", json={"mem": 64})
    assert locked.status_code == 409
    assert locked.json()["deployments"] == [{"id": first}]
    assert locked.json()["message"].startswith("App is locked by one or more deployments.")
    forced = marathon.call("PUT", "/v2/apps/dev/web?force=true", json={"mem": 64})
    assert forced.status_code == 200
    second = forced.json()["deploymentId"]
    assert forced.headers["Marathon-Deployment-Id"] == second
    assert [item["id"] for item in marathon.deployments()] == [second]
    marathon.cluster.advance(5)
    assert marathon.deployments() == []
    app = marathon.app("/dev/web")
    assert (app["mem"], app["tasksRunning"]) == (64, 2)


def test_scaling_up_and_down(marathon: Marathon) -> None:
    marathon.create()
    marathon.cluster.advance(2)
    before = marathon.app("/dev/web")
    scaled = marathon.ok("PUT", "/v2/apps/dev/web", json={"instances": 3})
    deployment = marathon.deployments()[0]
    assert deployment["steps"] == [{"actions": [{"action": "ScaleApplication", "app": "/dev/web"}]}]
    marathon.cluster.advance(2)
    app = marathon.app("/dev/web")
    assert (app["instances"], app["tasksRunning"], app["version"]) == (3, 3, scaled["version"])
    assert app["versionInfo"]["lastScalingAt"] == scaled["version"]
    assert app["versionInfo"]["lastConfigChangeAt"] == before["versionInfo"]["lastConfigChangeAt"]
    kept = {task["id"] for task in marathon.tasks("/dev/web")}

    marathon.ok("PATCH", "/v2/apps/dev/web", json={"instances": 1})
    marathon.cluster.advance(1)
    remaining = marathon.tasks("/dev/web")
    assert len(remaining) == 1
    assert remaining[0]["id"] in kept
    assert marathon.deployments() == []


def test_a_restart_replaces_every_task_keeping_capacity(marathon: Marathon) -> None:
    marathon.create()
    marathon.cluster.advance(2)
    old = {task["id"] for task in marathon.tasks("/dev/web")}
    result = marathon.ok("POST", "/v2/apps/dev/web/restart")
    assert marathon.deployments()[0]["steps"][0]["actions"][0]["action"] == "RestartApplication"
    marathon.cluster.advance(0)
    during = marathon.tasks("/dev/web")
    running_old = [t for t in during if t["id"] in old and t["state"] == "TASK_RUNNING"]
    assert len(running_old) == 2  # minimumHealthCapacity 1: the old ones stay up for now
    assert len(during) == 4
    marathon.cluster.advance(1)
    after = marathon.tasks("/dev/web")
    assert len(after) == 2
    assert old.isdisjoint(task["id"] for task in after)
    assert {task["version"] for task in after} == {result["version"]}
    app = marathon.app("/dev/web")
    assert app["version"] == app["versionInfo"]["lastConfigChangeAt"] == result["version"]
    assert marathon.deployments() == []


def test_a_config_change_with_half_capacity_replaces_in_waves(marathon: Marathon) -> None:
    marathon.create(
        instances=4, upgradeStrategy={"minimumHealthCapacity": 0.5, "maximumOverCapacity": 0}
    )
    marathon.cluster.advance(2)
    marathon.ok("PUT", "/v2/apps/dev/web", json={"mem": 100})
    marathon.cluster.advance(0)
    during = marathon.tasks("/dev/web")
    assert len(during) == 4  # two old killed, two new staging
    assert sum(1 for task in during if task["state"] == "TASK_RUNNING") == 2
    marathon.cluster.advance(3)
    after = marathon.tasks("/dev/web")
    assert len(after) == 4
    assert marathon.deployments() == []
    assert {marathon.cluster.tasks[task["id"]].resources.mem for task in after} == {100}


def test_deleting_kills_the_tasks(marathon: Marathon) -> None:
    marathon.create()
    marathon.cluster.advance(2)
    ids = [task["id"] for task in marathon.tasks("/dev/web")]
    result = marathon.ok("DELETE", "/v2/apps/dev/web")
    assert marathon.call("GET", "/v2/apps/dev/web").status_code == 404
    assert marathon.deployments()[0]["steps"][0]["actions"][0] == {
        "action": "StopApplication",
        "app": "/dev/web",
    }
    assert marathon.deployments()[0]["id"] == result["deploymentId"]
    marathon.cluster.advance(0)
    assert {marathon.cluster.tasks[task_id].state for task_id in ids} == {"TASK_KILLED"}
    assert marathon.deployments() == []
    for agent_id in marathon.dev:
        assert marathon.cluster.agent(agent_id).allocated.cpus == 0


def test_versions_and_rollback_by_version(marathon: Marathon) -> None:
    created = marathon.create()
    first = created["version"]
    marathon.cluster.advance(2)
    second = marathon.ok("PUT", "/v2/apps/dev/web", json={"mem": 256, "instances": 3})["version"]
    marathon.cluster.advance(5)
    versions = marathon.ok("GET", "/v2/apps/dev/web/versions")["versions"]
    assert versions == [second, first]
    old = marathon.ok("GET", f"/v2/apps/dev/web/versions/{first}")
    assert (old["mem"], old["instances"], old["version"]) == (128, 2, first)
    assert "app" not in old
    assert "tasksRunning" not in old
    missing = marathon.call("GET", "/v2/apps/dev/web/versions/2020-01-01T00:00:00.000Z")
    assert missing.status_code == 404
    assert missing.json() == {
        "message": "App '/dev/web' does not exist in version 2020-01-01T00:00:00.000Z"
    }

    rolled = marathon.ok("PUT", "/v2/apps/dev/web", json={"version": first})
    marathon.cluster.advance(5)
    app = marathon.app("/dev/web")
    assert (app["mem"], app["instances"], app["tasksRunning"]) == (128, 2, 2)
    assert app["version"] == rolled["version"] != first
    assert marathon.ok("GET", "/v2/apps/dev/web/versions")["versions"][0] == rolled["version"]
    unknown = marathon.call("PATCH", "/v2/apps/dev/web", json={"version": "2020-01-01T00:00:00Z"})
    assert unknown.status_code == 404


def test_an_unplaceable_app_waits_in_the_queue_with_reasons(marathon: Marathon) -> None:
    marathon.create(instances=1, cpus=4)
    marathon.cluster.advance(30)
    assert len(marathon.deployments()) == 1  # never finishes
    queue = marathon.ok("GET", "/v2/queue")["queue"]
    assert len(queue) == 1
    entry = queue[0]
    assert (entry["app"]["id"], entry["count"]) == ("/dev/web", 1)
    assert entry["delay"] == {"timeLeftSeconds": 0, "overdue": True}
    summary = entry["processedOffersSummary"]
    reasons = {item["reason"]: item for item in summary["rejectSummaryLastOffers"]}
    assert reasons["UnfulfilledConstraint"]["declined"] == 1  # the ops agent
    assert reasons["InsufficientCpus"] == {
        "reason": "InsufficientCpus",
        "declined": 2,
        "processed": 2,
    }
    assert list(reasons) == list(marathon.cluster.marathon_profile.offer_reasons)
    assert summary["processedOffersCount"] >= 3
    assert ("role" in entry) is (marathon.cluster.marathon_profile.version == "1.10")
    offers = marathon.ok("GET", "/v2/queue", params={"embed": "lastUnusedOffers"})
    unused = offers["queue"][0]["lastUnusedOffers"]
    assert sorted(offer["reason"][0] for offer in unused) == [
        "InsufficientCpus",
        "InsufficientCpus",
        "UnfulfilledConstraint",
    ]
    # A bigger agent of the owner lets it run.
    marathon.cluster.add_agent(owner="dev-team", cpus=8, mem=4096)
    marathon.cluster.advance(2)
    assert marathon.ok("GET", "/v2/queue")["queue"] == []
    assert marathon.deployments() == []


def test_constraints_unique_max_per_unlike_and_hostname() -> None:
    marathon = Marathon("1.10")
    cluster = marathon.cluster
    cluster.add_agent(owner="dev-team", cpus=2, mem=2048, attributes={"rack": "r1"})
    marathon.create("/dev/unique", instances=3, constraints=[OWNER_PIN, ["hostname", "UNIQUE"]])
    marathon.create("/dev/capped", instances=3, constraints=[["owner", "MAX_PER", "1"]])
    marathon.create("/dev/norack", instances=2, constraints=[["rack", "UNLIKE", "r1"]])
    marathon.create("/dev/rack", instances=1, constraints=[["rack", "LIKE", "r1"]])
    cluster.advance(2)
    hosts = {task["host"] for task in marathon.tasks("/dev/unique")}
    assert len(hosts) == 3
    capped = marathon.tasks("/dev/capped")
    assert len(capped) == 2  # two owners, one task each
    assert marathon.app("/dev/capped")["tasksRunning"] == 2
    rack_agent = list(cluster.agents)[-1]
    assert all(task["slaveId"] != rack_agent for task in marathon.tasks("/dev/norack"))
    assert [task["slaveId"] for task in marathon.tasks("/dev/rack")] == [rack_agent]


def test_health_checks_gate_the_deployment(marathon: Marathon) -> None:
    marathon.create(
        healthChecks=[{"protocol": "HTTP", "path": "/health", "gracePeriodSeconds": 10}],
    )
    marathon.cluster.advance(2)
    app = marathon.app("/dev/web")
    assert (app["tasksRunning"], app["tasksHealthy"]) == (2, 0)
    assert marathon.deployments()  # waiting for health
    marathon.cluster.advance(10)
    app = marathon.app("/dev/web")
    assert (app["tasksHealthy"], app["tasksUnhealthy"]) == (2, 0)
    assert marathon.deployments() == []
    results = app["tasks"][0]["healthCheckResults"]
    assert results[0]["alive"] is True

    marathon.cluster.set_app_health("/dev/web", False)
    app = marathon.app("/dev/web")
    assert (app["tasksHealthy"], app["tasksUnhealthy"]) == (0, 2)
    assert app["tasks"][0]["healthCheckResults"][0]["alive"] is False
    marathon.ok("POST", "/v2/apps/dev/web/restart")
    marathon.cluster.advance(60)
    assert marathon.deployments()  # new tasks never become healthy
    marathon.cluster.set_app_health("/dev/web", True)
    marathon.cluster.advance(15)
    assert marathon.deployments() == []
    assert marathon.app("/dev/web")["tasksHealthy"] == 2


def test_failed_launches_back_off_then_retry(marathon: Marathon) -> None:
    marathon.create(instances=1, backoffSeconds=10, backoffFactor=2)
    marathon.cluster.fail_next_launch("/dev/web", times=2)
    marathon.cluster.advance(1)
    app = marathon.app("/dev/web")
    failure = app["lastTaskFailure"]
    assert failure["state"] == "TASK_FAILED"
    assert failure["appId"] == "/dev/web"
    assert marathon.cluster.tasks[failure["taskId"]].state == "TASK_FAILED"
    entry = marathon.ok("GET", "/v2/queue")["queue"][0]
    assert entry["delay"] == {"timeLeftSeconds": 10, "overdue": False}
    marathon.cluster.advance(5)
    assert marathon.tasks("/dev/web") == []
    marathon.cluster.advance(6)  # relaunched at 11 s, fails at 12 s: back-off 20 s
    entry = marathon.ok("GET", "/v2/queue")["queue"][0]
    assert entry["delay"]["timeLeftSeconds"] == 20
    assert marathon.call("DELETE", "/v2/queue/dev/web/delay").status_code == 204
    marathon.cluster.advance(1)
    marathon.cluster.advance(1)
    assert [task["state"] for task in marathon.tasks("/dev/web")] == ["TASK_RUNNING"]
    assert marathon.deployments() == []
    assert marathon.call("DELETE", "/v2/queue/dev/web/delay").status_code == 404


def test_a_task_that_dies_is_replaced(marathon: Marathon) -> None:
    marathon.create()
    marathon.cluster.advance(2)
    victim = marathon.tasks("/dev/web")[0]["id"]
    marathon.cluster.set_task_state(victim, "TASK_FAILED")
    marathon.cluster.advance(1)  # noticed, back-off 1 s
    marathon.cluster.advance(2)
    tasks = marathon.tasks("/dev/web")
    assert len(tasks) == 2
    assert victim not in {task["id"] for task in tasks}
    assert marathon.app("/dev/web")["lastTaskFailure"]["taskId"] == victim


def test_fail_deployment_rolls_back_to_the_previous_version(marathon: Marathon) -> None:
    created = marathon.create()
    marathon.cluster.advance(2)
    changed = marathon.ok("PUT", "/v2/apps/dev/web", json={"mem": 512})
    rollback = marathon.cluster.fail_deployment(changed["deploymentId"])
    listed = [item["id"] for item in marathon.deployments()]
    assert listed == [rollback]
    app = marathon.app("/dev/web")
    # GroupVersioningUtil: the restored definition is a change, stamped with a new version
    assert app["mem"] == 128
    assert app["version"] > changed["version"] > created["version"]
    assert app["versionInfo"]["lastConfigChangeAt"] == app["version"]
    assert [plan["version"] for plan in marathon.deployments()] == [app["version"]]
    versions = marathon.ok("GET", "/v2/apps/dev/web/versions")["versions"]
    assert versions == [app["version"], changed["version"], created["version"]]
    marathon.cluster.advance(5)
    assert marathon.deployments() == []
    assert {marathon.cluster.tasks[t["id"]].resources.mem for t in marathon.tasks("/dev/web")} == {
        128
    }
    with pytest.raises(NotFoundError):
        marathon.cluster.fail_deployment(changed["deploymentId"])


def test_failing_a_creation_deletes_the_app(marathon: Marathon) -> None:
    deployment = marathon.create(instances=1, cpus=64)["deployments"][0]["id"]
    marathon.cluster.fail_deployment(deployment)
    assert marathon.call("GET", "/v2/apps/dev/web").status_code == 404
    marathon.cluster.advance(1)
    assert marathon.deployments() == []


def test_cancelling_a_deployment_with_and_without_rollback(marathon: Marathon) -> None:
    marathon.create(instances=1)
    marathon.cluster.advance(2)
    first = marathon.ok("PUT", "/v2/apps/dev/web", json={"instances": 2})["deploymentId"]
    answer = marathon.call("DELETE", f"/v2/deployments/{first}")
    assert answer.status_code == 200
    rollback = answer.json()["deploymentId"]
    assert [item["id"] for item in marathon.deployments()] == [rollback]
    assert marathon.app("/dev/web")["instances"] == 1
    forced = marathon.call("DELETE", f"/v2/deployments/{rollback}?force=true")
    assert (forced.status_code, forced.content) == (202, b"")
    assert marathon.deployments() == []
    gone = marathon.call("DELETE", f"/v2/deployments/{rollback}")
    assert gone.status_code == 404
    assert gone.json() == {"message": f"DeploymentPlan {rollback} does not exist"}


@pytest.mark.parametrize(("version", "limited"), [("1.10", True), ("1.4", False)])
def test_the_running_deployment_limit(version: str, limited: bool) -> None:
    marathon = Marathon(version)
    marathon.cluster.set_max_running_deployments(1)
    marathon.create("/dev/a", cpus=64)
    answer = marathon.call(
        "POST", "/v2/apps", json={"id": "/dev/b", "cmd": "sleep 1", "cpus": 0.1, "mem": 32}
    )
    if limited:
        assert answer.status_code == 403
        assert answer.json()["message"].startswith(
            "Max number (1) of running deployments is achieved."
        )
        assert marathon.call("GET", "/v2/apps/dev/b").status_code == 404
    else:
        assert answer.status_code == 201
    marathon.cluster.set_max_running_deployments(None)
    with pytest.raises(InvalidInputError):
        marathon.cluster.set_max_running_deployments(0)


def test_add_app_deploys_the_spec_like_a_post(marathon: Marathon) -> None:
    spec = AppSpec(
        id="/web",
        instances=2,
        cpus=0.5,
        mem=64,
        image="nginx:1.25",
        env={"MODE": "test"},
        labels={"team": "dev"},
        ports=[8080],
        constraints=[("owner", "LIKE", "dev-team")],
        health_checks=[HealthCheck(protocol="HTTP", path="/ok", grace_period_seconds=5)],
        extra={"user": "nobody"},
    )
    assert marathon.cluster.add_app("/dev/web", spec) == "/dev/web"
    assert marathon.cluster.apps["/dev/web"].spec is spec
    app = marathon.app("/dev/web")
    assert app["constraints"] == [["owner", "LIKE", "dev-team"]]
    assert app["container"]["docker"]["image"] == "nginx:1.25"
    assert app["container"]["type"] == "DOCKER"
    assert app["portDefinitions"][0]["port"] == 8080
    assert (app["env"], app["labels"], app["user"]) == ({"MODE": "test"}, {"team": "dev"}, "nobody")
    assert app["healthChecks"][0]["path"] == "/ok"
    assert len(marathon.deployments()) == 1
    marathon.cluster.advance(10)
    app = marathon.app("/dev/web")
    assert (app["tasksRunning"], app["tasksHealthy"]) == (2, 2)
    assert marathon.deployments() == []
    with pytest.raises(ConflictError):
        marathon.cluster.add_app("/dev/web", spec)
    with pytest.raises(InvalidInputError):
        marathon.cluster.add_app("/dev/nothing", AppSpec(id="nothing", cpus=1, mem=32))


def test_add_app_adds_no_owner_constraint(marathon: Marathon) -> None:
    marathon.cluster.add_app("/ops/db", AppSpec(id="/db", cpus=0.1, mem=32, cmd="sleep 1"))
    assert marathon.app("/ops/db")["constraints"] == []
    marathon.cluster.advance(2)
    assert len(marathon.tasks("/ops/db")) == 1


def test_controls_refuse_unknown_apps_and_bad_values(marathon: Marathon) -> None:
    with pytest.raises(NotFoundError):
        marathon.cluster.set_app_health("/dev/none", False)
    with pytest.raises(NotFoundError):
        marathon.cluster.fail_next_launch("/dev/none")
    marathon.create()
    with pytest.raises(InvalidInputError):
        marathon.cluster.fail_next_launch("/dev/web", times=0)
    with pytest.raises(InvalidInputError):
        marathon.cluster.set_app_health("/dev/web", "no")  # type: ignore[arg-type]


def test_a_removed_agent_loses_its_tasks_and_they_move(marathon: Marathon) -> None:
    marathon.create(instances=2)
    marathon.cluster.advance(2)
    gone = marathon.dev[0]
    lost = [task["id"] for task in marathon.tasks("/dev/web") if task["slaveId"] == gone]
    marathon.cluster.remove_agent(gone)
    marathon.cluster.advance(1)
    marathon.cluster.advance(3)
    tasks = marathon.tasks("/dev/web")
    assert len(tasks) == 2
    assert {task["slaveId"] for task in tasks} == {marathon.dev[1]}
    assert lost
    assert all(marathon.cluster.tasks[task_id].state == "TASK_LOST" for task_id in lost)


def test_the_same_seed_gives_the_same_ids() -> None:
    def run() -> list[str]:
        marathon = Marathon("1.10")
        marathon.create()
        marathon.cluster.advance(2)
        marathon.ok("POST", "/v2/apps/dev/web/restart")
        marathon.cluster.advance(2)
        return [task["id"] for task in marathon.tasks("/dev/web")] + [
            marathon.app("/dev/web")["version"]
        ]

    assert run() == run()


def test_nothing_is_scheduled_while_no_marathon_leads(marathon: Marathon) -> None:
    marathon.create()
    marathon.cluster.no_leader(service="marathon")
    marathon.cluster.advance(10)
    assert marathon.cluster.tasks == {}
    marathon.cluster.set_leader(1, service="marathon")
    marathon.cluster.advance(1)
    assert len(marathon.tasks("/dev/web")) == 2
    assert marathon.deployments() == []
