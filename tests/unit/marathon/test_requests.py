"""The Marathon request builders: exact methods, paths, parameters and bodies."""

from __future__ import annotations

from typing import Any

import pytest

from asgard.errors import InvalidInputError
from asgard.marathon import _requests as r
from tests.unit.marathon._data import CLUSTER, DEV

UUID = "b331f6c9-fb9e-11e7-ab4b-faf0633ea91f"
UUID2 = "c0caec0a-863a-11e9-915b-c610fee06dff"
LEGACY = f"dev_infra_web.{UUID}"
INSTANCE = f"dev_infra_web.instance-{UUID2}._app.3"
WEB = "/dev/infra/web"
EMBED = (
    ("embed", "apps.counts"),
    ("embed", "apps.deployments"),
    ("embed", "apps.lastTaskFailure"),
)


def test_listing_a_namespace_is_the_transitive_group_listing_never_the_id_filter() -> None:
    request = r.list_apps(DEV)
    assert (request.method, request.path, request.params) == ("GET", "/v2/apps/dev/*", EMBED)
    assert request.json is None
    assert not request.is_write
    assert all(key != "id" for key, _ in request.params)
    with_tasks = r.list_apps(DEV, with_tasks=True)
    assert with_tasks.params == (*EMBED, ("embed", "apps.tasks"))


def test_listing_cluster_wide() -> None:
    request = r.list_apps(CLUSTER, with_tasks=True)
    assert (request.method, request.path) == ("GET", "/v2/apps")
    assert ("embed", "apps.tasks") in request.params


def test_get_one_app() -> None:
    request = r.get_app(WEB)
    assert (request.method, request.path) == ("GET", "/v2/apps/dev/infra/web")
    assert request.params == tuple((key, value.replace("apps.", "app.")) for key, value in EMBED)
    assert ("embed", "app.tasks") in r.get_app(WEB, with_tasks=True).params


def test_create_update_patch_scale() -> None:
    body = {"id": WEB, "cmd": "sleep 1"}
    create = r.create_app(body)
    assert (create.method, create.path, create.params, create.json) == (
        "POST",
        "/v2/apps",
        (),
        body,
    )
    assert create.is_write
    update = r.update_app(WEB, body)
    assert (update.method, update.path) == ("PUT", "/v2/apps/dev/infra/web")
    assert update.params == (("partialUpdate", "false"), ("force", "false"))
    assert r.update_app(WEB, body, force=True).params[1] == ("force", "true")
    patch = r.patch_app(WEB, {"cmd": "sleep 2"}, force=True)
    assert (patch.method, patch.path, patch.params) == (
        "PATCH",
        "/v2/apps/dev/infra/web",
        (("force", "true"),),
    )
    scale = r.scale_app(WEB, 3)
    assert (scale.method, scale.path, scale.params, scale.json) == (
        "PATCH",
        "/v2/apps/dev/infra/web",
        (("force", "false"),),
        {"instances": 3},
    )
    assert r.scale_app(WEB, 0).json == {"instances": 0}


@pytest.mark.parametrize("instances", [-1, 1.5, True, "3", None])
def test_scale_refuses_what_is_not_a_count(instances: Any) -> None:
    with pytest.raises(InvalidInputError):
        r.scale_app(WEB, instances)


def test_a_body_for_another_app_is_refused() -> None:
    with pytest.raises(InvalidInputError):
        r.update_app(WEB, {"id": "/prod/web"})
    with pytest.raises(InvalidInputError):
        r.patch_app(WEB, {"id": "/prod/web", "instances": 1})
    with pytest.raises(InvalidInputError):
        r.patch_app(WEB, {})
    with pytest.raises(InvalidInputError):
        r.create_app({"id": "dev/../prod/web"})


def test_restart_and_delete_never_force_by_default() -> None:
    restart = r.restart_app(WEB)
    assert (restart.method, restart.path, restart.params) == (
        "POST",
        "/v2/apps/dev/infra/web/restart",
        (("force", "false"),),
    )
    delete = r.delete_app(WEB)
    assert (delete.method, delete.path, delete.params) == (
        "DELETE",
        "/v2/apps/dev/infra/web",
        (("force", "false"),),
    )
    assert r.delete_app(WEB, force=True).params == (("force", "true"),)


@pytest.mark.parametrize(
    "bad_id",
    [
        "dev/web",
        "/dev/../prod/web",
        "/dev/./web",
        "/dev//web",
        "/dev/Web",
        "/dev/web%2F..%2Fprod",
        "/dev/web?x=1",
        "/dev/web#x",
        "/dev/web/",
        "/dev/web tasks",
        "/dev/web/restart",
        "/",
        "",
        None,
        7,
    ],
)
def test_a_hostile_or_non_canonical_id_never_becomes_a_path(bad_id: Any) -> None:
    for build in (
        r.get_app,
        r.restart_app,
        r.delete_app,
        r.app_tasks,
        r.app_versions,
        r.reset_delay,
    ):
        with pytest.raises(InvalidInputError):
            build(bad_id)
    with pytest.raises(InvalidInputError):
        r.update_app(bad_id, {"cmd": "x"})
    with pytest.raises(InvalidInputError):
        r.kill_tasks(bad_id, [LEGACY])


def test_versions_and_rollbacks() -> None:
    assert r.app_versions(WEB).path == "/v2/apps/dev/infra/web/versions"
    version = "2015-09-29T15:59:51.164Z"
    one = r.app_version(WEB, version)
    assert (one.method, one.path) == ("GET", f"/v2/apps/dev/infra/web/versions/{version}")
    by_version = r.rollback_app(WEB, {"version": version})
    assert (by_version.method, by_version.path, by_version.json) == (
        "PATCH",
        "/v2/apps/dev/infra/web",
        {"version": version},
    )
    full = r.rollback_app(WEB, {"id": WEB, "cmd": "x"}, force=True)
    assert (full.method, full.params) == ("PUT", (("partialUpdate", "false"), ("force", "true")))


@pytest.mark.parametrize(
    "version", ["", "latest", "../../apps", "2015-09-29T15:59:51.164Z/x", " 2015-09-29", 3]
)
def test_a_version_must_be_a_timestamp(version: Any) -> None:
    with pytest.raises(InvalidInputError):
        r.app_version(WEB, version)
    with pytest.raises(InvalidInputError):
        r.rollback_app(WEB, {"version": version})


def test_tasks_of_an_app() -> None:
    request = r.app_tasks(WEB)
    assert (request.method, request.path) == ("GET", "/v2/apps/dev/infra/web/tasks")


@pytest.mark.parametrize("task_id", [LEGACY, INSTANCE, f"dev_infra_web.instance-{UUID}._app.1"])
def test_both_task_id_formats_are_recognised(task_id: str) -> None:
    assert r.task_belongs_to(WEB, task_id)
    assert not r.task_belongs_to("/dev/infra/web2", task_id)
    assert not r.task_belongs_to("/dev/infra", task_id)


def test_killing_one_task_goes_through_the_apps_route() -> None:
    request = r.kill_tasks(WEB, [INSTANCE])
    assert request.method == "DELETE"
    assert request.path == f"/v2/apps/dev/infra/web/tasks/{INSTANCE}"
    assert request.params == (("scale", "false"), ("wipe", "false"), ("force", "false"))
    assert request.json is None
    assert r.kill_tasks(WEB, [LEGACY, LEGACY], scale=True).params[0] == ("scale", "true")


def test_killing_several_tasks_is_one_bulk_request() -> None:
    request = r.kill_tasks(WEB, iter([LEGACY, INSTANCE, LEGACY]), wipe=True)
    assert (request.method, request.path) == ("POST", "/v2/tasks/delete")
    assert request.json == {"ids": [LEGACY, INSTANCE]}
    assert request.params == (("scale", "false"), ("wipe", "true"), ("force", "false"))


@pytest.mark.parametrize(
    "task_ids",
    [
        [],
        (),
        LEGACY,  # a string, not a list of ids
        [f"dev_infra_web2.{UUID}"],
        [f"dev_infra.{UUID}"],
        [f"prod_infra_web.{UUID}"],
        [LEGACY, f"prod_web.instance-{UUID}._app.1"],
        ["dev_infra_web"],
        ["../../v2/apps"],
        [None],
        None,
    ],
)
def test_kill_tasks_refuses_before_any_request(task_ids: Any) -> None:
    with pytest.raises(InvalidInputError):
        r.kill_tasks(WEB, task_ids)


def test_scale_and_wipe_together_are_refused() -> None:
    with pytest.raises(InvalidInputError):
        r.kill_tasks(WEB, [LEGACY], scale=True, wipe=True)


def test_kill_on_host() -> None:
    request = r.kill_tasks_on_host(WEB, "agent-1.example", scale=True)
    assert (request.method, request.path) == ("DELETE", "/v2/apps/dev/infra/web/tasks")
    assert request.params == (("host", "agent-1.example"), ("scale", "true"), ("force", "false"))
    for host in ("", " a", "a/b", None):
        with pytest.raises(InvalidInputError):
            r.kill_tasks_on_host(WEB, host)  # type: ignore[arg-type]


def test_deployments_and_cancel() -> None:
    assert (r.list_deployments().method, r.list_deployments().path) == ("GET", "/v2/deployments")
    rollback = r.cancel_deployment("5ed4c0c5-9ff8-4a6f-a0cd-f57f59a34b43")
    assert (rollback.method, rollback.path, rollback.params) == (
        "DELETE",
        "/v2/deployments/5ed4c0c5-9ff8-4a6f-a0cd-f57f59a34b43",
        (("force", "false"),),
    )
    assert r.cancel_deployment("d1", rollback=False).params == (("force", "true"),)
    assert r.cancel_deployment("a/b").path == "/v2/deployments/a%2Fb"
    for bad in ("", ".", "..", " d1", None):
        with pytest.raises(InvalidInputError):
            r.cancel_deployment(bad)  # type: ignore[arg-type]


def test_queue_info_leader() -> None:
    assert (r.queue().method, r.queue().path) == ("GET", "/v2/queue")
    delay = r.reset_delay(WEB)
    assert (delay.method, delay.path) == ("DELETE", "/v2/queue/dev/infra/web/delay")
    assert r.info().path == "/v2/info"
    assert r.leader().path == "/v2/leader"


def test_the_event_stream() -> None:
    request = r.events(["deployment_success", "status_update_event"])
    assert (request.method, request.path, request.accept) == (
        "GET",
        "/v2/events",
        "text/event-stream",
    )
    assert request.params == (
        ("event_type", "deployment_success"),
        ("event_type", "status_update_event"),
        ("plan-format", "light"),
    )
    assert r.events().params == (("plan-format", "light"),)
    assert r.events(light=False).params == ()
    for bad in ([], "deployment_success", ["a&b"], [""]):
        with pytest.raises(InvalidInputError):
            r.events(bad)


@pytest.mark.parametrize("flag", [None, "true", 1])
def test_flags_must_be_booleans(flag: Any) -> None:
    with pytest.raises(InvalidInputError):
        r.delete_app(WEB, force=flag)
    with pytest.raises(InvalidInputError):
        r.list_apps(DEV, with_tasks=flag)
    with pytest.raises(InvalidInputError):
        r.cancel_deployment("d1", rollback=flag)
