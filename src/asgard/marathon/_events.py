"""Marathon events → asgard event models, for one account (pure).

Each event is rebuilt from an allow-list of fields; no payload is ever copied into a modelled
event. That matters: ``api_post_event`` carries whole app definitions with their env values,
and up to Marathon 1.6 every deployment event carries the whole cluster's plan
(``plan.original`` and ``plan.target``, every group and app), which asgard never reads.

For a scoped account an event naming an app outside the namespace is dropped; a deployment
event keeps only the account's app ids (and its actions on them) and is dropped when none is
left; :class:`~asgard.models.UnknownEvent` and events that name no app reach the cluster-wide
account only.

Both plan formats are read: the heavy one (≤1.6: ``original``, ``target``, ``steps``) and the
light one (``plan-format=light``, the default from 1.7: ``id``, ``steps``, ``version``). Up to
1.7, ``deployment_success`` and ``deployment_failed`` carry only the deployment id; the
translator remembers the apps of the deployments it saw (step events, and the writes the
backend registers with :meth:`EventTranslator.remember`) to attribute them.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import Any, Final, Literal

import attrs

from asgard import _json as j
from asgard.account import Account
from asgard.errors import InvalidInputError, MalformedResponseError
from asgard.marathon._parse import canonical_id
from asgard.mesos._naming import marathon_task_naming
from asgard.models import (
    AppTerminated,
    Deployment,
    DeploymentAction,
    DeploymentFailed,
    DeploymentStepChanged,
    DeploymentSucceeded,
    Event,
    HealthChanged,
    StreamReconnected,
    TaskState,
    TaskStatusChanged,
    UnknownEvent,
)

__all__ = ["EVENT_TYPES", "EventTranslator", "server_event_types"]

EVENT_TYPES: Final[Mapping[type[Event], tuple[str, ...]]] = MappingProxyType(
    {
        DeploymentSucceeded: ("deployment_success",),
        DeploymentFailed: ("deployment_failed",),
        DeploymentStepChanged: (
            "deployment_info",
            "deployment_step_success",
            "deployment_step_failure",
        ),
        TaskStatusChanged: ("status_update_event",),
        HealthChanged: ("health_status_changed_event", "instance_health_changed_event"),
        AppTerminated: ("app_terminated_event",),
    }
)
"""The Marathon event types each modelled event class is built from."""

_STEP_TYPES: Final = EVENT_TYPES[DeploymentStepChanged]
_PHASES: Final[Mapping[str, Literal["started", "succeeded", "failed"]]] = MappingProxyType(
    {
        "deployment_info": "started",
        "deployment_step_success": "succeeded",
        "deployment_step_failure": "failed",
    }
)
_ALL_CLASSES: Final = (*EVENT_TYPES, StreamReconnected, UnknownEvent)
# Asked for when a caller wants only StreamReconnected: one event per stream attach, so the
# stream stays open (and reconnects are seen) without carrying anything else.
_QUIET_TYPE: Final = "event_stream_attached"


def _wanted(types: Iterable[type[Event]] | None) -> frozenset[type[Event]] | None:
    if types is None:
        return None
    if isinstance(types, type):
        raise InvalidInputError("types must be a list of event classes, not one class")
    wanted: set[type[Event]] = set()
    for cls in types:
        if cls not in _ALL_CLASSES:
            raise InvalidInputError(f"{cls!r} is not an asgard event class")
        wanted.add(cls)
    if not wanted:
        raise InvalidInputError("types must name at least one event class, or be None for all")
    return frozenset(wanted)


def server_event_types(types: Iterable[type[Event]] | None) -> tuple[str, ...] | None:
    """The Marathon ``event_type`` values to ask ``/v2/events`` for, or None for every type.

    ``UnknownEvent`` needs every type. Asking for ``DeploymentSucceeded`` or
    ``DeploymentFailed`` also asks for the step events, whose plans name the deployment's apps
    (needed to scope success and failure events of servers up to 1.7, which name none).

    Raises:
        InvalidInputError: when ``types`` holds something that is not an asgard event class.
    """
    wanted = _wanted(types)
    if wanted is None or UnknownEvent in wanted:
        return None
    names: list[str] = []
    for cls, marathon_types in EVENT_TYPES.items():
        if cls in wanted:
            names.extend(marathon_types)
    if wanted & {DeploymentSucceeded, DeploymentFailed}:
        names.extend(name for name in _STEP_TYPES if name not in names)
    return tuple(names) if names else (_QUIET_TYPE,)


@attrs.frozen
class _Memo:
    """What an event teaches the translator about a deployment's apps."""

    deployment_id: str
    app_ids: tuple[str, ...] | None  # None: forget the deployment (it ended)


class EventTranslator:
    """Turns Marathon events into the account's asgard events (None for the others).

    One translator follows one stream (and may follow the next after a reconnect): it
    remembers which apps the deployments it saw touch, for the success and failure events of
    older servers, which name only the deployment. The memory is bounded.

    Args:
        account: the account whose view to build.
        types: the event classes to return; None for all. ``StreamReconnected`` is never made
            here (the backend yields it when it reconnects).
        memory: how many deployments to remember at most.

    Raises:
        InvalidInputError: when ``types`` holds something that is not an asgard event class.
    """

    def __init__(
        self,
        account: Account,
        *,
        types: Iterable[type[Event]] | None = None,
        memory: int = 1024,
    ) -> None:
        self.account = account
        wanted = _wanted(types)
        self._types: tuple[type[Event], ...] | None = None if wanted is None else tuple(wanted)
        self._memory: OrderedDict[str, tuple[str, ...]] = OrderedDict()
        self._memory_size = max(1, memory)

    def remember(self, deployment: Deployment) -> None:
        """Register a deployment the backend started, with its (account-relative) app ids."""
        self._learn(_Memo(deployment.id, deployment.app_ids))

    def translate(self, event_type: str, data: str) -> Event | None:
        """The event of one SSE message (its ``event`` field and its ``data``), or None.

        The type comes from the SSE ``event`` field, or from the payload's ``eventType``
        when the message names none.

        Raises:
            MalformedResponseError: when the data is not a JSON object, or a field the event
                needs is missing or ill-typed (with its path).
        """
        try:
            payload = json.loads(data)
        except (ValueError, RecursionError):
            raise MalformedResponseError("the event data is not valid JSON") from None
        return self.translate_payload(event_type, payload)

    def translate_payload(self, event_type: str, payload: Any) -> Event | None:
        """The event of one decoded Marathon event payload, or None.

        Raises:
            MalformedResponseError: when the payload is not an object, or a field the event
                needs is missing or ill-typed (with its path).
        """
        if not isinstance(payload, dict):
            raise MalformedResponseError("an event should be a JSON object", path="")
        if not event_type or event_type == "message":
            raw_type = payload.get("eventType")
            event_type = raw_type if isinstance(raw_type, str) else ""
        event, memo = j.parse(
            lambda data: self._translate(event_type, data), payload, what=f"{event_type} event"
        )
        if memo is not None:
            self._learn(memo)
        if event is None or (self._types is not None and not isinstance(event, self._types)):
            return None
        return event

    # -- internals ------------------------------------------------------------------------

    def _learn(self, memo: _Memo) -> None:
        if memo.app_ids is None:
            self._memory.pop(memo.deployment_id, None)
            return
        self._memory[memo.deployment_id] = memo.app_ids
        self._memory.move_to_end(memo.deployment_id)
        while len(self._memory) > self._memory_size:
            self._memory.popitem(last=False)

    def _unknown(self, event_type: str, payload: Mapping[str, Any]) -> UnknownEvent | None:
        if not self.account.is_cluster_wide:
            return None
        return UnknownEvent(
            type=event_type or "unknown",
            data=MappingProxyType(dict(payload)),
            timestamp=j.opt_time(payload, "timestamp"),
        )

    def _app(self, marathon_id: str | None) -> str | None:
        """The account's id of an app an event names, or None when it is not the account's."""
        if marathon_id is None:
            return None
        absolute = canonical_id(marathon_id)
        if not self.account.owns_marathon_id(absolute):
            return None
        return self.account.relative_app_id(absolute)

    def _translate(
        self, event_type: str, d: Mapping[str, Any]
    ) -> tuple[Event | None, _Memo | None]:
        if event_type in _PHASES:
            return self._step(event_type, d)
        if event_type in ("deployment_success", "deployment_failed"):
            return self._outcome(event_type, d)
        if event_type == "status_update_event":
            return self._status(event_type, d), None
        if event_type in ("health_status_changed_event", "instance_health_changed_event"):
            return self._health(event_type, d), None
        if event_type == "app_terminated_event":
            named = j.opt_str(d, "appId")
            if named is None:
                return self._unknown(event_type, d), None
            app_id = self._app(named)
            if app_id is None:
                return None, None
            return AppTerminated(app_id=app_id, timestamp=j.opt_time(d, "timestamp")), None
        return self._unknown(event_type, d), None

    def _status(self, event_type: str, d: Mapping[str, Any]) -> Event | None:
        task_id = j.req_str(d, "taskId")
        named = j.opt_str(d, "appId") or marathon_task_naming("marathon", task_id)
        if named is None:
            return self._unknown(event_type, d)
        app_id = self._app(named)
        if app_id is None:
            return None
        return TaskStatusChanged(
            app_id=app_id,
            task_id=task_id,
            state=TaskState.parse(j.req_str(d, "taskStatus")),
            agent_id=j.opt_str(d, "slaveId"),
            host=j.opt_str(d, "host"),
            ports=tuple(j.opt_converted(d, "ports", _ints, "a list of port numbers") or ()),
            version=j.opt_str(d, "version"),
            message=j.opt_str(d, "message") or None,
            timestamp=j.opt_time(d, "timestamp"),
        )

    def _health(self, event_type: str, d: Mapping[str, Any]) -> Event | None:
        if event_type == "health_status_changed_event":
            named = j.opt_str(d, "appId")
            healthy = j.opt_bool(d, "alive")
            version = j.opt_str(d, "version")
        else:
            named = j.opt_str(d, "runSpecId")
            healthy = j.opt_bool(d, "healthy")
            version = j.opt_str(d, "runSpecVersion")
        if named is None or healthy is None:
            return self._unknown(event_type, d)
        app_id = self._app(named)
        if app_id is None:
            return None
        return HealthChanged(
            app_id=app_id,
            healthy=healthy,
            task_id=j.opt_str(d, "taskId"),
            instance_id=j.opt_str(d, "instanceId"),
            version=version,
            timestamp=j.opt_time(d, "timestamp"),
        )

    def _visible(self, apps: Iterable[str | None]) -> tuple[str, ...]:
        found: list[str] = []
        for app in apps:
            relative = self._app(app)
            if relative is not None and relative not in found:
                found.append(relative)
        return tuple(found)

    def _step(self, event_type: str, d: Mapping[str, Any]) -> tuple[Event | None, _Memo | None]:
        plan = j.req_dict(d, "plan")
        deployment_id = j.req_str(plan, "id")
        steps = _plan_steps(plan)
        current_raw = j.opt_dict(d, "currentStep")
        current = _step_actions(current_raw) if current_raw is not None else []
        app_ids = self._visible(app for step in [*steps, current] for _, app in step)
        if not app_ids and not self.account.is_cluster_wide:
            return None, None
        index = next((i for i, step in enumerate(steps) if step == current), None)
        event = DeploymentStepChanged(
            deployment_id=deployment_id,
            app_ids=app_ids,
            phase=_PHASES[event_type],
            current_step=None if index is None or not current else index + 1,
            total_steps=len(steps) or None,
            actions=tuple(
                DeploymentAction(action=name, app_id=relative)
                for name, app in current
                if (relative := self._app(app)) is not None
            ),
            timestamp=j.opt_time(d, "timestamp"),
        )
        return event, _Memo(deployment_id, app_ids)

    def _outcome(self, event_type: str, d: Mapping[str, Any]) -> tuple[Event | None, _Memo]:
        deployment_id = j.req_str(d, "id")
        plan = j.opt_dict(d, "plan")
        if plan is not None:
            app_ids = self._visible(app for step in _plan_steps(plan) for _, app in step)
        else:
            app_ids = self._memory.get(deployment_id, ())
        forget = _Memo(deployment_id, None)
        if not app_ids and not self.account.is_cluster_wide:
            return None, forget
        timestamp = j.opt_time(d, "timestamp")
        if event_type == "deployment_success":
            return (
                DeploymentSucceeded(
                    deployment_id=deployment_id, app_ids=app_ids, timestamp=timestamp
                ),
                forget,
            )
        return (
            DeploymentFailed(
                deployment_id=deployment_id,
                app_ids=app_ids,
                reason=j.opt_str(d, "reason") or None,
                timestamp=timestamp,
            ),
            forget,
        )


def _ints(value: Any) -> tuple[int, ...]:
    if not isinstance(value, list) or not all(type(item) is int for item in value):
        raise TypeError
    return tuple(value)


def _plan_steps(plan: Mapping[str, Any]) -> list[list[tuple[str, str | None]]]:
    """The steps of a plan (light or heavy: only ``steps`` is read) as (action, app) pairs."""
    return [_step_actions(step) for step in j.opt_list(plan, "steps")]


def _step_actions(step: Mapping[str, Any]) -> list[tuple[str, str | None]]:
    """One step's actions as (action, app) pairs; a bare action counts as a step of one."""
    actions: Sequence[Any]
    if "actions" in step:
        actions = j.opt_list(step, "actions")
    elif "action" in step or "type" in step:
        actions = [step]  # the shape the event documentation shows
    else:
        actions = []
    pairs: list[tuple[str, str | None]] = []
    for action in actions:
        # The server says "action"; the event documentation writes "type".
        name = j.opt_str(action, "action") or j.req_str(action, "type")
        pairs.append((name, j.opt_str(action, "app")))
    return pairs
