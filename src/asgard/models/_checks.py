"""Validating converters of the user-facing specs (private).

Each field of :class:`~asgard.models.AppSpec` and :class:`~asgard.models.AppPatch` has one
named converter here (mypy's attrs plugin types ``__init__`` from a converter's parameter, and
supports only named functions). Every converter raises
:class:`~asgard.errors.InvalidInputError`, never ``TypeError`` or ``KeyError``, and no message
ever contains an environment value.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import Any, Final, TypeVar

from asgard.account import normalize_app_id
from asgard.errors import InvalidInputError
from asgard.models._util import Unset

T = TypeVar("T")
R = TypeVar("R")

EnvValue = str | Mapping[str, str]

CONSTRAINT_OPERATORS: Final = frozenset(
    {"UNIQUE", "CLUSTER", "GROUP_BY", "LIKE", "UNLIKE", "MAX_PER", "IS"}
)

MODELLED_KEYS: Final[Mapping[str, str]] = MappingProxyType(
    {
        # Marathon's spelling → the AppSpec field that models it
        "id": "id",
        "instances": "instances",
        "cpus": "cpus",
        "mem": "mem",
        "disk": "disk",
        "gpus": "gpus",
        "cmd": "cmd",
        "args": "args",
        "env": "env",
        "labels": "labels",
        "constraints": "constraints",
        "portDefinitions": "ports",
        "ports": "ports",
        "healthChecks": "health_checks",
        "dependencies": "dependencies",
        # AppSpec's own spelling, a likely slip
        "image": "image",
        "health_checks": "health_checks",
    }
)
"""Keys ``extra`` refuses because an AppSpec field models them."""

SERVER_OWNED_KEYS: Final = frozenset(
    {
        "version",
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
    }
)
"""Read-only fields the server owns: never in ``App.extra``, never sent back."""

HEALTH_CHECK_KEYS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "protocol": "protocol",
        "path": "path",
        "portIndex": "port_index",
        "command": "command",
        "gracePeriodSeconds": "grace_period_seconds",
        "intervalSeconds": "interval_seconds",
        "timeoutSeconds": "timeout_seconds",
        "maxConsecutiveFailures": "max_consecutive_failures",
    }
)
"""Keys ``HealthCheck.extra`` refuses because a HealthCheck field models them."""


def _kind(value: object) -> str:
    return type(value).__name__


# -- generic checks ---------------------------------------------------------------------------


def number(name: str, value: object, *, minimum: float, strict: bool) -> float:
    """A finite int or float, not a bool, above ``minimum`` (or at least it, unless strict)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidInputError(f"{name} must be a number, not {_kind(value)}")
    try:
        result = float(value)
    except OverflowError:
        raise InvalidInputError(f"{name} is too large: {value!r}") from None
    if not math.isfinite(result):
        raise InvalidInputError(f"{name} must be a finite number, not {value!r}")
    if result < minimum or (strict and result == minimum):
        bound = "greater than" if strict else "at least"
        raise InvalidInputError(f"{name} must be {bound} {minimum:g}, not {value!r}")
    return result


def integer(name: str, value: object, *, minimum: int) -> int:
    """An int, not a bool, of at least ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInputError(f"{name} must be an integer, not {_kind(value)}")
    if value < minimum:
        raise InvalidInputError(f"{name} must be at least {minimum}, not {value!r}")
    return int(value)


def text(name: str, value: object) -> str:
    """A non-empty string."""
    if not isinstance(value, str):
        raise InvalidInputError(f"{name} must be a string, not {_kind(value)}")
    if not value:
        raise InvalidInputError(f"{name} must not be empty")
    return value


def items(name: str, value: object) -> list[object]:
    """The items of a list, tuple or other iterable that is neither a string nor a mapping."""
    if isinstance(value, (str, bytes, bytearray, Mapping)) or not isinstance(value, Iterable):
        raise InvalidInputError(f"{name} must be a list or tuple, not {_kind(value)}")
    return list(value)


def string_map(name: str, value: object) -> Mapping[str, str]:
    """A read-only copy of a mapping of non-empty strings to strings."""
    if not isinstance(value, Mapping):
        raise InvalidInputError(f"{name} must be a mapping, not {_kind(value)}")
    result: dict[str, str] = {}
    for raw_key, item in value.items():
        key = text(f"a key of {name}", raw_key)
        if not isinstance(item, str):
            raise InvalidInputError(f"{name}[{key!r}] must be a string, not {_kind(item)}")
        result[key] = item
    return MappingProxyType(result)


def keep_unset(value: T | Unset, convert: Callable[[T], R]) -> R | Unset:
    """``convert(value)``, or ``UNSET`` unchanged."""
    return value if isinstance(value, Unset) else convert(value)


def reject_keys(name: str, keys: Iterable[str], *, image_set: bool) -> None:
    """Refuse the ``extra`` keys an AppSpec models, that touch identity or the server owns."""
    for key in keys:
        if key in MODELLED_KEYS:
            raise InvalidInputError(
                f"{name} must not hold {key!r}: use the AppSpec field {MODELLED_KEYS[key]!r}"
            )
        if key in SERVER_OWNED_KEYS:
            raise InvalidInputError(
                f"{name} must not hold {key!r}: the server owns that field, it is never sent"
            )
        if key == "container" and image_set:
            raise InvalidInputError(
                f"{name} must not hold 'container' when image is set: leave image None and "
                "put the whole container in extra"
            )


# -- one converter per AppSpec field ----------------------------------------------------------


def app_id(value: str) -> str:
    """Check and normalise an app id (``"web"`` → ``"/web"``)."""
    return normalize_app_id(value)


def instances(value: int) -> int:
    """Check ``instances``: an integer of at least 0."""
    return integer("instances", value, minimum=0)


def cpus(value: float) -> float:
    """Check ``cpus``: a number greater than 0."""
    return number("cpus", value, minimum=0, strict=True)


def mem(value: float) -> float:
    """Check ``mem``: MiB, a number greater than 0."""
    return number("mem", value, minimum=0, strict=True)


def disk(value: float) -> float:
    """Check ``disk``: MiB, a number of at least 0."""
    return number("disk", value, minimum=0, strict=False)


def gpus(value: float) -> int:
    """Check ``gpus``: a whole number of at least 0 (``1.0`` is accepted as ``1``)."""
    raw: object = value  # `float` admits ints for mypy; check what really came
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    return integer("gpus", raw, minimum=0)


def cmd(value: str | None) -> str | None:
    """Check ``cmd``: a non-empty shell command, or None."""
    return None if value is None else text("cmd", value)


def args(value: Iterable[str] | None) -> tuple[str, ...] | None:
    """Check ``args``: a list of strings (an argv), or None; stored as a tuple."""
    if value is None:
        return None
    if isinstance(value, str):
        raise InvalidInputError(
            "args must be a list of strings (an argv), not a string: use cmd for a shell command"
        )
    result = []
    for index, item in enumerate(items("args", value)):
        if not isinstance(item, str):
            raise InvalidInputError(f"args[{index}] must be a string, not {_kind(item)}")
        result.append(item)
    if not result:
        raise InvalidInputError("args must not be empty: use None for no args")
    return tuple(result)


def image(value: str | None) -> str | None:
    """Check ``image``: a Docker image name without white space, or None."""
    if value is None:
        return None
    value = text("image", value)
    if any(char.isspace() for char in value):
        raise InvalidInputError(f"image {value!r} must not contain white space")
    return value


def env(value: Mapping[str, EnvValue]) -> Mapping[str, EnvValue]:
    """Check ``env``: names → strings or secret references ``{"secret": "<name>"}``.

    Stored read-only (secret references too). Messages name the variable, never its value.
    """
    if not isinstance(value, Mapping):
        raise InvalidInputError(f"env must be a mapping, not {_kind(value)}")
    entries: Mapping[str, object] = value
    result: dict[str, EnvValue] = {}
    for raw_key, item in entries.items():
        key = text("an env variable name", raw_key)
        if isinstance(item, str):
            result[key] = item
            continue
        if isinstance(item, Mapping):
            reference: Mapping[object, object] = item
            name = reference.get("secret")
            if set(reference) == {"secret"} and isinstance(name, str) and name:
                result[key] = MappingProxyType({"secret": name})
                continue
            shape = "a mapping of another shape"
        else:
            shape = _kind(item)
        raise InvalidInputError(
            f"env[{key!r}] must be a string or a secret reference {{'secret': '<name>'}}, "
            f"not {shape}"
        )
    return MappingProxyType(result)


def labels(value: Mapping[str, str]) -> Mapping[str, str]:
    """Check ``labels``: strings → strings, stored read-only."""
    return string_map("labels", value)


def constraints(value: Iterable[Sequence[str]]) -> tuple[tuple[str, ...], ...]:
    """Check ``constraints``: each ``(field, operator)`` or ``(field, operator, value)``.

    The operator is one Marathon knows (``UNIQUE``, ``CLUSTER``, ``GROUP_BY``, ``LIKE``,
    ``UNLIKE``, ``MAX_PER``, ``IS``). Lists are stored as tuples.
    """
    result = []
    for index, item in enumerate(items("constraints", value)):
        where = f"constraints[{index}]"
        parts = items(where, item)
        if len(parts) not in (2, 3):
            raise InvalidInputError(
                f"{where} must have 2 or 3 strings (field, operator[, value]), not {len(parts)}"
            )
        for part in parts:
            if not isinstance(part, str):
                raise InvalidInputError(f"{where} must hold strings, not {_kind(part)}")
        strings: tuple[str, ...] = tuple(str(part) for part in parts)
        if not strings[0]:
            raise InvalidInputError(f"{where} must name a field")
        if strings[1] not in CONSTRAINT_OPERATORS:
            raise InvalidInputError(
                f"{where}: unknown operator {strings[1]!r}; Marathon knows "
                + ", ".join(sorted(CONSTRAINT_OPERATORS))
            )
        result.append(strings)
    return tuple(result)


def ports(value: Iterable[int]) -> tuple[int, ...]:
    """Check ``ports``: port numbers 0..65535 (0: any free port), no fixed port twice."""
    result = []
    for index, item in enumerate(items("ports", value)):
        port = integer(f"ports[{index}]", item, minimum=0)
        if port > 65535:
            raise InvalidInputError(f"ports[{index}] must be at most 65535, not {port}")
        if port and port in result:
            raise InvalidInputError(f"ports[{index}]: port {port} is given twice")
        result.append(port)
    return tuple(result)


def dependencies(value: Iterable[str]) -> tuple[str, ...]:
    """Check ``dependencies``: app ids of the same account, normalised, each once."""
    result: list[str] = []
    for index, item in enumerate(items("dependencies", value)):
        if not isinstance(item, str):
            raise InvalidInputError(f"dependencies[{index}] must be an app id, not {_kind(item)}")
        normalized = normalize_app_id(item)
        if normalized not in result:
            result.append(normalized)
    return tuple(result)


def extra(value: Mapping[str, Any]) -> Mapping[str, Any]:
    """Check ``extra``: other Marathon fields by their Marathon names, stored read-only.

    The values are kept as given (a shallow copy). The ``container``-with-``image`` rule is
    checked by the class, which sees both fields.
    """
    if not isinstance(value, Mapping):
        raise InvalidInputError(f"extra must be a mapping, not {_kind(value)}")
    result = {text("a key of extra", key): item for key, item in value.items()}
    reject_keys("extra", result, image_set=False)
    return MappingProxyType(result)


# -- AppPatch: the same converters, with UNSET passed through --------------------------------


def p_instances(value: int | Unset) -> int | Unset:
    """:func:`instances`, or UNSET."""
    return keep_unset(value, instances)


def p_cpus(value: float | Unset) -> float | Unset:
    """:func:`cpus`, or UNSET."""
    return keep_unset(value, cpus)


def p_mem(value: float | Unset) -> float | Unset:
    """:func:`mem`, or UNSET."""
    return keep_unset(value, mem)


def p_disk(value: float | Unset) -> float | Unset:
    """:func:`disk`, or UNSET."""
    return keep_unset(value, disk)


def p_gpus(value: int | Unset) -> int | Unset:
    """:func:`gpus`, or UNSET."""
    return keep_unset(value, gpus)


def p_cmd(value: str | Unset | None) -> str | Unset | None:
    """:func:`cmd`, or UNSET."""
    return keep_unset(value, cmd)


def p_args(value: Iterable[str] | Unset | None) -> tuple[str, ...] | Unset | None:
    """:func:`args`, or UNSET."""
    return keep_unset(value, args)


def p_image(value: str | Unset | None) -> str | Unset | None:
    """:func:`image`, or UNSET."""
    return keep_unset(value, image)


def p_env(value: Mapping[str, EnvValue] | Unset) -> Mapping[str, EnvValue] | Unset:
    """:func:`env`, or UNSET."""
    return keep_unset(value, env)


def p_labels(value: Mapping[str, str] | Unset) -> Mapping[str, str] | Unset:
    """:func:`labels`, or UNSET."""
    return keep_unset(value, labels)


def p_constraints(
    value: Iterable[Sequence[str]] | Unset,
) -> tuple[tuple[str, ...], ...] | Unset:
    """:func:`constraints`, or UNSET."""
    return keep_unset(value, constraints)


def p_ports(value: Iterable[int] | Unset) -> tuple[int, ...] | Unset:
    """:func:`ports`, or UNSET."""
    return keep_unset(value, ports)


def p_dependencies(value: Iterable[str] | Unset) -> tuple[str, ...] | Unset:
    """:func:`dependencies`, or UNSET."""
    return keep_unset(value, dependencies)


def p_extra(value: Mapping[str, Any] | Unset) -> Mapping[str, Any] | Unset:
    """:func:`extra`, or UNSET."""
    return keep_unset(value, extra)
