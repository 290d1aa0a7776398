"""Helpers of the Marathon unit tests: fixture payloads moved into a namespace."""

from __future__ import annotations

import copy
from typing import Any

from asgard import Account

DEV = Account(namespace="dev", owner="dev-team")
OPS = Account(namespace="ops", owner="ops.team")
CLUSTER = Account.cluster_wide()
VERSION = "2020-01-01T00:00:00.000Z"


def moved(app_id: str, namespace: str) -> str:
    """``/foo/bar`` moved under ``/<namespace>``: ``/<namespace>/foo/bar``."""
    return f"/{namespace}/{app_id.lstrip('/')}"


def app_into(app: dict[str, Any], namespace: str) -> dict[str, Any]:
    """A copy of a Marathon app payload with its id, dependencies and tasks in a namespace."""
    result = copy.deepcopy(app)
    result["id"] = moved(result["id"], namespace)
    if result.get("dependencies"):
        result["dependencies"] = [moved(dep, namespace) for dep in result["dependencies"]]
    for task in result.get("tasks") or []:
        if "appId" in task:
            task["appId"] = moved(task["appId"], namespace)
    return result


def listing_into(payload: dict[str, Any], namespace: str, key: str = "apps") -> dict[str, Any]:
    """An app listing (``{"apps": [...]}``) as ``/v2/apps/<namespace>/*`` would answer it."""
    return {key: [app_into(app, namespace) for app in payload["apps"]]}
