"""Health checks: how the orchestrator decides a task is healthy."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any

import attrs

from asgard.errors import InvalidInputError
from asgard.models import _checks
from asgard.models._util import EMPTY_MAPPING, Unset

__all__ = ["HealthCheck", "HealthCheckProtocol"]


class HealthCheckProtocol(enum.Enum):
    """How a health check probes a task.

    ``HTTP``, ``HTTPS`` and ``TCP`` are probed by Marathon itself; the ``MESOS_*`` variants
    and ``COMMAND`` by the agent running the task.
    """

    HTTP = "HTTP"
    HTTPS = "HTTPS"
    TCP = "TCP"
    COMMAND = "COMMAND"
    MESOS_HTTP = "MESOS_HTTP"
    MESOS_HTTPS = "MESOS_HTTPS"
    MESOS_TCP = "MESOS_TCP"


def _protocol(value: HealthCheckProtocol | str) -> HealthCheckProtocol:
    if isinstance(value, HealthCheckProtocol):
        return value
    if isinstance(value, str):
        try:
            return HealthCheckProtocol(value)
        except ValueError:
            pass
    known = ", ".join(member.value for member in HealthCheckProtocol)
    raise InvalidInputError(f"health check protocol must be one of {known}, not {value!r}")


def _extra(value: Mapping[str, Any]) -> Mapping[str, Any]:
    if not value and isinstance(value, Mapping):
        return EMPTY_MAPPING
    if not isinstance(value, Mapping):
        raise InvalidInputError(f"health check extra must be a mapping, not {type(value).__name__}")
    result = {_checks.text("a key of health check extra", key): item for key, item in value.items()}
    for key in result:
        if key in _checks.HEALTH_CHECK_KEYS:
            raise InvalidInputError(
                f"health check extra must not hold {key!r}: use the HealthCheck field "
                f"{_checks.HEALTH_CHECK_KEYS[key]!r}"
            )
    return MappingProxyType(result)


# The validators test the valid case first: the message is only built for a bad value.


def _optional_text(_inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and (type(value) is not str or not value):
        _checks.text(f"health check {attribute.name}", value)


def _optional_index(_inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and (type(value) is not int or value < 0):
        _checks.integer(f"health check {attribute.name}", value, minimum=0)


def _count(_inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if type(value) is not int or value < 0:
        _checks.integer(f"health check {attribute.name}", value, minimum=0)


@attrs.frozen(kw_only=True)
class HealthCheck:
    """A health check of an app, in an :class:`~asgard.models.AppSpec` or an ``App``.

    Attributes:
        protocol: how to probe (a :class:`HealthCheckProtocol`; its name as a string is
            accepted).
        path: the HTTP path to request, for the HTTP protocols (server default ``/``).
        port_index: which of the app's ports to probe (server default 0).
        command: the shell command to run, for (and only for) ``COMMAND``.
        grace_period_seconds: failures are ignored this long after a task starts.
        interval_seconds: seconds between probes.
        timeout_seconds: seconds before a probe counts as failed.
        max_consecutive_failures: failures in a row after which the task is killed (0:
            never).
        extra: other health check fields by their Marathon names, read-only; hidden from the
            repr.

    Raises:
        InvalidInputError: on a value of the wrong type or range, a ``COMMAND`` check without
            a command (or a command on another protocol), or an ``extra`` key that a field
            models.
    """

    protocol: HealthCheckProtocol = attrs.field(converter=_protocol)
    path: str | None = attrs.field(default=None, validator=_optional_text)
    port_index: int | None = attrs.field(default=None, validator=_optional_index)
    command: str | None = attrs.field(default=None, validator=_optional_text)
    grace_period_seconds: int = attrs.field(default=300, validator=_count)
    interval_seconds: int = attrs.field(default=60, validator=_count)
    timeout_seconds: int = attrs.field(default=20, validator=_count)
    max_consecutive_failures: int = attrs.field(default=3, validator=_count)
    extra: Mapping[str, Any] = attrs.field(
        default=EMPTY_MAPPING, converter=_extra, repr=False, hash=False
    )

    def __attrs_post_init__(self) -> None:
        is_command = self.protocol is HealthCheckProtocol.COMMAND
        if is_command and self.command is None:
            raise InvalidInputError("a COMMAND health check needs a command")
        if not is_command and self.command is not None:
            raise InvalidInputError(
                f"a {self.protocol.value} health check takes no command: use COMMAND"
            )


def _convert_health_checks(value: Iterable[HealthCheck]) -> tuple[HealthCheck, ...]:
    """Check ``health_checks``: :class:`HealthCheck` objects, stored as a tuple."""
    result = []
    for index, item in enumerate(_checks.items("health_checks", value)):
        if not isinstance(item, HealthCheck):
            raise InvalidInputError(
                f"health_checks[{index}] must be a HealthCheck, not {type(item).__name__}"
            )
        result.append(item)
    return tuple(result)


def _convert_patch_health_checks(
    value: Iterable[HealthCheck] | Unset,
) -> tuple[HealthCheck, ...] | Unset:
    """The health checks converter, passing UNSET through."""
    return _checks.keep_unset(value, _convert_health_checks)
