"""Whether a deployment is over, judged from what polling sees (pure).

Marathon forgets a deployment the moment it ends, successful or not, so ``wait()`` cannot ask
how it ended: it reads ``/v2/deployments`` and the apps, and this module decides. While the
deployment is listed it runs. Once it is gone, each app it touched tells the outcome:

- the app runs the deployment's version with ``instances`` tasks running (and healthy, where
  it has health checks): done; a deleted app is done when it is gone;
- the app runs a *newer* version: Marathon stamps a rollback with a new version too, so the
  definitions tell: back to the definition it had before the deployment, and not the
  deployment's own, it was cancelled and rolled back (failed); anything else, another
  deployment replaced it (superseded). :func:`replaced` decides from the stored versions;
- the app runs an *older* version: the deployment changed nothing of it (Marathon keeps an
  app's version when a write leaves its definition as it was, a scale to the same count, and
  a rollback always gets a new version), so it is judged like the deployment's own version;
- the app is gone when it should not be: another deployment replaced it (superseded);
- the app runs the version but not yet all its tasks: still converging, keep waiting.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Literal

import attrs

from asgard._time import parse_timestamp
from asgard.marathon._parse import VisibleDeployment
from asgard.models import App, Deployment, QueueEntry

__all__ = [
    "Verdict",
    "judge",
    "queue_entry_for",
    "replaced",
    "same_definition",
    "step_of",
    "version_before",
]


@attrs.frozen
class Verdict:
    """What polling says of a deployment."""

    state: Literal["running", "converging", "done", "failed", "superseded", "newer"]
    reason: str = ""
    app_id: str | None = None

    @property
    def over(self) -> bool:
        """Whether waiting should end (successfully or not)."""
        return self.state in ("done", "failed", "superseded")

    @property
    def undecided(self) -> bool:
        """Whether an app runs a newer version and its stored versions must tell why."""
        return self.state == "newer"


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
        if order > 0:
            return Verdict("newer", f"app {app_id!r} runs a newer version, {app.version}", app_id)
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


def _definition(app: App) -> tuple[object, ...]:
    """What a deployment sets of an app: everything but versions, counts and tasks."""
    return (
        app.instances,
        app.cpus,
        app.mem,
        app.disk,
        app.gpus,
        app.cmd,
        app.args,
        app.image,
        dict(app.env),
        dict(app.labels),
        app.constraints,
        app.ports,
        app.health_checks,
        app.dependencies,
        dict(app.extra),
    )


def same_definition(one: App, other: App) -> bool:
    """Whether two reads of an app define the same app (versions and counts aside)."""
    return _definition(one) == _definition(other)


def version_before(versions: Iterable[str], version: str) -> str | None:
    """The newest of ``versions`` older than ``version``, or None."""
    older = [known for known in versions if _compare(known, version) < 0]
    if not older:
        return None
    newest = older[0]
    for known in older[1:]:
        if _compare(known, newest) > 0:
            newest = known
    return newest


def replaced(app_id: str, current: App, at_target: App | None, before: App | None) -> Verdict:
    """Why an app runs a newer version than the deployment's, once it is gone.

    Marathon stamps the rollback of a cancelled deployment with a new version, like any
    other change; only the definitions tell a rollback from another deployment.

    Args:
        app_id: the app.
        current: the app as it runs now.
        at_target: its definition at the deployment's version, None when not stored.
        before: its definition at the version before that one, None when there was none.
    """
    if (
        before is not None
        and same_definition(current, before)
        and (at_target is None or not same_definition(current, at_target))
    ):
        return Verdict(
            "failed",
            f"app {app_id!r} went back to its definition of version {before.version} (the "
            "deployment was cancelled and rolled back)",
            app_id,
        )
    return Verdict("superseded", f"app {app_id!r} runs a newer version, {current.version}", app_id)


def step_of(deployment: Deployment) -> tuple[int | None, int | None]:
    """``(current_step, total_steps)``: what tells one observed step from the next."""
    return (deployment.current_step, deployment.total_steps)


def queue_entry_for(entries: list[QueueEntry], app_ids: tuple[str, ...]) -> QueueEntry | None:
    """The launch queue entry of the first of ``app_ids`` that waits for offers, if any."""
    by_app = {entry.app_id: entry for entry in entries}
    return next((by_app[app_id] for app_id in app_ids if app_id in by_app), None)
