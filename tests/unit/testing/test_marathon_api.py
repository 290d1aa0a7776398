"""The FakeCluster's Marathon REST API: leaders and standbys, listings, writes, errors."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from asgard.testing import FakeCluster

VERSIONS = ("1.4", "1.10")
WEB = {"id": "/dev/web", "cmd": "sleep 1000", "instances": 2, "cpus": 0.1, "mem": 64}


class Api:
    def __init__(self, version: str = "1.10") -> None:
        self.cluster = FakeCluster(seed=7, marathon_version=version)
        self.agents = [
            self.cluster.add_agent(owner="dev-team", cpus=4, mem=4096, attributes={"rack": "a"}),
            self.cluster.add_agent(owner="dev-team", cpus=4, mem=4096, attributes={"rack": "b"}),
        ]
        self.leader, self.standby = self.cluster.marathon_urls
        self.client = httpx.Client(transport=self.cluster.transport())

    @property
    def profile_version(self) -> str:
        return self.cluster.marathon_profile.version

    def call(
        self, method: str, path: str, *, url: str | None = None, **kwargs: Any
    ) -> httpx.Response:
        return self.client.request(method, (url or self.leader) + path, **kwargs)

    def json(self, method: str, path: str, **kwargs: Any) -> Any:
        answer = self.call(method, path, **kwargs)
        assert answer.status_code < 300, answer.text
        return answer.json()

    def running(self, body: dict[str, Any] = WEB) -> None:
        self.json("POST", "/v2/apps", json=body)
        self.cluster.advance(2)


@pytest.fixture(params=VERSIONS)
def api(request: pytest.FixtureRequest) -> Api:
    return Api(request.param)


# -- leaders ----------------------------------------------------------------------------------


def test_a_standby_proxies_to_the_leader(api: Api) -> None:
    api.running()
    direct = api.call("GET", "/v2/apps/dev/web")
    proxied = api.call("GET", "/v2/apps/dev/web", url=api.standby)
    assert direct.status_code == proxied.status_code == 200
    assert direct.headers["X-Marathon-Leader"] == proxied.headers["X-Marathon-Leader"] == api.leader
    assert "X-Marathon-Via" not in direct.headers
    assert proxied.headers["X-Marathon-Via"] == "1.1 marathon-1.asgard.test:8080"
    assert proxied.json() == direct.json()
    written = api.call("PUT", "/v2/apps/dev/web", url=api.standby, json={"instances": 1})
    assert written.status_code == 200
    assert written.headers["X-Marathon-Leader"] == api.leader
    assert api.json("GET", "/v2/apps/dev/web")["app"]["instances"] == 1
    security = "X-Frame-Options" in direct.headers
    assert security is (api.profile_version == "1.10")


def test_a_new_leader_serves(api: Api) -> None:
    api.cluster.set_leader(1, service="marathon")
    answer = api.call("GET", "/v2/apps")
    assert answer.headers["X-Marathon-Leader"] == api.standby
    assert answer.headers["X-Marathon-Via"] == "1.1 marathon-0.asgard.test:8080"
    leader = api.json("GET", "/v2/leader")
    assert leader == {"leader": "marathon-1.asgard.test:8080"}


@pytest.mark.parametrize(("version", "status"), [("1.4", 503), ("1.10", 502)])
def test_without_a_leader_every_node_answers_the_no_leader_page(version: str, status: int) -> None:
    api = Api(version)
    api.cluster.no_leader(service="marathon")
    for url in (api.leader, api.standby):
        answer = api.call("GET", "/v2/apps", url=url)
        assert answer.status_code == status
        assert "Could not determine the current leader" in answer.text
        assert api.call("POST", "/v2/apps", url=url, json=WEB).status_code == status
    leader = api.call("GET", "/v2/leader")
    assert (leader.status_code, leader.json()) == (404, {"message": "There is no leader"})
    ping = api.call("GET", "/ping", url=api.standby)
    assert (ping.status_code, ping.text) == (200, "pong")


@pytest.mark.parametrize(
    ("version", "message"), [("1.4", "URI not found: /v2/nothing"), ("1.10", "URI not found")]
)
def test_an_unknown_route(version: str, message: str) -> None:
    answer = Api(version).call("GET", "/v2/nothing")
    assert (answer.status_code, answer.json()) == (404, {"message": message})


def test_info(api: Api) -> None:
    info = api.json("GET", "/v2/info", url=api.standby)
    profile = api.cluster.marathon_profile
    assert (info["name"], info["version"], info["buildref"]) == (
        "marathon",
        profile.release,
        profile.buildref,
    )
    assert info["leader"] == "marathon-0.asgard.test:8080"
    assert info["elected"] is True
    assert info["frameworkId"] == api.cluster.framework_id
    assert info["http_config"]["http_port"] == 8080
    assert ("event_subscriber" in info) is (api.profile_version == "1.4")


# -- listing ----------------------------------------------------------------------------------


def test_listing_filters_and_embeds(api: Api) -> None:
    api.running()
    api.running(
        {
            "id": "/dev/Worker".lower(),
            "cmd": "python work.py",
            "cpus": 0.1,
            "mem": 32,
            "labels": {"tier": "back", "team": "dev"},
        }
    )
    api.running(
        {"id": "/ops/db", "cmd": "postgres", "cpus": 0.1, "mem": 32, "labels": {"tier": "data"}}
    )

    def ids(**params: Any) -> list[str]:
        return [app["id"] for app in api.json("GET", "/v2/apps", params=params)["apps"]]

    assert ids() == ["/dev/web", "/dev/worker", "/ops/db"]
    assert ids(id="DEV/W") == ["/dev/web", "/dev/worker"]  # substring, any case
    assert ids(cmd="work.py") == ["/dev/worker"]
    assert ids(label="tier") == ["/dev/worker", "/ops/db"]
    assert ids(label="tier==back,team") == ["/dev/worker"]
    assert ids(label="tier!=back") == ["/dev/web", "/ops/db"]
    assert ids(label="tier in (data, back)") == ["/dev/worker", "/ops/db"]
    assert ids(label="tier notin (data)") == ["/dev/worker"]

    plain = api.json("GET", "/v2/apps")["apps"][0]
    assert "tasks" not in plain
    assert plain["deployments"] == []
    assert plain["tasksRunning"] == 2
    for embed in ("apps.tasks", "app.tasks", "group.apps.tasks"):
        embedded = api.json("GET", "/v2/apps", params={"embed": embed})["apps"][0]
        assert len(embedded["tasks"]) == 2
    stats = api.json(
        "GET", "/v2/apps", params={"embed": ["apps.taskStats", "apps.lastTaskFailure"]}
    )
    key = api.cluster.marathon_profile.task_stats_key
    assert stats["apps"][0][key]["totalSummary"]["stats"]["counts"]["running"] == 2


def test_group_listing_is_transitive(api: Api) -> None:
    api.running()
    api.running({"id": "/dev/team/api", "cmd": "x", "cpus": 0.1, "mem": 32})
    api.running({"id": "/ops/db", "cmd": "x", "cpus": 0.1, "mem": 32})
    dev = api.json("GET", "/v2/apps/dev/*")
    assert [app["id"] for app in dev["*"]] == ["/dev/web", "/dev/team/api"]
    assert [app["id"] for app in api.json("GET", "/v2/apps/*")["*"]] == [
        "/dev/web",
        "/dev/team/api",
        "/ops/db",
    ]
    missing = api.call("GET", "/v2/apps/qa/*")
    assert (missing.status_code, missing.json()) == (404, {"message": "Group '/qa' does not exist"})


def test_one_app_embeds_its_tasks(api: Api) -> None:
    api.running()
    app = api.json("GET", "/v2/apps/dev/web")["app"]
    assert len(app["tasks"]) == 2
    assert app["versionInfo"]["lastConfigChangeAt"] == app["version"]
    missing = api.call("GET", "/v2/apps/dev/none")
    assert (missing.status_code, missing.json()) == (
        404,
        {"message": "App '/dev/none' does not exist"},
    )


def test_defaults_follow_the_version(api: Api) -> None:
    created = api.json("POST", "/v2/apps", json={"id": "dev/min", "cmd": "sleep 1"})
    assert created["id"] == "/dev/min"
    assert (created["instances"], created["cpus"], created["mem"], created["disk"]) == (
        1,
        1.0,
        128.0,
        0.0,
    )
    assert created["upgradeStrategy"] == {"minimumHealthCapacity": 1, "maximumOverCapacity": 1}
    assert created["portDefinitions"][0]["port"] == 10000
    if api.profile_version == "1.4":
        assert created["ports"] == [10000]
        assert created["args"] is None
        assert created["container"] is None
        assert created["uris"] == []
        assert created["storeUrls"] == []
        assert created["maxLaunchDelaySeconds"] == 3600
        assert created["tasks"] == []
        assert "networks" not in created
    else:
        assert "ports" not in created
        assert "args" not in created
        assert "tasks" not in created
        assert created["networks"] == [{"mode": "host"}]
        assert created["maxLaunchDelaySeconds"] == 300
        assert created["role"] == "*"


# -- writes -----------------------------------------------------------------------------------


def test_create_answers_201_with_the_app(api: Api) -> None:
    answer = api.call("POST", "/v2/apps", json=WEB)
    assert answer.status_code == 201
    body = answer.json()
    deployment = answer.headers["Marathon-Deployment-Id"]
    assert answer.headers["Location"] == f"{api.leader}/v2/apps/dev/web"
    assert body["deployments"] == [{"id": deployment}]
    assert (body["tasksRunning"], body["tasksStaged"]) == (0, 0)
    again = api.call("POST", "/v2/apps", json=WEB)
    assert (again.status_code, again.json()) == (
        409,
        {"message": "An app with id [/dev/web] already exists."},
    )


def test_put_creates_replaces_and_scales(api: Api) -> None:
    created = api.call("PUT", "/v2/apps/dev/new", json={"cmd": "sleep 1", "mem": 32, "cpus": 0.1})
    assert created.status_code == 201
    assert created.headers["Location"].endswith("/v2/apps/dev/new")
    assert set(created.json()) == {"deploymentId", "version"}
    api.cluster.advance(2)
    partial = api.json("PUT", "/v2/apps/dev/new", json={"env": {"A": "1"}})
    api.cluster.advance(2)
    app = api.json("GET", "/v2/apps/dev/new")["app"]
    assert (app["env"], app["cmd"], app["version"]) == ({"A": "1"}, "sleep 1", partial["version"])
    api.json("PUT", "/v2/apps/dev/new", params={"partialUpdate": "false"}, json={"args": ["run"]})
    app = api.json("GET", "/v2/apps/dev/new")["app"]
    assert app["env"] == {}
    assert app["args"] == ["run"]
    assert app["mem"] == 128
    assert api.call("PATCH", "/v2/apps/dev/none", json={"instances": 2}).status_code == 404


def test_an_unchanged_update_keeps_the_version(api: Api) -> None:
    api.running()
    before = api.json("GET", "/v2/apps/dev/web")["app"]["version"]
    result = api.json("PUT", "/v2/apps/dev/web", json={"cmd": "sleep 1000"})
    assert result["version"] != before
    api.cluster.advance(0)
    assert api.json("GET", "/v2/apps/dev/web")["app"]["version"] == before
    assert api.json("GET", "/v2/deployments") == []


@pytest.mark.parametrize(("version", "status"), [("1.4", 400), ("1.10", 422)])
def test_bodies_of_the_wrong_type(version: str, status: int) -> None:
    api = Api(version)
    syntax = api.call(
        "POST", "/v2/apps", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert syntax.status_code == 400
    assert syntax.json()["message"] == "Invalid JSON"
    assert isinstance(syntax.json()["details"], str)
    for body, path in (([1, 2], ""), ({**WEB, "cpus": "many"}, "/cpus"), ({**WEB, "id": 3}, "/id")):
        answer = api.call("POST", "/v2/apps", json=body)
        assert answer.status_code == status, body
        assert answer.json()["message"] == "Invalid JSON"
        assert answer.json()["details"][0]["path"] == path


@pytest.mark.parametrize("version", VERSIONS)
def test_invalid_definitions(version: str) -> None:
    api = Api(version)
    raml = version == "1.10"

    def refused(body: dict[str, Any]) -> Any:
        answer = api.call("POST", "/v2/apps", json=body)
        assert answer.status_code == (
            api.cluster.marathon_profile.invalid_json_status if raml else 422
        )
        return answer.json()

    bad_id = refused({**WEB, "id": "/dev/Web"})
    assert bad_id["details"][0]["path"] == "/id"
    assert bad_id["message"] == ("Invalid JSON" if raml else "Object is not valid")
    tiny = api.call("POST", "/v2/apps", json={**WEB, "cpus": 0.0001})
    assert tiny.status_code == (422 if raml else 201)
    negative = refused({**WEB, "instances": -1})
    assert negative["details"][0]["path"] == "/instances"
    strategy = api.call(
        "POST",
        "/v2/apps",
        json={**WEB, "id": "/dev/x", "upgradeStrategy": {"minimumHealthCapacity": 2}},
    )
    assert strategy.status_code == 422
    assert strategy.json() == {
        "message": "Object is not valid",
        "details": [
            {"path": "/upgradeStrategy/minimumHealthCapacity", "errors": ["is greater than 1"]}
        ],
    }
    nothing = api.call("POST", "/v2/apps", json={"id": "/dev/y"})
    assert nothing.status_code == 422


def test_restart_and_delete_of_unknown_apps(api: Api) -> None:
    for method, path in (("POST", "/v2/apps/dev/none/restart"), ("DELETE", "/v2/apps/dev/none")):
        answer = api.call(method, path)
        assert (answer.status_code, answer.json()) == (
            404,
            {"message": "App '/dev/none' does not exist"},
        )


def test_delete_is_forced_by_default(api: Api) -> None:
    api.json("POST", "/v2/apps", json={**WEB, "cpus": 64})
    locked = api.call("DELETE", "/v2/apps/dev/web?force=false")
    assert locked.status_code == 409
    assert api.call("DELETE", "/v2/apps/dev/web").status_code == 200


# -- tasks ------------------------------------------------------------------------------------


def test_killing_tasks(api: Api) -> None:
    api.running()
    tasks = api.json("GET", "/v2/apps/dev/web/tasks")["tasks"]
    first, second = tasks[0]["id"], tasks[1]["id"]
    both = api.call("DELETE", "/v2/apps/dev/web/tasks?scale=true&wipe=true")
    assert both.status_code == 400
    killed = api.json("DELETE", f"/v2/apps/dev/web/tasks/{first}")
    assert killed["task"]["id"] == first
    assert api.cluster.tasks[first].state == "TASK_KILLED"
    api.cluster.advance(2)
    replaced = {task["id"] for task in api.json("GET", "/v2/apps/dev/web/tasks")["tasks"]}
    assert len(replaced) == 2
    assert first not in replaced
    assert second in replaced
    scaled = api.json("DELETE", f"/v2/apps/dev/web/tasks/{second}", params={"scale": "true"})
    assert set(scaled) == {"deploymentId", "version"}
    api.cluster.advance(1)
    app = api.json("GET", "/v2/apps/dev/web")["app"]
    assert (app["instances"], app["tasksRunning"]) == (1, 1)
    unknown = api.call("DELETE", "/v2/apps/dev/web/tasks/nope")
    assert unknown.status_code == 404


def test_killing_by_host_and_in_bulk(api: Api) -> None:
    api.running({**WEB, "instances": 4})
    tasks = api.json("GET", "/v2/apps/dev/web/tasks")["tasks"]
    host = tasks[0]["host"]
    on_host = [task["id"] for task in tasks if task["host"] == host]
    killed = api.json("DELETE", "/v2/apps/dev/web/tasks", params={"host": host, "scale": "true"})
    assert "deploymentId" in killed
    assert all(api.cluster.tasks[task_id].state == "TASK_KILLED" for task_id in on_host)
    api.cluster.advance(1)
    assert api.json("GET", "/v2/apps/dev/web")["app"]["instances"] == 4 - len(on_host)
    left = [task["id"] for task in api.json("GET", "/v2/tasks")["tasks"]]
    bulk = api.json("POST", "/v2/tasks/delete", json={"ids": left})
    assert sorted(task["id"] for task in bulk["tasks"]) == sorted(left)
    bad = api.call("POST", "/v2/tasks/delete", json={"ids": ["not_known"]})
    assert (bad.status_code, bad.json()) == (400, {"message": "Invalid task id not_known"})


def test_task_listing_by_status(api: Api) -> None:
    api.json("POST", "/v2/apps", json=WEB)
    api.cluster.advance(0)
    assert len(api.json("GET", "/v2/tasks", params={"status": "staging"})["tasks"]) == 2
    assert api.json("GET", "/v2/tasks", params={"status": "running"})["tasks"] == []
    api.cluster.advance(1)
    assert len(api.json("GET", "/v2/tasks", params={"status[]": "running"})["tasks"]) == 2
    task = api.json("GET", "/v2/tasks")["tasks"][0]
    assert task["startedAt"]
    assert task["stagedAt"]
    assert task["ipAddresses"][0]["protocol"] == "IPv4"
    assert ("role" in task) is (api.profile_version == "1.10")


def test_deployments_listing_shape(api: Api) -> None:
    api.json("POST", "/v2/apps", json=WEB)
    deployment = api.json("GET", "/v2/deployments")[0]
    assert deployment["currentStep"] == 1
    assert deployment["totalSteps"] == 2
    assert deployment["currentActions"] == [
        {"action": "StartApplication", "app": "/dev/web", "readinessCheckResults": []}
    ]
    api.cluster.advance(0)  # started: now scaling
    deployment = api.json("GET", "/v2/deployments")[0]
    assert deployment["currentStep"] == 2
    assert deployment["currentActions"][0]["action"] == "ScaleApplication"


def test_a_full_capacity_strategy_without_room_replaces_one_by_one(api: Api) -> None:
    api.running({**WEB, "upgradeStrategy": {"minimumHealthCapacity": 1, "maximumOverCapacity": 0}})
    api.json("POST", "/v2/apps/dev/web/restart")
    api.cluster.advance(0)
    assert len(api.json("GET", "/v2/apps/dev/web/tasks")["tasks"]) == 2
    api.cluster.advance(5)
    assert api.json("GET", "/v2/deployments") == []
