"""The FakeCluster's Marathon answers have the shapes of the recorded payloads.

For each endpoint, every key a recording has (at every level) must be in the fake's answer with
a JSON type in common, except the fields each test allow-lists with its reason; an allow-list
entry the recording does not have fails the test too. ``api-examples/`` holds the 1.10-era
examples and ``api-examples-v1.4/`` the 1.4 ones; each fake version is compared with its own
recordings, and with the version-independent ones (error bodies, events).
"""

from __future__ import annotations

import copy
import json
from typing import Any

import httpx
import pytest

from asgard.testing import FakeCluster
from tests.conftest import SHARED_FIXTURES, load_fixture
from tests.unit.testing._shapes import gaps

VERSIONS = ("1.4", "1.10")
EXAMPLES = {"1.4": "marathon/api-examples-v1.4", "1.10": "marathon/api-examples"}


def _postable(body: dict[str, Any]) -> dict[str, Any]:
    """The hand-written example app made valid: its env refers to a secret by its source
    (Marathon wants the name) and it has both ``cmd`` and ``args`` (Marathon takes one)."""
    fixed = copy.deepcopy(body)
    fixed["env"]["PASSWORD"] = {"secret": "secret1"}
    del fixed["args"]
    return fixed


class Scenario:
    """One cluster per version showing what the recordings show, and its answers."""

    def __init__(self, version: str) -> None:
        self.version = version
        cluster = FakeCluster(seed=21, marathon_version=version)
        self.cluster = cluster
        cluster.add_agent(
            owner="dev-team",
            cpus=8,
            mem=8192,
            hostname="srv1.example.com",
            attributes={"rack": 7},
        )
        cluster.add_agent(owner="dev-team", cpus=8, mem=8192, hostname="srv2.example.com")
        subscription = cluster.events.subscribe()
        self.client = httpx.Client(transport=cluster.transport())
        self.url = cluster.marathon_urls[0]
        # A running app with a health check and a queued app that cannot fully place.
        self.write(
            "POST",
            "/v2/apps",
            {
                "id": "/dev/web",
                "cmd": "env && sleep 60",
                "instances": 2,
                "cpus": 0.1,
                "mem": 32,
                "env": {"LD_LIBRARY_PATH": "/usr/local/lib/myLib"},
                "constraints": [["hostname", "UNIQUE", ""]],
                "uris": ["https://example.com/README.md"],
                "healthChecks": [{"protocol": "HTTP", "gracePeriodSeconds": 5}],
            },
        )
        cluster.advance(1)
        cluster.advance(5)
        self.write(
            "POST",
            "/v2/apps",
            {
                "id": "/tools/agent",
                "instances": 3,
                "cpus": 1,
                "mem": 512,
                "user": "root",
                "env": {"MASTER": "zk://172.16.0.12:2181/mesos"},
                "executor": "//cmd",
                "uris": ["http://www.mesosphere.io/index.html"],
                "constraints": [["hostname", "UNIQUE"]],
                "container": {
                    "type": "DOCKER",
                    "docker": {"image": "datadog/agent", "network": "HOST", "privileged": True},
                },
                "upgradeStrategy": {"minimumHealthCapacity": 0.5, "maximumOverCapacity": 0},
            },
        )
        cluster.advance(2)
        # The upstream example app, as posted (it cannot be placed: its role is not offered).
        example = load_fixture(f"{EXAMPLES[version]}/app.json")
        self.example_version = self.write("POST", "/v2/apps", _postable(example))["version"]
        cluster.advance(1)
        self.deployment_result = self.write("PUT", "/v2/apps/dev/web", {"instances": 3})
        cluster.advance(1)
        cluster.advance(5)
        self.killed = self.write(
            "DELETE",
            "/v2/apps/dev/web/tasks/" + self.get("/v2/apps/dev/web/tasks")["tasks"][0]["id"],
        )
        failing = self.write("POST", "/v2/apps", {"id": "/dev/tmp", "cmd": "x", "cpus": 99})
        cluster.fail_deployment(failing["deployments"][0]["id"])
        cluster.fail_next_launch("/dev/web")
        cluster.advance(1)
        cluster.advance(1)
        self.write("DELETE", "/v2/apps/dev/web")
        cluster.advance(0)
        self.events: dict[str, list[dict[str, Any]]] = {}
        for chunk in subscription.pending:
            _event, data = chunk.decode().strip().split("\n")
            payload = json.loads(data.removeprefix("data: "))
            self.events.setdefault(payload["eventType"], []).append(payload)
        self.write("POST", "/v2/apps", {"id": "/dev/web", "cmd": "sleep 1", "cpus": 0.1, "mem": 32})
        cluster.advance(2)

    def write(self, method: str, path: str, body: Any | None = None) -> Any:
        answer = self.client.request(method, self.url + path, json=body)
        assert answer.status_code < 300, answer.text
        return answer.json()

    def get(self, path: str, **params: Any) -> Any:
        answer = self.client.get(self.url + path, params=params)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def error(self, method: str, path: str, status: int, **kwargs: Any) -> Any:
        answer = self.client.request(method, self.url + path, **kwargs)
        assert answer.status_code == status, answer.text
        return answer.json()


@pytest.fixture(scope="module", params=VERSIONS)
def scenario(request: pytest.FixtureRequest) -> Scenario:
    return Scenario(request.param)


def _example(scenario: Scenario, name: str) -> Any:
    return load_fixture(f"{EXAMPLES[scenario.version]}/{name}")


# -- apps --------------------------------------------------------------------------------------


def test_app_list(scenario: Scenario) -> None:
    real = _example(scenario, "app_list.json")
    fake = scenario.get("/v2/apps")
    if scenario.version == "1.4":
        # 1.4.13 writes acceptedResourceRoles only when set (the example predates that).
        omitted = {"$.apps[].acceptedResourceRoles"}
    else:
        omitted = {
            # 1.5+ writes no null options: unset args, user, container and roles are left out.
            "$.apps[].args",
            "$.apps[].user",
            "$.apps[].container",
            "$.apps[].acceptedResourceRoles",
            # 1.5+ migrates the deprecated ports and uris to portDefinitions and fetch.
            "$.apps[].ports",
            "$.apps[].uris",
        }
    assert gaps(real, fake, omitted=omitted, opaque={"$.apps[].env"}) == []


def test_app_definition_at_a_version(scenario: Scenario) -> None:
    real = _example(scenario, "app.json")
    fake = scenario.get(f"/v2/apps/foo/versions/{scenario.example_version}")
    opaque = {"$.env", "$.labels", "$.secrets", "$.ipAddress.labels"}
    opaque |= {"$.portDefinitions[].labels", "$.container.docker.portMappings[].labels"}
    # Posted without its args: the example holds both cmd and args, which Marathon refuses.
    assert gaps(real, fake, omitted={"$.args"}, opaque=opaque) == []


def test_app_tasks(scenario: Scenario) -> None:
    real = _example(scenario, "app_tasks.json")
    fake = scenario.get("/v2/apps/tools/agent/tasks")
    if scenario.version == "1.4":
        # The example's task has no agent (null); 1.4.13 always names it.
        omitted = {"$.tasks[].slaveId"}
    else:
        # The fake's agents have no fault domain (no region or zone).
        omitted = {"$.tasks[].region", "$.tasks[].zone"}
    assert gaps(real, fake, omitted=omitted) == []


def test_killed_task(scenario: Scenario) -> None:
    if scenario.version == "1.4":
        pytest.skip("no 1.4 recording of a one-task kill")
    real = _example(scenario, "app_task.json")
    # The fake's agents have no fault domain (no region or zone).
    assert gaps(real, scenario.killed, omitted={"$.task.region", "$.task.zone"}) == []


def test_all_tasks(scenario: Scenario) -> None:
    real = _example(scenario, "tasks.json")
    fake = scenario.get("/v2/tasks")
    omitted = set() if scenario.version == "1.4" else {"$.tasks[].region", "$.tasks[].zone"}
    assert gaps(real, fake, omitted=omitted) == []


def test_app_versions(scenario: Scenario) -> None:
    real = load_fixture("marathon/raml-inline/200-app-versions.json")
    assert gaps(real, scenario.get("/v2/apps/tools/agent/versions")) == []


# -- deployments, queue, info -------------------------------------------------------------------


def test_deployments(scenario: Scenario) -> None:
    real = load_fixture("marathon/api-examples/deployments.json")
    fake = scenario.get("/v2/deployments")
    omitted = {
        # The fake has no pods and no readiness checks.
        "$[].affectedPods[]",
        "$[].steps[].actions[].pod",
        "$[].currentActions[].readinessCheckResults[]",
    }
    assert gaps(real, fake, omitted=omitted) == []


def test_deployment_result(scenario: Scenario) -> None:
    real = load_fixture("marathon/api-examples/deployments_result.json")
    assert gaps(real, scenario.deployment_result) == []


def test_queue(scenario: Scenario) -> None:
    real = _example(scenario, "queue.json")
    fake = scenario.get("/v2/queue", embed="lastUnusedOffers")
    omitted = {
        # The fake's offers hold scalar resources and text or scalar attributes only.
        "$.queue[].lastUnusedOffers[].offer.resources[].ranges",
        "$.queue[].lastUnusedOffers[].offer.resources[].set",
        "$.queue[].lastUnusedOffers[].offer.attributes[].ranges",
        "$.queue[].lastUnusedOffers[].offer.attributes[].set",
    }
    if scenario.version == "1.10":
        # 1.5+ migrates the deprecated ports and uris to portDefinitions and fetch.
        omitted |= {"$.queue[].app.ports", "$.queue[].app.uris"}
    assert gaps(real, fake, omitted=omitted, opaque={"$.queue[].app.env"}) == []


def test_info(scenario: Scenario) -> None:
    real = _example(scenario, "info.json")
    assert gaps(real, scenario.get("/v2/info")) == []


def test_leader(scenario: Scenario) -> None:
    real = load_fixture("marathon/raml-inline/200-leader.json")
    assert gaps(real, scenario.get("/v2/leader")) == []


# -- errors --------------------------------------------------------------------------------------


def test_error_bodies(scenario: Scenario) -> None:
    def raml(name: str) -> Any:
        return load_fixture(f"marathon/raml-inline/{name}")

    web = {"id": "/dev/web", "cmd": "sleep 1", "cpus": 0.1, "mem": 32}
    status = scenario.cluster.marathon_profile.invalid_json_status
    cases = [
        ("404-app-not-found.json", scenario.error("GET", "/v2/apps/nope", 404)),
        ("404-deployment-not-found.json", scenario.error("DELETE", "/v2/deployments/x", 404)),
        ("409-app-already-exists.json", scenario.error("POST", "/v2/apps", 409, json=web)),
        (
            "409-app-locked-by-deployment.json",
            scenario.error("PUT", "/v2/apps/foo", 409, json={"instances": 1}),
        ),
        (
            "422-object-not-valid.json",
            scenario.error(
                "PUT",
                "/v2/apps/dev/web",
                422,
                json={"upgradeStrategy": {"minimumHealthCapacity": 2}},
            ),
        ),
        (
            "400-invalid-json.json",
            scenario.error("POST", "/v2/apps", status, json={**web, "id": 1}),
        ),
        (
            "400-kill-unknown-task.json",
            scenario.error("POST", "/v2/tasks/delete", 400, json={"ids": ["not_known"]}),
        ),
    ]
    for name, fake in cases:
        assert gaps(raml(name), fake) == [], name
    scenario.cluster.no_leader(service="marathon")
    try:
        assert gaps(raml("404-no-leader.json"), scenario.error("GET", "/v2/leader", 404)) == []
    finally:
        scenario.cluster.set_leader(0, service="marathon")


# -- events --------------------------------------------------------------------------------------

_EVENT_EXAMPLES: dict[str, Any] = {
    event["eventType"]: event for event in load_fixture("marathon/events/event-bus-examples.json")
}
# The documented plan is flat and its current step names the action `type`; Marathon writes
# `{"actions": [{"action", "app"}]}` in both places (the API's own deployments listing too).
_DOC_PLAN = {
    "$.plan.steps[].action",
    "$.plan.steps[].app",
    "$.currentStep.actions[].type",
}


@pytest.mark.parametrize(
    ("event_type", "omitted", "opaque"),
    [
        # The example's definition is a 2014 one; definitions are compared above.
        ("api_post_event", set(), {"$.appDefinition"}),
        ("status_update_event", set(), set()),
        ("app_terminated_event", set(), set()),
        ("instance_changed_event", set(), set()),
        ("deployment_success", set(), set()),
        ("deployment_failed", set(), set()),
        ("deployment_info", _DOC_PLAN, set()),
        ("deployment_step_success", _DOC_PLAN, set()),
        ("deployment_step_failure", _DOC_PLAN, set()),
    ],
)
def test_events(scenario: Scenario, event_type: str, omitted: set[str], opaque: set[str]) -> None:
    real = _EVENT_EXAMPLES[event_type]
    published = scenario.events[event_type]
    assert published
    for fake in published:
        assert gaps(real, fake, omitted=omitted, opaque=opaque) == [], fake


def test_health_events(scenario: Scenario) -> None:
    name = (
        "health_status_changed_event"
        if scenario.version == "1.4"
        else "instance_health_changed_event"
    )
    assert scenario.events[name]
    for fake in scenario.events[name]:
        assert gaps(_EVENT_EXAMPLES[name], fake) == []


def test_events_of_the_recorded_stream(scenario: Scenario) -> None:
    text = (SHARED_FIXTURES / "marathon/api-examples/events.txt").read_text(encoding="utf-8")
    for block in text.split("\n\n"):
        if "status_update_event" in block:
            real = json.loads(block.split("data: ", 1)[1])
            for fake in scenario.events["status_update_event"]:
                assert gaps(real, fake) == []
