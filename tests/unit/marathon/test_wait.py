"""How wait() judges a deployment from what polling sees, and the argument checks."""

from __future__ import annotations

from typing import Any

import pytest

from asgard import Account
from asgard.errors import InvalidInputError
from asgard.marathon._args import check_deployment, check_event_types, check_spec, check_wait_args
from asgard.marathon._parse import VisibleDeployment, deployments_from
from asgard.marathon._wait import (
    judge,
    queue_entry_for,
    replaced,
    same_definition,
    version_before,
)
from asgard.models import (
    App,
    AppSpec,
    Deployment,
    HealthCheck,
    QueueEntry,
    StreamReconnected,
)

V1, V2, V3 = "2026-01-01T00:00:00.000Z", "2026-01-02T00:00:00.000Z", "2026-01-03T00:00:00.000Z"
TARGET = Deployment(id="d1", app_ids=("/web",), version=V2)


def app(version: str = V2, **fields: Any) -> App:
    values: dict[str, Any] = {
        "id": "/web",
        "instances": 2,
        "cpus": 1,
        "mem": 64,
        "tasks_running": 2,
    }
    values.update(fields)
    return App(version=version, **values)


def test_a_listed_deployment_runs() -> None:
    assert judge(TARGET, VisibleDeployment(TARGET, True), {}).state == "running"


@pytest.mark.parametrize(
    ("found", "state"),
    [
        (app(), "done"),
        (app(tasks_running=1), "converging"),
        (app(V1), "done"),  # a write that changed nothing keeps the app's version
        (app(V1, tasks_running=1), "converging"),
        (app(V3), "newer"),  # rolled back or superseded: the stored versions tell
        (None, "superseded"),
        (app(health_checks=(HealthCheck(protocol="HTTP"),), tasks_healthy=1), "converging"),
        (app(health_checks=(HealthCheck(protocol="HTTP"),), tasks_healthy=2), "done"),
        (app(instances=0, tasks_running=0), "done"),
    ],
)
def test_an_ended_deployment_is_judged_from_its_apps(found: App | None, state: str) -> None:
    verdict = judge(TARGET, None, {"/web": found})
    assert verdict.state == state
    assert verdict.over is (state in {"done", "failed", "superseded"})
    assert verdict.undecided is (state == "newer")
    assert (verdict.app_id == "/web") is (state == "newer")


def test_same_definition_ignores_versions_counts_and_tasks() -> None:
    assert same_definition(app(V1), app(V3, tasks_running=0, tasks_staged=2, deployment_ids=("x",)))
    for change in (
        {"instances": 3},
        {"mem": 65},
        {"cmd": "sleep 1"},
        {"env": {"A": "1"}},
        {"labels": {"team": "b"}},
        {"constraints": (("owner", "CLUSTER", "b"),)},
        {"health_checks": (HealthCheck(protocol="HTTP"),)},
        {"extra": {"backoffSeconds": 3}},
    ):
        assert not same_definition(app(V1), app(V1, **change)), change


def test_version_before_is_the_newest_older_version() -> None:
    assert version_before([V3, V2, V1], V2) == V1
    assert version_before([V1, V3, V2], V3) == V2  # in any order
    assert version_before([V3, V2], V2) is None
    assert version_before([], V2) is None
    # Marathon's versions may be spelled with other precision; compared as instants
    assert version_before(["2026-01-01T00:00:00Z"], V2) == "2026-01-01T00:00:00Z"


@pytest.mark.parametrize(
    ("current", "at_target", "before", "state"),
    [
        # Marathon's rollback: the old definition under a new version
        (app(V3, instances=1), app(V2, instances=3), app(V1, instances=1), "failed"),
        # the target version is gone from the store (maxVersions): the old one still tells
        (app(V3, instances=1), None, app(V1, instances=1), "failed"),
        # someone's own change
        (app(V3, instances=5), app(V2, instances=3), app(V1, instances=1), "superseded"),
        # the deployment's own definition again (a restart after it)
        (app(V3, instances=3), app(V2, instances=3), app(V1, instances=1), "superseded"),
        # the deployment changed nothing of the definition: nothing tells a rollback
        (app(V3), app(V2), app(V1), "superseded"),
        # the deployment created the app
        (app(V3), app(V2), None, "superseded"),
    ],
)
def test_replaced_tells_a_rollback_by_definition(
    current: App, at_target: App | None, before: App | None, state: str
) -> None:
    verdict = replaced("/web", current, at_target, before)
    assert verdict.state == state
    assert verdict.app_id == "/web"
    if state == "failed":
        assert before is not None
        assert f"definition of version {before.version}" in verdict.reason


def test_versions_that_are_not_timestamps_compare_as_text() -> None:
    target = Deployment(id="d1", app_ids=("/web",), version="b")
    assert judge(target, None, {"/web": app("c")}).state == "newer"
    assert judge(target, None, {"/web": app("a")}).state == "done"


def test_deletes() -> None:
    assert judge(TARGET, None, {"/web": None}, deleting=frozenset({"/web"})).state == "done"
    assert (
        judge(TARGET, None, {"/web": app(V1)}, deleting=frozenset({"/web"})).state == "converging"
    )
    assert (
        judge(TARGET, None, {"/web": app(V3)}, deleting=frozenset({"/web"})).state == "superseded"
    )
    # the apps a listed deployment stops, read from its steps and current actions
    listing = [
        {
            "id": "d1",
            "version": V2,
            "affectedApps": ["/dev/web", "/dev/api"],
            "steps": [{"actions": [{"action": "StartApplication", "app": "/dev/api"}]}],
            "currentActions": [
                {"action": "StopApplication", "app": "/dev/web"},
                {"action": "ScaleApplication", "app": "/dev/api"},
            ],
        }
    ]
    (listed,) = deployments_from(listing, Account(namespace="dev", owner="dev-team"))
    assert listed.stops == {"/web"}
    assert listed.starts == {"/api"}


def test_queue_entry_for_the_first_waiting_app() -> None:
    entries = [QueueEntry(app_id="/api", count=1), QueueEntry(app_id="/web", count=2)]
    assert queue_entry_for(entries, ("/db", "/web", "/api")) == entries[1]
    assert queue_entry_for(entries, ("/db",)) is None


def test_argument_checks() -> None:
    assert check_deployment(TARGET) == "d1"
    assert check_deployment("d2") == "d2"
    for bad in ("", " ", "a/b", None, 3):
        with pytest.raises(InvalidInputError):
            check_deployment(bad)
    check_wait_args(1, 0.5)
    for timeout, interval in ((0, 1), (1, 0), (-1, 1), (True, 1), (float("inf"), 1), ("1", 1)):
        with pytest.raises(InvalidInputError):
            check_wait_args(timeout, interval)
    spec = AppSpec(id="web", cpus=1, mem=64, cmd="true")
    assert check_spec(spec) is spec
    with pytest.raises(InvalidInputError):
        check_spec({"id": "web"})
    assert check_event_types(None) is None
    assert check_event_types([StreamReconnected]) == (StreamReconnected,)
    with pytest.raises(InvalidInputError):
        check_event_types([int])  # type: ignore[list-item]
