"""Mesos ``list(with_tasks=True)`` of 10,000 agents and 100,000 tasks (paged) against the floor.

asgard asks ``/master/slaves``, then ``/master/tasks?limit=2000&offset=<n>&order=asc`` until a
short page (51 pages here, the last one empty), then ``/master/state-summary`` for the
framework names. Every answer is rendered once, as Mesos 1.11 would (compact JSON), and served
by an ``httpx.MockTransport`` that refuses any request it was not prepared for.

Floor: the same requests (same URLs, same count) through the same kind of httpx client, each
answer through ``json.loads`` and dropped (goal for asgard: <= 1.5x); best of 3, interleaved,
with the time spent in the cyclic GC. Peak memory (tracemalloc) of asgard against
``json.loads`` of every answer, kept (goal <= 1.5x), and one answer at a time.

``--profile`` prints asgard's cProfile (by tottime, top 30) instead of timing.
"""

from __future__ import annotations

import cProfile
import gc
import json
import pstats
import sys
import time
import tracemalloc
from collections.abc import Callable
from functools import partial
from typing import Any

import httpx
from _common import best_of, report

from asgard import Account
from asgard.mesos import MesosAgentsBackend

AGENTS, TASKS_PER_AGENT = 10_000, 10
TASKS = AGENTS * TASKS_PER_AGENT
OTHER_OWNER_EVERY = 10  # one agent in 10 belongs to another team
ROUNDS = 3
PAGE = 2000  # asgard.mesos._requests.TASKS_PAGE
SERVER = "http://mesos.bench:5050"
ACCOUNT = Account(namespace="dev", owner="dev-team")
MASTER = "ead07ffb-5a61-42c9-9386-21b680597e6c"
MARATHON = f"{MASTER}-0000"
CHRONOS = f"{MASTER}-0019"
EPOCH = 1767225600.0  # 2026-01-01T00:00:00Z
JSON_HEADERS = {"Content-Type": "application/json"}


def uuid(number: int, part: int = 0) -> str:
    """A UUID-shaped id, unique per number and part."""
    return f"{number:08x}-{part:04x}-4000-8000-{number * 7919 % 2**48:012x}"


def owner_of(agent: int) -> str:
    return "ops-team" if agent % OTHER_OWNER_EVERY == OTHER_OWNER_EVERY - 1 else "dev-team"


def ports_of(agent: int) -> list[int]:
    """The host port of each task on an agent."""
    return [31000 + (agent * 37 + slot * 101) % 1000 for slot in range(TASKS_PER_AGENT)]


def ranges(ports: list[int]) -> str:
    return "[" + ", ".join(f"{port}-{port}" for port in sorted(ports)) + "]"


def scalar(name: str, value: float, *, allocated: bool) -> dict[str, Any]:
    found: dict[str, Any] = {
        "name": name,
        "type": "SCALAR",
        "scalar": {"value": value},
        "role": "*",
    }
    if allocated:
        found["allocation_info"] = {"role": "*"}
    return found


def port_ranges(ports: list[tuple[int, int]], *, allocated: bool) -> dict[str, Any]:
    found: dict[str, Any] = {
        "name": "ports",
        "type": "RANGES",
        "ranges": {"range": [{"begin": low, "end": high} for low, high in ports]},
        "role": "*",
    }
    if allocated:
        found["allocation_info"] = {"role": "*"}
    return found


def agent_record(agent: int) -> dict[str, Any]:
    """One ``/master/slaves`` entry, with every field a 1.x master sends."""
    address = f"10.{agent // 65536 % 256}.{agent // 256 % 256}.{agent % 256}"
    cpus, mem, disk = 16.0, 65536.0, 456229.0
    used_ports = ports_of(agent)
    used_cpus, used_mem = 0.5 * TASKS_PER_AGENT, 256.0 * TASKS_PER_AGENT
    return {
        "id": f"{MASTER}-S{agent}",
        "pid": f"slave(1)@{address}:5051",
        "hostname": address,
        "port": 5051,
        "registered_time": EPOCH - 86400 + agent * 0.01,
        "reregistered_time": EPOCH - 3600 + agent * 0.01,
        "resources": {
            "disk": disk,
            "mem": mem,
            "gpus": 0.0,
            "cpus": cpus,
            "ports": "[31000-32000]",
        },
        "used_resources": {
            "disk": 0.0,
            "mem": used_mem,
            "gpus": 0.0,
            "cpus": used_cpus,
            "ports": ranges(used_ports),
        },
        "offered_resources": {"disk": 0.0, "mem": 0.0, "gpus": 0.0, "cpus": 0.0},
        "reserved_resources": {},
        "unreserved_resources": {
            "disk": disk,
            "mem": mem,
            "gpus": 0.0,
            "cpus": cpus,
            "ports": "[31000-32000]",
        },
        "attributes": {
            "owner": owner_of(agent),
            "dc": ("aws", "gcp")[agent % 2],
            "workload": "general",
            "rack": f"r{agent % 40}",
            "mesos": "slave",
        },
        "active": True,
        "deactivated": False,
        "version": "1.11.0",
        "capabilities": ["MULTI_ROLE", "HIERARCHICAL_ROLE", "RESERVATION_REFINEMENT"],
        "reserved_resources_full": {},
        "unreserved_resources_full": [
            scalar("cpus", cpus, allocated=False),
            scalar("mem", mem, allocated=False),
            scalar("disk", disk, allocated=False),
            port_ranges([(31000, 32000)], allocated=False),
        ],
        "used_resources_full": [
            scalar("cpus", used_cpus, allocated=True),
            scalar("mem", used_mem, allocated=True),
            port_ranges([(port, port) for port in sorted(used_ports)], allocated=True),
        ],
        "offered_resources_full": [],
    }


def task_record(number: int) -> dict[str, Any]:
    """One ``/master/tasks`` entry of a Marathon task (legacy ``<app>.<uuid>`` id)."""
    agent = number % AGENTS
    slot = number // AGENTS
    namespace, team = ("ops", "infra") if owner_of(agent) == "ops-team" else ("dev", "team")
    app = number % 5000
    name = f"app{app}.{team}.{namespace}"
    port = ports_of(agent)[slot]
    address = f"10.{agent // 65536 % 256}.{agent // 256 % 256}.{agent % 256}"
    container = {
        "container_id": {"value": uuid(number, 2)},
        "network_infos": [{"ip_addresses": [{"protocol": "IPv4", "ip_address": address}]}],
    }
    started = EPOCH + number * 0.001
    return {
        "id": f"{namespace}_{team}_app{app}.{uuid(number, 1)}",
        "name": name,
        "framework_id": MARATHON,
        "executor_id": "",
        "slave_id": f"{MASTER}-S{agent}",
        "state": "TASK_RUNNING",
        "resources": {
            "disk": 0.0,
            "mem": 256.0,
            "gpus": 0.0,
            "cpus": 0.5,
            "ports": f"[{port}-{port}]",
        },
        "role": "*",
        "statuses": [
            {
                "state": "TASK_RUNNING",
                "timestamp": started,
                "container_status": container,
                "labels": [{"key": "Docker.NetworkSettings.IPAddress", "value": address}],
            },
            {
                "state": "TASK_RUNNING",
                "healthy": True,
                "timestamp": started + 30.5,
                "container_status": container,
            },
        ],
        "labels": [{"key": "team", "value": f"{team}"}, {"key": "tier", "value": "web"}],
        "discovery": {
            "visibility": "FRAMEWORK",
            "name": name,
            "ports": {"ports": [{"number": port, "protocol": "tcp"}]},
        },
        "container": {
            "type": "DOCKER",
            "docker": {
                "image": f"registry.bench/{namespace}/app{app}:1.0.{app % 7}",
                "network": "HOST",
                "privileged": False,
                "force_pull_image": True,
                "parameters": [{"key": "label", "value": f"appname=/{namespace}/{team}/app{app}"}],
            },
        },
        "user": "root",
    }


def agent_summary(agent: int) -> dict[str, Any]:
    """One ``/master/state-summary`` agent entry."""
    record = agent_record(agent)
    summary = {
        key: record[key]
        for key in (
            "id",
            "pid",
            "hostname",
            "port",
            "registered_time",
            "resources",
            "used_resources",
            "offered_resources",
            "reserved_resources",
            "unreserved_resources",
            "attributes",
            "active",
            "version",
            "capabilities",
        )
    }
    counts = dict.fromkeys(
        (
            "TASK_STAGING",
            "TASK_STARTING",
            "TASK_KILLING",
            "TASK_FINISHED",
            "TASK_KILLED",
            "TASK_FAILED",
            "TASK_LOST",
            "TASK_ERROR",
            "TASK_UNREACHABLE",
        ),
        0,
    )
    return {**summary, **counts, "TASK_RUNNING": TASKS_PER_AGENT, "framework_ids": [MARATHON]}


def framework_summary(framework_id: str, name: str, tasks: int) -> dict[str, Any]:
    return {
        "id": framework_id,
        "name": name,
        "pid": "scheduler",
        "hostname": "marathon.bench",
        "webui_url": "http://marathon.bench:8080",
        "active": True,
        "connected": True,
        "recovered": False,
        "capabilities": ["PARTITION_AWARE", "REGION_AWARE", "MULTI_ROLE"],
        "used_resources": {"cpus": 0.5 * tasks, "mem": 256.0 * tasks, "disk": 0.0, "gpus": 0.0},
        "offered_resources": {"cpus": 0.0, "mem": 0.0, "disk": 0.0, "gpus": 0.0},
        "TASK_RUNNING": tasks,
        "TASK_FINISHED": 0,
        "TASK_KILLED": 0,
        "TASK_FAILED": 0,
        "slave_ids": [f"{MASTER}-S{agent}" for agent in range(AGENTS)] if tasks else [],
    }


def dumps(value: object) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def answers() -> dict[str, bytes]:
    """Every answer asgard needs, keyed by the request's raw path (path and query)."""
    rendered = {"/master/slaves": dumps({"slaves": [agent_record(a) for a in range(AGENTS)]})}
    for offset in range(0, TASKS + 1, PAGE):
        page = [task_record(number) for number in range(offset, min(offset + PAGE, TASKS))]
        rendered[f"/master/tasks?limit={PAGE}&offset={offset}&order=asc"] = dumps({"tasks": page})
    rendered["/master/state-summary"] = dumps(
        {
            "hostname": "mesos.bench",
            "cluster": "bench",
            "slaves": [agent_summary(a) for a in range(AGENTS)],
            "frameworks": [
                framework_summary(MARATHON, "marathon", TASKS),
                framework_summary(CHRONOS, "chronos", 0),
            ],
        }
    )
    return rendered


class Server:
    """Prepared answers only; counts what it serves."""

    def __init__(self, rendered: dict[str, bytes]) -> None:
        self.rendered = rendered
        self.served: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        target = request.url.raw_path.decode("ascii")
        body = self.rendered.get(target)
        assert body is not None, f"unprepared request: {request.method} {request.url}"
        self.served.append(target)
        return httpx.Response(200, content=body, headers=JSON_HEADERS)


class GcClock:
    """Seconds spent in the cyclic garbage collector since :meth:`reset` (``gc.callbacks``)."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._started = 0.0
        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, _info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.seconds += time.perf_counter() - self._started

    def reset(self) -> None:
        self.seconds = 0.0


def timed(function: Callable[[], object], clock: GcClock) -> tuple[float, float]:
    """``(wall seconds, of which in the GC)`` of one call."""
    clock.reset()
    seconds = best_of(function, 1)
    return seconds, clock.seconds


def peaks(function: Callable[[], object], *, collect: bool = True) -> tuple[int, int]:
    """``(peak, still allocated at the end)`` of traced memory around ``function``.

    ``collect=False`` turns the cyclic GC off meanwhile (only where it frees nothing).
    """
    if not collect:
        gc.disable()
    tracemalloc.start()
    try:
        kept = function()
        current, top = tracemalloc.get_traced_memory()
        del kept
    finally:
        tracemalloc.stop()
        gc.enable()
    return top, current


def loads_memory(rendered: dict[str, bytes]) -> tuple[int, int]:
    """``(every answer decoded and kept, one answer at a time)`` peaks of ``json.loads``.

    Measured once per shape of answer: the agent listing, the first and the last (empty)
    task page, the state summary; the other task pages count as the first, whose shape and
    size they share (tracing all 152 MiB would take a minute). JSON values hold no reference
    cycles, so the GC is off meanwhile (it would free nothing).
    """
    targets = list(rendered)
    first_page, last_page = targets[1], targets[-2]
    measured = {
        target: peaks(partial(json.loads, rendered[target]), collect=False)
        for target in (targets[0], first_page, last_page, targets[-1])
    }
    kept = sum(measured.get(target, measured[first_page])[1] for target in targets[:-1])
    last_peak, _ = measured[targets[-1]]
    return kept + last_peak, max(top for top, _ in measured.values())


def main() -> None:
    profiling = "--profile" in sys.argv[1:]
    rendered = answers()
    server = Server(rendered)
    client = httpx.Client(transport=httpx.MockTransport(server))
    owned = AGENTS - AGENTS // OTHER_OWNER_EVERY
    urls: list[str] = []

    def asgard() -> object:
        # A new backend each time: its framework-name cache is empty, as on a first listing
        # (a warm backend skips /master/state-summary).
        server.served.clear()
        agents = MesosAgentsBackend([SERVER], account=ACCOUNT, client=client)
        listed = agents.list(with_tasks=True)
        assert len(listed) == owned
        assert sum(len(agent.tasks or ()) for agent in listed) == owned * TASKS_PER_AGENT
        assert sorted(server.served) == sorted(rendered), "asgard asked other requests"
        assert len(server.served) == 3 + TASKS // PAGE
        urls[:] = [SERVER + target for target in server.served]
        return listed

    def floor() -> object:
        # Each answer is decoded and dropped: keeping ~800 MiB of parsed pages would make the
        # cyclic GC, not the decoding, the floor's cost (about 4x slower here).
        server.served.clear()
        for url in urls:
            json.loads(client.get(url).content)
        assert [SERVER + target for target in server.served] == urls
        return None

    if profiling:
        profile = cProfile.Profile()
        profile.runcall(asgard)
        pstats.Stats(profile).sort_stats("tottime").print_stats(30)
        return

    clock = GcClock()
    floor_label, asgard_label = "httpx + json.loads (floor)", "asgard list(with_tasks)"
    best = {floor_label: (float("inf"), 0.0), asgard_label: (float("inf"), 0.0)}
    for _ in range(ROUNDS):  # interleaved; asgard first, as its run names the floor's URLs
        best[asgard_label] = min(best[asgard_label], timed(asgard, clock))
        best[floor_label] = min(best[floor_label], timed(floor, clock))
    report(
        "mesos_list",
        {label: seconds for label, (seconds, _) in best.items()},
        floor=floor_label,
        goals={asgard_label: 1.5},
    )
    mib = 2**20
    size = sum(map(len, rendered.values()))
    print(
        f"  {len(urls)} requests per listing: /master/slaves, {len(urls) - 2} pages of"
        f" /master/tasks, /master/state-summary; payload {size / mib:.1f} MiB"
        f" ({AGENTS:,} agents, {owned:,} owned; {TASKS:,} tasks, {owned * TASKS_PER_AGENT:,}"
        " visible)"
    )
    print(
        f"  of which in the cyclic GC: floor {best[floor_label][1]:.2f} s,"
        f" asgard {best[asgard_label][1]:.2f} s"
    )
    asgard_peak, _ = peaks(asgard)
    kept_peak, streamed_peak = loads_memory(rendered)
    print(
        f"  peak memory: json.loads of every answer, kept {kept_peak / mib:.1f} MiB;"
        f" asgard {asgard_peak / mib:.1f} MiB, ratio {asgard_peak / kept_peak:.2f} (goal <= 1.5)"
    )
    print(
        f"  (json.loads one answer at a time peaks at {streamed_peak / mib:.1f} MiB:"
        f" asgard/that {asgard_peak / streamed_peak:.2f})"
    )


if __name__ == "__main__":
    main()
