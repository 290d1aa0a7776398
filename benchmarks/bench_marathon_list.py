"""Marathon ``list(with_tasks=True)`` of 5,000 apps x 3 tasks against the floor.

Floor: the same bytes through the same kind of httpx client, then ``json.loads`` (goal for
asgard: <= 1.5x), with peak memory (tracemalloc) against ``json.loads`` alone (goal <= 1.5x).
"""

from __future__ import annotations

import json
import tracemalloc

import httpx
from _common import best_of, report

from asgard import Account
from asgard.marathon import MarathonAppsBackend

APPS, TASKS = 5000, 3
SERVER = "http://marathon.bench:8080"


def uuid(number: int, task: int) -> str:
    """A task's UUID part, unique per app and task."""
    return f"{number:08x}-0000-4000-8000-{task:012x}"


def payload() -> bytes:
    """A realistic listing: every app with its counts, constraints, env, labels and tasks."""
    apps = []
    for number in range(APPS):
        app_id = f"/dev/team{number % 50}/app{number}"
        apps.append(
            {
                "id": app_id,
                "cmd": "python -m http.server $PORT0",
                "instances": TASKS,
                "cpus": 0.5,
                "mem": 256,
                "disk": 0,
                "gpus": 0,
                "constraints": [["owner", "LIKE", "dev-team"], ["hostname", "UNIQUE"]],
                "env": {"LOG_LEVEL": "info", "DB_URL": "postgres://db/app"},
                "labels": {"team": f"team{number % 50}", "tier": "web"},
                "portDefinitions": [{"port": 10000 + number, "protocol": "tcp", "name": "http"}],
                "healthChecks": [{"protocol": "HTTP", "path": "/health", "portIndex": 0}],
                "upgradeStrategy": {"minimumHealthCapacity": 1, "maximumOverCapacity": 1},
                "version": "2026-01-01T00:00:00.000Z",
                "versionInfo": {"lastScalingAt": "2026-01-01T00:00:00.000Z"},
                "tasksRunning": TASKS,
                "tasksStaged": 0,
                "tasksHealthy": TASKS,
                "tasksUnhealthy": 0,
                "deployments": [],
                "tasks": [
                    {
                        "id": f"{app_id[1:].replace('/', '_')}.{uuid(number, t)}",
                        "appId": app_id,
                        "host": f"agent-{t}.bench",
                        "slaveId": f"S{t}",
                        "state": "TASK_RUNNING",
                        "ports": [31000 + t],
                        "startedAt": "2026-01-01T00:00:01.000Z",
                        "stagedAt": "2026-01-01T00:00:00.500Z",
                        "version": "2026-01-01T00:00:00.000Z",
                        "healthCheckResults": [{"alive": True}],
                    }
                    for t in range(TASKS)
                ],
            }
        )
    return json.dumps({"*": apps}).encode()


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
