"""Deployments, launch-queue entries and cluster information."""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from asgard.models._util import EMPTY_MAPPING

__all__ = ["ClusterInfo", "Deployment", "DeploymentAction", "QueueEntry"]


@attrs.frozen(kw_only=True)
class DeploymentAction:
    """One action of a deployment step (Marathon's ``currentActions`` entries).

    Attributes:
        action: what is done, as the server names it (``"ScaleApplication"``,
            ``"RestartApplication"``, ...).
        app_id: the app it acts on, relative to the namespace; None for an action on
            something that is not an app (a pod).
    """

    action: str
    app_id: str | None


@attrs.frozen(kw_only=True)
class Deployment:
    """A change the orchestrator is rolling out (every write starts one).

    Attributes:
        id: the deployment id, an opaque string.
        app_ids: the apps it touches that belong to the account, relative to the namespace.
        version: the app version the deployment rolls out.
        current_step: the step in progress (1-based), when the server said it.
        total_steps: how many steps the deployment has, when the server said it.
        current_actions: the actions of the current step, when the server said them. A
            write's reply carries only the id and the version: these three are None then.
    """

    id: str
    app_ids: tuple[str, ...] = ()
    version: str
    current_step: int | None = None
    total_steps: int | None = None
    current_actions: tuple[DeploymentAction, ...] | None = None


@attrs.frozen(kw_only=True)
class QueueEntry:
    """An app with instances waiting for resource offers (Marathon's launch queue).

    Attributes:
        app_id: the app, relative to the namespace.
        count: how many instances wait to be launched.
        delay_seconds: seconds left of the launch back-off delay.
        overdue: whether the delay is over and the instances wait only for offers.
        declined: why offers were declined: reason (``"InsufficientMemory"``,
            ``"UnfulfilledConstraint"``, ...) → how many offers, read-only.
    """

    app_id: str
    count: int
    delay_seconds: float = 0.0
    overdue: bool = False
    declined: Mapping[str, int] = attrs.field(default=EMPTY_MAPPING, hash=False)


@attrs.frozen(kw_only=True)
class ClusterInfo:
    """What a backend's servers say about themselves.

    Attributes:
        name: the cluster or framework name, when known.
        version: the server software version, when known.
        leader: the URL of the leading server, when known.
    """

    name: str | None = None
    version: str | None = None
    leader: str | None = None
