"""Whether a deployment is over, judged from what polling sees (pure).

Marathon forgets a deployment the moment it ends, successful or not, so ``wait()`` cannot ask
how it ended: it reads ``/v2/deployments`` and the apps, and this module decides. While the
deployment is listed it runs. Once it is gone, each app it touched tells the outcome:

- the app runs the deployment's version with ``instances`` tasks running (and healthy, where
  it has health checks): done; a deleted app is done when it is gone;
- the app runs an *older* version: the deployment was rolled back (failed);
- the app runs a *newer* version, or is gone when it should not be: another deployment
  replaced it (superseded);
- the app runs the version but not yet all its tasks: still converging, keep waiting.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Literal

import attrs

from asgard._time import parse_timestamp
from asgard.marathon._parse import VisibleDeployment
from asgard.models import App, Deployment, QueueEntry

__all__ = ["Verdict", "judge", "queue_entry_for", "step_of"]

_STOP: frozenset[str] = frozenset({"StopApplication"})


@attrs.frozen
class Verdict:
    """What polling says of a deployment."""

    state: Literal["running", "converging", "done", "failed", "superseded"]
    reason: str = ""

    @property
    def over(self) -> bool:
        """Whether waiting should end (successfully or not)."""
        return self.state in ("done", "failed", "superseded")


def _when(version: str) -> datetime | str:
    try:
        return parse_timestamp(version)
    except ValueError:
        return version


def _compare(current: str, target: str) -> int:
    """-1, 0 or 1 as ``current`` is older, the same as, or newer than ``target``."""
    now, then = _when(current), _when(target)
    if type(now) is not type(then):
        now, then = current, target
    if now == then:
        return 0
    return -1 if now < then else 1  # type: ignore[operator]


def deletes(deployment: Deployment) -> frozenset[str]:
    """The app ids a listed deployment stops (its ``StopApplication`` actions)."""
    return frozenset(
        action.app_id
        for action in deployment.current_actions or ()
        if action.action in _STOP and action.app_id is not None
    )


def judge(
    target: Deployment,
    listed: VisibleDeployment | None,
    apps: Mapping[str, App | None],
    *,
    deleting: frozenset[str] = frozenset(),
) -> Verdict:
    """The state of ``target`` given its listing (None when gone) and its apps now.

    Args:
        target: the deployment waited for, with its app ids and version.
        listed: its entry in ``/v2/deployments``, or None when Marathon no longer lists it.
        apps: each of ``target.app_ids`` → the app as read now, or None when it is gone.
        deleting: the app ids the deployment deletes.
    """
    if listed is not None:
        return Verdict("running")
    for app_id in target.app_ids:
        app = apps.get(app_id)
        if app_id in deleting:
            if app is not None and _compare(app.version, target.version) > 0:
                return Verdict("superseded", f"app {app_id!r} was created again")
            if app is not None:
                return Verdict("converging", f"app {app_id!r} is still there")
            continue
        if app is None:
            return Verdict("superseded", f"app {app_id!r} was deleted")
        order = _compare(app.version, target.version)
        if order < 0:
            return Verdict(
                "failed",
                f"app {app_id!r} went back to version {app.version} (the deployment was "
                "cancelled and rolled back)",
            )
        if order > 0:
            return Verdict("superseded", f"app {app_id!r} runs a newer version, {app.version}")
        if app.tasks_running < app.instances:
            return Verdict(
                "converging",
                f"app {app_id!r} runs {app.tasks_running} of {app.instances} tasks",
            )
        if app.health_checks and app.tasks_healthy < app.instances:
            return Verdict(
                "converging",
                f"app {app_id!r} has {app.tasks_healthy} of {app.instances} tasks healthy",
            )
    return Verdict("done")


def step_of(deployment: Deployment) -> tuple[int | None, int | None]:
    """``(current_step, total_steps)``: what tells one observed step from the next."""
    return (deployment.current_step, deployment.total_steps)


def queue_entry_for(entries: list[QueueEntry], app_ids: tuple[str, ...]) -> QueueEntry | None:
    """The launch queue entry of the first of ``app_ids`` that waits for offers, if any."""
    by_app = {entry.app_id: entry for entry in entries}
    return next((by_app[app_id] for app_id in app_ids if app_id in by_app), None)
