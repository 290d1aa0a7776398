"""Marathon events → asgard events: the mapping, tenancy, the allow-list, both plan formats."""

from __future__ import annotations

import copy
import json
from typing import Any

import attrs
import pytest

from asgard.errors import InvalidInputError, MalformedResponseError
from asgard.marathon._events import EVENT_TYPES, EventTranslator, server_event_types
from asgard.marathon._requests import events as events_request
from asgard.marathon._sse import SseDecoder
from asgard.models import (
    AppTerminated,
    Deployment,
    DeploymentAction,
    DeploymentFailed,
    DeploymentStepChanged,
    DeploymentSucceeded,
    HealthChanged,
    StreamReconnected,
    TaskState,
    TaskStatusChanged,
    UnknownEvent,
)
from tests.conftest import SHARED_FIXTURES, load_fixture
from tests.unit.marathon._data import CLUSTER, DEV

EXAMPLES: list[dict[str, Any]] = load_fixture("marathon/events/event-bus-examples.json")
BY_TYPE = {example["eventType"]: example for example in EXAMPLES}
SECRET = "hunter2-env-value"
MODELLED = {
    "deployment_success": DeploymentSucceeded,
    "deployment_failed": DeploymentFailed,
    "deployment_info": DeploymentStepChanged,
    "deployment_step_success": DeploymentStepChanged,
    "deployment_step_failure": DeploymentStepChanged,
    "status_update_event": TaskStatusChanged,
    "health_status_changed_event": HealthChanged,
    "instance_health_changed_event": HealthChanged,
    "app_terminated_event": AppTerminated,
}


def in_dev(value: Any) -> Any:
    """An event payload with every app id (and task id prefix) moved under /dev."""
    text = json.dumps(value)
    for app in ("/my-app", "/app-id"):
        text = text.replace(f'"{app}"', f'"/dev{app}"')
    text = text.replace('"my-app_0-', '"dev_my-app_0-').replace(
        '"my-app.instance', '"dev_my-app.instance'
    )
    return json.loads(text)


def translate(account: Any, payload: dict[str, Any], **options: Any) -> Any:
    return EventTranslator(account, **options).translate_payload(payload["eventType"], payload)


def heavy_plan(deployment_id: str, apps: list[str]) -> dict[str, Any]:
    """A ≤1.6 plan: the whole cluster before and after, with other tenants' definitions."""
    tenants = {
        "id": "/",
        "apps": [],
        "groups": [
            {
                "id": "/prod",
                "apps": [{"id": "/prod/api", "env": {"DB_PASSWORD": SECRET}, "cmd": "serve"}],
            }
        ],
    }
    return {
        "id": deployment_id,
        "version": "2020-01-01T00:00:00.000Z",
        "original": tenants,
        "target": copy.deepcopy(tenants),
        "steps": [{"actions": [{"action": "RestartApplication", "app": app}]} for app in apps],
    }


def light_plan(deployment_id: str, apps: list[str]) -> dict[str, Any]:
    return {
        "id": deployment_id,
        "version": "2020-01-01T00:00:00.000Z",
        "steps": [{"actions": [{"action": "ScaleApplication", "app": app}]} for app in apps],
    }


def step_event(plan: dict[str, Any], index: int, kind: str = "deployment_info") -> dict[str, Any]:
    return {
        "eventType": kind,
        "timestamp": "2020-01-01T00:00:01.000Z",
        "plan": plan,
        "currentStep": copy.deepcopy(plan["steps"][index]),
    }


# -- the mapping ------------------------------------------------------------------------------


@pytest.mark.parametrize("example", EXAMPLES, ids=[e["eventType"] for e in EXAMPLES])
def test_every_documented_event_cluster_wide(example: dict[str, Any]) -> None:
    event = translate(CLUSTER, example)
    expected = MODELLED.get(example["eventType"], UnknownEvent)
    assert event.timestamp is not None
    assert type(event) is expected
    if isinstance(event, UnknownEvent):
        assert event.type == example["eventType"]
        assert dict(event.data) == example
        assert "data" not in repr(event)


@pytest.mark.parametrize("example", EXAMPLES, ids=[e["eventType"] for e in EXAMPLES])
def test_every_documented_event_for_a_scoped_account(example: dict[str, Any]) -> None:
    moved = in_dev(example)
    event = translate(DEV, moved)
    kind = example["eventType"]
    if kind in ("deployment_success", "deployment_failed"):
        assert event is None  # names no app, and this translator saw no step of it
    elif kind in MODELLED:
        assert type(event) is MODELLED[kind]
        assert not any(value.startswith("/dev") for value in _app_ids(event))
    else:
        assert event is None  # UnknownEvent and app-less events: cluster-wide only
    assert translate(DEV, example) is None  # the same event outside the namespace


def _app_ids(event: Any) -> list[str]:
    ids = list(getattr(event, "app_ids", ()))
    if getattr(event, "app_id", None):
        ids.append(event.app_id)
    return ids


def test_a_status_update_in_detail() -> None:
    event = translate(DEV, in_dev(BY_TYPE["status_update_event"]))
    assert event == TaskStatusChanged(
        app_id="/my-app",
        task_id="dev_my-app_0-1396592784349",
        state=TaskState.TASK_RUNNING,
        agent_id="20140909-054127-177048842-5050-1494-0",
        host="slave-1234.acme.org",
        ports=(31372,),
        version="2014-04-04T06:26:23.051Z",
        message=None,
        timestamp=event.timestamp,
    )


def test_a_status_update_without_app_id_is_attributed_by_its_task_id() -> None:
    payload = {
        "eventType": "status_update_event",
        "taskId": "dev_web.instance-c0caec0a-863a-11e9-915b-c610fee06dff._app.1",
        "taskStatus": "TASK_KILLED",
        "message": "killed by the user",
    }
    event = translate(DEV, payload)
    assert isinstance(event, TaskStatusChanged)
    assert (event.app_id, event.state, event.message) == (
        "/web",
        TaskState.TASK_KILLED,
        "killed by the user",
    )
    orphan = {**payload, "taskId": "no-app"}
    assert translate(DEV, orphan) is None
    assert isinstance(translate(CLUSTER, orphan), UnknownEvent)


def test_health_events_of_both_kinds() -> None:
    old = translate(DEV, in_dev(BY_TYPE["health_status_changed_event"]))
    new = translate(DEV, in_dev(BY_TYPE["instance_health_changed_event"]))
    assert (old.app_id, old.healthy, old.version) == ("/my-app", True, "2014-04-04T06:26:23.051Z")
    assert (new.app_id, new.healthy) == ("/app-id", True)
    assert new.instance_id == "dev_my-app.instance-c7c311a4-b669-11e6-a48f-0ea4f4b1778c"
    unknown_health = {**in_dev(BY_TYPE["instance_health_changed_event"]), "healthy": None}
    assert translate(DEV, unknown_health) is None
    assert isinstance(translate(CLUSTER, unknown_health), UnknownEvent)


def test_app_terminated() -> None:
    assert translate(DEV, in_dev(BY_TYPE["app_terminated_event"])) == AppTerminated(
        app_id="/my-app", timestamp=translate(CLUSTER, BY_TYPE["app_terminated_event"]).timestamp
    )


# -- deployments --------------------------------------------------------------------------------


@pytest.mark.parametrize("plan_of", [heavy_plan, light_plan], ids=["heavy", "light"])
def test_deployment_steps_keep_only_the_accounts_apps(plan_of: Any) -> None:
    plan = plan_of("d1", ["/dev/web", "/prod/api", "/dev/db"])
    translator = EventTranslator(DEV)
    second = translator.translate_payload("deployment_info", step_event(plan, 1))
    assert isinstance(second, DeploymentStepChanged)
    assert second.app_ids == ("/web", "/db")
    assert (second.phase, second.current_step, second.total_steps) == ("started", 2, 3)
    assert second.actions == ()  # the current step acts on another tenant's app
    third = translator.translate_payload(
        "deployment_step_success", step_event(plan, 2, "deployment_step_success")
    )
    assert isinstance(third, DeploymentStepChanged)
    assert third.phase == "succeeded"
    assert third.actions == (DeploymentAction(action=third.actions[0].action, app_id="/db"),)
    text = repr(second) + repr(third)
    assert "prod" not in text
    assert SECRET not in text


def test_a_heavy_plan_is_never_copied_into_an_event() -> None:
    plan = heavy_plan("d1", ["/dev/web"])
    for account in (DEV, CLUSTER):
        event = translate(account, step_event(plan, 0))
        assert isinstance(event, DeploymentStepChanged)
        assert SECRET not in repr(event)
        fields = attrs.asdict(event, recurse=True)
        assert SECRET not in repr(fields)
        assert set(fields) == {field.name for field in attrs.fields(DeploymentStepChanged)}


def test_a_deployment_of_other_tenants_only_is_dropped() -> None:
    plan = light_plan("d2", ["/prod/api", "/devx/web"])
    assert translate(DEV, step_event(plan, 0)) is None
    success = {"eventType": "deployment_success", "id": "d2", "plan": plan}
    assert translate(DEV, success) is None
    cluster_event = translate(CLUSTER, success)
    assert isinstance(cluster_event, DeploymentSucceeded)
    assert cluster_event.app_ids == ("/prod/api", "/devx/web")


def test_success_and_failure_with_a_plan_from_1_8() -> None:
    plan = light_plan("d3", ["/dev/web", "/prod/api"])
    success = translate(DEV, {"eventType": "deployment_success", "id": "d3", "plan": plan})
    assert success == DeploymentSucceeded(deployment_id="d3", app_ids=("/web",))
    failed = translate(
        DEV, {"eventType": "deployment_failed", "id": "d3", "plan": plan, "reason": "cancelled"}
    )
    assert failed == DeploymentFailed(deployment_id="d3", app_ids=("/web",), reason="cancelled")


def test_success_without_a_plan_is_attributed_from_the_steps_seen() -> None:
    translator = EventTranslator(DEV)
    plan = heavy_plan("d4", ["/dev/web", "/prod/api"])
    translator.translate_payload("deployment_info", step_event(plan, 0))
    event = translator.translate_payload("deployment_success", {"id": "d4"})
    assert event == DeploymentSucceeded(deployment_id="d4", app_ids=("/web",))
    # the deployment is over: a repeated outcome names no app any more
    assert translator.translate_payload("deployment_success", {"id": "d4"}) is None


def test_success_without_a_plan_of_a_write_the_backend_registered() -> None:
    translator = EventTranslator(DEV)
    translator.remember(Deployment(id="d5", app_ids=("/web",), version="v"))
    failed = translator.translate_payload("deployment_failed", {"id": "d5", "reason": ""})
    assert failed == DeploymentFailed(deployment_id="d5", app_ids=("/web",), reason=None)


def test_the_memory_is_bounded() -> None:
    translator = EventTranslator(DEV, memory=2)
    for name in ("a", "b", "c"):
        translator.remember(Deployment(id=name, app_ids=("/web",), version="v"))
    assert translator.translate_payload("deployment_success", {"id": "a"}) is None
    assert translator.translate_payload("deployment_success", {"id": "c"}) is not None


# -- secrets and unknown events -----------------------------------------------------------------


def test_api_post_event_values_never_reach_a_scoped_account() -> None:
    post = in_dev(BY_TYPE["api_post_event"])
    post["appDefinition"]["id"] = "/dev/my-app"
    post["appDefinition"]["env"] = {"PASSWORD": SECRET}
    assert translate(DEV, post) is None
    unknown = translate(CLUSTER, post)
    assert isinstance(unknown, UnknownEvent)
    assert SECRET not in repr(unknown)
    assert SECRET not in str(unknown)


def test_malformed_events_name_the_path_and_never_a_value() -> None:
    translator = EventTranslator(DEV)
    with pytest.raises(MalformedResponseError):
        translator.translate("status_update_event", "{not json")
    with pytest.raises(MalformedResponseError):
        translator.translate("status_update_event", "[1, 2]")
    broken = in_dev(BY_TYPE["status_update_event"])
    broken.pop("taskId")
    with pytest.raises(MalformedResponseError) as caught:
        translator.translate_payload("status_update_event", broken)
    assert caught.value.path == "/taskId"
    plan = light_plan("d6", ["/dev/web"])
    plan.pop("id")
    with pytest.raises(MalformedResponseError) as caught:
        translator.translate_payload("deployment_info", step_event(plan, 0))
    assert caught.value.path == "/plan/id"
    leaky = {**in_dev(BY_TYPE["status_update_event"]), "taskStatus": {"x": SECRET}}
    with pytest.raises(MalformedResponseError) as caught:
        translator.translate_payload("status_update_event", leaky)
    assert SECRET not in str(caught.value)


# -- filtering by type --------------------------------------------------------------------------


def test_server_event_types() -> None:
    assert server_event_types(None) is None
    assert server_event_types([TaskStatusChanged, UnknownEvent]) is None
    assert server_event_types([TaskStatusChanged, HealthChanged]) == (
        "status_update_event",
        "health_status_changed_event",
        "instance_health_changed_event",
    )
    assert server_event_types([DeploymentSucceeded]) == (
        "deployment_success",
        "deployment_info",
        "deployment_step_success",
        "deployment_step_failure",
    )
    assert server_event_types([StreamReconnected]) == ("event_stream_attached",)
    every = server_event_types(list(EVENT_TYPES))
    assert every is not None
    assert set(every) == {name for names in EVENT_TYPES.values() for name in names}
    events_request(every)  # every name is one the request builder accepts
    for bad in ([], [dict], TaskStatusChanged, ["status_update_event"]):
        with pytest.raises(InvalidInputError):
            server_event_types(bad)  # type: ignore[arg-type]


def test_the_translator_returns_only_the_wanted_types_but_still_learns() -> None:
    translator = EventTranslator(DEV, types=[DeploymentSucceeded])
    plan = light_plan("d7", ["/dev/web"])
    assert translator.translate_payload("deployment_info", step_event(plan, 0)) is None
    assert (
        translator.translate_payload("status_update_event", in_dev(BY_TYPE["status_update_event"]))
        is None
    )
    assert translator.translate_payload("deployment_success", {"id": "d7"}) == DeploymentSucceeded(
        deployment_id="d7", app_ids=("/web",)
    )


# -- end to end with the SSE capture ------------------------------------------------------------


def test_the_recorded_stream_end_to_end() -> None:
    raw = (SHARED_FIXTURES / "marathon/api-examples/events.txt").read_bytes()
    decoder = SseDecoder()
    messages = [message for byte in raw for message in decoder.feed(bytes([byte]))]
    cluster = EventTranslator(CLUSTER)
    events = [cluster.translate(message.type, message.data) for message in messages]
    assert [type(event) for event in events] == [UnknownEvent, TaskStatusChanged, TaskStatusChanged]
    failed = events[1]
    assert isinstance(failed, TaskStatusChanged)
    assert (failed.app_id, failed.state) == ("/foo", TaskState.TASK_FAILED)
    assert failed.message is not None
    assert failed.message.startswith("Failed to launch container")
    scoped = EventTranslator(DEV)
    assert [scoped.translate(m.type, m.data) for m in messages] == [None, None, None]
    # the SSE "event" field may be missing: the payload's eventType names the event then
    assert isinstance(cluster.translate("message", messages[1].data), TaskStatusChanged)
