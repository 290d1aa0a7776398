"""The FakeCluster's Marathon REST API (``/v2/apps``, ``/v2/deployments``, ``/v2/tasks``, ...).

Leadership as in Marathon: the leader serves every ``/v2`` request; a standby proxies it to
the leader (the answer is the leader's, with ``X-Marathon-Via: 1.1 <standby host:port>``);
every answer carries ``X-Marathon-Leader: <leader URL>`` (and, from 1.8, the security
headers); while no leader is known every node answers its version's no-leader page (503 up to
1.6, 502 after). ``/v2/leader`` and ``/ping`` are answered by each node itself.

=================================================  =============================================
endpoint                                           notes
=================================================  =============================================
``GET /v2/apps``                                   ``id`` (case-insensitive substring), ``cmd``,
                                                   ``label`` (selectors), ``embed`` (``apps.``,
                                                   ``app.`` and ``group.apps.`` prefixes)
``GET /v2/apps/<group>/*``                         ``{"*": [...]}``, transitive; 404 unknown
``POST /v2/apps``                                  201, ``Location``, ``Marathon-Deployment-Id``
``GET|PUT|PATCH|DELETE /v2/apps/<id>``             ``force``, ``partialUpdate`` (PUT)
``POST /v2/apps/<id>/restart``                     ``force``
``GET|DELETE /v2/apps/<id>/tasks``                 ``host``, ``scale``, ``wipe``, ``force``
``DELETE /v2/apps/<id>/tasks/<task id>``           ``scale``, ``wipe``, ``force``
``GET /v2/apps/<id>/versions[/<version>]``
``GET /v2/tasks``, ``POST /v2/tasks/delete``       ``status``; ``scale``, ``wipe``, ``force``
``GET /v2/deployments``                            a JSON array
``DELETE /v2/deployments/<id>``                    ``force``
``GET /v2/queue``                                  ``embed=lastUnusedOffers``
``DELETE /v2/queue/<id>/delay``                    204; 404 when not queued
``GET /v2/info``, ``GET /v2/leader``, ``GET /ping``
=================================================  =============================================
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Final

import httpx

from asgard.testing._deployments import unknown_app
from asgard.testing._marathon_apps import (
    MarathonError,
    parse_json,
    read_fields,
    render_definition,
)
from asgard.testing._marathon_events import no_leader_page
from asgard.testing._marathon_json import (
    app_info,
    deployment_json,
    info_json,
    queue_entry,
)
from asgard.testing._marathon_state import DeploymentRecord, marathon_time
from asgard.testing._router import BUILTIN_ROUTES, Handler, path_params
from asgard.testing._state import AppRecord, Server

if TYPE_CHECKING:
    from asgard.testing._cluster import FakeCluster

__all__ = ["json_answer", "marathon_endpoint"]

_EMBED_PREFIXES: Final = ("group.apps.", "apps.", "app.")
_SELECTOR: Final = re.compile(
    r"\s*(?P<key>[^\s!=,()]+)\s*(?:(?P<op>==|!=)\s*(?P<value>[^,()]*?)\s*"
    r"|\s+(?P<set>in|notin)\s*\((?P<values>[^)]*)\))?\s*"
)


def json_answer(
    body: Any, status: int = 200, headers: Mapping[str, str] | None = None
) -> httpx.Response:
    """A JSON answer, compact as Marathon writes it."""
    return httpx.Response(
        status,
        headers={"Content-Type": "application/json", **(headers or {})},
        content=json.dumps(body, separators=(",", ":")).encode(),
    )


def _leader(cluster: FakeCluster) -> Server | None:
    index = cluster.marathon_leader
    return None if index is None else cluster.state.marathons[index]


def marathon_endpoint(handler: Handler) -> Handler:
    """Serve ``handler`` as the leader: proxied from standbys, the no-leader page without one."""

    def serve(cluster: FakeCluster, server: Server, request: httpx.Request) -> httpx.Response:
        leader = _leader(cluster)
        if leader is None:
            return no_leader_page(cluster)
        try:
            response = handler(cluster, leader, request)
        except MarathonError as error:
            response = json_answer(error.body, error.status)
        response.headers["X-Marathon-Leader"] = leader.url
        if leader.index != server.index:
            response.headers["X-Marathon-Via"] = f"1.1 {server.host}:{server.port}"
        if cluster.marathon_profile.security_headers:
            response.headers["X-Frame-Options"] = "DENY"
            response.headers["X-XSS-Protection"] = "1; mode=block"
        return response

    return serve


def _route(method: str, pattern: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        BUILTIN_ROUTES.register("marathon", method, pattern, marathon_endpoint(handler))
        return handler

    return register


# -- request helpers -----------------------------------------------------------------------------


def _flag(request: httpx.Request, name: str, default: bool) -> bool:
    value = request.url.params.get(name)
    if value is None:
        return default
    return str(value).strip().lower() == "true"


def _app_id(raw: str) -> str:
    return "/" + raw.strip("/")


def _embeds(request: httpx.Request) -> set[str]:
    found: set[str] = set()
    for value in request.url.params.get_list("embed"):
        name = value
        for prefix in _EMBED_PREFIXES:
            if name.startswith(prefix):
                name = name[len(prefix) :]
                break
        found.add(name)
    if "failures" in found:
        found |= {"tasks", "lastTaskFailure"}
    return found


def _info(cluster: FakeCluster, app: AppRecord, embeds: set[str]) -> dict[str, Any]:
    return app_info(
        cluster,
        app,
        tasks="tasks" in embeds,
        last_task_failure="lastTaskFailure" in embeds,
        task_stats_wanted="taskStats" in embeds or "tasksStats" in embeds,
    )


def _split_selectors(text: str) -> list[str]:
    parts: list[str] = []
    depth = 0
    current = ""
    for char in text:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    return [part for part in parts if part.strip()]


def _label_matches(selector: str, labels: Mapping[str, Any]) -> bool:
    for part in _split_selectors(selector):
        match = _SELECTOR.fullmatch(part)
        if match is None:
            raise MarathonError(400, {"message": f"Unparsable label selector: {selector}"})
        key = match.group("key")
        present = key in labels
        value = labels.get(key)
        if match.group("op") == "==":
            ok = present and value == match.group("value")
        elif match.group("op") == "!=":
            ok = not present or value != match.group("value")
        elif match.group("set") is not None:
            values = {item.strip() for item in match.group("values").split(",")}
            inside = present and value in values
            ok = inside if match.group("set") == "in" else present and not inside
        else:
            ok = present
        if not ok:
            return False
    return True


def _filtered_apps(cluster: FakeCluster, request: httpx.Request) -> list[AppRecord]:
    params = request.url.params
    wanted_id = params.get("id")
    wanted_cmd = params.get("cmd")
    selector = params.get("label")
    found: list[AppRecord] = []
    for app in cluster.state.apps.values():
        if wanted_id is not None and wanted_id.lower() not in app.id.lower():
            continue
        cmd = app.definition.get("cmd")
        if wanted_cmd is not None and (
            not isinstance(cmd, str) or wanted_cmd.lower() not in cmd.lower()
        ):
            continue
        if selector is not None and not _label_matches(selector, app.definition.get("labels", {})):
            continue
        found.append(app)
    return found


def _body(request: httpx.Request) -> Any:
    return parse_json(request.content)


def _deployment_result(
    deployment: DeploymentRecord, status: int = 200, headers: Mapping[str, str] | None = None
) -> httpx.Response:
    return json_answer(
        {"deploymentId": deployment.id, "version": marathon_time(deployment.version)},
        status,
        {"Marathon-Deployment-Id": deployment.id, **(headers or {})},
    )


def _post_event(cluster: FakeCluster, request: httpx.Request, app: AppRecord) -> None:
    cluster.marathon.emit(
        "api_post_event",
        {
            "clientIp": "127.0.0.1",
            "uri": request.url.path,
            "appDefinition": render_definition(cluster.marathon_profile, app),
        },
        cluster.now,
    )


def _existing(cluster: FakeCluster, app_id: str) -> AppRecord:
    app = cluster.state.apps.get(app_id)
    if app is None:
        raise unknown_app(app_id)
    return app


# -- apps ---------------------------------------------------------------------------------------


@_route("GET", "/v2/apps/*")
def _root_apps(cluster: FakeCluster, _server: Server, request: httpx.Request) -> httpx.Response:
    embeds = _embeds(request)
    return json_answer({"*": [_info(cluster, app, embeds) for app in cluster.state.apps.values()]})


@_route("GET", "/v2/apps/{group:path}/*")
def _group_apps(cluster: FakeCluster, _server: Server, request: httpx.Request) -> httpx.Response:
    group = _app_id(path_params(request)["group"])
    inside = [app for app in cluster.state.apps.values() if app.id.startswith(group + "/")]
    if not inside:
        raise MarathonError(404, {"message": f"Group '{group}' does not exist"})
    embeds = _embeds(request)
    return json_answer({"*": [_info(cluster, app, embeds) for app in inside]})


@_route("POST", "/v2/apps/{app_id:path}/restart")
def _restart(cluster: FakeCluster, _server: Server, request: httpx.Request) -> httpx.Response:
    app_id = _app_id(path_params(request)["app_id"])
    deployment = cluster.marathon.restart(
        app_id, force=_flag(request, "force", False), at=cluster.now
    )
    return _deployment_result(deployment)


@_route("GET", "/v2/apps/{app_id:path}/tasks")
def _app_tasks(cluster: FakeCluster, _server: Server, request: httpx.Request) -> httpx.Response:
    app_id = _app_id(path_params(request)["app_id"])
    _existing(cluster, app_id)
    scheduler = cluster.marathon
    return json_answer(
        {"tasks": [scheduler.render_task(*pair) for pair in scheduler.live_tasks(app_id)]}
    )


def _kill_answer(
    cluster: FakeCluster,
    request: httpx.Request,
    selected: Mapping[str, list[str]],
    *,
    one: bool = False,
) -> httpx.Response:
    """Kill the selected tasks (by app): a deployment result with ``scale``, else the tasks."""
    scale = _flag(request, "scale", False)
    if scale and _flag(request, "wipe", False):
        raise MarathonError(400, {"message": "You cannot use scale and wipe at the same time."})
    scheduler = cluster.marathon
    now = cluster.now
    if scale:
        counts = {app_id: len(ids) for app_id, ids in selected.items() if ids}
        deployment = scheduler.scale_down_for(counts, force=_flag(request, "force", False), at=now)
        for ids in selected.values():
            for task_id in ids:
                scheduler.kill(task_id, now)
        return _deployment_result(deployment)
    rendered: list[dict[str, Any]] = []
    for app_id, ids in selected.items():
        live = {pair[0].task_id: pair for pair in scheduler.live_tasks(app_id)}
        for task_id in ids:
            if task_id in live:
                rendered.append(scheduler.render_task(*live[task_id]))
            scheduler.kill(task_id, now)
    if one:
        return json_answer({"task": rendered[0] if rendered else None})
    return json_answer({"tasks": rendered})


@_route("DELETE", "/v2/apps/{app_id:path}/tasks")
def _kill_app_tasks(
    cluster: FakeCluster, _server: Server, request: httpx.Request
) -> httpx.Response:
    app_id = _app_id(path_params(request)["app_id"])
    _existing(cluster, app_id)
    host = request.url.params.get("host")
    ids = [
        marathon_task.task_id
        for marathon_task, task in cluster.marathon.live_tasks(app_id)
        if host is None or task.agent_hostname == host.lower()
    ]
    return _kill_answer(cluster, request, {app_id: ids})


@_route("DELETE", "/v2/apps/{app_id:path}/tasks/{task_id}")
def _kill_one_task(cluster: FakeCluster, _server: Server, request: httpx.Request) -> httpx.Response:
    params = path_params(request)
    app_id = _app_id(params["app_id"])
    task_id = params["task_id"]
    _existing(cluster, app_id)
    if not any(pair[0].task_id == task_id for pair in cluster.marathon.live_tasks(app_id)):
        raise MarathonError(404, {"message": f"Task '{task_id}' does not exist"})
    return _kill_answer(cluster, request, {app_id: [task_id]}, one=True)


@_route("GET", "/v2/apps/{app_id:path}/versions")
def _versions(cluster: FakeCluster, _server: Server, request: httpx.Request) -> httpx.Response:
    app_id = _app_id(path_params(request)["app_id"])
    _existing(cluster, app_id)
    history = cluster.marathon_state.versions.get(app_id, [])
    ordered = sorted((record.version for record in history), reverse=True)
    return json_answer({"versions": [marathon_time(version) for version in ordered]})


@_route("GET", "/v2/apps/{app_id:path}/versions/{version}")
def _version(cluster: FakeCluster, _server: Server, request: httpx.Request) -> httpx.Response:
    params = path_params(request)
    app_id = _app_id(params["app_id"])
    _existing(cluster, app_id)
    record = cluster.marathon.find_version(app_id, params["version"])
    if record is None:
        raise unknown_app(app_id, params["version"])
    return json_answer(render_definition(cluster.marathon_profile, record))


@_route("GET", "/v2/apps/{app_id:path}")
def _get_app(cluster: FakeCluster, _server: Server, request: httpx.Request) -> httpx.Response:
    app = _existing(cluster, _app_id(path_params(request)["app_id"]))
    embeds = _embeds(request) | {"tasks", "lastTaskFailure"}
    return json_answer({"app": _info(cluster, app, embeds)})


def _write(
    cluster: FakeCluster,
    server: Server,
    request: httpx.Request,
    *,
    partial: bool,
    allow_create: bool,
) -> httpx.Response:
    app_id = _app_id(path_params(request)["app_id"])
    fields = read_fields(cluster.marathon_profile, _body(request), partial=True, path_id=app_id)
    fields["id"] = app_id
    deployment, record, created = cluster.marathon.update(
        app_id,
        fields,
        partial=partial,
        force=_flag(request, "force", False),
        allow_create=allow_create,
        at=cluster.now,
    )
    _post_event(cluster, request, record)
    if created:
        return _deployment_result(deployment, 201, {"Location": f"{server.url}/v2/apps{app_id}"})
    return _deployment_result(deployment)


@_route("PUT", "/v2/apps/{app_id:path}")
def _put_app(cluster: FakeCluster, server: Server, request: httpx.Request) -> httpx.Response:
    return _write(
        cluster,
        server,
        request,
        partial=_flag(request, "partialUpdate", True),
        allow_create=True,
    )


@_route("PATCH", "/v2/apps/{app_id:path}")
def _patch_app(cluster: FakeCluster, server: Server, request: httpx.Request) -> httpx.Response:
    return _write(cluster, server, request, partial=True, allow_create=False)


@_route("DELETE", "/v2/apps/{app_id:path}")
def _delete_app(cluster: FakeCluster, _server: Server, request: httpx.Request) -> httpx.Response:
    app_id = _app_id(path_params(request)["app_id"])
    deployment = cluster.marathon.delete(
        app_id, force=_flag(request, "force", True), at=cluster.now
    )
    return _deployment_result(deployment)


@_route("GET", "/v2/apps")
def _list_apps(cluster: FakeCluster, _server: Server, request: httpx.Request) -> httpx.Response:
    embeds = _embeds(request)
    return json_answer(
        {"apps": [_info(cluster, app, embeds) for app in _filtered_apps(cluster, request)]}
    )


@_route("POST", "/v2/apps")
def _create_app(cluster: FakeCluster, server: Server, request: httpx.Request) -> httpx.Response:
    fields = read_fields(cluster.marathon_profile, _body(request), partial=False)
    fields.pop("version", None)
    deployment, record = cluster.marathon.create(
        fields, force=_flag(request, "force", False), at=cluster.now
    )
    _post_event(cluster, request, record)
    body = app_info(cluster, record)
    body.update({"tasksStaged": 0, "tasksRunning": 0, "tasksHealthy": 0, "tasksUnhealthy": 0})
    body["deployments"] = [{"id": deployment.id}]
    if cluster.marathon_profile.create_answer_tasks:
        body["tasks"] = []
    return json_answer(
        body,
        201,
        {
            "Location": f"{server.url}/v2/apps{record.id}",
            "Marathon-Deployment-Id": deployment.id,
        },
    )


# -- tasks --------------------------------------------------------------------------------------


@_route("GET", "/v2/tasks")
def _all_tasks(cluster: FakeCluster, _server: Server, request: httpx.Request) -> httpx.Response:
    params = request.url.params
    statuses = {
        value.lower() for value in (*params.get_list("status"), *params.get_list("status[]"))
    }
    scheduler = cluster.marathon
    found: list[dict[str, Any]] = []
    for marathon_task in list(cluster.marathon_state.tasks.values()):
        task = cluster.state.tasks.get(marathon_task.task_id)
        if task is None or task.terminal:
            continue
        if statuses and task.state.removeprefix("TASK_").lower() not in statuses:
            continue
        found.append(scheduler.render_task(marathon_task, task))
    return json_answer({"tasks": found})


@_route("POST", "/v2/tasks/delete")
def _delete_tasks(cluster: FakeCluster, _server: Server, request: httpx.Request) -> httpx.Response:
    body = _body(request)
    ids = body.get("ids") if isinstance(body, dict) else None
    if not isinstance(ids, list) or not all(isinstance(item, str) for item in ids):
        raise MarathonError(
            cluster.marathon_profile.invalid_json_status,
            {
                "message": "Invalid JSON",
                "details": [{"path": "/ids", "errors": ["error.expected.jsarray"]}],
            },
        )
    selected: dict[str, list[str]] = {}
    for task_id in ids:
        marathon_task = cluster.marathon_state.tasks.get(task_id)
        if marathon_task is None:
            raise MarathonError(400, {"message": f"Invalid task id {task_id}"})
        selected.setdefault(marathon_task.app_id, []).append(task_id)
    return _kill_answer(cluster, request, selected)


# -- deployments, queue ---------------------------------------------------------------------


@_route("GET", "/v2/deployments")
def _deployments(cluster: FakeCluster, _server: Server, _request: httpx.Request) -> httpx.Response:
    return json_answer(
        [deployment_json(deployment) for deployment in cluster.marathon_state.deployments.values()]
    )


@_route("DELETE", "/v2/deployments/{deployment_id}")
def _cancel(cluster: FakeCluster, _server: Server, request: httpx.Request) -> httpx.Response:
    deployment_id = path_params(request)["deployment_id"]
    force = _flag(request, "force", False)
    rollback = cluster.marathon.cancel(deployment_id, rollback=not force, at=cluster.now)
    if rollback is None:
        return httpx.Response(202)
    return _deployment_result(rollback)


@_route("GET", "/v2/queue")
def _queue(cluster: FakeCluster, _server: Server, request: httpx.Request) -> httpx.Response:
    offers = "lastUnusedOffers" in request.url.params.get_list("embed")
    scheduler = cluster.marathon
    now = cluster.now
    entries: list[dict[str, Any]] = []
    for app in cluster.state.apps.values():
        count = scheduler.pending(app)
        launch = cluster.marathon_state.launch.get(app.id)
        delayed = launch is not None and launch.delay_until is not None and launch.delay_until > now
        if count <= 0 and not delayed:
            continue
        entries.append(
            queue_entry(
                cluster,
                app,
                count,
                cluster.marathon_state.launch_state(app.id),
                offers=offers,
            )
        )
    return json_answer({"queue": entries})


@_route("DELETE", "/v2/queue/{app_id:path}/delay")
def _reset_delay(cluster: FakeCluster, _server: Server, request: httpx.Request) -> httpx.Response:
    app_id = _app_id(path_params(request)["app_id"])
    if not cluster.marathon.reset_delay(app_id):
        raise MarathonError(404, {"message": f"Application {app_id} not found in tasks queue."})
    return httpx.Response(204)


# -- info, leader, ping ---------------------------------------------------------------------


@_route("GET", "/v2/info")
def _info_endpoint(
    cluster: FakeCluster, _server: Server, _request: httpx.Request
) -> httpx.Response:
    return json_answer(info_json(cluster))


def _leader_endpoint(
    cluster: FakeCluster, _server: Server, _request: httpx.Request
) -> httpx.Response:
    leader = _leader(cluster)
    if leader is None:
        return json_answer({"message": "There is no leader"}, 404)
    return json_answer(
        {"leader": f"{leader.host}:{leader.port}"}, headers={"X-Marathon-Leader": leader.url}
    )


def _ping(_cluster: FakeCluster, _server: Server, _request: httpx.Request) -> httpx.Response:
    return httpx.Response(
        200, headers={"Content-Type": "text/plain; charset=utf-8"}, content=b"pong"
    )


BUILTIN_ROUTES.register("marathon", "GET", "/v2/leader", _leader_endpoint)
BUILTIN_ROUTES.register("marathon", "GET", "/ping", _ping)
