"""Marathon ``list(with_tasks=True)`` of 5,000 apps x 3 tasks against the floor.

Floor: the same bytes through the same kind of httpx client, then ``json.loads`` (goal for
asgard: <= 1.5x), with peak memory (tracemalloc) against ``json.loads`` alone (goal <= 1.5x).
"""

from __future__ import annotations

import copy
import json
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from _common import best_of, report

from asgard import Account
from asgard.marathon import MarathonAppsBackend

APPS, TASKS = 5000, 3
SERVER = "http://marathon.bench:8080"
TEMPLATES = Path(__file__).resolve().parent / "data" / "group-100-apps.json"
HEALTH_CHECK = {
    "gracePeriodSeconds": 300,
    "ignoreHttp1xx": False,
    "intervalSeconds": 20,
    "maxConsecutiveFailures": 3,
    "path": "/health",
    "portIndex": 0,
    "protocol": "MESOS_HTTP",
    "timeoutSeconds": 20,
    "delaySeconds": 15,
}


def uuid(number: int, task: int) -> str:
    """A task's UUID part, unique per app and task."""
    return f"{number:08x}-be63-11e7-8ef1-{task:012x}"


def task(app_id: str, number: int, t: int, *, healthy: bool) -> dict[str, Any]:
    """A task as Marathon 1.10 embeds it: the recorded production shape plus 1.10's fields."""
    found: dict[str, Any] = {
        "ipAddresses": [{"ipAddress": f"172.17.{t}.{number % 250}", "protocol": "IPv4"}],
        "stagedAt": "2026-01-01T17:48:00.579Z",
        "state": "TASK_RUNNING",
        "ports": [31000 + (number + t) % 1000],
        "startedAt": "2026-01-01T17:48:43.809Z",
        "version": "2026-01-01T17:47:55.418Z",
        "id": f"{app_id[1:].replace('/', '_')}.{uuid(number, t)}",
        "appId": app_id,
        "slaveId": f"dd34c73f-9680-4f50-98db-5b0331af4d19-S{(number * 3 + t) % 1000}",
        "host": f"10.168.{t}.{number % 250}",
        "servicePorts": [10000 + number],
        "region": "primary",
        "zone": f"zone-{t}",
        "role": "*",
    }
    if healthy:
        found["healthCheckResults"] = [
            {
                "alive": True,
                "consecutiveFailures": 0,
                "firstSuccess": "2026-01-01T17:49:03.809Z",
                "lastFailure": None,
                "lastSuccess": "2026-01-28T10:01:03.809Z",
                "lastFailureCause": None,
                "instanceId": f"instance [{found['id']}]",
            }
        ]
    return found


def payload() -> bytes:
    """A 1.10 listing built from the 100 real app definitions of Marathon's own benchmark.

    Each app is a recorded definition moved under ``/dev/``, with the fields a listing adds
    (version, task counts, deployments, embedded tasks); half of them carry a health check
    and their tasks its results, as in production clusters.
    """
    templates = json.loads(TEMPLATES.read_text())["apps"]
    apps = []
    for number in range(APPS):
        app = copy.deepcopy(templates[number % len(templates)])
        app_id = f"/dev/team{number % 50}/{app['id'].rsplit('/', 1)[-1]}-{number}"
        healthy = number % 2 == 0
        app.update(
            {
                "id": app_id,
                "instances": TASKS,
                "constraints": [*app["constraints"], ["owner", "LIKE", "dev-team"]],
                "healthChecks": [HEALTH_CHECK] if healthy else [],
                "version": "2026-01-01T17:47:55.418Z",
                "tasksStaged": 0,
                "tasksRunning": TASKS,
                "tasksHealthy": TASKS if healthy else 0,
                "tasksUnhealthy": 0,
                "deployments": [],
                "tasks": [task(app_id, number, t, healthy=healthy) for t in range(TASKS)],
            }
        )
        apps.append(app)
    return json.dumps({"*": apps}).encode()


def marathon_python(client: httpx.Client) -> Callable[[], object] | None:
    """marathon-python's way: the same bytes, json.loads, then ``MarathonApp.from_json``."""
    try:
        from marathon.models import MarathonApp  # noqa: PLC0415 - only in the bench session
    except ImportError:
        return None

    def peer() -> object:
        listing = json.loads(client.get(f"{SERVER}/v2/apps/dev/*").content)
        return [MarathonApp.from_json(app) for app in listing["*"]]

    return peer


def main() -> None:
    body = payload()
    transport = httpx.MockTransport(
        lambda _request: httpx.Response(
            200, content=body, headers={"Content-Type": "application/json"}
        )
    )
    client = httpx.Client(transport=transport)
    apps = MarathonAppsBackend(
        [SERVER], account=Account(namespace="dev", owner="dev-team"), client=client
    )

    def floor() -> object:
        return json.loads(client.get(f"{SERVER}/v2/apps/dev/*").content)

    def asgard() -> object:
        listed = apps.list(with_tasks=True)
        assert len(listed) == APPS
        return listed

    rows = {
        "httpx + json.loads (floor)": best_of(floor),
        "asgard list(with_tasks)": best_of(asgard),
    }
    peer = marathon_python(client)
    if peer is None:
        print("  marathon-python is not installed: pip install marathon (nox -s bench does)")
    else:
        rows["marathon-python from_json"] = best_of(peer, runs=3)
    report(
        "marathon_list",
        rows,
        floor="httpx + json.loads (floor)",
        goals={"asgard list(with_tasks)": 1.5},
    )

    def peak(function: object) -> int:
        tracemalloc.start()
        function()  # type: ignore[operator]
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return top

    loads_peak = peak(lambda: json.loads(body))
    asgard_peak = peak(asgard)
    mib = 2**20
    print(
        f"  peak memory: json.loads {loads_peak / mib:.1f} MiB, asgard {asgard_peak / mib:.1f}"
        f" MiB, ratio {asgard_peak / loads_peak:.2f} (goal <= 1.5);"
        f" payload {len(body) / mib:.1f} MiB"
    )


if __name__ == "__main__":
    main()
