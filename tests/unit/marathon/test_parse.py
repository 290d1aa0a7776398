"""The Marathon parsers against every recorded payload, malformed variants, and tenancy."""

from __future__ import annotations

import copy
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from asgard.errors import MalformedResponseError, TenancyViolationError
from asgard.marathon import _parse
from asgard.models import App, ClusterInfo, DeploymentAction, HealthCheckProtocol, TaskState
from asgard.models._checks import SERVER_OWNED_KEYS
from tests import fixture_sets as fs
from tests.conftest import SHARED_FIXTURES, load_fixture
from tests.unit.marathon._data import CLUSTER, DEV, OPS, VERSION, app_into, listing_into

APP_LISTINGS = fs.MARATHON_APP_LISTINGS
GROUPS = fs.MARATHON_GROUPS
GROUP_DEFINITIONS = fs.MARATHON_GROUP_DEFINITIONS
APP_DEFINITIONS = fs.MARATHON_APP_DEFINITIONS
APP_DEFINITION_LISTS = ["marathon/api-examples/apps_create.json"]
TASK_LISTINGS = fs.MARATHON_TASK_LISTINGS
QUEUES = fs.MARATHON_QUEUES
INFOS = ["marathon/api-examples/info.json", "marathon/api-examples-v1.4/info.json"]
NEW_FORMAT_APP = fs.NEW_FORMAT_APP
TRIMMED_GROUP = fs.TRIMMED_GROUP


def group_apps(group: dict[str, Any]) -> list[dict[str, Any]]:
    found = list(group.get("apps") or [])
    for sub in group.get("groups") or []:
        found += group_apps(sub)
    return found


def check_app_against_raw(app: App, raw: dict[str, Any]) -> None:
    """What every parsed app must keep of its payload."""
    assert app.instances == raw.get("instances", 1)
    assert app.cpus == float(raw.get("cpus", 1.0))
    assert app.mem == float(raw.get("mem", 128.0))
    assert app.cmd == (raw.get("cmd") or None)
    assert dict(app.labels) == (raw.get("labels") or {})
    assert {name: value for name, value in app.env.items() if isinstance(value, str)} == {
        name: value for name, value in (raw.get("env") or {}).items() if isinstance(value, str)
    }
    assert [list(c) for c in app.constraints] == (raw.get("constraints") or [])
    assert len(app.health_checks) == len(raw.get("healthChecks") or [])
    assert not set(app.extra) & (SERVER_OWNED_KEYS | {"id", "version", "tasks"})
    assert None not in app.extra.values()
    if app.image is None and raw.get("container") is not None:
        assert app.extra["container"] == raw["container"]
    if app.image is not None:
        assert "container" not in app.extra
        assert raw["container"]["docker"]["image"] == app.image


# -- apps --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", APP_LISTINGS)
def test_every_recorded_app_listing_parses(name: str) -> None:
    payload = load_fixture(name)
    apps = _parse.apps_from(payload, CLUSTER)
    assert [app.id for app in apps] == [raw["id"] for raw in payload["apps"]]
    for app, raw in zip(apps, payload["apps"], strict=True):
        check_app_against_raw(app, raw)
        assert app.version == raw["version"]
        assert app.tasks is None


@pytest.mark.parametrize("name", APP_LISTINGS)
def test_a_namespace_listing_gives_relative_ids(name: str) -> None:
    payload = listing_into(load_fixture(name), "dev", key="*")
    apps = _parse.apps_from(payload, DEV)
    assert [app.id for app in apps] == [raw["id"] for raw in load_fixture(name)["apps"]]
    assert all(not app.id.startswith("/dev/") for app in apps)


def test_the_v1_4_listing_in_detail() -> None:
    (app,) = _parse.apps_from(load_fixture("marathon/api-examples-v1.4/app_list.json"), CLUSTER)
    assert app.id == "/myapp"
    assert app.args is None
    assert app.ports == (10013, 10015)  # 1.4 "ports", no portDefinitions
    assert app.deployment_ids == ("9538079c-3898-4e32-aa31-799bf9097f74",)
    assert app.status.value == "deploying"
    assert app.constraints == (("hostname", "UNIQUE", ""),)
    # 1.4's null fields and its empty deprecated storeUrls are not writable values to keep
    assert "user" not in app.extra
    assert "acceptedResourceRoles" not in app.extra
    assert "storeUrls" not in app.extra
    assert app.extra["uris"] == ["https://raw.github.com/mesosphere/marathon/master/README.md"]


def test_recorded_production_apps_keep_their_rich_containers() -> None:
    apps = _parse.apps_from(load_fixture(APP_LISTINGS[2]), CLUSTER)
    assert [app.image for app in apps] == [None] * 4  # bridge networks, privileged, force pull
    first = apps[0]
    assert first.extra["container"]["docker"]["network"] == "BRIDGE"
    assert "uris" not in first.extra  # 1.4 repeats fetch as uris; both together are refused
    assert first.extra["fetch"][0]["uri"] == "file:///etc/docker.tar.bz2"
    assert first.ports == (10027,)
    assert first.constraints == (("exclusive", "UNLIKE", ".*"), ("dc", "LIKE", "sl"))


def test_the_new_network_format_app() -> None:
    raw = load_fixture(NEW_FORMAT_APP)
    app = _parse.app_from({"app": raw}, CLUSTER, with_tasks=True)
    assert app.id == "/asgard-dev/alpine"
    assert app.image is None
    assert app.extra["networks"] == [{"mode": "container/bridge"}]
    assert app.extra["container"]["portMappings"][0]["servicePort"] == 10000
    assert app.extra["unreachableStrategy"] == {"inactiveAfterSeconds": 0, "expungeAfterSeconds": 0}
    assert app.tasks == ()
    assert app.status.value == "suspended"
    assert ("owner", "LIKE", "asgard-dev") in app.constraints


@pytest.mark.parametrize(
    ("networks", "docker", "plain"),
    [
        (None, {"image": "nginx", "network": "HOST"}, True),
        ([{"mode": "host"}], {"image": "nginx", "forcePullImage": False, "parameters": []}, True),
        (None, {"image": "nginx", "privileged": False, "portMappings": None}, True),
        ([{"mode": "container/bridge"}], {"image": "nginx"}, False),
        (None, {"image": "nginx", "network": "BRIDGE"}, False),
        (None, {"image": "nginx", "forcePullImage": True}, False),
        (None, {"image": "nginx", "parameters": [{"key": "label", "value": "x"}]}, False),
        (None, {"image": "nginx", "pullConfig": {"secret": "pull"}}, False),
    ],
)
def test_only_a_plain_docker_image_on_host_networking_becomes_image(
    networks: Any, docker: dict[str, Any], plain: bool
) -> None:
    raw: dict[str, Any] = {
        "id": "/web",
        "version": VERSION,
        "container": {"type": "DOCKER", "docker": docker, "volumes": []},
    }
    if networks is not None:
        raw["networks"] = networks
    app = _parse.app_definition_from(raw, CLUSTER)
    assert (app.image == "nginx") is plain
    assert ("container" in app.extra) is not plain
    assert "networks" not in app.extra or not plain


def test_a_mesos_container_or_volumes_stay_in_extra() -> None:
    for container in (
        {"type": "MESOS", "docker": {"image": "nginx"}},
        {"type": "DOCKER", "docker": {"image": "nginx"}, "volumes": [{"containerPath": "/d"}]},
    ):
        raw = {"id": "/web", "version": VERSION, "container": container}
        app = _parse.app_definition_from(raw, CLUSTER)
        assert app.image is None
        assert app.extra["container"] == container


def test_an_app_in_detail_from_the_group_example() -> None:
    payload = load_fixture("marathon/api-examples/group.json")
    apps = {app.id: app for app in _parse.apps_from_group(payload, CLUSTER)}
    oauth = apps["/tools/oauth-server"]
    assert oauth.image is not None
    assert oauth.image.startswith("docker-registry/oauth_server:")
    (check,) = oauth.health_checks
    assert check.protocol is HealthCheckProtocol.HTTP
    assert check.path == "/"
    assert "container" not in oauth.extra


@pytest.mark.parametrize("name", GROUPS)
def test_every_recorded_group_reply_parses(name: str) -> None:
    payload = load_fixture(name)
    apps = _parse.apps_from_group(payload, CLUSTER)
    raw_apps = group_apps(payload)
    assert [app.id for app in apps] == [raw["id"] for raw in raw_apps]
    for app, raw in zip(apps, raw_apps, strict=True):
        check_app_against_raw(app, raw)


@pytest.mark.parametrize("name", GROUP_DEFINITIONS)
def test_group_definitions_parse_with_a_given_version_and_only_then(name: str) -> None:
    payload = load_fixture(name)
    apps = _parse.apps_from_group(payload, CLUSTER, default_version=VERSION)
    assert len(apps) == len(group_apps(payload))
    assert all(app.id.startswith("/") and app.version == VERSION for app in apps)
    for app, raw in zip(apps, group_apps(payload), strict=True):
        check_app_against_raw(app, raw)
    with pytest.raises(MalformedResponseError) as caught:
        _parse.apps_from_group(payload, CLUSTER)
    assert caught.value.path.endswith("/version")


def test_relative_ids_of_a_group_definition_are_resolved_against_their_group() -> None:
    apps = _parse.apps_from_group(
        load_fixture("marathon/dcos-cli/request-group-complicated.json"),
        CLUSTER,
        default_version=VERSION,
    )
    assert [app.id for app in apps] == [
        "/test-group/appingroups",
        "/test-group/app/sleep10",
        "/test-group/moregroups/moregroups/sleep1",
    ]
    assert apps[1].dependencies == ("/product/database",)


def test_the_bad_group_definition_is_refused_with_the_path() -> None:
    with pytest.raises(MalformedResponseError) as caught:
        _parse.apps_from_group(
            load_fixture("marathon/dcos-cli/request-group-complicated-bad.json"),
            CLUSTER,
            default_version=VERSION,
        )
    assert caught.value.path == "/groups/0/apps/0/id"


def test_the_trimmed_dev_group_refuses_apps_but_its_real_tasks_parse() -> None:
    payload = load_fixture(TRIMMED_GROUP)
    with pytest.raises(MalformedResponseError) as caught:
        _parse.apps_from_group(payload, DEV)
    assert caught.value.path == "/groups/0/apps/0/version"
    apps = _parse.apps_from_group(payload, DEV, with_tasks=True, default_version=VERSION)
    assert [app.id for app in apps] == ["/a/app0", "/group-b/appb0", "/group-b/group-b0/app0"]
    tasks = apps[0].tasks
    assert tasks is not None
    assert len(tasks) == 2
    assert {task.app_id for task in tasks} == {"/a/app0"}
    assert tasks[0].state is TaskState.TASK_RUNNING
    assert tasks[0].agent_id == "dd34c73f-9680-4f50-98db-5b0331af4d19-S8"


@pytest.mark.parametrize("name", APP_DEFINITIONS)
def test_every_app_definition_parses_with_a_given_version(name: str) -> None:
    raw = load_fixture(name)
    app = _parse.app_definition_from(raw, CLUSTER, default_version=VERSION)
    check_app_against_raw(app, raw)
    assert app.id == _parse.canonical_id(raw["id"])


@pytest.mark.parametrize("name", APP_DEFINITION_LISTS)
def test_bulk_definitions_parse(name: str) -> None:
    for raw in load_fixture(name):
        app = _parse.app_definition_from(raw, CLUSTER, default_version=VERSION)
        check_app_against_raw(app, raw)


def test_the_full_app_example_in_detail() -> None:
    raw = load_fixture("marathon/api-examples/app.json")
    app = _parse.app_definition_from(raw, CLUSTER, default_version=VERSION)
    assert app.env["PASSWORD"] == {"secret": "/db/password"}
    assert app.extra["secrets"] == raw["secrets"]
    assert app.extra["container"]["docker"]["network"] == "BRIDGE"
    assert app.args == ("sleep", "100")
    assert app.dependencies == ("/prod/group",)
    (check,) = app.health_checks
    assert check.interval_seconds == 20
    assert check.extra == {"ignoreHttp1xx": False}
    assert app.extra["readinessChecks"][0]["name"] == "myReadyCheck"
    assert app.extra["ipAddress"]["groups"] == ["dev"]


def test_command_health_checks_and_defaults() -> None:
    raw = {
        "id": "/web",
        "version": VERSION,
        "healthChecks": [
            {"protocol": "COMMAND", "command": {"value": "curl -f localhost"}},
            {"protocol": "TCP", "portIndex": 1, "delaySeconds": 15},
            {"protocol": "MESOS_HTTP", "path": "", "port": 8080},
        ],
    }
    command, tcp, mesos = _parse.app_definition_from(raw, CLUSTER).health_checks
    assert command.command == "curl -f localhost"
    assert command.grace_period_seconds == 300
    assert tcp.port_index == 1
    assert tcp.extra == {"delaySeconds": 15}
    assert mesos.path is None
    assert mesos.extra == {"port": 8080}


def test_a_definition_without_version_is_refused_by_default() -> None:
    with pytest.raises(MalformedResponseError) as caught:
        _parse.app_definition_from(
            load_fixture("marathon/system-tests/app-sleep-app.json"), CLUSTER
        )
    assert caught.value.path == "/version"


def test_last_task_failure_and_counts() -> None:
    raw = {
        "id": "/dev/web",
        "version": VERSION,
        "instances": 2,
        "tasksRunning": 1,
        "tasksStaged": 1,
        "tasksHealthy": 1,
        "tasksUnhealthy": 0,
        "deployments": [],
        "lastTaskFailure": {
            "appId": "/dev/web",
            "host": "a1",
            "message": "Container exited with status 1",
            "state": "TASK_FAILED",
            "taskId": "dev_web.b331f6c9-fb9e-11e7-ab4b-faf0633ea91f",
            "timestamp": "2017-11-21T09:11:55.683Z",
            "version": VERSION,
            "slaveId": None,
        },
    }
    app = _parse.app_from({"app": raw}, DEV)
    assert (app.tasks_running, app.tasks_staged, app.tasks_healthy) == (1, 1, 1)
    assert app.status.value == "running"
    failure = app.last_task_failure
    assert failure is not None
    assert failure.state is TaskState.TASK_FAILED
    assert failure.agent_id is None
    assert failure.timestamp == datetime(2017, 11, 21, 9, 11, 55, 683000, tzinfo=timezone.utc)


def test_unknown_and_null_fields_are_tolerated() -> None:
    raw = copy.deepcopy(load_fixture(APP_LISTINGS[0]))
    app = raw["apps"][0]
    app.update(role="slave_public", resourceLimits={"cpus": "unlimited"}, someFutureField=[1])
    app.update(cmd=None, labels=None, env=None, healthChecks=None, gpus=None, disk=None)
    (parsed,) = _parse.apps_from(raw, CLUSTER)
    assert parsed.cmd is None
    assert parsed.env == {}
    assert parsed.gpus == 0
    assert parsed.extra["role"] == "slave_public"
    assert parsed.extra["someFutureField"] == [1]


# -- tenancy of replies ------------------------------------------------------------------------


def test_a_scoped_reply_holding_another_namespaces_app_is_a_violation() -> None:
    payload = load_fixture(APP_LISTINGS[2])  # /supended/..., /captura/..., /infra/..., ...
    with pytest.raises(TenancyViolationError):
        _parse.apps_from(payload, OPS)
    listing = listing_into(load_fixture(APP_LISTINGS[0]), "dev", key="*")
    listing["*"].append(app_into(load_fixture(APP_LISTINGS[0])["apps"][0], "devx"))
    with pytest.raises(TenancyViolationError):
        _parse.apps_from(listing, DEV)
    with pytest.raises(TenancyViolationError):
        _parse.app_from({"app": load_fixture(APP_LISTINGS[0])["apps"][0]}, DEV)


def test_a_dependency_on_another_namespace_is_not_shown() -> None:
    raw = app_into(load_fixture(APP_LISTINGS[0])["apps"][0], "dev")
    raw["dependencies"] = ["/dev/db", "/prod/secret-db", "cache"]
    app = _parse.app_definition_from(raw, DEV)
    assert app.dependencies == ("/db", "/cache")
    assert "prod" not in repr(app)


@pytest.mark.parametrize("name", TASK_LISTINGS)
def test_every_recorded_task_listing_parses(name: str) -> None:
    payload = load_fixture(name)
    tasks = _parse.tasks_from(payload, CLUSTER)
    assert [task.id for task in tasks] == [raw["id"] for raw in payload["tasks"]]
    for task, raw in zip(tasks, payload["tasks"], strict=True):
        assert task.app_id == raw["appId"]
        assert task.host == raw["host"]
        assert task.agent_id == raw["slaveId"]
        assert task.ports == tuple(raw["ports"])
        assert task.version == raw["version"]
        assert task.started_at is not None
        assert isinstance(task.state, TaskState)
        assert task.healthy is None


def test_tasks_of_one_namespace_and_of_several() -> None:
    single = _parse.tasks_from(load_fixture("asgard-recorded/tasks/get_single_namespace.json"), DEV)
    assert {task.app_id for task in single} == {"/waiting"}
    with pytest.raises(TenancyViolationError):
        _parse.tasks_from(load_fixture("asgard-recorded/tasks/get_multi_namespace.json"), DEV)


def test_v1_4_tasks_without_state_or_agent() -> None:
    tasks = _parse.tasks_from(load_fixture("marathon/api-examples-v1.4/tasks.json"), CLUSTER)
    assert [task.state for task in tasks] == [TaskState.TASK_RUNNING] * 2
    assert tasks[1].agent_id is None  # "slaveId": null
    raw = copy.deepcopy(load_fixture("marathon/api-examples-v1.4/app_tasks.json"))
    raw["tasks"][0].pop("startedAt")
    (task,) = _parse.tasks_from(raw, CLUSTER)
    assert task.state is TaskState.TASK_STAGING


def test_health_check_results_make_healthy() -> None:
    raw = copy.deepcopy(load_fixture("marathon/api-examples/app_tasks.json"))
    task = raw["tasks"][0]
    task["healthCheckResults"] = [{"alive": True}, {"alive": True}]
    assert _parse.tasks_from(raw, CLUSTER)[0].healthy is True
    task["healthCheckResults"] = [{"alive": True}, {"alive": False}]
    assert _parse.tasks_from(raw, CLUSTER)[0].healthy is False
    task["healthCheckResults"] = []
    assert _parse.tasks_from(raw, CLUSTER)[0].healthy is None


def test_embedded_tasks_without_app_id_take_the_apps() -> None:
    raw = app_into(load_fixture(APP_LISTINGS[0])["apps"][0], "dev")
    raw["tasks"] = [
        {"id": "dev_myapp.b331f6c9-fb9e-11e7-ab4b-faf0633ea91f", "host": "a1", "state": "X"}
    ]
    app = _parse.app_from({"app": raw}, DEV, with_tasks=True)
    assert app.tasks is not None
    assert app.tasks[0].app_id == "/myapp"
    assert app.tasks[0].state == "X"  # a state asgard does not know is kept
    assert _parse.app_from({"app": raw}, DEV).tasks is None


def test_a_task_of_no_app_is_shown_cluster_wide_only() -> None:
    payload = {"tasks": [{"id": "not-a-marathon-id", "host": "a1"}]}
    assert _parse.tasks_from(payload, CLUSTER)[0].app_id is None
    with pytest.raises(TenancyViolationError):
        _parse.tasks_from(payload, DEV)


def test_the_task_of_a_kill() -> None:
    raw = load_fixture("marathon/api-examples/app_task.json")
    task = _parse.task_from(raw, CLUSTER)
    assert task.id.startswith("minecraft_survival-world.instance-")
    assert task.state is TaskState.TASK_STAGING
    assert _parse.kill_result(raw) is None


# -- deployments --------------------------------------------------------------------------------


def test_the_recorded_deployments() -> None:
    payload = load_fixture("marathon/api-examples/deployments.json")
    ((deployment, fully_owned, starts, stops),) = _parse.deployments_from(payload, CLUSTER)
    assert fully_owned
    assert (starts, stops) == (frozenset(), frozenset())  # a scale
    assert deployment.id == "97c136bf-5a28-4821-9d94-480d9fbb01c8"
    assert deployment.app_ids == ("/foo",)
    assert (deployment.current_step, deployment.total_steps) == (1, 1)
    assert deployment.current_actions is not None
    assert [(a.action, a.app_id) for a in deployment.current_actions] == [
        ("ScaleApplication", "/foo")
    ]


def mixed_deployments() -> list[dict[str, Any]]:
    return [
        {
            "id": "d-mixed",
            "version": VERSION,
            "affectedApps": ["/dev/web", "/prod/api"],
            "affectedPods": [],
            "steps": [
                {"actions": [{"action": "RestartApplication", "app": "/dev/web"}]},
                {"actions": [{"action": "RestartApplication", "app": "/prod/api"}]},
            ],
            "currentActions": [
                {"action": "RestartApplication", "app": "/dev/web"},
                {"action": "RestartApplication", "app": "/prod/api"},
            ],
            "currentStep": 1,
            "totalSteps": 2,
        },
        {"id": "d-prod", "version": VERSION, "affectedApps": ["/prod/api"], "steps": []},
        {
            "id": "d-dev",
            "version": VERSION,
            "affectedApps": ["/dev/web"],
            "affectedPods": ["/dev/pod"],
            "steps": [{"actions": [{"action": "ScalePod", "pod": "/dev/pod"}]}],
            "currentActions": [{"action": "ScalePod", "pod": "/dev/pod"}],
        },
        {"id": "d-dev-prod-pod", "version": VERSION, "affectedApps": ["/dev/db"],
         "affectedPods": ["/prod/pod"]},
    ]  # fmt: skip


def test_deployments_of_other_namespaces_are_invisible_or_not_owned() -> None:
    visible = _parse.deployments_from(mixed_deployments(), DEV)
    by_id = {entry.deployment.id: entry for entry in visible}
    assert set(by_id) == {"d-mixed", "d-dev", "d-dev-prod-pod"}
    mixed = by_id["d-mixed"]
    assert not mixed.fully_owned
    assert mixed.deployment.app_ids == ("/web",)
    assert mixed.deployment.current_actions is not None
    assert [a.app_id for a in mixed.deployment.current_actions] == ["/web"]
    assert "prod" not in repr(mixed.deployment)
    assert by_id["d-dev"].fully_owned
    assert by_id["d-dev"].deployment.current_actions == (
        DeploymentAction(action="ScalePod", app_id=None),
    )
    assert not by_id["d-dev-prod-pod"].fully_owned
    assert _parse.find_deployment(visible, "d-prod") is None
    found = _parse.find_deployment(visible, "d-dev")
    assert found is not None
    assert found.fully_owned


def test_cluster_wide_sees_every_deployment_fully_owned() -> None:
    visible = _parse.deployments_from(mixed_deployments(), CLUSTER)
    assert [entry.deployment.id for entry in visible] == [
        "d-mixed",
        "d-prod",
        "d-dev",
        "d-dev-prod-pod",
    ]
    assert all(entry.fully_owned for entry in visible)
    assert visible[0].deployment.app_ids == ("/dev/web", "/prod/api")


def test_write_results_in_every_shape() -> None:
    result = _parse.write_result(
        load_fixture("marathon/api-examples/deployments_result.json"), app_ids=["/web"]
    )
    assert result.id == "5ed4c0c5-9ff8-4a6f-a0cd-f57f59a34b43"
    assert result.version == "2015-09-29T15:59:51.164Z"
    assert result.app_ids == ("/web",)
    assert result.current_step is None
    created = app_into(load_fixture(APP_LISTINGS[0])["apps"][0], "dev")
    from_body = _parse.write_result(created, app_ids=["/myapp"], header="ignored")
    assert from_body.id == "9538079c-3898-4e32-aa31-799bf9097f74"
    created["deployments"] = []
    from_header = _parse.write_result(created, app_ids=["/myapp"], header="d-42")
    assert from_header.id == "d-42"
    assert from_header.version == created["version"]
    with pytest.raises(MalformedResponseError) as caught:
        _parse.write_result(created, app_ids=["/myapp"])
    assert caught.value.path == "/deploymentId"
    with pytest.raises(MalformedResponseError):
        _parse.write_result({"deploymentId": "x"})


def test_kill_and_cancel_results() -> None:
    result = load_fixture("marathon/api-examples/deployments_result.json")
    tasks = load_fixture("marathon/api-examples/app_tasks.json")
    assert _parse.kill_result(tasks) is None
    killed = _parse.kill_result(result, app_ids=["/web"])
    assert killed is not None
    assert killed.app_ids == ("/web",)
    with pytest.raises(MalformedResponseError):
        _parse.kill_result({"message": "?"})
    assert _parse.cancel_result(None) is None
    assert _parse.cancel_result(b"") is None
    rollback = _parse.cancel_result(result, app_ids=["/web"])
    assert rollback is not None
    assert rollback.id == result["deploymentId"]


# -- queue, versions, info --------------------------------------------------------------------


@pytest.mark.parametrize("name", QUEUES)
def test_every_recorded_queue_parses(name: str) -> None:
    payload = load_fixture(name)
    entries = _parse.queue_from(payload, CLUSTER)
    assert [e.app_id for e in entries] == [raw["app"]["id"] for raw in payload["queue"]]
    assert [e.count for e in entries] == [raw["count"] for raw in payload["queue"]]
    assert [e.overdue for e in entries] == [raw["delay"]["overdue"] for raw in payload["queue"]]


def test_queue_reasons_and_delay() -> None:
    entries = _parse.queue_from(load_fixture(QUEUES[0]), CLUSTER)
    assert entries[0].declined == {}
    assert entries[1].declined == {
        "InsufficientCpus": 75,
        "InsufficientMemory": 15,
        "InsufficientDisk": 10,
    }
    recorded = _parse.queue_from(load_fixture(QUEUES[2]), CLUSTER)
    assert [(e.app_id, e.delay_seconds, e.overdue) for e in recorded] == [
        ("/infra/otherapp", 2.0, False),
        ("/dev/waiting", 286.0, False),
    ]


def test_reasons_from_unused_offers_when_there_is_no_summary() -> None:
    raw = copy.deepcopy(load_fixture(QUEUES[0]))
    entry = raw["queue"][1]
    entry.pop("processedOffersSummary")
    entry["lastUnusedOffers"] *= 3
    assert _parse.queue_from(raw, CLUSTER)[1].declined == {"InsufficientMemory": 3}


def test_the_queue_of_other_namespaces_and_of_pods_is_invisible() -> None:
    entries = _parse.queue_from(load_fixture(QUEUES[2]), DEV)
    assert [(e.app_id, e.count) for e in entries] == [("/waiting", 1)]
    pods = {"queue": [{"pod": {"id": "/dev/pod"}, "count": 1}]}
    assert _parse.queue_from(pods, CLUSTER) == []


def test_versions_newest_first() -> None:
    assert _parse.versions_from(load_fixture("marathon/raml-inline/200-app-versions.json")) == [
        "2014-03-01T23:42:20.938Z"
    ]
    shuffled = {
        "versions": [
            "2015-09-11T10:47:21.241Z",
            "2015-09-25T15:13:48.343Z",
            "2015-09-11T11:11:22.692Z",
        ]
    }
    assert _parse.versions_from(shuffled) == [
        "2015-09-25T15:13:48.343Z",
        "2015-09-11T11:11:22.692Z",
        "2015-09-11T10:47:21.241Z",
    ]


def test_group_versions_are_not_app_versions() -> None:
    # GET /v2/groups/<id>/versions answers a bare array: asgard never reads it as an app's.
    with pytest.raises(MalformedResponseError):
        _parse.versions_from(load_fixture("marathon/raml-inline/200-group-versions.json"))


@pytest.mark.parametrize("name", INFOS)
def test_every_recorded_info_parses(name: str) -> None:
    raw = load_fixture(name)
    assert _parse.cluster_info(raw) == ClusterInfo(
        name="marathon", version=raw["version"], leader="http://localhost:8080"
    )
    header = "https://mt1.example:8443"
    assert _parse.cluster_info(raw, leader_url=header).leader == header
    assert _parse.cluster_info(raw, scheme="https").leader == "https://localhost:8080"


def test_the_leader() -> None:
    leader = load_fixture("marathon/raml-inline/200-leader.json")
    assert _parse.leader_from(leader) == "marathon.globalcorp.com:8080"
    with pytest.raises(MalformedResponseError) as caught:
        _parse.leader_from(load_fixture("marathon/raml-inline/404-no-leader.json"))
    assert caught.value.path == "/leader"


# -- malformed variants -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mutate", "path"),
    [
        (lambda a: a.pop("id"), "/apps/0/id"),
        (lambda a: a.__setitem__("version", 1), "/apps/0/version"),
        (lambda a: a.__setitem__("instances", "3"), "/apps/0/instances"),
        (lambda a: a.__setitem__("instances", -1), "/apps/0/instances"),
        (lambda a: a.__setitem__("cpus", "0.1"), "/apps/0/cpus"),
        (lambda a: a.__setitem__("cmd", ["sleep"]), "/apps/0/cmd"),
        (lambda a: a.__setitem__("args", "sleep 1"), "/apps/0/args"),
        (lambda a: a.__setitem__("labels", {"a": 1}), "/apps/0/labels/a"),
        (lambda a: a.__setitem__("constraints", [["hostname"]]), "/apps/0/constraints"),
        (lambda a: a.__setitem__("constraints", "hostname:UNIQUE"), "/apps/0/constraints"),
        (lambda a: a.__setitem__("ports", ["10013"]), "/apps/0/ports"),
        (
            lambda a: a.__setitem__("portDefinitions", [{"protocol": "tcp"}]),
            "/apps/0/portDefinitions/0/port",
        ),
        (
            lambda a: a.__setitem__("healthChecks", [{"protocol": "GOPHER"}]),
            "/apps/0/healthChecks/0/protocol",
        ),
        (
            lambda a: a.__setitem__("healthChecks", [{"protocol": "COMMAND"}]),
            "/apps/0/healthChecks/0/command",
        ),
        (
            lambda a: a.__setitem__("healthChecks", [{"intervalSeconds": -5}]),
            "/apps/0/healthChecks/0/intervalSeconds",
        ),
        (lambda a: a.__setitem__("deployments", [{}]), "/apps/0/deployments/0/id"),
        (lambda a: a.__setitem__("tasksRunning", "1"), "/apps/0/tasksRunning"),
        (lambda a: a.__setitem__("dependencies", [1]), "/apps/0/dependencies"),
        (
            lambda a: a.__setitem__("lastTaskFailure", {"state": "TASK_FAILED"}),
            "/apps/0/lastTaskFailure/taskId",
        ),
        (lambda a: a.__setitem__("env", {"A": 1}), "/apps/0/env/A"),
        (lambda a: a.__setitem__("env", {"A": {"secret": 1}}), "/apps/0/env/A/secret"),
    ],
)
def test_malformed_apps_name_the_path(mutate: Any, path: str) -> None:
    payload = copy.deepcopy(load_fixture(APP_LISTINGS[0]))
    mutate(payload["apps"][0])
    with pytest.raises(MalformedResponseError) as caught:
        _parse.apps_from(payload, CLUSTER)
    assert caught.value.path == path


@pytest.mark.parametrize("payload", [{}, {"apps": {}}, {"apps": None}, [], None, "apps"])
def test_listings_that_are_not_listings(payload: Any) -> None:
    with pytest.raises(MalformedResponseError):
        _parse.apps_from(payload, CLUSTER)


@pytest.mark.parametrize(
    ("mutate", "path"),
    [
        (lambda t: t.pop("id"), "/tasks/0/id"),
        (lambda t: t.__setitem__("stagedAt", "yesterday"), "/tasks/0/stagedAt"),
        (lambda t: t.__setitem__("ports", [31292.5]), "/tasks/0/ports"),
        (lambda t: t.__setitem__("state", 1), "/tasks/0/state"),
        (
            lambda t: t.__setitem__("healthCheckResults", [{"alive": "yes"}]),
            "/tasks/0/healthCheckResults/0/alive",
        ),
    ],
)
def test_malformed_tasks_name_the_path(mutate: Any, path: str) -> None:
    payload = copy.deepcopy(load_fixture(TASK_LISTINGS[0]))
    mutate(payload["tasks"][0])
    with pytest.raises(MalformedResponseError) as caught:
        _parse.tasks_from(payload, CLUSTER)
    assert caught.value.path == path


@pytest.mark.parametrize(
    ("mutate", "path"),
    [
        (lambda q: q["queue"][0].pop("count"), "/queue/0/count"),
        (lambda q: q["queue"][0]["app"].pop("id"), "/queue/0/app/id"),
        (lambda q: q["queue"][0]["delay"].__setitem__("overdue", "yes"), "/queue/0/delay/overdue"),
        (
            lambda q: q["queue"][1]["processedOffersSummary"]["rejectSummaryLastOffers"][3].pop(
                "reason"
            ),
            "/queue/1/processedOffersSummary/rejectSummaryLastOffers/3/reason",
        ),
    ],
)
def test_malformed_queues_name_the_path(mutate: Any, path: str) -> None:
    payload = copy.deepcopy(load_fixture(QUEUES[0]))
    mutate(payload)
    with pytest.raises(MalformedResponseError) as caught:
        _parse.queue_from(payload, CLUSTER)
    assert caught.value.path == path


@pytest.mark.parametrize(
    ("mutate", "path"),
    [
        (lambda d: d[0].pop("id"), "/0/id"),
        (lambda d: d[0].pop("version"), "/0/version"),
        (lambda d: d[0].__setitem__("affectedApps", "/foo"), "/0/affectedApps"),
        (lambda d: d[0]["currentActions"][0].pop("action"), "/0/currentActions/0/type"),
        (lambda d: d[0].__setitem__("currentStep", "1"), "/0/currentStep"),
    ],
)
def test_malformed_deployments_name_the_path(mutate: Any, path: str) -> None:
    payload = copy.deepcopy(load_fixture("marathon/api-examples/deployments.json"))
    mutate(payload)
    with pytest.raises(MalformedResponseError) as caught:
        _parse.deployments_from(payload, CLUSTER)
    assert caught.value.path == path
    with pytest.raises(MalformedResponseError) as caught:
        _parse.deployments_from({"deployments": []}, CLUSTER)
    assert caught.value.path == ""


@pytest.mark.parametrize(
    ("payload", "path"),
    [
        ({}, "/versions"),
        ({"versions": None}, "/versions"),
        ({"versions": ["2015-09-25T15:13:48.343Z", 3]}, "/versions"),
        ({"versions": ["last tuesday"]}, "/versions"),
    ],
)
def test_malformed_versions_name_the_path(payload: Any, path: str) -> None:
    with pytest.raises(MalformedResponseError) as caught:
        _parse.versions_from(payload)
    assert caught.value.path == path


def test_malformed_info_names_the_path() -> None:
    raw = copy.deepcopy(load_fixture(INFOS[0]))
    raw["version"] = 1.5
    with pytest.raises(MalformedResponseError) as caught:
        _parse.cluster_info(raw)
    assert caught.value.path == "/version"


# -- secrets ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        987654321,
        ["hunter2-in-a-list"],
        {"secret": 987654321},
        {"secret": ["hunter2-in-a-list"]},
        {"source": "hunter2-in-a-map"},
    ],
)
def test_env_values_never_appear_in_parse_errors(value: Any) -> None:
    payload = copy.deepcopy(load_fixture(APP_LISTINGS[0]))
    payload["apps"][0]["env"]["PASSWORD"] = value
    with pytest.raises(MalformedResponseError) as caught:
        _parse.apps_from(payload, CLUSTER)
    message = f"{caught.value} {caught.value.path} {caught.value!r}"
    assert "987654321" not in message
    assert "hunter2" not in message
    assert "PASSWORD" in caught.value.path


def test_env_values_never_appear_in_an_apps_repr() -> None:
    raw = app_into(load_fixture(APP_LISTINGS[2])["apps"][0], "dev")
    app = _parse.app_definition_from(raw, DEV)
    assert app.env["SIEVE_DB_MATCHING_ADDRESS"] == "10.37.58.27"
    assert "10.37.58.27" not in repr(app)
    assert "10.37.58.27" not in repr(app.to_spec())


# -- every fixture is covered ------------------------------------------------------------------


def test_every_marathon_shaped_fixture_is_covered() -> None:
    covered = {
        *APP_LISTINGS,
        *GROUPS,
        *GROUP_DEFINITIONS,
        *APP_DEFINITIONS,
        *APP_DEFINITION_LISTS,
        *TASK_LISTINGS,
        *QUEUES,
        *INFOS,
        NEW_FORMAT_APP,
        TRIMMED_GROUP,
        "marathon/dcos-cli/request-group-complicated-bad.json",
        "marathon/api-examples/app_task.json",
        "marathon/api-examples/deployments.json",
        "marathon/api-examples/deployments_result.json",
        "marathon/raml-inline/200-app-versions.json",
        "marathon/raml-inline/200-group-versions.json",
        "marathon/raml-inline/200-leader.json",
        "marathon/raml-inline/404-no-leader.json",
        # PATCH bodies asgard writes, never reads (test_serialize compares them with its own)
        "marathon/api-examples/app_patch.json",
        "marathon/api-examples/apps_patch.json",
        # events and the SSE capture: test_events and test_sse
        "marathon/events/event-bus-examples.json",
        "marathon/api-examples/events.txt",
    }
    not_read = {
        # error bodies: classified by asgard._http (tests/unit/test_policy.py)
        *(
            str(path.relative_to(SHARED_FIXTURES))
            for path in (SHARED_FIXTURES / "marathon/raml-inline").glob("[45][0-9][0-9]-*")
            if path.name != "404-no-leader.json"
        ),
        # the text/plain task list: asgard always asks for JSON
        "marathon/raml-inline/200-tasks.txt",
        # pods: not modelled by asgard (group listings skip them)
        "marathon/api-examples/pod.json",
        "marathon/system-tests/pod-simple-pod.json",
        "marathon/dcos-cli/response-pod-good-status.json",
        # a group dry run (PUT /v2/groups?dryRun=true): asgard never sends one
        "marathon/api-examples/deployment_steps.json",
        # JSON Schemas, not payloads
        "marathon/schema-v1.7/AppDefinition.json",
        "marathon/schema-v1.7/Group.json",
        "marathon/schema-v1.7/error.schema.json",
    }
    marathon_shaped = {
        str(path.relative_to(SHARED_FIXTURES))
        for path in [
            *(SHARED_FIXTURES / "marathon").rglob("*"),
            *(SHARED_FIXTURES / "asgard-recorded/requests").glob("*"),
            *(SHARED_FIXTURES / "asgard-recorded/tasks").glob("*"),
            *(SHARED_FIXTURES / "asgard-recorded/queue").glob("*"),
            *(SHARED_FIXTURES / "asgard-recorded/filters").glob("*"),
            *SHARED_FIXTURES.glob("asgard-recorded/*group*.json"),
        ]
        if path.is_file() and path.name != "SOURCES.md"
    }
    assert marathon_shaped - covered - not_read == set()
    assert covered <= marathon_shaped
    for path in marathon_shaped:
        if path.endswith(".json"):
            json.loads(Path(SHARED_FIXTURES, path).read_text())


@pytest.mark.parametrize(
    ("raw", "base", "expected"),
    [
        ("/dev/web", "/", "/dev/web"),
        ("/dev/web", "/other", "/dev/web"),
        ("/dev//web", "/", "/dev/web"),
        ("/dev/./web", "/", "/dev/web"),
        ("/dev/../web", "/", "/web"),
        ("/dev/web/", "/", "/dev/web"),
        ("/dev/web/.", "/", "/dev/web"),
        ("/dev/web/..", "/", "/dev"),
        ("/", "/", "/"),
        ("//", "/", "/"),
        ("/dev/web.v2", "/", "/dev/web.v2"),
        ("web", "/dev", "/dev/web"),
        ("../web", "/dev/team", "/dev/web"),
        ("./web", "/dev", "/dev/web"),
    ],
)
def test_canonical_id_resolves_every_spelling(raw: str, base: str, expected: str) -> None:
    # Canonical absolute ids (what replies carry) take a shortcut; every other spelling is
    # resolved segment by segment, and both agree.
    assert _parse.canonical_id(raw, base) == expected


@pytest.mark.parametrize(
    ("message", "missing"),
    [
        ("Group '/dev' does not exist", True),  # Marathon's unknownGroup
        ("Group '/dev' does not exist in version 2026-01-01T00:00:00.000Z", True),
        ("App '/dev/web' does not exist", False),
        ("HTTP 404 Not Found", False),
        ("404 Not Found", False),
        (None, False),
    ],
)
def test_only_marathons_missing_group_message_means_an_empty_namespace(
    message: str | None, missing: bool
) -> None:
    assert _parse.is_missing_group(message) is missing
