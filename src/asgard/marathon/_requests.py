"""The Marathon requests asgard sends: method, path, parameters and body (pure).

Every builder returns a :class:`Request`; the I/O layer only sends it. App ids reaching these
builders are absolute Marathon ids that :meth:`~asgard.account.Account.marathon_app_id` already
checked (``"/dev/web"``); each builder checks them again (cheaply) so that no path is ever built
from an id that could leave its namespace. Booleans are sent as ``"true"``/``"false"``;
repeatable parameters (``embed``, ``event_type``) as repeated keys.

Choices, each valid on Marathon 1.4 and 1.10 alike:

- listing: ``GET /v2/apps/<namespace>/*`` lists the namespace transitively (never ``?id=``,
  a case-insensitive *substring* filter that would also match ``/other-dev/...``); it answers
  404 for a namespace that does not exist yet, which the backend reports as ``[]``.
- writes that change a few fields go through ``PATCH /v2/apps/<id>`` (present in every 1.4
  release): unlike ``PUT`` it never creates an app, so a missing app is a 404. That covers
  ``patch``, ``scale`` (``{"instances": n}``: a scale without restart) and the version-only
  rollback (``{"version": v}``). ``update`` is ``PUT ?partialUpdate=false`` (a full
  replacement, which only ``PUT`` offers; note that ``PUT`` creates a missing app).
- killing one task uses ``DELETE /v2/apps/<id>/tasks/<task>``, where the server checks again
  that the task is the app's; several tasks go in one ``POST /v2/tasks/delete``, so that
  ``scale=true`` starts a single deployment instead of one per task (the second of which would
  find the app locked).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Final
from urllib.parse import quote

import attrs

from asgard._time import parse_timestamp
from asgard.account import Account, normalize_app_id
from asgard.errors import InvalidInputError
from asgard.mesos._naming import marathon_task_naming

__all__ = [
    "APP_EMBEDS",
    "EVENT_STREAM_ACCEPT",
    "Request",
    "app_tasks",
    "app_version",
    "app_versions",
    "cancel_deployment",
    "check_task_ids",
    "create_app",
    "delete_app",
    "events",
    "get_app",
    "info",
    "kill_tasks",
    "kill_tasks_on_host",
    "leader",
    "list_apps",
    "list_deployments",
    "patch_app",
    "queue",
    "reset_delay",
    "restart_app",
    "rollback_app",
    "scale_app",
    "task_belongs_to",
    "update_app",
]

APP_EMBEDS: Final = ("counts", "deployments", "lastTaskFailure")
"""What every app read embeds (``apps.<name>``); ``tasks`` is added when tasks are asked for."""

EVENT_STREAM_ACCEPT: Final = "text/event-stream"
"""The ``Accept`` header ``/v2/events`` needs (without it Marathon answers 405)."""

_JSON: Final = "application/json"

Params = tuple[tuple[str, str], ...]


@attrs.frozen(kw_only=True)
class Request:
    """One request to Marathon, as data.

    Attributes:
        method: the HTTP method.
        path: the path under the server's base URL, already escaped.
        params: the query parameters, in order; a key may repeat.
        json: the JSON body, or None for no body.
        accept: the ``Accept`` header to send.
    """

    method: str
    path: str
    params: Params = ()
    json: Any = None
    accept: str = _JSON

    @property
    def is_write(self) -> bool:
        """Whether the request changes the cluster (never re-sent once it may have arrived)."""
        return self.method not in ("GET", "HEAD")


# -- small checks ------------------------------------------------------------------------------


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _bool(name: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise InvalidInputError(f"{name} must be True or False, not {type(value).__name__}")
    return value


def _app_path(marathon_id: object) -> str:
    """The path form of an absolute Marathon app id, checked again."""
    if not isinstance(marathon_id, str) or not marathon_id.startswith("/"):
        raise InvalidInputError(f"expected an absolute Marathon app id, not {marathon_id!r}")
    if normalize_app_id(marathon_id) != marathon_id:
        raise InvalidInputError(f"app id {marathon_id!r} is not in canonical form")
    return marathon_id


def _segment(what: str, value: object, *, safe: str = "") -> str:
    """One opaque id as a single escaped path segment."""
    if not isinstance(value, str):
        raise InvalidInputError(f"a {what} must be a string, not {type(value).__name__}")
    if value.strip() in {"", ".", ".."} or value != value.strip():
        raise InvalidInputError(f"{what} {value!r} is not a valid id")
    return quote(value, safe=safe)


def _embeds(prefix: str, with_tasks: bool) -> Params:
    names = (*APP_EMBEDS, "tasks") if with_tasks else APP_EMBEDS
    return tuple(("embed", f"{prefix}.{name}") for name in names)


# -- apps --------------------------------------------------------------------------------------


def list_apps(account: Account, *, with_tasks: bool = False) -> Request:
    """``GET /v2/apps/<namespace>/*`` (cluster-wide: ``GET /v2/apps``), counts and more embedded.

    The group form lists every app under the namespace transitively. Marathon answers it with
    ``{"*": [...]}``, and 404 when the namespace group does not exist (an empty account).
    Marathon 1.4 embeds tasks in the group form whatever is asked.

    Raises:
        InvalidInputError: when ``with_tasks`` is not a boolean.
    """
    params = _embeds("apps", _bool("with_tasks", with_tasks))
    if account.is_cluster_wide:
        return Request(method="GET", path="/v2/apps", params=params)
    return Request(method="GET", path=f"/v2/apps/{account.namespace}/*", params=params)


def get_app(marathon_id: str, *, with_tasks: bool = False) -> Request:
    """``GET /v2/apps/<id>``, answered ``{"app": {...}}`` (404 when absent).

    Raises:
        InvalidInputError: when the id is not an absolute canonical app id.
    """
    params = _embeds("app", _bool("with_tasks", with_tasks))
    return Request(method="GET", path=f"/v2/apps{_app_path(marathon_id)}", params=params)


def create_app(body: dict[str, Any]) -> Request:
    """``POST /v2/apps`` with a full definition (201 with the app; 409 when it exists).

    Raises:
        InvalidInputError: when the body has no absolute canonical ``id``.
    """
    _app_path(body.get("id"))
    return Request(method="POST", path="/v2/apps", json=body)


def update_app(marathon_id: str, body: dict[str, Any], *, force: bool = False) -> Request:
    """``PUT /v2/apps/<id>?partialUpdate=false&force=...``: replace the whole definition.

    Note that ``PUT`` creates the app when it does not exist (201).

    Raises:
        InvalidInputError: on a bad id, a body naming another app, or a non-boolean ``force``.
    """
    path = _app_path(marathon_id)
    if body.get("id", path) != path:
        raise InvalidInputError(f"the definition is for {body.get('id')!r}, not {path!r}")
    return Request(
        method="PUT",
        path=f"/v2/apps{path}",
        params=(("partialUpdate", "false"), ("force", _flag(_bool("force", force)))),
        json=body,
    )


def patch_app(marathon_id: str, body: dict[str, Any], *, force: bool = False) -> Request:
    """``PATCH /v2/apps/<id>?force=...``: change only the fields in ``body`` (404 when absent).

    Raises:
        InvalidInputError: on a bad id, an empty body or one naming another app, or a
            non-boolean ``force``.
    """
    path = _app_path(marathon_id)
    if not body:
        raise InvalidInputError("a patch must change at least one field")
    if body.get("id", path) != path:
        raise InvalidInputError(f"the patch is for {body.get('id')!r}, not {path!r}")
    return Request(
        method="PATCH",
        path=f"/v2/apps{path}",
        params=(("force", _flag(_bool("force", force))),),
        json=body,
    )


def scale_app(marathon_id: str, instances: int, *, force: bool = False) -> Request:
    """``PATCH /v2/apps/<id>`` with only ``{"instances": n}``: a scale, never a restart.

    Raises:
        InvalidInputError: when ``instances`` is not an integer of at least 0, or on a bad id.
    """
    count: object = instances  # typed int, checked anyway: the value comes from users
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise InvalidInputError(f"instances must be an integer of at least 0, not {count!r}")
    return patch_app(marathon_id, {"instances": count}, force=force)


def restart_app(marathon_id: str, *, force: bool = False) -> Request:
    """``POST /v2/apps/<id>/restart?force=...``: a rolling restart.

    Raises:
        InvalidInputError: on a bad id or a non-boolean ``force``.
    """
    return Request(
        method="POST",
        path=f"/v2/apps{_app_path(marathon_id)}/restart",
        params=(("force", _flag(_bool("force", force))),),
    )


def delete_app(marathon_id: str, *, force: bool = False) -> Request:
    """``DELETE /v2/apps/<id>?force=false`` unless asked: Marathon's default here is ``true``.

    Raises:
        InvalidInputError: on a bad id or a non-boolean ``force``.
    """
    return Request(
        method="DELETE",
        path=f"/v2/apps{_app_path(marathon_id)}",
        params=(("force", _flag(_bool("force", force))),),
    )


def app_versions(marathon_id: str) -> Request:
    """``GET /v2/apps/<id>/versions`` (``{"versions": [...]}``).

    Raises:
        InvalidInputError: on a bad id.
    """
    return Request(method="GET", path=f"/v2/apps{_app_path(marathon_id)}/versions")


def _version(version: object) -> str:
    if not isinstance(version, str):
        raise InvalidInputError(f"a version must be a string, not {type(version).__name__}")
    try:
        parse_timestamp(version)
    except ValueError:
        raise InvalidInputError(
            f"version {version!r} is not a Marathon version (an ISO-8601 timestamp)"
        ) from None
    if version != version.strip() or any(char in version for char in "/?#%"):
        raise InvalidInputError(f"version {version!r} is not a Marathon version")
    return version


def app_version(marathon_id: str, version: str) -> Request:
    """``GET /v2/apps/<id>/versions/<version>``: the bare definition at that version.

    Raises:
        InvalidInputError: on a bad id, or a version that is not an ISO-8601 timestamp.
    """
    path = _app_path(marathon_id)
    return Request(
        method="GET", path=f"/v2/apps{path}/versions/{quote(_version(version), safe=':')}"
    )


def rollback_app(marathon_id: str, body: dict[str, Any], *, force: bool = False) -> Request:
    """Deploy an earlier version again, with a body from ``_serialize.rollback_body``.

    ``{"version": v}`` goes through ``PATCH`` (Marathon restores that stored definition; the
    app must exist); a full definition (the stored one with the owner pin added) is a
    replacement, ``PUT ?partialUpdate=false``.

    Raises:
        InvalidInputError: on a bad id, a bad version, or a body naming another app.
    """
    if set(body) == {"version"}:
        return patch_app(marathon_id, {"version": _version(body["version"])}, force=force)
    return update_app(marathon_id, body, force=force)


# -- tasks -------------------------------------------------------------------------------------


def app_tasks(marathon_id: str) -> Request:
    """``GET /v2/apps/<id>/tasks`` (``{"tasks": [...]}``, 404 for an unknown app).

    Raises:
        InvalidInputError: on a bad id.
    """
    return Request(method="GET", path=f"/v2/apps{_app_path(marathon_id)}/tasks")


def task_belongs_to(marathon_id: str, task_id: str) -> bool:
    """Whether a Marathon task id names the app ``marathon_id``, judged from the id alone.

    Both formats are known (through :func:`asgard.mesos._naming.marathon_task_naming`):
    ``<app path with / → _>.<uuid>`` (up to 1.7) and ``<...>.instance-<uuid>._app.<n>``
    (from 1.8).
    """
    return marathon_task_naming("marathon", task_id) == marathon_id


def check_task_ids(
    marathon_id: str, task_ids: Iterable[str], *, shown_as: str | None = None
) -> tuple[str, ...]:
    """The task ids, each checked to belong to the app, duplicates removed, in order.

    ``shown_as`` is the app id the caller knows (relative to its namespace), for messages.

    Raises:
        InvalidInputError: when ``task_ids`` is a string or empty, or an id is not a task of
            the app (or not a Marathon task id at all).
    """
    path = _app_path(marathon_id)
    if isinstance(task_ids, (str, bytes)):
        raise InvalidInputError("task_ids must be a list of task ids, not a single string")
    try:
        given = list(task_ids)
    except TypeError:
        raise InvalidInputError(
            f"task_ids must be a list of task ids, not {type(task_ids).__name__}"
        ) from None
    if not given:
        raise InvalidInputError("task_ids must name at least one task")
    checked: list[str] = []
    for task_id in given:
        if not isinstance(task_id, str):
            raise InvalidInputError(f"a task id must be a string, not {type(task_id).__name__}")
        if not task_belongs_to(path, task_id):
            raise InvalidInputError(f"task {task_id!r} is not a task of app {shown_as or path!r}")
        if task_id not in checked:
            checked.append(task_id)
    return tuple(checked)


def kill_tasks(
    marathon_id: str,
    task_ids: Iterable[str],
    *,
    scale: bool = False,
    wipe: bool = False,
    shown_as: str | None = None,
) -> Request:
    """Kill some tasks of one app: one id by the app's route, several in one bulk request.

    One task: ``DELETE /v2/apps/<id>/tasks/<task>?scale=&wipe=&force=false`` (answers
    ``{"task": ...}``, or a deployment result with ``scale``). Several:
    ``POST /v2/tasks/delete?scale=&wipe=&force=false`` with ``{"ids": [...]}`` (answers
    ``{"tasks": [...]}``, or one deployment result with ``scale``).

    Raises:
        InvalidInputError: when a task is not the app's, ``task_ids`` is empty, or ``scale``
            and ``wipe`` are both set (Marathon refuses that with a 400).
    """
    checked = check_task_ids(marathon_id, task_ids, shown_as=shown_as)
    if _bool("scale", scale) and _bool("wipe", wipe):
        raise InvalidInputError("scale and wipe cannot be used together")
    params = (("scale", _flag(scale)), ("wipe", _flag(wipe)), ("force", "false"))
    if len(checked) == 1:
        return Request(
            method="DELETE",
            path=f"/v2/apps{_app_path(marathon_id)}/tasks/{_segment('task id', checked[0])}",
            params=params,
        )
    return Request(
        method="POST", path="/v2/tasks/delete", params=params, json={"ids": list(checked)}
    )


def kill_tasks_on_host(marathon_id: str, host: str, *, scale: bool = False) -> Request:
    """``DELETE /v2/apps/<id>/tasks?host=<host>&scale=...&force=false``: drain one agent.

    Raises:
        InvalidInputError: on a bad id, an empty or ill-formed host, or a non-boolean ``scale``.
    """
    path = _app_path(marathon_id)
    name: object = host
    if not isinstance(name, str) or not name or name != name.strip() or "/" in name:
        raise InvalidInputError(f"host must be a host name, not {name!r}")
    return Request(
        method="DELETE",
        path=f"/v2/apps{path}/tasks",
        params=(("host", host), ("scale", _flag(_bool("scale", scale))), ("force", "false")),
    )


# -- deployments, queue, cluster ---------------------------------------------------------------


def list_deployments() -> Request:
    """``GET /v2/deployments``: every running deployment of the cluster (a bare JSON array)."""
    return Request(method="GET", path="/v2/deployments")


def cancel_deployment(deployment_id: str, *, rollback: bool = True) -> Request:
    """``DELETE /v2/deployments/<id>``: cancel a deployment.

    With ``force=false`` a rollback deployment starts (deployment result); with
    ``force=true`` (no rollback) Marathon answers 202, empty.

    Raises:
        InvalidInputError: on an empty or ill-formed id, or a non-boolean ``rollback``.
    """
    return Request(
        method="DELETE",
        path=f"/v2/deployments/{_segment('deployment id', deployment_id)}",
        params=(("force", _flag(not _bool("rollback", rollback))),),
    )


def queue() -> Request:
    """``GET /v2/queue``: the launch queue of the whole cluster (filtered by the parser)."""
    return Request(method="GET", path="/v2/queue")


def reset_delay(marathon_id: str) -> Request:
    """``DELETE /v2/queue/<id>/delay``: launch the app again now (404 when it has no delay).

    Raises:
        InvalidInputError: on a bad id.
    """
    return Request(method="DELETE", path=f"/v2/queue{_app_path(marathon_id)}/delay")


def info() -> Request:
    """``GET /v2/info``: name, version, leader (``host:port``) and configuration."""
    return Request(method="GET", path="/v2/info")


def leader() -> Request:
    """``GET /v2/leader``: ``{"leader": "host:port"}`` (404 when there is none)."""
    return Request(method="GET", path="/v2/leader")


def events(event_types: Sequence[str] | None = None, *, light: bool = True) -> Request:
    """``GET /v2/events`` (SSE), filtered server-side by repeated ``event_type``.

    ``plan-format=light`` keeps Marathon 1.6 from sending the whole cluster's plan in every
    deployment event (1.7+ sends light events anyway; older servers ignore the parameter).

    Raises:
        InvalidInputError: when an event type is not a non-empty string, or the list is empty
            (None means every type).
    """
    params: list[tuple[str, str]] = []
    if event_types is not None:
        if isinstance(event_types, str) or not event_types:
            raise InvalidInputError("event_types must be a non-empty list, or None for all")
        for raw in event_types:
            name: object = raw
            if not isinstance(name, str) or not name.isidentifier():
                raise InvalidInputError(f"{name!r} is not a Marathon event type")
            params.append(("event_type", name))
    if _bool("light", light):
        params.append(("plan-format", "light"))
    return Request(
        method="GET", path="/v2/events", params=tuple(params), accept=EVENT_STREAM_ACCEPT
    )
