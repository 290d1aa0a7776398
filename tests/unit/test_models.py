"""Behaviour of the models: spec validation, normalisation, redaction, immutability."""

from __future__ import annotations

import contextlib
import inspect
import math
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

import attrs
import pytest

from asgard import models
from asgard.errors import InvalidInputError
from asgard.models import (
    UNSET,
    Agent,
    App,
    AppPatch,
    AppSpec,
    AppStatus,
    HealthCheck,
    HealthCheckProtocol,
    Resources,
    Task,
    TaskState,
    UnknownEvent,
    UsageSample,
    is_terminal,
)

SECRET = "hunter2-s3cr3t"


def spec(**overrides: Any) -> AppSpec:
    fields: dict[str, Any] = {"id": "web", "cpus": 0.5, "mem": 64}
    fields.update(overrides)
    return AppSpec(**fields)


def app(**overrides: Any) -> App:
    fields: dict[str, Any] = {
        "id": "/web",
        "instances": 2,
        "cpus": 0.5,
        "mem": 64.0,
        "version": "2024-05-01T10:00:00.000Z",
    }
    fields.update(overrides)
    return App(**fields)


# -- AppSpec: accepted values and normalisation --------------------------------------------


def test_spec_normalises_the_app_id() -> None:
    assert spec(id="web").id == "/web"
    assert spec(id="/team/web").id == "/team/web"


def test_spec_converts_numbers_and_defaults() -> None:
    result = spec(cpus=1, mem=128, disk=0, gpus=2.0)
    assert result.instances == 1
    assert isinstance(result.cpus, float)
    assert result.cpus == 1.0
    assert isinstance(result.mem, float)
    assert result.gpus == 2
    assert isinstance(result.gpus, int)


def test_spec_stores_lists_as_tuples() -> None:
    result = spec(
        args=["python", "-m", "http.server"],
        constraints=[["hostname", "UNIQUE"], ["rack", "GROUP_BY", "3"]],
        ports=[8080, 0, 0],
        health_checks=[HealthCheck(protocol="HTTP", path="/health")],
        dependencies=["db", "/cache"],
    )
    assert result.args == ("python", "-m", "http.server")
    assert result.constraints == (("hostname", "UNIQUE"), ("rack", "GROUP_BY", "3"))
    assert result.ports == (8080, 0, 0)
    assert result.health_checks == (HealthCheck(protocol=HealthCheckProtocol.HTTP, path="/health"),)
    assert result.dependencies == ("/db", "/cache")
    assert all(
        isinstance(value, tuple)
        for value in (result.args, result.constraints, result.ports, result.health_checks)
    )
    assert all(isinstance(item, tuple) for item in result.constraints)


def test_spec_accepts_generators() -> None:
    result = spec(ports=(port for port in (80, 443)))
    assert result.ports == (80, 443)


def test_spec_dependencies_are_deduplicated_after_normalising() -> None:
    assert spec(dependencies=["db", "/db"]).dependencies == ("/db",)


def test_spec_mappings_are_read_only_copies() -> None:
    env = {"A": "1", "TOKEN": {"secret": "token"}}
    labels = {"team": "core"}
    extra: dict[str, Any] = {"user": "nobody"}
    result = spec(env=env, labels=labels, extra=extra)
    env["B"] = "2"
    labels["x"] = "y"
    extra["fetch"] = []
    assert dict(result.env) == {"A": "1", "TOKEN": {"secret": "token"}}
    assert dict(result.labels) == {"team": "core"}
    assert dict(result.extra) == {"user": "nobody"}
    for mapping in (result.env, result.labels, result.extra, result.env["TOKEN"]):
        with pytest.raises(TypeError):
            mapping["new"] = "value"  # type: ignore[index]


def test_spec_accepts_a_container_in_extra_without_image() -> None:
    container = {"type": "DOCKER", "docker": {"image": "nginx"}, "portMappings": []}
    assert spec(extra={"container": container}).extra["container"] == container


def test_spec_is_frozen_and_evolve_revalidates() -> None:
    original = spec()
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        original.cpus = 2.0  # type: ignore[misc]
    assert attrs.evolve(original, instances=3).instances == 3
    with pytest.raises(InvalidInputError, match="cpus"):
        attrs.evolve(original, cpus=0)


def test_equal_specs_are_equal_and_hashable() -> None:
    first = spec(env={"A": "1"}, labels={"a": "b"}, extra={"user": "x"})
    second = spec(id="/web", env={"A": "1"}, labels={"a": "b"}, extra={"user": "x"})
    assert first == second
    assert hash(first) == hash(second)
    assert first != spec(env={"A": "2"})


# -- AppSpec: every rule raises InvalidInputError ---------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"id": ""}, "app id"),
        ({"id": "/"}, "app id"),
        ({"id": "a/../b"}, "'..'"),
        ({"id": "Web"}, "lower-case"),
        ({"id": "we b"}, "lower-case"),
        ({"id": "web/restart"}, "reserves"),
        ({"id": 42}, "string"),
        ({"instances": -1}, "instances must be at least 0"),
        ({"instances": True}, "instances must be an integer"),
        ({"instances": 1.5}, "instances must be an integer"),
        ({"instances": "3"}, "instances must be an integer"),
        ({"cpus": 0}, "cpus must be greater than 0"),
        ({"cpus": -0.5}, "cpus must be greater than 0"),
        ({"cpus": True}, "cpus must be a number"),
        ({"cpus": "1"}, "cpus must be a number"),
        ({"cpus": math.nan}, "cpus must be a finite number"),
        ({"cpus": math.inf}, "cpus must be a finite number"),
        ({"cpus": 10**400}, "cpus is too large"),
        ({"mem": 0}, "mem must be greater than 0"),
        ({"mem": None}, "mem must be a number"),
        ({"disk": -1}, "disk must be at least 0"),
        ({"gpus": -1}, "gpus must be at least 0"),
        ({"gpus": 0.5}, "gpus must be an integer"),
        ({"gpus": False}, "gpus must be an integer"),
        ({"cmd": ""}, "cmd must not be empty"),
        ({"cmd": ["sleep", "1"]}, "cmd must be a string"),
        ({"args": "sleep 1"}, "use cmd for a shell command"),
        ({"args": []}, "args must not be empty"),
        ({"args": ["sleep", 1]}, r"args\[1\] must be a string"),
        ({"cmd": "sleep 1", "args": ["sleep", "1"]}, "cmd and args are exclusive"),
        ({"image": ""}, "image must not be empty"),
        ({"image": "nginx latest"}, "white space"),
        ({"env": [("A", "1")]}, "env must be a mapping"),
        ({"env": {"": "1"}}, "env variable name must not be empty"),
        ({"env": {1: "1"}}, "env variable name must be a string"),
        ({"env": {"A": 1}}, r"env\['A'\] must be a string or a secret reference"),
        ({"env": {"A": {"secret": ""}}}, r"env\['A'\]"),
        ({"env": {"A": {"vault": "x"}}}, r"env\['A'\]"),
        ({"labels": {"a": 1}}, r"labels\['a'\] must be a string"),
        ({"labels": "a=b"}, "labels must be a mapping"),
        ({"constraints": "hostname:UNIQUE"}, "constraints must be a list"),
        ({"constraints": [["hostname"]]}, "2 or 3 strings"),
        ({"constraints": [["a", "LIKE", "b", "c"]]}, "2 or 3 strings"),
        ({"constraints": [["hostname", "unique"]]}, "unknown operator 'unique'"),
        ({"constraints": [["hostname", "MAX_PER", 2]]}, "must hold strings"),
        ({"constraints": [["", "UNIQUE"]]}, "must name a field"),
        ({"ports": 8080}, "ports must be a list"),
        ({"ports": [65536]}, "at most 65535"),
        ({"ports": [-1]}, "at least 0"),
        ({"ports": [True]}, "must be an integer"),
        ({"ports": [8080, 8080]}, "given twice"),
        ({"health_checks": [{"protocol": "HTTP"}]}, "must be a HealthCheck"),
        ({"dependencies": "db"}, "dependencies must be a list"),
        ({"dependencies": ["../other/db"]}, "'..'"),
        ({"dependencies": [7]}, "must be an app id"),
        ({"dependencies": ["web"]}, "must not depend on itself"),
        ({"extra": [("user", "x")]}, "extra must be a mapping"),
        ({"extra": {1: "x"}}, "key of extra must be a string"),
    ],
)
def test_spec_refuses_invalid_values(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        spec(**overrides)


@pytest.mark.parametrize(
    "key",
    [
        # modelled by AppSpec
        "instances",
        "cpus",
        "mem",
        "disk",
        "gpus",
        "cmd",
        "args",
        "env",
        "labels",
        "portDefinitions",
        "ports",
        "healthChecks",
        # identity
        "id",
        "version",
        "constraints",
        "dependencies",
        # server-owned
        "versionInfo",
        "tasks",
        "tasksRunning",
        "tasksStaged",
        "tasksHealthy",
        "tasksUnhealthy",
        "deployments",
        "readinessCheckResults",
        "lastTaskFailure",
        "taskStats",
        "tasksStats",
    ],
)
def test_spec_extra_refuses_modelled_identity_and_server_keys(key: str) -> None:
    with pytest.raises(InvalidInputError, match=f"extra must not hold '{key}'"):
        spec(extra={key: "x"})


def test_spec_extra_refuses_container_when_image_is_set() -> None:
    with pytest.raises(InvalidInputError, match="'container' when image is set"):
        spec(image="nginx:1.27", extra={"container": {"type": "DOCKER"}})


def test_spec_extra_names_the_field_to_use() -> None:
    with pytest.raises(InvalidInputError, match="use the AppSpec field 'health_checks'"):
        spec(extra={"healthChecks": []})


def test_env_errors_never_show_values() -> None:
    with pytest.raises(InvalidInputError) as caught:
        spec(env={"PASSWORD": {"secret": "db", "value": SECRET}})
    assert SECRET not in str(caught.value)
    assert "PASSWORD" in str(caught.value)


@pytest.mark.parametrize(
    "field",
    [
        "id",
        "instances",
        "cpus",
        "mem",
        "disk",
        "gpus",
        "cmd",
        "args",
        "image",
        "env",
        "labels",
        "constraints",
        "ports",
        "health_checks",
        "dependencies",
        "extra",
    ],
)
@pytest.mark.parametrize("value", [object(), 3 + 4j, b"bytes", {1, 2}, [None], {"k": None}])
def test_spec_never_raises_anything_but_invalid_input(field: str, value: object) -> None:
    with contextlib.suppress(InvalidInputError):
        spec(**{field: value})


# -- reprs never show secrets ----------------------------------------------------------------


def test_spec_repr_hides_env_values_and_extra() -> None:
    text = repr(
        spec(
            env={"PASSWORD": SECRET, "TOKEN": {"secret": SECRET}},
            extra={"secrets": {"x": {"source": SECRET}}},
        )
    )
    assert SECRET not in text
    assert "PASSWORD" in text
    assert "secrets" not in text
    assert "id='/web'" in text


def test_app_repr_hides_env_values_and_extra() -> None:
    text = repr(app(env={"PASSWORD": SECRET}, extra={"user": SECRET}))
    assert SECRET not in text
    assert "PASSWORD" in text


def test_patch_repr_hides_env_values_and_extra() -> None:
    text = repr(AppPatch(instances=3, env={"PASSWORD": SECRET}, extra={"user": SECRET}))
    assert SECRET not in text
    assert text.startswith("AppPatch(instances=3, env=")
    assert "cpus" not in text


def test_unknown_event_repr_hides_its_data() -> None:
    event = UnknownEvent(type="api_post_event", data={"appDefinition": {"env": {"K": SECRET}}})
    assert SECRET not in repr(event)
    assert "api_post_event" in repr(event)


def test_health_check_repr_hides_extra() -> None:
    check = HealthCheck(protocol="HTTP", extra={"ignoreHttp1xx": SECRET})
    assert SECRET not in repr(check)


# -- App -------------------------------------------------------------------------------------


def test_to_spec_round_trip_keeps_fields_and_extra() -> None:
    container = {"type": "DOCKER", "docker": {"image": "nginx"}, "portMappings": [{"p": 80}]}
    source = app(
        cmd="nginx -g 'daemon off;'",
        env={"A": "1", "T": {"secret": "t"}},
        labels={"team": "core"},
        constraints=(("owner", "LIKE", "dev"),),
        ports=(0,),
        health_checks=(HealthCheck(protocol=HealthCheckProtocol.TCP),),
        dependencies=("/db",),
        gpus=1,
        disk=10.0,
        extra={"container": container, "user": "nobody", "backoffSeconds": 2},
    )
    result = source.to_spec()
    assert result == AppSpec(
        id="/web",
        instances=2,
        cpus=0.5,
        mem=64,
        disk=10,
        gpus=1,
        cmd="nginx -g 'daemon off;'",
        env={"A": "1", "T": {"secret": "t"}},
        labels={"team": "core"},
        constraints=[["owner", "LIKE", "dev"]],
        ports=[0],
        health_checks=[HealthCheck(protocol="TCP")],
        dependencies=["/db"],
        extra={"container": container, "user": "nobody", "backoffSeconds": 2},
    )
    assert attrs.evolve(result, instances=5).extra == result.extra


def test_to_spec_drops_server_owned_fields_and_the_container_an_image_stands_for() -> None:
    source = app(
        image="nginx:1.27",
        extra={
            "version": "2024",
            "tasksRunning": 2,
            "deployments": [],
            "container": {"type": "DOCKER"},
            "user": "nobody",
        },
    )
    result = source.to_spec()
    assert dict(result.extra) == {"user": "nobody"}
    assert result.image == "nginx:1.27"


def test_to_spec_raises_invalid_input_for_a_definition_a_spec_refuses() -> None:
    with pytest.raises(InvalidInputError, match="cpus"):
        app(cpus=0.0).to_spec()


@pytest.mark.parametrize(
    ("overrides", "status"),
    [
        ({"deployment_ids": ("d1",)}, AppStatus.DEPLOYING),
        ({"deployment_ids": ("d1",), "instances": 0}, AppStatus.DEPLOYING),
        ({"instances": 0}, AppStatus.SUSPENDED),
        ({"instances": 0, "tasks_running": 1}, AppStatus.RUNNING),
        ({}, AppStatus.RUNNING),
    ],
)
def test_app_status_is_derived_when_not_given(overrides: dict[str, Any], status: AppStatus) -> None:
    assert app(**overrides).status is status


def test_app_status_given_explicitly_wins() -> None:
    assert app(instances=0, status=AppStatus.RUNNING).status is AppStatus.RUNNING


def test_read_models_are_frozen() -> None:
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        app().instances = 3  # type: ignore[misc]
    task = Task(id="t", app_id="/web", state=TaskState.TASK_RUNNING)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        task.state = TaskState.TASK_KILLED  # type: ignore[misc]


# -- AppPatch --------------------------------------------------------------------------------


def test_patch_reports_only_the_fields_it_sets() -> None:
    patch = AppPatch(instances=0, cmd=None, labels={"a": "b"})
    assert patch.changed_fields == ("instances", "cmd", "labels")
    assert dict(patch.changed_values()) == {"instances": 0, "cmd": None, "labels": {"a": "b"}}
    assert patch.cpus is UNSET
    assert patch.image is UNSET


def test_patch_normalises_like_a_spec() -> None:
    patch = AppPatch(constraints=[["hostname", "UNIQUE"]], dependencies=["db"], cpus=1)
    assert patch.constraints == (("hostname", "UNIQUE"),)
    assert patch.dependencies == ("/db",)
    assert patch.cpus == 1.0
    assert isinstance(patch.cpus, float)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "at least one field"),
        ({"cpus": 0}, "cpus must be greater than 0"),
        ({"instances": -1}, "instances must be at least 0"),
        ({"cmd": "x", "args": ["y"]}, "cmd and args are exclusive"),
        ({"extra": {"instances": 2}}, "use the AppSpec field 'instances'"),
        ({"extra": {"version": "v"}}, "must not hold 'version'"),
        ({"image": "nginx", "extra": {"container": {}}}, "'container' when image is set"),
        ({"env": {"A": 1}}, r"env\['A'\]"),
        ({"ports": [70000]}, "at most 65535"),
    ],
)
def test_patch_refuses_invalid_values(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        AppPatch(**kwargs)


def test_patch_may_clear_one_of_cmd_and_args_while_setting_the_other() -> None:
    patch = AppPatch(cmd=None, args=["python", "app.py"])
    assert patch.changed_fields == ("cmd", "args")


def test_patch_may_clear_the_image_and_set_a_container() -> None:
    patch = AppPatch(image=None, extra={"container": {"type": "MESOS"}})
    assert patch.image is None
    assert patch.changed_fields == ("image", "extra")


# -- HealthCheck -----------------------------------------------------------------------------


def test_health_check_accepts_the_protocol_name() -> None:
    assert HealthCheck(protocol="MESOS_HTTP").protocol is HealthCheckProtocol.MESOS_HTTP


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"protocol": "GRPC"}, "protocol must be one of"),
        ({"protocol": 1}, "protocol must be one of"),
        ({"protocol": "COMMAND"}, "needs a command"),
        ({"protocol": "HTTP", "command": "true"}, "takes no command"),
        ({"protocol": "HTTP", "interval_seconds": -1}, "interval_seconds must be at least 0"),
        ({"protocol": "HTTP", "port_index": 1.0}, "port_index must be an integer"),
        ({"protocol": "HTTP", "path": ""}, "path must not be empty"),
        ({"protocol": "HTTP", "extra": {"portIndex": 1}}, "use the HealthCheck field"),
    ],
)
def test_health_check_refuses_invalid_values(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        HealthCheck(**kwargs)


# -- TaskState -------------------------------------------------------------------------------


def test_task_state_parse_returns_members() -> None:
    assert TaskState.parse("TASK_RUNNING") is TaskState.TASK_RUNNING
    assert TaskState.parse("TASK_GONE_BY_OPERATOR") is TaskState.TASK_GONE_BY_OPERATOR


def test_task_state_parse_keeps_unknown_values() -> None:
    assert TaskState.parse("TASK_FROBNICATED") == "TASK_FROBNICATED"
    assert not isinstance(TaskState.parse("TASK_FROBNICATED"), TaskState)
    task = Task(id="t", app_id="/web", state=TaskState.parse("TASK_FROBNICATED"))
    assert task.state == "TASK_FROBNICATED"
    assert not task.is_terminal


@pytest.mark.parametrize(
    ("state", "terminal"),
    [
        (TaskState.TASK_RUNNING, False),
        (TaskState.TASK_STAGING, False),
        (TaskState.TASK_KILLING, False),
        (TaskState.TASK_UNREACHABLE, False),
        (TaskState.TASK_UNKNOWN, False),
        (TaskState.TASK_FINISHED, True),
        (TaskState.TASK_FAILED, True),
        (TaskState.TASK_KILLED, True),
        (TaskState.TASK_LOST, True),
        (TaskState.TASK_GONE_BY_OPERATOR, True),
        ("TASK_SOMETHING_NEW", False),
    ],
)
def test_terminal_states(state: TaskState | str, terminal: bool) -> None:
    assert is_terminal(state) is terminal
    assert Task(id="t", app_id=None, state=state).is_terminal is terminal


# -- resources and derived fields ------------------------------------------------------------


def test_resources_arithmetic_and_percent() -> None:
    total = Resources(cpus=4, mem=2048, disk=100, gpus=0)
    used = Resources(cpus=1, mem=512, disk=25)
    assert total - used == Resources(cpus=3, mem=1536, disk=75)
    assert used + used == Resources(cpus=2, mem=1024, disk=50)
    assert used.percent_of(total) == Resources(cpus=25.0, mem=25.0, disk=25.0, gpus=0.0)


def test_agent_allocated_pct_is_computed_unless_given() -> None:
    fields: dict[str, Any] = {
        "id": "S1",
        "hostname": "h",
        "port": 5051,
        "active": True,
        "total": Resources(cpus=8, mem=1000),
        "allocated": Resources(cpus=2, mem=500),
    }
    assert Agent(**fields).allocated_pct == Resources(cpus=25.0, mem=50.0)
    given = Resources(cpus=1, mem=1)
    assert Agent(**fields, allocated_pct=given).allocated_pct == given


def test_usage_sample_cpu_time_is_user_plus_system() -> None:
    moment = datetime(2024, 5, 1, tzinfo=timezone.utc)
    base: dict[str, Any] = {
        "task_id": "t",
        "app_id": "/web",
        "agent_id": "S1",
        "container_id": "c",
        "timestamp": moment,
    }
    sample = UsageSample(**base, cpus_user_time_secs=1.5, cpus_system_time_secs=0.25)
    assert sample.cpu_time_secs == 1.75
    assert UsageSample(**base, cpus_user_time_secs=1.5).cpu_time_secs is None
    assert UsageSample(**base, cpu_time_secs=9.0).cpu_time_secs == 9.0


# -- the public surface documents itself ---------------------------------------------------


@pytest.mark.parametrize(
    "name", [name for name in models.__all__ if name not in {"UNSET", "Event"}]
)
def test_every_public_model_has_a_docstring(name: str) -> None:
    obj = getattr(models, name)
    assert inspect.getdoc(obj), f"asgard.models.{name} has no docstring"
    if inspect.isclass(obj):
        for attribute, member in vars(obj).items():
            if not attribute.startswith("_") and callable(member):
                assert inspect.getdoc(member), f"{name}.{attribute} has no docstring"


def test_every_mapping_field_is_excluded_from_the_hash() -> None:
    for name in models.__all__:
        obj = getattr(models, name)
        if not (inspect.isclass(obj) and attrs.has(obj)):
            continue
        for field in attrs.fields(obj):
            if isinstance(field.type, str) and field.type.startswith("Mapping"):
                assert field.hash is False, f"{name}.{field.name} must not be hashed"


def test_read_only_mapping_type_is_used_for_defaults() -> None:
    assert isinstance(app().env, Mapping)
    with pytest.raises(TypeError):
        app().labels["x"] = "y"  # type: ignore[index]
