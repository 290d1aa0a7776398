"""Checks of the Marathon backend's arguments and small readings of replies (pure)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timezone

from asgard._http._policy import Reply
from asgard.errors import InvalidInputError
from asgard.marathon._events import server_event_types
from asgard.models import AppSpec, Deployment, Event
from asgard.models._checks import number

# Marathon's Jetty writes a keep-alive on an idle event stream about every 10 s: 30 s of
# silence is a lost connection, not a quiet cluster.
DEFAULT_EVENT_IDLE_TIMEOUT = 30.0

__all__ = [
    "DEFAULT_EVENT_IDLE_TIMEOUT",
    "check_deployment",
    "check_idle_timeout",
    "check_event_types",
    "check_spec",
    "check_wait_args",
    "deployment_header",
    "leader_header",
    "now_utc",
]


def check_spec(spec: object) -> AppSpec:
    """Refuse what is not an :class:`~asgard.models.AppSpec`.

    Raises:
        InvalidInputError: for anything else (a dict of Marathon JSON, say).
    """
    if not isinstance(spec, AppSpec):
        raise InvalidInputError(f"spec must be an asgard.models.AppSpec, not {type(spec).__name__}")
    return spec


def check_deployment(deployment: object) -> str:
    """The id of a :class:`~asgard.models.Deployment` or of a deployment id string.

    Raises:
        InvalidInputError: for an empty id or anything else.
    """
    if isinstance(deployment, Deployment):
        return deployment.id
    if (
        isinstance(deployment, str)
        and deployment == deployment.strip()
        and deployment not in {"", ".", ".."}
        and "/" not in deployment
    ):
        return deployment
    raise InvalidInputError(f"deployment must be a Deployment or its id, not {deployment!r}")


def _check_seconds(name: str, value: object) -> float:
    return number(name, value, minimum=0, strict=True)


def check_wait_args(timeout: object, poll_interval: object) -> None:
    """Refuse a non-positive or non-numeric ``timeout`` or ``poll_interval``.

    Raises:
        InvalidInputError: when either is not a positive finite number.
    """
    _check_seconds("timeout", timeout)
    _check_seconds("poll_interval", poll_interval)


def check_idle_timeout(seconds: object) -> float | None:
    """An event stream's idle limit: a positive number of seconds, or None for no limit.

    Raises:
        InvalidInputError: for anything else.
    """
    return None if seconds is None else _check_seconds("event_idle_timeout", seconds)


def check_event_types(
    types: Iterable[type[Event]] | None,
) -> tuple[type[Event], ...] | None:
    """The event classes asked for, as a tuple (None for all).

    Raises:
        InvalidInputError: when ``types`` holds something that is not an asgard event class.
    """
    if types is None:
        return None
    wanted = tuple(types) if not isinstance(types, type) else types
    server_event_types(wanted)  # raises InvalidInputError on anything else
    return tuple(wanted)


def deployment_header(reply: Reply) -> str | None:
    """The ``Marathon-Deployment-Id`` header of a write's reply, if any."""
    return reply.headers.get("marathon-deployment-id") or None


def leader_header(reply: Reply) -> str | None:
    """The ``X-Marathon-Leader`` header (the leader's URL), if any."""
    return reply.headers.get("x-marathon-leader") or None


def now_utc() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(tz=timezone.utc)
