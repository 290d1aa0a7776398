"""Marathon app definitions in the FakeCluster: read, default, check, merge and render.

A posted body goes through :func:`read_fields` (JSON types, legacy fields migrated: ``ports``
becomes ``portDefinitions``, ``uris`` becomes ``fetch``; unknown and server-owned keys are
dropped, as Marathon drops them), :func:`complete` (Marathon's defaults, per version) and
:func:`check_definition` (the semantic checks). :func:`render_definition` writes a stored
version back in the shape of the emulated release: 1.4 writes ``null`` for absent values and
the deprecated ``ports``, ``uris`` and ``storeUrls``; 1.10 leaves them out and adds
``networks`` and ``role``.

Errors are :class:`MarathonError` carrying Marathon's status and body: a body that is not JSON
is ``400 {"message": "Invalid JSON", "details": "<parser text>"}``; a field of the wrong JSON
type is ``"Invalid JSON"`` with ``details: [{path, errors}]`` at
:attr:`MarathonProfile.invalid_json_status` (400 on 1.4, 422 on 1.10); semantic errors are
``422 {"message": "Object is not valid", "details": [...]}``. Where 1.5+ checks a field
while reading (:attr:`MarathonProfile.raml_validation`: the id pattern, ``cpus`` at least
0.001, the other minimums) the error is ``"Invalid JSON"`` with ``error.pattern`` /
``error.min``; 1.4 reports them as ``"Object is not valid"``.
"""

from __future__ import annotations

import copy
import json
import math
import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Final

from asgard.testing._marathon_state import marathon_time
from asgard.testing._state import AppRecord
from asgard.testing._versions import MarathonProfile

if TYPE_CHECKING:
    from asgard.models import AppSpec, HealthCheck

__all__ = [
    "CONSTRAINT_OPERATORS",
    "MarathonError",
    "check_definition",
    "complete",
    "definition_from_spec",
    "is_config_change",
    "merge",
    "not_valid",
    "parse_json",
    "read_fields",
    "render_definition",
    "service_ports",
    "used_service_ports",
]

CONSTRAINT_OPERATORS: Final = (
    "UNIQUE",
    "CLUSTER",
    "GROUP_BY",
    "LIKE",
    "UNLIKE",
    "MAX_PER",
    "IS",
)
"""The constraint operators the fake knows (``IS`` from 1.5; 1.4 accepts it here too)."""

_ID_SEGMENT: Final = re.compile(
    r"(([a-z0-9]|[a-z0-9][a-z0-9\-]*[a-z0-9])\.)*([a-z0-9]|[a-z0-9][a-z0-9\-]*[a-z0-9])"
)
_ID_PATTERN_TEXT: Final = (
    "must fully match regular expression "
    r"'^(([a-z0-9]|[a-z0-9][a-z0-9\-]*[a-z0-9])\.)*([a-z0-9]|[a-z0-9][a-z0-9\-]*[a-z0-9])|(\.|\.\.)$'"
)
_CMD_ARGS_CONTAINER: Final = (
    "AppDefinition must either contain one of 'cmd' or 'args', and/or a 'container'."
)
_RESERVED: Final = frozenset({"restart", "tasks", "versions"})
_HTTP_PROTOCOLS: Final = frozenset({"HTTP", "HTTPS", "MESOS_HTTP", "MESOS_HTTPS"})
_HEALTH_PROTOCOLS: Final = frozenset(
    {"HTTP", "HTTPS", "TCP", "COMMAND", "MESOS_HTTP", "MESOS_HTTPS", "MESOS_TCP"}
)

# Every key of a Marathon app definition the fake stores (both versions); anything else a
# body carries (read-only AppInfo fields, typos) is dropped, as Marathon drops it.
_STRING = "string"
_NUMBER = "number"
_INTEGER = "integer"
_BOOLEAN = "boolean"
_STRINGS = "strings"
_OBJECT = "object"
_ARRAY = "array"
_OBJECTS = "objects"
_ANY = "any"

_FIELDS: Final[Mapping[str, str]] = {
    "id": _STRING,
    "cmd": _STRING,
    "args": _STRINGS,
    "user": _STRING,
    "env": _OBJECT,
    "instances": _INTEGER,
    "cpus": _NUMBER,
    "mem": _NUMBER,
    "disk": _NUMBER,
    "gpus": _INTEGER,
    "executor": _STRING,
    "constraints": _ARRAY,
    "fetch": _OBJECTS,
    "uris": _STRINGS,
    "storeUrls": _STRINGS,
    "ports": _ARRAY,
    "portDefinitions": _OBJECTS,
    "requirePorts": _BOOLEAN,
    "backoffSeconds": _NUMBER,
    "backoffFactor": _NUMBER,
    "maxLaunchDelaySeconds": _NUMBER,
    "container": _OBJECT,
    "healthChecks": _OBJECTS,
    "readinessChecks": _OBJECTS,
    "dependencies": _STRINGS,
    "upgradeStrategy": _OBJECT,
    "labels": _OBJECT,
    "acceptedResourceRoles": _STRINGS,
    "ipAddress": _OBJECT,
    "residency": _OBJECT,
    "secrets": _OBJECT,
    "taskKillGracePeriodSeconds": _NUMBER,
    "unreachableStrategy": _ANY,
    "killSelection": _STRING,
    "networks": _OBJECTS,
    "role": _STRING,
    "tty": _BOOLEAN,
    "check": _OBJECT,
    "resourceLimits": _OBJECT,
}
_ONLY_1_5_PLUS: Final = frozenset({"networks", "role", "tty", "check", "resourceLimits"})
_LEGACY_NULLS: Final = (
    "cmd",
    "args",
    "user",
    "container",
    "ipAddress",
    "residency",
    "taskKillGracePeriodSeconds",
)
_EXPECTED: Final[Mapping[str, str]] = {
    _STRING: "error.expected.jsstring",
    _NUMBER: "error.expected.jsnumber",
    _INTEGER: "error.expected.jsnumber",
    _BOOLEAN: "error.expected.jsboolean",
    _STRINGS: "error.expected.jsarray",
    _OBJECT: "error.expected.jsobject",
    _ARRAY: "error.expected.jsarray",
    _OBJECTS: "error.expected.jsarray",
}


class MarathonError(Exception):
    """A refusal in Marathon's words: the status and the JSON body it answers with.

    Args:
        status: the HTTP status.
        body: the JSON body (``{"message": ..., ...}``).
    """

    def __init__(self, status: int, body: Mapping[str, Any]) -> None:
        super().__init__(str(body.get("message", "")))
        self.status = status
        self.body = dict(body)


def _invalid_json(profile: MarathonProfile, path: str, error: str) -> MarathonError:
    return MarathonError(
        profile.invalid_json_status,
        {"message": "Invalid JSON", "details": [{"path": path, "errors": [error]}]},
    )


def not_valid(path: str, error: str) -> MarathonError:
    """Marathon's 422 for a definition that breaks a rule (``"Object is not valid"``)."""
    return MarathonError(
        422, {"message": "Object is not valid", "details": [{"path": path, "errors": [error]}]}
    )


def parse_json(raw: bytes) -> Any:
    """Decode a request body as Marathon's JSON reader does.

    Raises:
        MarathonError: 400 ``"Invalid JSON"`` with the parser's text in ``details``.
    """
    try:
        return json.loads(raw.decode("utf-8")) if raw.strip() else _no_content()
    except (ValueError, UnicodeDecodeError) as exc:
        raise MarathonError(400, {"message": "Invalid JSON", "details": str(exc)}) from None


def _no_content() -> Any:
    raise ValueError("No content to map due to end-of-input")


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _type_error(kind: str, value: object) -> str | None:
    """The error code when ``value`` is not of the field kind, else None."""
    if kind == _ANY:
        return None
    if kind == _STRING:
        ok = isinstance(value, str)
    elif kind == _NUMBER:
        ok = _is_number(value) and math.isfinite(float(value))  # type: ignore[arg-type]
    elif kind == _INTEGER:
        ok = _is_number(value) and float(value).is_integer()  # type: ignore[arg-type]
    elif kind == _BOOLEAN:
        ok = isinstance(value, bool)
    elif kind == _OBJECT:
        ok = isinstance(value, dict)
    else:
        ok = isinstance(value, list)
    return None if ok else _EXPECTED[kind]


def _check_items(profile: MarathonProfile, key: str, kind: str, value: list[Any]) -> None:
    for index, item in enumerate(value):
        path = f"/{key}({index})"
        if kind == _STRINGS and not isinstance(item, str):
            raise _invalid_json(profile, path, "error.expected.jsstring")
        if kind == _OBJECTS and not isinstance(item, dict):
            raise _invalid_json(profile, path, "error.expected.jsobject")
        if key == "constraints" and (
            not isinstance(item, list) or not all(isinstance(part, str) for part in item)
        ):
            raise _invalid_json(profile, path, "error.expected.jsarray")
        if key == "ports" and not (_is_number(item) and float(item).is_integer()):
            raise _invalid_json(profile, path, "error.expected.jsnumber")


def _check_minimums(profile: MarathonProfile, fields: Mapping[str, Any]) -> None:
    """The minimums 1.5+ checks while reading (1.4 checks them in :func:`check_definition`)."""
    minimums = {"cpus": 0.001, "mem": 0.0, "disk": 0.0, "gpus": 0, "instances": 0}
    for key, minimum in minimums.items():
        value = fields.get(key)
        if value is not None and value < minimum:
            raise _invalid_json(profile, f"/{key}", "error.min")


def read_fields(
    profile: MarathonProfile, body: Any, *, partial: bool, path_id: str | None = None
) -> dict[str, Any]:
    """The definition fields a body sets, type-checked, legacy fields migrated.

    ``null`` values count as absent. ``ports`` becomes ``portDefinitions`` (unless those are
    given too) and ``uris`` becomes ``fetch``. ``version`` is kept when given (a rollback).

    Args:
        profile: the emulated version.
        body: the decoded JSON body.
        partial: whether this is a partial update (``id`` is then optional).
        path_id: the app id of the URL, used when the body names none.

    Raises:
        MarathonError: for a body that is not an object, a field of the wrong JSON type, a
            missing or malformed ``id``, or (1.5+) a number below its minimum.
    """
    if not isinstance(body, dict):
        raise _invalid_json(profile, "", "error.expected.jsobject")
    fields: dict[str, Any] = {}
    for key, value in body.items():
        if value is None:
            continue
        if key == "version":
            if not isinstance(value, str):
                raise _invalid_json(profile, "/version", "error.expected.jsstring")
            fields[key] = value
            continue
        kind = _FIELDS.get(key)
        if kind is None or (key in _ONLY_1_5_PLUS and profile.legacy_app_fields):
            continue
        error = _type_error(kind, value)
        if error is not None:
            raise _invalid_json(profile, f"/{key}", error)
        if isinstance(value, list):
            _check_items(profile, key, kind, value)
        fields[key] = int(value) if kind == _INTEGER else copy.deepcopy(value)
    if "id" not in fields and path_id is None and not partial:
        raise _invalid_json(profile, "/id", "error.path.missing")
    if "id" in fields:
        fields["id"] = _canonical_id(profile, fields["id"])
    elif path_id is not None:
        fields["id"] = path_id
    if profile.raml_validation:
        _check_minimums(profile, fields)
    if "ports" in fields:
        ports = fields.pop("ports")
        fields.setdefault("portDefinitions", [{"port": int(port)} for port in ports])
    if "uris" in fields:
        uris = fields.pop("uris")
        fields.setdefault(
            "fetch",
            [{"uri": uri, "extract": True, "executable": False, "cache": False} for uri in uris],
        )
    fields.pop("storeUrls", None)
    return fields


def _canonical_id(profile: MarathonProfile, raw: str) -> str:
    """An app id made absolute (relative ids are relative to the root group) and checked."""
    segments = raw.strip("/").split("/") if raw.strip("/") else []
    valid = bool(segments) and all(_ID_SEGMENT.fullmatch(segment) for segment in segments)
    if not valid:
        if profile.raml_validation:
            raise _invalid_json(profile, "/id", "error.pattern")
        raise not_valid("/id", _ID_PATTERN_TEXT)
    if segments[-1] in _RESERVED:
        raise not_valid("/id", f"must not end with {', '.join(sorted(_RESERVED))}")
    return "/" + "/".join(segments)


# -- defaults -----------------------------------------------------------------------------------


def _default_port_definitions(profile: MarathonProfile) -> list[dict[str, Any]]:
    if profile.legacy_app_fields:
        return [{"port": 0, "protocol": "tcp", "labels": {}}]
    return [{"port": 0, "name": "default", "protocol": "tcp"}]


def _host_networking(definition: Mapping[str, Any]) -> bool:
    networks = definition.get("networks")
    if isinstance(networks, list) and any(
        isinstance(network, dict) and network.get("mode", "host") != "host" for network in networks
    ):
        return False
    container = definition.get("container")
    docker = container.get("docker") if isinstance(container, dict) else None
    network = docker.get("network") if isinstance(docker, dict) else None
    return network in (None, "HOST")


def _complete_container(container: dict[str, Any]) -> dict[str, Any]:
    result = copy.deepcopy(container)
    result.setdefault("type", "DOCKER")
    if result["type"] == "DOCKER" and isinstance(result.get("docker"), dict):
        docker = result["docker"]
        docker.setdefault("forcePullImage", False)
        docker.setdefault("privileged", False)
        docker.setdefault("parameters", [])
    result.setdefault("volumes", [])
    return result


def _complete_health_check(check: Mapping[str, Any]) -> dict[str, Any]:
    result = copy.deepcopy(dict(check))
    protocol = result.setdefault("protocol", "HTTP")
    if protocol in _HTTP_PROTOCOLS:
        result.setdefault("path", "/")
    if protocol in {"HTTP", "HTTPS"}:
        result.setdefault("ignoreHttp1xx", False)
    if protocol != "COMMAND" and "port" not in result:
        result.setdefault("portIndex", 0)
    result.setdefault("gracePeriodSeconds", 300)
    result.setdefault("intervalSeconds", 60)
    result.setdefault("timeoutSeconds", 20)
    result.setdefault("maxConsecutiveFailures", 3)
    result.setdefault("delaySeconds", 15)
    return result


def _complete_port_definition(
    profile: MarathonProfile, definition: Mapping[str, Any]
) -> dict[str, Any]:
    result = copy.deepcopy(dict(definition))
    result.setdefault("port", 0)
    result.setdefault("protocol", "tcp")
    if profile.legacy_app_fields:
        result.setdefault("labels", {})
    return result


def complete(profile: MarathonProfile, fields: Mapping[str, Any]) -> dict[str, Any]:
    """A full definition: ``fields`` with Marathon's defaults filled in (no ``version``).

    Service ports of ``0`` stay 0 here; :func:`service_ports` assigns them.
    """
    definition: dict[str, Any] = {"id": fields["id"]}
    for key in ("cmd", "args", "user"):
        if key in fields:
            definition[key] = copy.deepcopy(fields[key])
    definition["env"] = copy.deepcopy(fields.get("env", {}))
    definition["instances"] = fields.get("instances", 1)
    definition["cpus"] = fields.get("cpus", 1.0)
    definition["mem"] = fields.get("mem", 128.0)
    definition["disk"] = fields.get("disk", 0.0)
    definition["gpus"] = fields.get("gpus", 0)
    definition["executor"] = fields.get("executor", "")
    definition["constraints"] = copy.deepcopy(fields.get("constraints", []))
    definition["fetch"] = copy.deepcopy(fields.get("fetch", []))
    definition["backoffSeconds"] = fields.get("backoffSeconds", 1)
    definition["backoffFactor"] = fields.get("backoffFactor", 1.15)
    definition["maxLaunchDelaySeconds"] = fields.get(
        "maxLaunchDelaySeconds", profile.default_max_launch_delay
    )
    if "container" in fields:
        definition["container"] = _complete_container(fields["container"])
    definition["healthChecks"] = [
        _complete_health_check(check) for check in fields.get("healthChecks", [])
    ]
    definition["readinessChecks"] = copy.deepcopy(fields.get("readinessChecks", []))
    definition["dependencies"] = list(fields.get("dependencies", []))
    strategy = {"minimumHealthCapacity": 1, "maximumOverCapacity": 1}
    strategy.update(copy.deepcopy(fields.get("upgradeStrategy", {})))
    definition["upgradeStrategy"] = strategy
    definition["labels"] = copy.deepcopy(fields.get("labels", {}))
    definition["secrets"] = copy.deepcopy(fields.get("secrets", {}))
    for key in ("acceptedResourceRoles", "ipAddress", "residency", "taskKillGracePeriodSeconds"):
        if key in fields:
            definition[key] = copy.deepcopy(fields[key])
    if not profile.legacy_app_fields:
        definition["networks"] = copy.deepcopy(fields.get("networks", [{"mode": "host"}]))
    host = _host_networking({**fields, **definition})
    if "portDefinitions" in fields:
        definition["portDefinitions"] = [
            _complete_port_definition(profile, item) for item in fields["portDefinitions"]
        ]
    else:
        definition["portDefinitions"] = _default_port_definitions(profile) if host else []
    definition["requirePorts"] = fields.get("requirePorts", False)
    definition["killSelection"] = fields.get("killSelection", "YOUNGEST_FIRST")
    default_unreachable = (
        {"inactiveAfterSeconds": 300, "expungeAfterSeconds": 600}
        if profile.legacy_app_fields
        else {"inactiveAfterSeconds": 0, "expungeAfterSeconds": 0}
    )
    definition["unreachableStrategy"] = copy.deepcopy(
        fields.get("unreachableStrategy", default_unreachable)
    )
    for key in ("tty", "check", "resourceLimits"):
        if key in fields:
            definition[key] = copy.deepcopy(fields[key])
    if profile.role_fields:
        definition["role"] = fields.get("role", "*")
    return definition


def merge(current: Mapping[str, Any], fields: Mapping[str, Any]) -> dict[str, Any]:
    """A partial update: the current definition with the fields given replaced."""
    merged = copy.deepcopy(dict(current))
    for key, value in fields.items():
        if key != "version":
            merged[key] = copy.deepcopy(value)
    return merged


def is_config_change(old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
    """Whether two definitions differ in more than ``instances`` (an upgrade, not a scale)."""
    strip = {"instances"}
    return {k: v for k, v in old.items() if k not in strip} != {
        k: v for k, v in new.items() if k not in strip
    }


def service_ports(definition: dict[str, Any], taken: set[int]) -> None:
    """Give every port definition of port 0 a free service port (10000 up), in place."""
    candidate = 10000
    for item in definition.get("portDefinitions", []):
        if isinstance(item, dict) and item.get("port") == 0:
            while candidate in taken:
                candidate += 1
            item["port"] = candidate
            taken.add(candidate)


# -- semantic checks ------------------------------------------------------------------------


def _check_constraint(index: int, constraint: list[str]) -> None:
    path = f"/constraints({index})"
    if len(constraint) not in (2, 3):
        raise not_valid(path, "Each constraint must have either 2 or 3 fields")
    operator = constraint[1]
    if operator not in CONSTRAINT_OPERATORS:
        raise not_valid(
            path,
            "Constraint operator must be one of the following UNIQUE, CLUSTER, GROUP_BY, LIKE, "
            "UNLIKE, MAX_PER or IS",
        )
    value = constraint[2] if len(constraint) == 3 else None
    if operator in {"LIKE", "UNLIKE"}:
        if value is None:
            raise not_valid(path, "A regular expression value must be provided")
        try:
            re.compile(value)
        except re.error:
            raise not_valid(path, f"'{value}' is not a valid regular expression") from None
    if operator in {"MAX_PER", "IS"} and value is None:
        raise not_valid(path, "Value is mandatory")
    if operator == "MAX_PER" and value is not None and not value.isdigit():
        raise not_valid(path, "Value was not a valid integer")


def _check_legacy_minimums(definition: Mapping[str, Any]) -> None:
    for key in ("cpus", "mem", "disk", "gpus", "instances"):
        value = definition.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value < 0:
            unit = "0.0" if key in {"cpus", "mem", "disk"} else "0"
            raise not_valid(f"/{key}", f"got {value}, expected {unit} or more")


def check_definition(profile: MarathonProfile, definition: Mapping[str, Any]) -> None:
    """Check a full definition as Marathon's validator does.

    Raises:
        MarathonError: 422 ``"Object is not valid"`` with the path of the first problem.
    """
    if not profile.raml_validation:
        _check_legacy_minimums(definition)
    # Marathon's AppValidation: cmd.isDefined, args.nonEmpty (an empty args list is none)
    has_cmd = definition.get("cmd") is not None
    has_args = bool(definition.get("args"))
    if (has_cmd and has_args) or not (has_cmd or has_args or "container" in definition):
        raise not_valid("/", _CMD_ARGS_CONTAINER)
    strategy = definition.get("upgradeStrategy", {})
    for key in ("minimumHealthCapacity", "maximumOverCapacity"):
        value = strategy.get(key) if isinstance(strategy, dict) else None
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            raise not_valid(f"/upgradeStrategy/{key}", "error.expected.jsnumber")
        if value > 1:
            raise not_valid(f"/upgradeStrategy/{key}", "is greater than 1")
        if value < 0:
            raise not_valid(f"/upgradeStrategy/{key}", "is less than 0")
    for index, constraint in enumerate(definition.get("constraints", [])):
        _check_constraint(index, constraint)
    labels = definition.get("labels", {})
    for name, value in labels.items():
        if not isinstance(value, str):
            raise not_valid(f"/labels/{name}", "error.expected.jsstring")
    secrets = definition.get("secrets", {})
    for name, value in definition.get("env", {}).items():
        if isinstance(value, str):
            continue
        if not isinstance(value, dict) or not isinstance(value.get("secret"), str):
            raise not_valid(f"/env/{name}", "error.expected.jsstring")
        if value["secret"] not in secrets:
            raise not_valid(
                f"/env/{name}", f"references an undefined secret named '{value['secret']}'"
            )
    ports = len(definition.get("portDefinitions", []))
    for index, check in enumerate(definition.get("healthChecks", [])):
        if check.get("protocol") not in _HEALTH_PROTOCOLS:
            raise not_valid(f"/healthChecks({index})/protocol", "error.unknown.enum.literal")
        if check.get("protocol") == "COMMAND" and not isinstance(check.get("command"), dict):
            raise not_valid(f"/healthChecks({index})", "command must be defined for COMMAND")
        port_index = check.get("portIndex")
        if port_index is not None and not (
            _is_number(port_index) and 0 <= port_index < max(ports, _mapped_ports(definition))
        ):
            raise not_valid(
                f"/healthChecks({index})",
                "Health check port indices must address an element of the ports array or "
                "container port mappings.",
            )
    for index, item in enumerate(definition.get("portDefinitions", [])):
        port = item.get("port")
        if not (_is_number(port) and 0 <= port <= 65535):
            raise not_valid(f"/portDefinitions({index})/port", "error.max")


def _mapped_ports(definition: Mapping[str, Any]) -> int:
    container = definition.get("container")
    if not isinstance(container, dict):
        return 0
    mappings = container.get("portMappings")
    docker = container.get("docker")
    if mappings is None and isinstance(docker, dict):
        mappings = docker.get("portMappings")
    return len(mappings) if isinstance(mappings, list) else 0


# -- rendering -------------------------------------------------------------------------------


def render_definition(profile: MarathonProfile, record: AppRecord) -> dict[str, Any]:
    """A stored app version as the emulated Marathon writes it (``version``, ``versionInfo``)."""
    source = record.definition
    if not profile.legacy_app_fields:
        result = copy.deepcopy(dict(source))
    else:
        result = {}
        for key, value in source.items():
            if key in {"networks", "role", "tty", "check", "resourceLimits"}:
                continue
            result[key] = copy.deepcopy(value)
        for key in _LEGACY_NULLS:
            result.setdefault(key, None)
        result["uris"] = [item.get("uri") for item in source.get("fetch", [])]
        result["storeUrls"] = []
        result["ports"] = [item.get("port", 0) for item in source.get("portDefinitions", [])]
    result["version"] = marathon_time(record.version)
    result["versionInfo"] = {
        "lastScalingAt": marathon_time(record.scaled_at),
        "lastConfigChangeAt": marathon_time(record.config_changed_at),
    }
    return result


# -- AppSpec → JSON ---------------------------------------------------------------------------


def _health_check_json(check: HealthCheck) -> dict[str, Any]:
    body: dict[str, Any] = {"protocol": check.protocol.value}
    if check.path is not None:
        body["path"] = check.path
    if check.port_index is not None:
        body["portIndex"] = check.port_index
    if check.command is not None:
        body["command"] = {"value": check.command}
    body["gracePeriodSeconds"] = check.grace_period_seconds
    body["intervalSeconds"] = check.interval_seconds
    body["timeoutSeconds"] = check.timeout_seconds
    body["maxConsecutiveFailures"] = check.max_consecutive_failures
    for key, value in check.extra.items():
        body.setdefault(key, copy.deepcopy(value))
    return body


def _namespace_of(full_id: str, spec_id: str) -> str:
    """The group ``spec.id`` is relative to: ``/dev`` for ``/dev/web`` and ``/web``."""
    if full_id.endswith(spec_id) and full_id != spec_id:
        return full_id[: -len(spec_id)]
    if full_id == spec_id:
        return ""
    return full_id.rsplit("/", 1)[0]


def definition_from_spec(full_id: str, spec: AppSpec) -> dict[str, Any]:
    """The Marathon body of an :class:`~asgard.models.AppSpec` under an absolute id.

    ``image`` becomes a Docker container (host networking), ``ports`` port definitions,
    ``health_checks`` Marathon health checks, constraints lists; the dependencies, relative
    to the group the spec's id lives in, become absolute; ``extra`` is merged in. No owner
    constraint is added.
    """
    body: dict[str, Any] = {
        "id": full_id,
        "instances": spec.instances,
        "cpus": spec.cpus,
        "mem": spec.mem,
        "disk": spec.disk,
        "gpus": spec.gpus,
    }
    if spec.cmd is not None:
        body["cmd"] = spec.cmd
    if spec.args is not None:
        body["args"] = list(spec.args)
    if spec.image is not None:
        body["container"] = {"type": "DOCKER", "docker": {"image": spec.image}}
    body["env"] = {
        name: value if isinstance(value, str) else dict(value) for name, value in spec.env.items()
    }
    body["labels"] = dict(spec.labels)
    body["constraints"] = [list(constraint) for constraint in spec.constraints]
    body["portDefinitions"] = [{"port": port} for port in spec.ports]
    body["healthChecks"] = [_health_check_json(check) for check in spec.health_checks]
    namespace = _namespace_of(full_id, spec.id)
    body["dependencies"] = [namespace + dependency for dependency in spec.dependencies]
    secrets = {
        value["secret"]: {"source": value["secret"]}
        for value in spec.env.values()
        if not isinstance(value, str)
    }
    for key, value in spec.extra.items():
        body[key] = copy.deepcopy(value)
    if secrets:
        declared = body.setdefault("secrets", {})
        if isinstance(declared, dict):
            for name, source in secrets.items():
                declared.setdefault(name, source)
    return body


def used_service_ports(definitions: Iterable[Mapping[str, Any]]) -> set[int]:
    """The service ports the given definitions hold."""
    taken: set[int] = set()
    for definition in definitions:
        for item in definition.get("portDefinitions", []):
            port = item.get("port") if isinstance(item, dict) else None
            if isinstance(port, int) and port:
                taken.add(port)
    return taken
