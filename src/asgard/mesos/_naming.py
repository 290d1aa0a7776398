"""Which app a Mesos task belongs to: the task-naming rule.

Mesos knows nothing of apps; Marathon encodes the app in the task id. A rule takes the name of
the task's framework and the task id, and returns the absolute Marathon-style app id
(``"/dev/infra/web"``) or None when it cannot tell. Tasks that no rule attributes are shown to
cluster-wide accounts only.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Final

from asgard.account import normalize_app_id
from asgard.errors import InvalidInputError

__all__ = ["TaskNamingRule", "marathon_task_naming"]

TaskNamingRule = Callable[[str, str], "str | None"]
"""``rule(framework_name, task_id) -> absolute app id or None``."""

_UUID: Final = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
# Marathon 1.8+: <app>.instance-<uuid>._app.<incarnation>
_INSTANCE: Final = re.compile(rf"(?P<app>.+)\.instance-{_UUID}\._app\.\d+")
# Marathon up to 1.7: <app>.<uuid>
_LEGACY: Final = re.compile(rf"(?P<app>.+)\.{_UUID}")


def marathon_task_naming(framework_name: str, task_id: str) -> str | None:
    """The default rule: Marathon's task id formats, for frameworks named ``marathon``.

    ``dev_infra_web.b331f6c9-fb9e-11e7-ab4b-faf0633ea91f`` (up to Marathon 1.7) and
    ``dev_infra_web.instance-3f1c…._app.1`` (from 1.8) both name ``/dev/infra/web``: Marathon
    replaces the id's slashes with underscores, which app ids cannot contain otherwise. Dots
    stay, so ``dev_mongo.db.<uuid>`` is ``/dev/mongo.db``.
    """
    if framework_name != "marathon":
        return None
    match = (
        _INSTANCE.fullmatch(task_id) if ".instance-" in task_id else None
    ) or _LEGACY.fullmatch(task_id)
    if match is None:
        return None
    return _app_id(match.group("app"))


@functools.lru_cache(maxsize=8192)  # every task of an app names it the same way
def _app_id(name: str) -> str | None:
    if "/" in name:  # Marathon writes an app id's slashes as "_": a "/" was never its
        return None
    try:
        return normalize_app_id(name.replace("_", "/"))
    except InvalidInputError:
        return None
