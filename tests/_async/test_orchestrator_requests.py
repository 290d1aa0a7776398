"""The Orchestrator's requests against respx: a fixed number of list requests plus one read
per agent, whatever the number of tasks (no N+1), and exact stats from recorded counters.

Written once; the sync twin is generated from it.
"""

from __future__ import annotations

import copy
from collections import Counter
from typing import Any

import httpx
import pytest
import respx

from asgard import Account, AsyncOrchestrator
from asgard.marathon import AsyncMarathonAppsBackend
from asgard.mesos import AsyncMesosAgentsBackend
from tests.conftest import load_fixture

M1, MT1 = "http://m1.test:5050", "http://mt1.test:8080"
FW = "27b52920-3899-4b90-a1d6-bf83a87f3612-0000"
DEV = Account(namespace="dev", owner="dev-team")
AGENTS = 5
TASKS_PER_AGENT = 4


def uuid(number: int) -> str:
    return f"00000000-0000-4000-8000-{number:012d}"


def agent_id(number: int) -> str:
    return f"a-S{number}"


def task_id(agent: int, slot: int) -> str:
    return f"dev_web.{uuid(agent * 100 + slot)}"


def slaves() -> dict[str, Any]:
    template = load_fixture("asgard-recorded/agents_list_raw_fields.json")["slaves"][0]
    listed = []
    for number in range(AGENTS):
        agent = copy.deepcopy(template)
        agent.update(
            id=agent_id(number),
            hostname=f"agent-{number}.test",
            pid=f"slave(1)@agent-{number}.test:5051",
            attributes={"owner": "dev-team"},
        )
        listed.append(agent)
    return {"slaves": listed}


def mesos_tasks() -> list[dict[str, Any]]:
    template = load_fixture("asgard-recorded/api/tasks/one_task_json_namespace_dev.json")["tasks"][
        0
    ]
    found = []
    for agent in range(AGENTS):
        for slot in range(TASKS_PER_AGENT):
            task = copy.deepcopy(template)
            task.update(id=task_id(agent, slot), slave_id=agent_id(agent), framework_id=FW)
            found.append(task)
    return found


def marathon_tasks() -> dict[str, Any]:
    return {
        "tasks": [
            {
                "id": task["id"],
                "appId": "/dev/web",
                "slaveId": task["slave_id"],
                "host": "agent.test",
                "state": "TASK_RUNNING",
                "startedAt": "2026-01-01T00:00:00.000Z",
                "version": "2026-01-01T00:00:00.000Z",
            }
            for task in mesos_tasks()
        ]
    }


def containers(agent: int, cpu_seconds: float, at: float) -> list[dict[str, Any]]:
    return [
        {
            "container_id": f"c-{agent}-{slot}",
            "executor_id": task_id(agent, slot),
            "framework_id": FW,
            "statistics": {
                "timestamp": at,
                "cpus_limit": 0.6,
                "cpus_user_time_secs": cpu_seconds * 0.8,
                "cpus_system_time_secs": cpu_seconds * 0.2,
                "cpus_nr_periods": int(at * 10),
                "cpus_nr_throttled": int(at),
                "mem_rss_bytes": 64 * 2**20,
                "mem_limit_bytes": 256 * 2**20,
            },
        }
        for slot in range(TASKS_PER_AGENT)
    ]


@pytest.fixture
def no_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    async def instant(_: float) -> None:
        return None

    monkeypatch.setattr("asgard.orchestrator._async.asleep", instant)


@pytest.mark.anyio
@respx.mock
async def test_app_stats_is_a_fixed_number_of_list_requests_plus_one_read_per_agent(
    no_wait: None,
) -> None:
    respx.get(f"{M1}/master/slaves").mock(return_value=httpx.Response(200, json=slaves()))
    respx.get(f"{M1}/master/tasks").mock(
        return_value=httpx.Response(200, json={"tasks": mesos_tasks()})
    )
    respx.get(f"{M1}/master/state-summary").mock(
        return_value=httpx.Response(200, json={"frameworks": [{"id": FW, "name": "marathon"}]})
    )
    respx.get(f"{MT1}/v2/apps/dev/web/tasks").mock(
        return_value=httpx.Response(200, json=marathon_tasks())
    )
    for number in range(AGENTS):
        # 10 s between the samples; 3 CPU seconds per container: 0.3 of a 0.6 limit
        respx.get(f"http://agent-{number}.test:5051/containers").mock(
            side_effect=[
                httpx.Response(200, json=containers(number, 100.0, 1000.0)),
                httpx.Response(200, json=containers(number, 103.0, 1010.0)),
            ]
        )
    client = httpx.AsyncClient()
    orch = AsyncOrchestrator(
        agents=AsyncMesosAgentsBackend([M1], account=DEV, client=client),
        apps=AsyncMarathonAppsBackend([MT1], account=DEV, client=client),
    )
    async with orch:
        stats = await orch.app_stats("web", interval=10)
    await client.aclose()
    assert len(stats.tasks) == AGENTS * TASKS_PER_AGENT
    assert dict(stats.errors) == {}
    assert stats.cpu_pct == pytest.approx(50.0)
    assert stats.ram_pct == pytest.approx(25.0)
    assert stats.cpu_thr_pct == pytest.approx(10.0)
    paths = Counter(call.request.url.path for call in respx.calls)
    # one agent listing and one task page serve both rounds (and framework names, once)
    assert paths["/master/slaves"] == 1
    assert paths["/master/tasks"] == 1
    assert paths["/master/state-summary"] == 1
    assert paths["/v2/apps/dev/web/tasks"] == 1
    assert paths["/containers"] == 2 * AGENTS  # never one request per task
