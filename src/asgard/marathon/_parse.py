"""Marathon JSON → models, as one account sees them (pure).

Tolerant of what Marathon 1.4 to 1.10 add or leave out: unknown fields are ignored (or kept in
``App.extra`` when writable), ``null`` means absent, numbers may be ints or floats. What asgard
needs and cannot find raises :class:`~asgard.errors.MalformedResponseError` with the path (see
:mod:`asgard._json`: a fast path, then a checked re-run that names the field).

Tenancy: ids come out relative to the account's namespace (``/dev/web`` → ``/web``; absolute
for the cluster-wide account). An app in a scoped *reply* (an app, a listing of the namespace,
a task of an app) that lies outside the namespace is a
:class:`~asgard.errors.TenancyViolationError`: the server answered with something the account
must not see. Cluster-wide *listings* the
server cannot scope (deployments, the launch queue) are filtered instead: entries of other
namespaces are left out, and a deployment that also touches them is listed with only the
account's apps and marked as not fully owned (it may not be cancelled).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any, Final, NamedTuple, NoReturn

from asgard import _json as j
from asgard._time import parse_timestamp
from asgard.account import Account
from asgard.errors import MalformedResponseError, TenancyViolationError
from asgard.mesos._naming import marathon_task_naming
from asgard.models import (
    App,
    ClusterInfo,
    Deployment,
    DeploymentAction,
    HealthCheck,
    HealthCheckProtocol,
    QueueEntry,
    Task,
    TaskFailure,
    TaskState,
)
from asgard.models._checks import HEALTH_CHECK_KEYS, MODELLED_KEYS, SERVER_OWNED_KEYS
from asgard.models._util import EMPTY_MAPPING

__all__ = [
    "VisibleDeployment",
    "app_definition_from",
    "app_from",
    "apps_from",
    "apps_from_group",
    "canonical_id",
    "cancel_result",
    "cluster_info",
    "deployments_from",
    "find_deployment",
    "kill_result",
    "leader_from",
    "plain_docker_image",
    "queue_from",
    "task_from",
    "tasks_from",
    "versions_from",
    "is_missing_group",
    "write_result",
]

_NOT_EXTRA: Final = frozenset(MODELLED_KEYS) | SERVER_OWNED_KEYS | {"id", "version"}
_HOST_NETWORK: Final = {"mode": "host"}
# Docker fields whose value here means "nothing more than the image".
_DOCKER_PLAIN: Final = frozenset(
    {"forcePullImage", "privileged", "parameters", "portMappings", "credential", "pullConfig"}
)


class VisibleDeployment(NamedTuple):
    """A running deployment as an account sees it.

    Attributes:
        deployment: the deployment, with only the account's apps in ``app_ids`` and
            ``current_actions``.
        fully_owned: whether every app and pod it touches is the account's. Only such a
            deployment may be cancelled by the account (``NotFoundError`` otherwise).
        starts: the account's apps (relative ids) a step of it creates
            (``StartApplication``): its rollback deletes them.
        stops: the account's apps a step of it deletes (``StopApplication``).
    """

    deployment: Deployment
    fully_owned: bool
    starts: frozenset[str] = frozenset()
    stops: frozenset[str] = frozenset()


# -- small pieces ------------------------------------------------------------------------------


def canonical_id(raw: str, base: str = "/") -> str:
    """An absolute Marathon path: ``raw`` resolved against the group ``base`` (``.``/``..`` too).

    Replies carry absolute ids; request bodies (group definitions) may carry relative ones.
    """
    if raw[:1] == "/" and raw[-1:] != "/" and "//" not in raw and "/." not in raw:
        return raw  # already canonical: what every reply carries
    parts = [] if raw.startswith("/") else [segment for segment in base.split("/") if segment]
    for segment in raw.split("/"):
        if segment in ("", "."):
            continue
        if segment == "..":
            if parts:
                parts.pop()
            continue
        parts.append(segment)
    return "/" + "/".join(parts)


def _parent(marathon_id: str) -> str:
    return marathon_id.rsplit("/", 1)[0] or "/"


def _refuse(d: Mapping[str, Any], key: str, expected: str) -> NoReturn:
    """Report ``d[key]`` (present, not null) as not what asgard expects, with its path."""
    j.opt_converted(d, key, _invalid, expected)
    raise MalformedResponseError(f"field {key!r} should be {expected}")  # pragma: no cover


def _invalid(_value: object) -> NoReturn:
    raise ValueError


def _strings(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise TypeError
    for item in value:
        if type(item) is not str:
            raise TypeError
    return tuple(value)


def _ints(value: Any) -> tuple[int, ...]:
    if not isinstance(value, list):
        raise TypeError
    for item in value:
        if type(item) is not int:
            break
    else:
        return tuple(value)
    result = []
    for item in value:
        number = int(item) if type(item) is float and item.is_integer() else item
        if type(number) is not int:
            raise TypeError
        result.append(number)
    return tuple(result)


def _constraints(value: Any) -> tuple[tuple[str, ...], ...]:
    if not isinstance(value, list):
        raise TypeError
    result = []
    for item in value:
        parts = _strings(item)
        if len(parts) not in (2, 3):
            raise ValueError
        result.append(parts)
    return tuple(result)


def _non_negative(d: Mapping[str, Any], key: str, default: int) -> int:
    value = j.opt_int(d, key)
    if value is None:
        return default
    if value < 0:
        _refuse(d, key, "a number of at least 0")
    return value


def _float(d: Mapping[str, Any], key: str, default: float) -> float:
    """A number, or Marathon's default when absent or null."""
    value = j.opt_float(d, key)
    return default if value is None else value


def _string_map(d: Mapping[str, Any], key: str) -> Mapping[str, str]:
    raw = j.opt_dict(d, key)
    if not raw:
        return EMPTY_MAPPING
    for name, value in raw.items():
        if type(value) is not str:
            j.req_str(raw, name)  # names the field
    return MappingProxyType(dict(raw))


def _env(d: Mapping[str, Any]) -> Mapping[str, str | Mapping[str, str]]:
    raw = j.opt_dict(d, "env") or {}
    found: dict[str, str | Mapping[str, str]] = {}
    for name in raw:
        if type(raw[name]) is str:
            found[name] = raw[name]
        else:
            # Messages name the variable, never its value (j's messages carry no values).
            reference = j.req_dict(raw, name)
            found[name] = MappingProxyType({"secret": j.req_str(reference, "secret")})
    return MappingProxyType(found)


def _is_empty(value: object) -> bool:
    return value is None or value is False or value in ([], {})


def _is_host_networks(value: object) -> bool:
    return value is None or value in ([], [_HOST_NETWORK])


def plain_docker_image(app: Mapping[str, Any]) -> str | None:
    """The image of an app whose container is a plain Docker image on host networking, or None.

    Plain means: type ``DOCKER``, a Docker ``image`` and nothing else set (``network`` absent
    or ``HOST``; ``forcePullImage``, ``privileged``, parameters, port mappings and volumes
    empty or off), no ``ipAddress``, and ``networks`` absent or host. Anything more is kept
    whole in ``App.extra["container"]``.
    """
    container = app.get("container")
    if not isinstance(container, dict) or container.get("type", "DOCKER") != "DOCKER":
        return None
    docker = container.get("docker")
    if not isinstance(docker, dict):
        return None
    image = docker.get("image")
    if not isinstance(image, str) or image.split() != [image]:  # empty, or white space
        return None
    for key, value in docker.items():
        if key == "image" or value is None:
            continue
        if key == "network":
            if value != "HOST":
                return None
        elif key not in _DOCKER_PLAIN or not _is_empty(value):
            return None
    for key, value in container.items():
        if key not in ("type", "docker") and not _is_empty(value):
            return None
    if app.get("ipAddress") is not None:
        return None
    return image if _is_host_networks(app.get("networks")) else None


def _extra(d: Mapping[str, Any], *, image_set: bool) -> Mapping[str, Any]:
    """The writable fields asgard does not model, as the server spelled them."""
    fetch = d.get("fetch")
    kept: dict[str, Any] = {}
    for key in [key for key in d if key not in _NOT_EXTRA]:
        value = d[key]
        if value is None:
            continue
        if key == "container" and image_set:
            continue
        if key == "networks" and _is_host_networks(value):
            continue  # the default of every version; 1.4 does not know the field
        if key == "uris" and fetch is not None:
            continue  # 1.4 repeats fetch as uris; sending both is refused
        if key == "storeUrls" and value == []:
            continue  # deprecated in 1.4, gone later
        kept[key] = value
    return MappingProxyType(kept)


def _health_check(d: Mapping[str, Any]) -> HealthCheck:
    protocol = (
        j.opt_converted(d, "protocol", HealthCheckProtocol, "a health check protocol")
        or HealthCheckProtocol.HTTP
    )
    command: str | None = None
    if protocol is HealthCheckProtocol.COMMAND:
        command = j.req_str(j.req_dict(d, "command"), "value")
        if not command:
            _refuse(d, "command", "a command")
    path = j.opt_str(d, "path") or None
    port_index = j.opt_int(d, "portIndex")
    if port_index is not None and port_index < 0:
        _refuse(d, "portIndex", "a number of at least 0")
    return HealthCheck(
        protocol=protocol,
        path=path,
        port_index=port_index,
        command=command,
        grace_period_seconds=_non_negative(d, "gracePeriodSeconds", 300),
        interval_seconds=_non_negative(d, "intervalSeconds", 60),
        timeout_seconds=_non_negative(d, "timeoutSeconds", 20),
        max_consecutive_failures=_non_negative(d, "maxConsecutiveFailures", 3),
        extra={
            key: value
            for key, value in d.items()
            if value is not None and key not in HEALTH_CHECK_KEYS
        },
    )


def _task_failure(d: Mapping[str, Any]) -> TaskFailure:
    return TaskFailure(
        task_id=j.req_str(d, "taskId"),
        state=TaskState.parse(j.req_str(d, "state")),
        message=j.opt_str(d, "message") or "",
        host=j.opt_str(d, "host"),
        agent_id=j.opt_str(d, "slaveId"),
        timestamp=j.opt_time(d, "timestamp"),
        version=j.opt_str(d, "version"),
    )


def _ports(d: Mapping[str, Any]) -> tuple[int, ...]:
    definitions = d.get("portDefinitions")
    if definitions is not None:
        return tuple(j.req_int(item, "port") for item in j.opt_list(d, "portDefinitions"))
    return j.opt_converted(d, "ports", _ints, "a list of port numbers") or ()


def _dependencies(d: Mapping[str, Any], marathon_id: str, account: Account) -> tuple[str, ...]:
    raw = j.opt_converted(d, "dependencies", _strings, "a list of app ids") or ()
    found: list[str] = []
    for dependency in raw:
        absolute = canonical_id(dependency, _parent(marathon_id))
        # A dependency on another tenant's app is a reference, not an object the server
        # returned: it is left out of the view rather than leaked (asgard never writes one).
        if account.owns_marathon_id(absolute):
            relative = account.relative_app_id(absolute)
            if relative not in found:
                found.append(relative)
    return tuple(found)


# -- tasks -------------------------------------------------------------------------------------


def _task(
    d: Mapping[str, Any], account: Account, app: str | None, app_id: str | None = None
) -> Task:
    """A task; ``app`` is the absolute id of its app when known, ``app_id`` its relative id."""
    task_id = j.req_str(d, "id")
    raw_app = j.opt_str(d, "appId") or app or marathon_task_naming("marathon", task_id)
    if raw_app is None:
        if not account.is_cluster_wide:
            raise TenancyViolationError(f"the server returned task {task_id!r} of no known app")
    elif app_id is None or raw_app != app:
        app_id = account.relative_app_id(canonical_id(raw_app))
    started_at = j.opt_time(d, "startedAt")
    state_name = j.opt_str(d, "state")
    if state_name:
        state = TaskState.parse(state_name)
    else:
        # Old servers (the 1.4 examples) leave the state out of a task listing, which holds
        # only live tasks: a task that started runs, one that did not is being staged.
        state = TaskState.TASK_RUNNING if started_at is not None else TaskState.TASK_STAGING
    healthy = None
    for result in j.opt_list(d, "healthCheckResults"):
        healthy = j.opt_bool(result, "alive") is True
        if not healthy:
            break
    return Task(
        id=task_id,
        app_id=app_id,
        agent_id=j.opt_str(d, "slaveId") or j.opt_str(d, "agentId"),
        host=j.opt_str(d, "host"),
        state=state,
        ports=j.opt_converted(d, "ports", _ints, "a list of port numbers") or (),
        staged_at=j.opt_time(d, "stagedAt"),
        started_at=started_at,
        version=j.opt_str(d, "version"),
        healthy=healthy,
    )


def tasks_from(payload: Any, account: Account, *, app_id: str | None = None) -> list[Task]:
    """The tasks of ``{"tasks": [...]}`` (``/v2/apps/<id>/tasks``, ``/v2/tasks``, kill answers).

    Args:
        payload: the decoded answer.
        account: the account whose view to build.
        app_id: the absolute id of the app asked for: the app of tasks that do not say it.

    Raises:
        MalformedResponseError: with the path of what is missing or ill-typed.
        TenancyViolationError: when a task belongs to an app outside a scoped account.
    """
    return j.parse(
        lambda data: [_task(item, account, app_id) for item in j.req_list(data, "tasks")],
        payload,
        what="task listing",
    )


def task_from(payload: Any, account: Account, *, app_id: str | None = None) -> Task:
    """The task of ``{"task": {...}}`` (the answer of a one-task kill).

    Raises:
        MalformedResponseError: with the path of what is missing or ill-typed.
        TenancyViolationError: when the task belongs to an app outside a scoped account.
    """
    return j.parse(
        lambda data: _task(j.req_dict(data, "task"), account, app_id), payload, what="task"
    )


# -- apps --------------------------------------------------------------------------------------


def _app(
    d: Mapping[str, Any],
    account: Account,
    with_tasks: bool,
    base: str = "/",
    default_version: str | None = None,
) -> App:
    marathon_id = canonical_id(j.req_str(d, "id"), base)
    app_id = account.relative_app_id(marathon_id)
    if default_version is None:
        version = j.req_str(d, "version")
    else:
        version = j.opt_str(d, "version") or default_version
    image = plain_docker_image(d)
    args = j.opt_converted(d, "args", _strings, "a list of strings") or None
    failure = j.opt_dict(d, "lastTaskFailure")
    tasks: tuple[Task, ...] | None = None
    if with_tasks:
        tasks = tuple(_task(item, account, marathon_id, app_id) for item in j.opt_list(d, "tasks"))
    return App(
        id=app_id,
        instances=_non_negative(d, "instances", 1),
        cpus=_float(d, "cpus", 1.0),
        mem=_float(d, "mem", 128.0),
        disk=_float(d, "disk", 0.0),
        gpus=_non_negative(d, "gpus", 0),
        cmd=j.opt_str(d, "cmd") or None,
        args=args,
        image=image,
        env=_env(d),
        labels=_string_map(d, "labels"),
        constraints=j.opt_converted(
            d, "constraints", _constraints, "a list of [field, operator, value] string lists"
        )
        or (),
        ports=_ports(d),
        health_checks=tuple([_health_check(item) for item in j.opt_list(d, "healthChecks")]),
        version=version,
        tasks_running=j.opt_int(d, "tasksRunning") or 0,
        tasks_staged=j.opt_int(d, "tasksStaged") or 0,
        tasks_healthy=j.opt_int(d, "tasksHealthy") or 0,
        tasks_unhealthy=j.opt_int(d, "tasksUnhealthy") or 0,
        deployment_ids=tuple([j.req_str(item, "id") for item in j.opt_list(d, "deployments")]),
        dependencies=_dependencies(d, marathon_id, account),
        last_task_failure=None if failure is None else _task_failure(failure),
        tasks=tasks,
        extra=_extra(d, image_set=image is not None),
    )


def _apps(payload: Any, account: Account, with_tasks: bool) -> list[App]:
    key = "*" if isinstance(payload, dict) and "*" in payload else "apps"
    return [_app(item, account, with_tasks) for item in j.req_list(payload, key)]


def apps_from(payload: Any, account: Account, *, with_tasks: bool = False) -> list[App]:
    """The apps of a listing, in either shape.

    ``{"apps": [...]}`` answers ``/v2/apps``; ``{"*": [...]}`` answers ``/v2/apps/<group>/*``.

    Args:
        payload: the decoded answer.
        account: the account whose view to build.
        with_tasks: fill ``App.tasks`` from the embedded tasks (None otherwise, even when the
            server sent them).

    Raises:
        MalformedResponseError: with the path of what is missing or ill-typed.
        TenancyViolationError: when an app lies outside a scoped account.
    """
    return j.parse(lambda data: _apps(data, account, with_tasks), payload, what="app listing")


def app_from(payload: Any, account: Account, *, with_tasks: bool = False) -> App:
    """The app of ``{"app": {...}}`` (``GET /v2/apps/<id>``).

    Raises:
        MalformedResponseError: with the path of what is missing or ill-typed.
        TenancyViolationError: when the app lies outside a scoped account.
    """
    return j.parse(
        lambda data: _app(j.req_dict(data, "app"), account, with_tasks), payload, what="app"
    )


def app_definition_from(
    payload: Any, account: Account, *, default_version: str | None = None
) -> App:
    """A bare app definition: ``/v2/apps/<id>/versions/<v>``, or the body of a 201 create.

    Args:
        payload: the decoded answer.
        account: the account whose view to build.
        default_version: the version of a definition that carries none (a request body, an
            ``api_post_event``); None requires ``version``, as every answer has it.

    Raises:
        MalformedResponseError: with the path of what is missing or ill-typed.
        TenancyViolationError: when the app lies outside a scoped account.
    """
    return j.parse(
        lambda data: _app(data, account, False, "/", default_version),
        payload,
        what="app definition",
    )


def _group_apps(
    d: Mapping[str, Any],
    account: Account,
    with_tasks: bool,
    base: str,
    default_version: str | None,
    found: list[App],
) -> None:
    group_id = canonical_id(j.req_str(d, "id"), base)
    for item in j.opt_list(d, "apps"):
        found.append(_app(item, account, with_tasks, group_id, default_version))
    for group in j.opt_list(d, "groups"):
        _group_apps(group, account, with_tasks, group_id, default_version, found)


def apps_from_group(
    payload: Any,
    account: Account,
    *,
    with_tasks: bool = False,
    default_version: str | None = None,
) -> list[App]:
    """Every app of a group tree (``/v2/groups/<id>``), subgroups included; pods are ignored.

    Relative ids (in group definitions) are resolved against their group.

    Args:
        payload: the decoded group.
        account: the account whose view to build.
        with_tasks: fill ``App.tasks`` from the embedded tasks.
        default_version: the version of apps that carry none (a group definition sent to
            Marathon); None requires ``version``, as every answer has it.

    Raises:
        MalformedResponseError: with the path of what is missing or ill-typed.
        TenancyViolationError: when an app lies outside a scoped account.
    """

    def run(data: Any) -> list[App]:
        found: list[App] = []
        _group_apps(data, account, with_tasks, "/", default_version, found)
        return found

    return j.parse(run, payload, what="group")


# -- deployments ---------------------------------------------------------------------------------


def _actions(step: Mapping[str, Any]) -> list[Any]:
    """A step's actions; a bare action (the documentation's shape) is a step of one."""
    if "actions" in step:
        return j.opt_list(step, "actions")
    return [step] if "action" in step or "type" in step else []


def _action_name(action: Mapping[str, Any]) -> str:
    # The server says "action"; the event documentation writes "type".
    return j.opt_str(action, "action") or j.req_str(action, "type")


def _deployment(d: Mapping[str, Any], account: Account) -> VisibleDeployment | None:
    deployment_id = j.req_str(d, "id")
    version = j.req_str(d, "version")
    apps = list(j.opt_converted(d, "affectedApps", _strings, "a list of app ids") or ())
    pods = list(j.opt_converted(d, "affectedPods", _strings, "a list of pod ids") or ())
    current = j.opt_list(d, "currentActions")
    by_action: dict[str, set[str]] = {"StartApplication": set(), "StopApplication": set()}
    for action in [a for step in j.opt_list(d, "steps") for a in _actions(step)] + current:
        app, pod = j.opt_str(action, "app"), j.opt_str(action, "pod")
        if app is not None:
            apps.append(app)
            # tolerant here: _visible_actions reports a nameless action with its path
            name = j.opt_str(action, "action") or j.opt_str(action, "type")
            named = by_action.get(name or "")
            if named is not None:
                named.add(canonical_id(app))
        if pod is not None:
            pods.append(pod)
    touched_apps = [canonical_id(app) for app in apps]
    owned = [app for app in touched_apps if account.owns_marathon_id(app)]
    if not owned and not account.is_cluster_wide:
        return None
    app_ids: list[str] = []
    for app in owned:
        relative = account.relative_app_id(app)
        if relative not in app_ids:
            app_ids.append(relative)
    fully_owned = len(owned) == len(touched_apps) and all(
        account.owns_marathon_id(canonical_id(pod)) for pod in pods
    )
    return VisibleDeployment(
        Deployment(
            id=deployment_id,
            app_ids=tuple(app_ids),
            version=version,
            current_step=j.opt_int(d, "currentStep"),
            total_steps=j.opt_int(d, "totalSteps"),
            current_actions=_visible_actions(current, account) if "currentActions" in d else None,
        ),
        fully_owned,
        starts=_relative(by_action["StartApplication"], account),
        stops=_relative(by_action["StopApplication"], account),
    )


def _relative(app_ids: set[str], account: Account) -> frozenset[str]:
    return frozenset(
        account.relative_app_id(app) for app in app_ids if account.owns_marathon_id(app)
    )


def _visible_actions(actions: Sequence[Any], account: Account) -> tuple[DeploymentAction, ...]:
    visible: list[DeploymentAction] = []
    for action in actions:
        name = _action_name(action)
        app, pod = j.opt_str(action, "app"), j.opt_str(action, "pod")
        if app is not None:
            absolute = canonical_id(app)
            if account.owns_marathon_id(absolute):
                visible.append(
                    DeploymentAction(action=name, app_id=account.relative_app_id(absolute))
                )
        elif pod is not None and account.owns_marathon_id(canonical_id(pod)):
            visible.append(DeploymentAction(action=name, app_id=None))
    return tuple(visible)


def _deployments(payload: Any, account: Account) -> list[VisibleDeployment]:
    if not isinstance(payload, list):
        raise MalformedResponseError("the deployment listing should be an array", path="")
    return [found for item in payload if (found := _deployment(item, account)) is not None]


def deployments_from(payload: Any, account: Account) -> list[VisibleDeployment]:
    """The running deployments that touch the account's apps (``GET /v2/deployments``).

    Each comes with ``fully_owned``: a deployment that also touches apps or pods of other
    namespaces is listed with only the account's ``app_ids`` and actions, and must not be
    cancelled by the account. The cluster-wide account sees every deployment, fully owned.

    Raises:
        MalformedResponseError: with the path of what is missing or ill-typed.
    """
    return j.parse(lambda data: _deployments(data, account), payload, what="deployment listing")


def find_deployment(
    visible: Sequence[VisibleDeployment], deployment_id: str
) -> VisibleDeployment | None:
    """The entry of ``deployment_id`` in a listing of :func:`deployments_from`, or None."""
    return next((entry for entry in visible if entry.deployment.id == deployment_id), None)


def _write(payload: Any, app_ids: tuple[str, ...], header: str | None) -> Deployment:
    if not isinstance(payload, dict):
        raise MalformedResponseError("the answer should be a JSON object", path="")
    if "deploymentId" in payload:
        deployment_id: str | None = j.req_str(payload, "deploymentId")
    else:
        # A 201 create answers with the app itself, its deployment listed in it.
        listed = j.opt_list(payload, "deployments")
        deployment_id = j.req_str(listed[0], "id") if listed else header
    if not deployment_id:
        raise MalformedResponseError(
            "the answer names no deployment (no deploymentId, no deployments, no "
            "Marathon-Deployment-Id header)",
            path="/deploymentId",
        )
    return Deployment(id=deployment_id, app_ids=app_ids, version=j.req_str(payload, "version"))


_MISSING_GROUP: Final = re.compile(r"\bGroup\b.*\bdoes not exist\b")


def is_missing_group(message: str | None) -> bool:
    """Whether a 404's message is Marathon's ``Group '/<id>' does not exist``."""
    return message is not None and _MISSING_GROUP.search(message) is not None


def write_result(
    payload: Any, *, app_ids: Sequence[str] = (), header: str | None = None
) -> Deployment:
    """The deployment a write started.

    Reads ``{"deploymentId", "version"}`` (``PUT``, ``PATCH``, ``DELETE``, restart, kill with
    scale, cancel with rollback), or a 201 app body whose ``deployments`` lists it (create);
    ``header`` is the ``Marathon-Deployment-Id`` value, used when the body does not say.

    Args:
        payload: the decoded answer.
        app_ids: the account's (relative) ids of the apps the write touched.
        header: the ``Marathon-Deployment-Id`` response header, when present.

    Raises:
        MalformedResponseError: with the path of what is missing or ill-typed.
    """
    return j.parse(lambda data: _write(data, tuple(app_ids), header), payload, what="answer")


def kill_result(
    payload: Any, *, app_ids: Sequence[str] = (), header: str | None = None
) -> Deployment | None:
    """The deployment a kill started (with ``scale``), or None for a plain kill.

    Marathon answers a kill with the killed tasks (``{"tasks": [...]}`` or ``{"task": ...}``)
    unless it scales the app, when it answers with a deployment result.

    Raises:
        MalformedResponseError: when the answer is neither.
    """
    if isinstance(payload, dict) and "deploymentId" in payload:
        return write_result(payload, app_ids=app_ids, header=header)
    if isinstance(payload, dict) and ("tasks" in payload or "task" in payload):
        return None
    raise MalformedResponseError(
        "the answer to a kill should list the killed tasks or a deployment", path=""
    )


def cancel_result(payload: Any, *, app_ids: Sequence[str] = ()) -> Deployment | None:
    """The rollback deployment a cancel started, or None for a forced cancel (202, empty).

    Raises:
        MalformedResponseError: when a non-empty answer is not a deployment result.
    """
    if payload is None or payload in ({}, b""):
        return None
    return write_result(payload, app_ids=app_ids)


# -- queue, versions, cluster -------------------------------------------------------------------


def _declined(entry: Mapping[str, Any]) -> Mapping[str, int]:
    declined: dict[str, int] = {}
    summary = j.opt_dict(entry, "processedOffersSummary")
    if summary is not None and summary.get("rejectSummaryLastOffers") is not None:
        for item in j.opt_list(summary, "rejectSummaryLastOffers"):
            count = j.opt_int(item, "declined") or 0
            if count > 0:
                reason = j.req_str(item, "reason")
                declined[reason] = max(declined.get(reason, 0), count)
        return MappingProxyType(declined)
    # Older answers: count the reasons of each unused offer (embed=lastUnusedOffers).
    for offer in j.opt_list(entry, "lastUnusedOffers"):
        for reason in j.opt_converted(offer, "reason", _strings, "a list of reasons") or ():
            declined[reason] = declined.get(reason, 0) + 1
    return MappingProxyType(declined)


def _queue(payload: Any, account: Account) -> list[QueueEntry]:
    found: list[QueueEntry] = []
    for entry in j.req_list(payload, "queue"):
        app = j.opt_dict(entry, "app")
        if app is None:
            continue  # a pod: asgard does not model pods
        marathon_id = canonical_id(j.req_str(app, "id"))
        if not account.owns_marathon_id(marathon_id):
            continue
        delay = j.opt_dict(entry, "delay") or {}
        found.append(
            QueueEntry(
                app_id=account.relative_app_id(marathon_id),
                count=j.req_int(entry, "count"),
                delay_seconds=j.opt_float(delay, "timeLeftSeconds") or 0.0,
                overdue=j.opt_bool(delay, "overdue") or False,
                declined=_declined(entry),
            )
        )
    return found


def queue_from(payload: Any, account: Account) -> list[QueueEntry]:
    """The account's entries of the launch queue (``GET /v2/queue``); pods are left out.

    ``declined`` maps each reason that declined offers (``InsufficientMemory``, ...) to how
    many of the last offers it declined (reasons that declined none are left out).

    Raises:
        MalformedResponseError: with the path of what is missing or ill-typed.
    """
    return j.parse(lambda data: _queue(data, account), payload, what="launch queue")


def _versions(payload: Any) -> list[str]:
    versions = j.opt_converted(payload, "versions", _strings, "a list of versions")
    if versions is None:
        j.req_list(payload, "versions")  # missing or null: report the path
        raise MalformedResponseError("field 'versions' is missing", path="/versions")
    try:
        return sorted(versions, key=parse_timestamp, reverse=True)
    except ValueError:
        _refuse(payload, "versions", "a list of ISO-8601 timestamps")


def versions_from(payload: Any) -> list[str]:
    """The versions of ``{"versions": [...]}``, newest first.

    Raises:
        MalformedResponseError: when the list is missing or holds something else than
            timestamps.
    """
    return j.parse(_versions, payload, what="version listing")


def _info(payload: Any, leader_url: str | None, scheme: str) -> ClusterInfo:
    leader = j.opt_str(payload, "leader")
    if leader_url is None and leader:
        leader_url = leader if "://" in leader else f"{scheme}://{leader}"
    return ClusterInfo(
        name=j.opt_str(payload, "name"), version=j.opt_str(payload, "version"), leader=leader_url
    )


def cluster_info(
    payload: Any, *, leader_url: str | None = None, scheme: str = "http"
) -> ClusterInfo:
    """:class:`~asgard.models.ClusterInfo` from ``GET /v2/info``.

    Args:
        payload: the decoded answer.
        leader_url: the leader's URL when known (the ``X-Marathon-Leader`` header): better
            than ``leader``, which is only ``host:port``.
        scheme: the scheme to put in front of ``leader`` otherwise.

    Raises:
        MalformedResponseError: when a field is of the wrong type.
    """
    return j.parse(lambda data: _info(data, leader_url, scheme), payload, what="info")


def leader_from(payload: Any) -> str:
    """The ``host:port`` of ``{"leader": ...}`` (``GET /v2/leader``).

    Raises:
        MalformedResponseError: when it is missing.
    """
    return j.parse(lambda data: j.req_str(data, "leader"), payload, what="leader")
