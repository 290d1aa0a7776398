"""``Orchestrator.app_stats`` of an app with 1,000 tasks on 1,000 agents, 20 ms per request.

Every request (Marathon, the Mesos master, each agent) takes ``LATENCY`` in a transport that
sleeps (``time.sleep`` sync, ``anyio.sleep`` async) and answers pre-rendered bytes. asgard runs
with ``max_concurrency=50``. Floor: a plain httpx client making the same 2 x 1,000 agent
``/containers`` GETs within the same bound (a 50-thread pool sync, an anyio task group and a
``CapacityLimiter(50)`` async), ``sleep(INTERVAL)`` between the rounds and ``json.loads`` of
each body, measured in the same run, interleaved with asgard. Goal for asgard: <= 1.15x the
floor, sync and async. Also printed: the latency-only bound
``2 * ceil(1000 / 50) * 20 ms + INTERVAL`` and the speed-up over the sequential design
(``2 * 1000 * 20 ms + INTERVAL``).
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import anyio
import httpx
from _common import report

from asgard import Account, AsyncOrchestrator, Orchestrator
from asgard.marathon import AsyncMarathonAppsBackend, MarathonAppsBackend
from asgard.mesos import AsyncMesosAgentsBackend, MesosAgentsBackend
from asgard.models import AppStats

AGENTS = 1000  # one task of the app on each
LATENCY = 0.02
CONCURRENCY = 50
INTERVAL = 0.1
RUNS = 5
GOAL = 1.15

ACCOUNT = Account(namespace="dev", owner="dev-team")
APP = "/bench/web"  # Marathon's /dev/bench/web
MARATHON = "http://marathon.bench:8080"
MESOS = "http://mesos.bench:5050"
CLUSTER = "6f1c2d3e-4a5b-4c6d-8e7f-0123456789ab"
MARATHON_FRAMEWORK = f"{CLUSTER}-0000"
STARTED = 1767225600.0  # 2026-01-01T00:00:00Z
MIB = 1024 * 1024

LATENCY_BOUND = 2 * math.ceil(AGENTS / CONCURRENCY) * LATENCY + INTERVAL
SEQUENTIAL = 2 * AGENTS * LATENCY + INTERVAL

Route = tuple[str, str]  # (host, path)


def agent_id(number: int) -> str:
    return f"{CLUSTER}-S{number}"


def agent_host(number: int) -> str:
    return f"agent-{number:04d}.bench"


def task_id(number: int) -> str:
    """Marathon 1.8+'s task id: ``<app with _>.instance-<uuid>._app.<incarnation>``."""
    return f"dev_bench_web.instance-{number:08x}-1f2e-11f0-9a3b-0242ac110002._app.1"


def container_id(number: int) -> str:
    return f"{number:08x}-c0de-4000-8000-00000000beef"


def agent_json(number: int) -> dict[str, Any]:
    """One agent as ``/master/slaves`` writes it (Mesos 1.7), owned by the account."""
    total = {"disk": 95536, "mem": 28956, "gpus": 0, "cpus": 8, "ports": "[31000-32000]"}
    return {
        "id": agent_id(number),
        "hostname": agent_host(number),
        "port": 5051,
        "attributes": {"owner": "dev-team", "workload": "general", "dc": "bench"},
        "pid": f"slave(1)@{agent_host(number)}:5051",
        "registered_time": STARTED - 86400 + number,
        "resources": total,
        "used_resources": {"disk": 0, "mem": 288, "gpus": 0, "cpus": 0.6, "ports": "[31000-31000]"},
        "offered_resources": {"disk": 0, "mem": 0, "gpus": 0, "cpus": 0},
        "reserved_resources": {},
        "unreserved_resources": total,
        "active": True,
        "deactivated": False,
        "version": "1.7.1",
        "capabilities": ["MULTI_ROLE", "HIERARCHICAL_ROLE", "RESERVATION_REFINEMENT"],
        "reserved_resources_full": {},
        "unreserved_resources_full": [
            {"name": "cpus", "type": "SCALAR", "scalar": {"value": 8}, "role": "*"},
            {"name": "mem", "type": "SCALAR", "scalar": {"value": 28956}, "role": "*"},
            {"name": "disk", "type": "SCALAR", "scalar": {"value": 95536}, "role": "*"},
            {
                "name": "ports",
                "type": "RANGES",
                "ranges": {"range": [{"begin": 31000, "end": 32000}]},
                "role": "*",
            },
        ],
        "used_resources_full": [],
        "offered_resources_full": [],
    }


def mesos_task_json(number: int) -> dict[str, Any]:
    """The app's task on agent ``number`` as ``/master/tasks`` writes it (command executor)."""
    status = {
        "container_status": {
            "container_id": {"value": container_id(number)},
            "network_infos": [{"ip_addresses": [{"protocol": "IPv4", "ip_address": "10.0.0.1"}]}],
        },
    }
    return {
        "id": task_id(number),
        "name": "web.bench.dev",
        "framework_id": MARATHON_FRAMEWORK,
        "executor_id": "",
        "slave_id": agent_id(number),
        "state": "TASK_RUNNING",
        "resources": {"disk": 0, "mem": 256, "gpus": 0, "cpus": 0.5, "ports": "[31000-31000]"},
        "role": "*",
        "statuses": [
            {"state": "TASK_STARTING", "timestamp": STARTED + 1, **status},
            {"state": "TASK_RUNNING", "timestamp": STARTED + 2, "healthy": True, **status},
        ],
        "discovery": {
            "name": "web.bench.dev",
            "visibility": "FRAMEWORK",
            "ports": {"ports": [{"number": 31000, "protocol": "tcp"}]},
        },
    }


def marathon_task_json(number: int) -> dict[str, Any]:
    """The same task as Marathon's ``/v2/apps/dev/bench/web/tasks`` lists it."""
    return {
        "id": task_id(number),
        "appId": "/dev/bench/web",
        "host": agent_host(number),
        "slaveId": agent_id(number),
        "state": "TASK_RUNNING",
        "ports": [31000],
        "servicePorts": [10000],
        "stagedAt": "2026-01-01T00:00:00.500Z",
        "startedAt": "2026-01-01T00:00:02.000Z",
        "version": "2026-01-01T00:00:00.000Z",
        "ipAddresses": [{"ipAddress": "10.0.0.1", "protocol": "IPv4"}],
        "healthCheckResults": [
            {
                "alive": True,
                "consecutiveFailures": 0,
                "firstSuccess": "2026-01-01T00:00:05.000Z",
                "lastSuccess": "2026-01-01T00:10:05.000Z",
                "instanceId": "dev_bench_web.marathon-0000",
            }
        ],
        "localVolumes": [],
        "role": "*",
    }


def containers_json(number: int, sample: int) -> list[dict[str, Any]]:
    """An agent's ``/containers``: the app's container, ``sample`` (0 or 1) of two."""
    elapsed = 600.0 + sample  # the second sample is a second later, as the agent sees it
    return [
        {
            "container_id": container_id(number),
            "executor_id": task_id(number),
            "executor_name": f"Command Executor (Task: {task_id(number)}) "
            "(Command: sh -c 'python -m http.server $PORT0')",
            "framework_id": MARATHON_FRAMEWORK,
            "source": task_id(number),
            "status": {
                "container_id": {"value": container_id(number)},
                "executor_pid": 1000 + number,
            },
            "statistics": {
                "timestamp": STARTED + elapsed,
                "cpus_limit": 0.6,
                "cpus_user_time_secs": round(elapsed * 0.2, 2),
                "cpus_system_time_secs": round(elapsed * 0.05, 2),
                "cpus_nr_periods": int(elapsed * 10),
                "cpus_nr_throttled": int(elapsed * 0.5),
                "cpus_throttled_time_secs": round(elapsed * 0.001, 9),
                "mem_limit_bytes": 288 * MIB,
                "mem_rss_bytes": 96 * MIB + number * 4096,
                "processes": 2,
                "threads": 5,
            },
        }
    ]


def state_summary_json() -> dict[str, Any]:
    """``/master/state-summary``: the frameworks (Marathon) and each agent's summary."""
    counts = dict.fromkeys(("TASK_STAGING", "TASK_STARTING", "TASK_KILLING", "TASK_FAILED"), 0)
    return {
        "hostname": "mesos.bench",
        "cluster": "bench",
        "slaves": [
            {
                **{k: v for k, v in agent_json(n).items() if not k.endswith("_full")},
                "framework_ids": [MARATHON_FRAMEWORK],
                "TASK_RUNNING": 1,
                **counts,
            }
            for n in range(AGENTS)
        ],
        "frameworks": [
            {
                "id": MARATHON_FRAMEWORK,
                "name": "marathon",
                "pid": "scheduler-0b1c@10.0.0.2:15101",
                "hostname": "marathon.bench",
                "webui_url": MARATHON,
                "active": True,
                "connected": True,
                "recovered": False,
                "capabilities": ["PARTITION_AWARE", "REGION_AWARE", "MULTI_ROLE"],
                "slave_ids": [agent_id(n) for n in range(AGENTS)],
                "TASK_RUNNING": AGENTS,
                **counts,
            }
        ],
        "completed_frameworks": [],
    }


def routes() -> dict[Route, tuple[bytes, ...]]:
    """Every answer, rendered once; an agent's two bodies alternate (first, second sample)."""

    def dump(value: object) -> bytes:
        return json.dumps(value).encode()

    master = "mesos.bench"
    table: dict[Route, tuple[bytes, ...]] = {
        ("marathon.bench", "/v2/apps/dev/bench/web/tasks"): (
            dump({"tasks": [marathon_task_json(n) for n in range(AGENTS)]}),
        ),
        (master, "/master/slaves"): (
            dump({"slaves": [agent_json(n) for n in range(AGENTS)], "recovered_slaves": []}),
        ),
        (master, "/master/tasks"): (dump({"tasks": [mesos_task_json(n) for n in range(AGENTS)]}),),
        (master, "/master/state-summary"): (dump(state_summary_json()),),
    }
    for number in range(AGENTS):
        table[agent_host(number), "/containers"] = (
            dump(containers_json(number, 0)),
            dump(containers_json(number, 1)),
        )
    return table


HEADERS = [("Content-Type", "application/json")]


class Replies:
    """The lookup both transports share: a prebuilt body per route, and a count of requests."""

    def __init__(self, table: dict[Route, tuple[bytes, ...]]) -> None:
        self.table = table
        self.seen: Counter[Route] = Counter()
        self._lock = threading.Lock()

    def reply(self, request: httpx.Request) -> httpx.Response:
        route = (request.url.host, request.url.path)
        bodies = self.table.get(route)
        if bodies is None:
            return httpx.Response(404, content=b'{"message": "not found"}', headers=HEADERS)
        with self._lock:
            count = self.seen[route]
            self.seen[route] = count + 1
        return httpx.Response(200, content=bodies[count % len(bodies)], headers=HEADERS)

    def reset(self) -> None:
        self.seen.clear()

    def counts(self) -> tuple[int, int]:
        """``(agent requests, other requests)`` seen since the last reset."""
        agent = sum(n for (_, path), n in self.seen.items() if path == "/containers")
        return agent, sum(self.seen.values()) - agent


class SleepingTransport(httpx.BaseTransport):
    """``LATENCY`` per request (``time.sleep``), then the prebuilt answer."""

    def __init__(self, replies: Replies) -> None:
        self.replies = replies

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        time.sleep(LATENCY)
        return self.replies.reply(request)


class AsyncSleepingTransport(httpx.AsyncBaseTransport):
    """``LATENCY`` per request (``anyio.sleep``), then the prebuilt answer."""

    def __init__(self, replies: Replies) -> None:
        self.replies = replies

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await anyio.sleep(LATENCY)
        return self.replies.reply(request)


# No pool bound below CONCURRENCY (a custom transport has no pool anyway; asgard uses an
# injected client as is).
LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=CONCURRENCY)
AGENT_URLS = [f"http://{agent_host(n)}:5051/containers" for n in range(AGENTS)]


def check(stats: AppStats, replies: Replies, floor: Replies) -> None:
    assert len(stats.tasks) == AGENTS, len(stats.tasks)
    assert not stats.errors, dict(list(stats.errors.items())[:3])
    assert replies.counts()[0] == 2 * AGENTS, replies.seen
    assert floor.counts() == (2 * AGENTS, 0), floor.seen


def interleaved(floor: Callable[[], object], asgard: Callable[[], object]) -> tuple[float, float]:
    """Best of ``RUNS`` of each, the floor and asgard taking turns."""
    best_floor = best_asgard = float("inf")
    for _ in range(RUNS):
        for function, is_floor in ((floor, True), (asgard, False)):
            started = time.perf_counter()
            function()
            seconds = time.perf_counter() - started
            if is_floor:
                best_floor = min(best_floor, seconds)
            else:
                best_asgard = min(best_asgard, seconds)
    return best_floor, best_asgard


def run_sync(table: dict[Route, tuple[bytes, ...]]) -> tuple[float, float, int]:
    floor_replies, asgard_replies = Replies(table), Replies(table)
    floor_client = httpx.Client(transport=SleepingTransport(floor_replies), limits=LIMITS)
    asgard_client = httpx.Client(transport=SleepingTransport(asgard_replies), limits=LIMITS)

    def get(url: str) -> object:
        return json.loads(floor_client.get(url).content)

    def floor() -> None:
        floor_replies.reset()
        with ThreadPoolExecutor(max_workers=CONCURRENCY) as pool:
            first = list(pool.map(get, AGENT_URLS))
        time.sleep(INTERVAL)
        with ThreadPoolExecutor(max_workers=CONCURRENCY) as pool:
            second = list(pool.map(get, AGENT_URLS))
        assert len(first) == len(second) == AGENTS

    def asgard() -> None:
        asgard_replies.reset()
        # A new orchestrator each run: nothing cached (the framework names are read again).
        orchestrator = Orchestrator(
            agents=MesosAgentsBackend(
                [MESOS], account=ACCOUNT, client=asgard_client, max_concurrency=CONCURRENCY
            ),
            apps=MarathonAppsBackend(
                [MARATHON], account=ACCOUNT, client=asgard_client, max_concurrency=CONCURRENCY
            ),
        )
        with orchestrator:
            stats = orchestrator.app_stats(APP, interval=INTERVAL)
        check(stats, asgard_replies, floor_replies)

    try:
        best_floor, best_asgard = interleaved(floor, asgard)
    finally:
        floor_client.close()
        asgard_client.close()
    return best_floor, best_asgard, asgard_replies.counts()[1]


async def run_async(table: dict[Route, tuple[bytes, ...]]) -> tuple[float, float, int]:
    floor_replies, asgard_replies = Replies(table), Replies(table)
    floor_client = httpx.AsyncClient(transport=AsyncSleepingTransport(floor_replies), limits=LIMITS)
    asgard_client = httpx.AsyncClient(
        transport=AsyncSleepingTransport(asgard_replies), limits=LIMITS
    )

    async def round_of_gets() -> list[object]:
        limiter = anyio.CapacityLimiter(CONCURRENCY)
        bodies: list[object] = [None] * AGENTS

        async def get(index: int, url: str) -> None:
            async with limiter:
                bodies[index] = json.loads((await floor_client.get(url)).content)

        async with anyio.create_task_group() as group:
            for index, url in enumerate(AGENT_URLS):
                group.start_soon(get, index, url)
        return bodies

    async def floor() -> None:
        floor_replies.reset()
        first = await round_of_gets()
        await anyio.sleep(INTERVAL)
        second = await round_of_gets()
        assert len(first) == len(second) == AGENTS

    async def asgard() -> None:
        asgard_replies.reset()
        orchestrator = AsyncOrchestrator(
            agents=AsyncMesosAgentsBackend(
                [MESOS], account=ACCOUNT, client=asgard_client, max_concurrency=CONCURRENCY
            ),
            apps=AsyncMarathonAppsBackend(
                [MARATHON], account=ACCOUNT, client=asgard_client, max_concurrency=CONCURRENCY
            ),
        )
        async with orchestrator:
            stats = await orchestrator.app_stats(APP, interval=INTERVAL)
        check(stats, asgard_replies, floor_replies)

    best_floor = best_asgard = float("inf")
    try:
        for _ in range(RUNS):
            started = time.perf_counter()
            await floor()
            best_floor = min(best_floor, time.perf_counter() - started)
            started = time.perf_counter()
            await asgard()
            best_asgard = min(best_asgard, time.perf_counter() - started)
    finally:
        await floor_client.aclose()
        await asgard_client.aclose()
    return best_floor, best_asgard, asgard_replies.counts()[1]


def show(kind: str, floor: float, asgard: float, others: int) -> None:
    floor_label, asgard_label = f"httpx {kind} (floor)", f"asgard {kind}"
    report(
        f"app_stats_{kind}",
        {
            floor_label: floor,
            asgard_label: asgard,
            "latency bound": LATENCY_BOUND,
            "sequential 40 s + interval": SEQUENTIAL,
        },
        floor=floor_label,
        goals={asgard_label: GOAL},
    )
    print(
        f"  asgard {kind}: {asgard / LATENCY_BOUND:.2f}x the latency bound, "
        f"{floor / LATENCY_BOUND:.2f}x for the floor; speed-up over sequential "
        f"{SEQUENTIAL / asgard:.1f}x; {2 * AGENTS} agent requests + {others} master/Marathon "
        f"requests ({others * LATENCY * 1000:.0f} ms of sequential latency)"
    )


def main() -> None:
    table = routes()
    print(
        f"{AGENTS} tasks on {AGENTS} agents, {LATENCY * 1000:.0f} ms per request, "
        f"max_concurrency={CONCURRENCY}, interval={INTERVAL} s, best of {RUNS} interleaved; "
        f"latency bound 2 x ceil({AGENTS}/{CONCURRENCY}) x {LATENCY * 1000:.0f} ms + interval"
        f" = {LATENCY_BOUND:.3f} s"
    )
    show("sync", *run_sync(table))
    show("async", *anyio.run(run_async, table))


if __name__ == "__main__":
    main()
