"""AppSpec / AppPatch → Marathon JSON: round trips, the owner pin, secrets, patches, rollback."""

from __future__ import annotations

import copy
import json
from typing import Any

import attrs
import pytest

from asgard import Account
from asgard.errors import InvalidInputError
from asgard.marathon import _parse, _requests
from asgard.marathon import _serialize as s
from asgard.models import AppPatch, AppSpec, HealthCheck
from asgard.models._checks import SERVER_OWNED_KEYS
from tests.conftest import load_fixture
from tests.unit.marathon._data import CLUSTER, DEV, OPS, VERSION, app_into

PIN = ["owner", "LIKE", "dev-team"]
ROUND_TRIP_APPS = [
    ("marathon/api-examples/app_list.json", 0),
    ("marathon/api-examples-v1.4/app_list.json", 0),
    *(("asgard-recorded/requests/get-v2apps-all-apps.json", index) for index in range(4)),
]
# Fields of a Marathon app that must survive parse → to_spec → serialize as they were read.
KEPT_AS_IS = (
    "instances",
    "cmd",
    "labels",
    "container",
    "fetch",
    "upgradeStrategy",
    "backoffSeconds",
    "backoffFactor",
    "maxLaunchDelaySeconds",
    "requirePorts",
    "readinessChecks",
    "executor",
    "unreachableStrategy",
    "killSelection",
    "networks",
)


def dev_app(name: str, index: int) -> dict[str, Any]:
    payload = load_fixture(name)
    return app_into(payload["apps"][index], "dev")


def owner_constraints(body: dict[str, Any]) -> list[list[str]]:
    return [c for c in body["constraints"] if c[0] == "owner"]


@pytest.mark.parametrize(("name", "index"), ROUND_TRIP_APPS)
def test_round_trip_of_recorded_apps(name: str, index: int) -> None:
    raw = dev_app(name, index)
    app = _parse.app_definition_from(raw, DEV)
    body = s.app_body(app.to_spec(), DEV)
    assert body["id"] == raw["id"]
    assert body["cpus"] == raw["cpus"]
    assert body["mem"] == raw["mem"]
    assert body["disk"] == raw["disk"]
    assert body["env"] == raw["env"]
    for key in KEPT_AS_IS:
        if raw.get(key) is not None:
            assert body[key] == raw[key], key
    assert [d["port"] for d in body["portDefinitions"]] == (
        [d["port"] for d in raw["portDefinitions"]]
        if raw.get("portDefinitions") is not None
        else raw["ports"]
    )
    assert body["constraints"][:-1] == raw["constraints"]
    assert owner_constraints(body) == [PIN]
    assert body["dependencies"] == raw["dependencies"]
    assert not set(body) & SERVER_OWNED_KEYS
    assert "version" not in body
    assert "uris" not in body or "fetch" not in body
    assert "ports" not in body
    json.dumps(body)  # plain JSON, no read-only mappings left


def test_round_trip_of_the_new_format_app_keeps_its_network() -> None:
    raw = app_into(load_fixture("asgard-recorded/filters/app-json-new-format.json"), "dev")
    # the recorded app is pinned to the owner the original asgard gave it
    owner = Account(namespace="dev", owner="asgard-dev")
    app = _parse.app_definition_from(raw, owner)
    assert ("owner", "LIKE", "asgard-dev") in app.constraints
    body = s.app_body(app.to_spec(), owner)
    assert body["networks"] == [{"mode": "container/bridge"}]
    assert body["container"] == raw["container"]
    assert body["constraints"] == raw["constraints"]
    assert s.rollback_body(app, raw["version"], owner) == {"version": raw["version"]}
    # another owner's pin is never sent for this account, nor replaced silently
    with pytest.raises(InvalidInputError):
        s.app_body(app.to_spec(), DEV)
    with pytest.raises(InvalidInputError):
        s.rollback_body(app, raw["version"], DEV)


def test_round_trip_of_health_checks() -> None:
    payload = load_fixture("marathon/api-examples/group.json")
    raw = app_into(payload["groups"][0]["apps"][0], "dev")
    app = _parse.app_definition_from(raw, DEV)
    body = s.app_body(app.to_spec(), DEV)
    for sent, read in zip(body["healthChecks"], raw["healthChecks"], strict=True):
        assert {key: value for key, value in read.items() if value is not None} == sent
    assert body["container"] == {"type": "DOCKER", "docker": {"image": app.image}}


def test_round_trip_of_a_command_health_check_and_a_secret() -> None:
    raw = {
        "id": "/dev/web",
        "version": VERSION,
        "cmd": "serve",
        "env": {"PLAIN": "x", "DB": {"secret": "db"}},
        "secrets": {"db": {"source": "/vault/db@password"}},
        "healthChecks": [{"protocol": "COMMAND", "command": {"value": "check"}}],
    }
    body = s.app_body(_parse.app_definition_from(raw, DEV).to_spec(), DEV)
    assert body["healthChecks"][0]["command"] == {"value": "check"}
    assert body["env"] == raw["env"]
    assert body["secrets"] == raw["secrets"]


def spec(**changes: Any) -> AppSpec:
    values: dict[str, Any] = {"id": "/web", "cpus": 0.5, "mem": 64, "cmd": "serve"}
    values.update(changes)
    return AppSpec(**values)


def test_a_new_spec_in_full() -> None:
    body = s.app_body(
        spec(
            image="nginx:1.25",
            env={"A": "1"},
            labels={"team": "dev"},
            constraints=[("hostname", "UNIQUE")],
            ports=[0, 8080],
            health_checks=[HealthCheck(protocol="HTTP", path="/health", port_index=0)],
            dependencies=["db", "/cache"],
            extra={"upgradeStrategy": {"minimumHealthCapacity": 0.5}},
        ),
        DEV,
    )
    assert body == {
        "id": "/dev/web",
        "instances": 1,
        "cpus": 0.5,
        "mem": 64.0,
        "disk": 0.0,
        "gpus": 0,
        "cmd": "serve",
        "container": {"type": "DOCKER", "docker": {"image": "nginx:1.25"}},
        "env": {"A": "1"},
        "labels": {"team": "dev"},
        "constraints": [["hostname", "UNIQUE"], PIN],
        "portDefinitions": [{"port": 0}, {"port": 8080}],
        "healthChecks": [
            {
                "protocol": "HTTP",
                "path": "/health",
                "portIndex": 0,
                "gracePeriodSeconds": 300,
                "intervalSeconds": 60,
                "timeoutSeconds": 20,
                "maxConsecutiveFailures": 3,
            }
        ],
        "dependencies": ["/dev/db", "/dev/cache"],
        "upgradeStrategy": {"minimumHealthCapacity": 0.5},
    }


def test_the_image_body_names_no_network_for_both_versions() -> None:
    body = s.app_body(spec(image="nginx"), DEV)
    assert "network" not in body["container"]["docker"]
    assert "networks" not in body
    assert "ipAddress" not in body


def test_empty_fields_are_sent_for_a_full_replacement() -> None:
    body = s.app_body(spec(), DEV)
    assert body["portDefinitions"] == []  # Marathon's default would be one port
    assert body["healthChecks"] == []
    assert body["env"] == {}
    assert body["dependencies"] == []
    assert "args" not in body
    assert "container" not in body


def test_the_owner_pin_is_added_once_and_never_replaced() -> None:
    assert owner_constraints(s.app_body(spec(), DEV)) == [PIN]
    assert owner_constraints(s.app_body(spec(constraints=[PIN, PIN]), DEV)) == [PIN]
    assert s.app_body(spec(constraints=[PIN, ("rack", "GROUP_BY")]), DEV)["constraints"] == [
        ["rack", "GROUP_BY"],
        PIN,
    ]
    dotted = s.app_body(spec(), OPS)
    assert owner_constraints(dotted) == [["owner", "LIKE", "ops\\.team"]]


@pytest.mark.parametrize(
    "constraint",
    [
        ("owner", "LIKE", "other-team"),
        ("owner", "LIKE", ".*"),
        ("owner", "LIKE", "dev-team|other"),
        ("owner", "UNLIKE", "dev-team"),
        ("owner", "UNIQUE"),
        ("owner", "CLUSTER", "dev-team"),
    ],
)
def test_a_constraint_on_owner_naming_anything_else_is_refused(constraint: tuple[str, ...]) -> None:
    with pytest.raises(InvalidInputError):
        s.app_body(spec(constraints=[constraint]), DEV)
    with pytest.raises(InvalidInputError):
        s.patch_body(AppPatch(constraints=[constraint]), DEV)


def test_the_cluster_wide_account_adds_no_pin() -> None:
    body = s.app_body(spec(id="/dev/web", constraints=[("owner", "LIKE", "x")]), CLUSTER)
    assert body["id"] == "/dev/web"
    assert body["constraints"] == [["owner", "LIKE", "x"]]
    assert s.holds_owner_pin([], CLUSTER)


def test_hostile_ids_never_reach_a_body() -> None:
    for bad in ("../prod/web", "/dev/../../prod", "web/..", "/Web", "web%2f"):
        with pytest.raises(InvalidInputError):
            spec(id=bad)
        with pytest.raises(InvalidInputError):
            spec(dependencies=[bad])
    body = s.app_body(spec(id="/prod/web", dependencies=["/prod/db"]), DEV)
    assert body["id"] == "/dev/prod/web"
    assert body["dependencies"] == ["/dev/prod/db"]
    forged = attrs.evolve(spec(), extra={})
    object.__setattr__(forged, "extra", {"id": "/prod/web"})
    with pytest.raises(InvalidInputError):
        s.app_body(forged, DEV)


def test_secret_references_are_declared() -> None:
    body = s.app_body(spec(env={"DB": {"secret": "db-pass"}, "A": "1"}), DEV)
    assert body["env"] == {"DB": {"secret": "db-pass"}, "A": "1"}
    assert body["secrets"] == {"db-pass": {"source": "db-pass"}}
    declared = s.app_body(
        spec(
            env={"DB": {"secret": "db"}},
            extra={"secrets": {"db": {"source": "/vault/db"}, "tls": {"source": "/vault/tls"}}},
        ),
        DEV,
    )
    assert declared["secrets"] == {"db": {"source": "/vault/db"}, "tls": {"source": "/vault/tls"}}
    assert "secrets" not in s.app_body(spec(env={"A": "1"}), DEV)
    assert s.app_body(spec(extra={"secrets": {}}), DEV)["secrets"] == {}
    with pytest.raises(InvalidInputError):
        s.app_body(spec(env={"DB": {"secret": "db"}}, extra={"secrets": ["db"]}), DEV)


def test_env_values_never_appear_in_serializer_errors() -> None:
    secret_spec = spec(
        env={"PASSWORD": "hunter2-value", "TOKEN": {"secret": "tok"}},
        constraints=[("owner", "LIKE", "thief")],
    )
    with pytest.raises(InvalidInputError) as caught:
        s.app_body(secret_spec, DEV)
    assert "hunter2" not in str(caught.value)
    assert "hunter2" not in repr(secret_spec)
    patch = AppPatch(env={"PASSWORD": "hunter2-value"}, constraints=[("owner", "UNIQUE")])
    assert "hunter2" not in repr(patch)
    with pytest.raises(InvalidInputError) as caught:
        s.patch_body(patch, DEV)
    assert "hunter2" not in str(caught.value)


def test_image_with_another_network_is_refused() -> None:
    with pytest.raises(InvalidInputError):
        s.app_body(spec(image="nginx", extra={"networks": [{"mode": "container/bridge"}]}), DEV)
    with pytest.raises(InvalidInputError):
        s.app_body(spec(image="nginx", extra={"ipAddress": {"networkName": "dcos"}}), DEV)
    host = s.app_body(spec(image="nginx", extra={"networks": [{"mode": "host"}]}), DEV)
    assert host["networks"] == [{"mode": "host"}]
    bridged = s.app_body(
        spec(extra={"networks": [{"mode": "container/bridge"}], "container": {"type": "DOCKER"}}),
        DEV,
    )
    assert bridged["networks"] == [{"mode": "container/bridge"}]


# -- patches -----------------------------------------------------------------------------------


def test_a_patch_sends_only_what_it_sets() -> None:
    assert s.patch_body(AppPatch(instances=2), DEV) == {"instances": 2}
    upstream = load_fixture("marathon/api-examples/app_patch.json")
    assert s.patch_body(AppPatch(instances=upstream["instances"]), DEV).items() <= upstream.items()
    for item in load_fixture("marathon/api-examples/apps_patch.json"):
        changes = {key: value for key, value in item.items() if key != "id"}
        assert s.patch_body(AppPatch(**changes), CLUSTER) == changes


def test_clearing_fields_in_a_patch() -> None:
    body = s.patch_body(
        AppPatch(
            args=None,
            env={},
            labels={},
            constraints=[],
            ports=[],
            health_checks=[],
            dependencies=[],
        ),
        DEV,
    )
    assert body == {
        "args": [],
        "env": {},
        "labels": {},
        "constraints": [PIN],  # the pin is never patched away
        "portDefinitions": [],
        "healthChecks": [],
        "dependencies": [],
    }


def test_a_patched_image_resets_the_network_for_newer_servers() -> None:
    body = s.patch_body(AppPatch(image="nginx:2", cmd="serve"), DEV)
    assert body == {
        "cmd": "serve",
        "container": {"type": "DOCKER", "docker": {"image": "nginx:2"}},
        "networks": [{"mode": "host"}],
    }
    with pytest.raises(InvalidInputError):
        s.patch_body(AppPatch(image="nginx", extra={"networks": [{"mode": "container"}]}), DEV)


def test_patched_dependencies_and_constraints_are_the_accounts() -> None:
    body = s.patch_body(AppPatch(dependencies=["db"], constraints=[("rack", "UNIQUE")]), DEV)
    assert body == {"dependencies": ["/dev/db"], "constraints": [["rack", "UNIQUE"], PIN]}


def test_patched_secret_references_are_declared_only_with_their_secrets() -> None:
    alone = s.patch_body(AppPatch(env={"DB": {"secret": "db"}}), DEV)
    assert alone == {"env": {"DB": {"secret": "db"}}}  # the app's own secrets map is kept
    declared = s.patch_body(
        AppPatch(env={"DB": {"secret": "db"}}, extra={"secrets": {"x": {"source": "/x"}}}), DEV
    )
    assert declared["secrets"] == {"x": {"source": "/x"}, "db": {"source": "db"}}


def test_what_a_partial_update_cannot_remove() -> None:
    for patch in (AppPatch(cmd=None), AppPatch(image=None), AppPatch(cmd=None, args=["a"])):
        assert s.patch_needs_replace(patch)
        with pytest.raises(InvalidInputError):
            s.patch_body(patch, DEV)
    assert not s.patch_needs_replace(AppPatch(args=None))


def test_apply_patch_for_the_read_modify_write() -> None:
    current = spec(image="nginx", extra={"backoffSeconds": 5}, labels={"a": "b"})
    changed = s.apply_patch(current, AppPatch(cmd=None, args=["serve", "--fast"]))
    assert (changed.cmd, changed.args, changed.image) == (None, ("serve", "--fast"), "nginx")
    assert changed.labels == {"a": "b"}
    assert changed.extra == {"backoffSeconds": 5}
    no_image = s.apply_patch(current, AppPatch(image=None))
    assert no_image.image is None
    assert "container" not in s.app_body(no_image, DEV)
    rich = spec(extra={"container": {"type": "MESOS"}, "networks": [{"mode": "container"}]})
    imaged = s.apply_patch(rich, AppPatch(image="nginx"))
    assert imaged.image == "nginx"
    assert imaged.extra == {}
    merged = s.apply_patch(current, AppPatch(extra={"backoffFactor": 2.0}))
    assert merged.extra == {"backoffSeconds": 5, "backoffFactor": 2.0}
    with pytest.raises(InvalidInputError):
        s.apply_patch(current, AppPatch(args=["x"]))  # cmd and args together


# -- rollback -----------------------------------------------------------------------------------


def test_rollback_to_a_pinned_version_sends_only_the_version() -> None:
    raw = dev_app("marathon/api-examples/app_list.json", 0)
    raw["constraints"] = [*raw["constraints"], PIN]
    definition = _parse.app_definition_from(raw, DEV)
    body = s.rollback_body(definition, raw["version"], DEV)
    assert body == {"version": raw["version"]}
    request = _requests.rollback_app("/dev/myapp", body)
    assert (request.method, request.json) == ("PATCH", {"version": raw["version"]})


def test_rollback_to_an_unpinned_version_sends_the_definition_pinned() -> None:
    raw = dev_app("marathon/api-examples/app_list.json", 0)
    definition = _parse.app_definition_from(raw, DEV)
    body = s.rollback_body(definition, raw["version"], DEV)
    assert "version" not in body
    assert body["id"] == "/dev/myapp"
    assert owner_constraints(body) == [PIN]
    assert body["cmd"] == raw["cmd"]
    request = _requests.rollback_app("/dev/myapp", body, force=True)
    assert (request.method, request.params) == (
        "PUT",
        (("partialUpdate", "false"), ("force", "true")),
    )


def test_rollback_cluster_wide_always_uses_the_version() -> None:
    raw = load_fixture("marathon/api-examples/app_list.json")["apps"][0]
    definition = _parse.app_definition_from(raw, CLUSTER)
    assert s.rollback_body(definition, raw["version"], CLUSTER) == {"version": raw["version"]}


def test_rollback_of_a_definition_asgard_cannot_send_again() -> None:
    raw = copy.deepcopy(load_fixture("marathon/api-examples/app.json"))  # cmd and args both set
    raw["id"] = "/dev/foo"
    raw["dependencies"] = []
    definition = _parse.app_definition_from(raw, DEV, default_version=VERSION)
    with pytest.raises(InvalidInputError):
        s.rollback_body(definition, VERSION, DEV)


def test_a_body_is_a_copy_never_a_view_of_the_spec() -> None:
    original = spec(
        env={"DB": {"secret": "db"}},
        health_checks=[HealthCheck(protocol="TCP", extra={"delaySeconds": [15]})],
        extra={
            "upgradeStrategy": {"minimumHealthCapacity": 0.5},
            "secrets": {"db": {"source": "/db"}},
        },
    )
    body = s.app_body(original, DEV)
    body["upgradeStrategy"]["minimumHealthCapacity"] = 0
    body["secrets"]["db"]["source"] = "/stolen"
    body["healthChecks"][0]["delaySeconds"].append(0)
    assert original.extra["upgradeStrategy"] == {"minimumHealthCapacity": 0.5}
    assert original.extra["secrets"] == {"db": {"source": "/db"}}
    assert original.health_checks[0].extra["delaySeconds"] == [15]
