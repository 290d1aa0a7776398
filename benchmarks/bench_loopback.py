"""Connection reuse over loopback HTTP: 1,000 Marathon reads to a served FakeCluster.

Each scenario sends 1,000 reads to one Marathon (``FakeCluster.serve()``, in this process)
through asgard's own pooled client (a fresh backend per run, the client asgard creates), and
the same requests (same path and query) through a raw ``httpx.Client()`` followed by
``json.loads`` (the floor). Goal: asgard's requests per second >= 0.9 of the raw loop's, i.e.
seconds <= 1/0.9 of the floor's, and each run opens at most the pool's size of TCP connections
(1 when sequential).

Scenarios: ``apps.get(app_id)`` sequentially; ``apps.list()`` sequentially; ``apps.get``
fanned out over 10 threads that take asgard's own limiter (``max_concurrency=10``, as the
Orchestrator's fan-out does) against the raw client over the same 10 threads.

Within a run both clients stay open and take turns by blocks of 100 reads (ABBA order), so
both see the same background load; a run's time is the sum of its blocks; best of 3 runs.

Connections are counted twice: on the server side (``ServedCluster.connections_accepted``
around each client's blocks), and on the client side (distinct local ports seen by a response
event hook, through a client injected with asgard's own ``httpx.Limits``) in one untimed pass
per scenario.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager

import httpx
from _common import report

from asgard import Account
from asgard.marathon import MarathonAppsBackend
from asgard.models import AppSpec
from asgard.testing import FakeCluster, ServedCluster

READS = 1000
BLOCK = 100
APPS = 5
ROUNDS = 3
CONCURRENCY = 10
ACCOUNT = Account(namespace="dev", owner="dev-team")
GET_EMBEDS = "embed=app.counts&embed=app.deployments&embed=app.lastTaskFailure"
LIST_EMBEDS = "embed=apps.counts&embed=apps.deployments&embed=apps.lastTaskFailure"
# asgard's HttpSession pool (src/asgard/_http/_sync.py): Limits(max_connections=
# max(100, max_concurrency), max_keepalive_connections=max_concurrency); default bound 32.
ASGARD_DEFAULT_CONCURRENCY = 32
# httpx's own default (httpx._config.DEFAULT_LIMITS).
HTTPX_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20)

Block = Sequence[int]


def asgard_limits(max_concurrency: int) -> httpx.Limits:
    """The limits asgard gives the client it creates."""
    return httpx.Limits(
        max_connections=max(100, max_concurrency), max_keepalive_connections=max_concurrency
    )


def build_cluster() -> FakeCluster:
    """One master, one Marathon, one agent of the account and a few running apps."""
    cluster = FakeCluster(masters=1, marathons=1)
    cluster.add_agent(owner=ACCOUNT.owner, cpus=16, mem=65536)
    for number in range(APPS):
        cluster.add_app(
            f"/{ACCOUNT.namespace}/web{number}",
            AppSpec(
                id=f"web{number}",
                instances=2,
                cpus=0.5,
                mem=256,
                cmd="python -m http.server $PORT0",
                labels={"team": ACCOUNT.owner},
                constraints=[("owner", "LIKE", ACCOUNT.owner)],
                ports=[0],
            ),
        )
    cluster.advance(60)
    return cluster


class Ports:
    """A response hook that records the local address of each response's connection."""

    def __init__(self) -> None:
        self.seen: set[object] = set()

    def __call__(self, response: httpx.Response) -> None:
        stream = response.extensions["network_stream"]
        self.seen.add(stream.get_extra_info("client_addr"))


def fan_out(
    read: Callable[[int], object], block: Block, limiter: AbstractContextManager[None] | None
) -> None:
    """``read`` of every index over ``CONCURRENCY`` threads, each call taking ``limiter``.

    As asgard's own bounded fan-out (the Orchestrator's) does; ``None``: the threads only.
    """

    def one(index: int) -> object:
        if limiter is None:
            return read(index)
        with limiter:
            return read(index)

    with ThreadPoolExecutor(max_workers=CONCURRENCY, thread_name_prefix="bench") as pool:
        for _ in pool.map(one, block):
            pass


class Scenario:
    """One asgard loop and its raw httpx floor, with their timings and connection counts."""

    def __init__(
        self,
        name: str,
        served: ServedCluster,
        asgard: Callable[[MarathonAppsBackend, Block], object],
        raw: Callable[[httpx.Client, Block], object],
        max_concurrency: int = ASGARD_DEFAULT_CONCURRENCY,
    ) -> None:
        self.name = name
        self.served = served
        self.asgard = asgard
        self.raw = raw
        self.max_concurrency = max_concurrency
        self.seconds = {"asgard": float("inf"), "raw": float("inf")}
        self.connections: dict[str, list[int]] = {"asgard": [], "raw": []}
        self.client_ports: dict[str, int] = {}

    def backend(self, client: httpx.Client | None = None) -> MarathonAppsBackend:
        return MarathonAppsBackend(
            self.served.marathon,
            account=ACCOUNT,
            max_concurrency=self.max_concurrency,
            client=client,
        )

    def run(self) -> None:
        """One timed run: a fresh backend (asgard's own pool) and a fresh ``httpx.Client()``."""
        seconds = {"asgard": 0.0, "raw": 0.0}
        opened = {"asgard": 0, "raw": 0}
        with self.backend() as apps, httpx.Client() as client:
            turns: list[tuple[str, Callable[[Block], object]]] = [
                ("asgard", lambda block: self.asgard(apps, block)),
                ("raw", lambda block: self.raw(client, block)),
            ]
            for number, start in enumerate(range(0, READS, BLOCK)):
                block = range(start, min(start + BLOCK, READS))
                for who, read in turns if number % 4 in (0, 3) else turns[::-1]:
                    before = self.served.connections_accepted()
                    started = time.perf_counter()
                    read(block)
                    seconds[who] += time.perf_counter() - started
                    opened[who] += self.served.connections_accepted() - before
        for who in ("asgard", "raw"):
            self.seconds[who] = min(self.seconds[who], seconds[who])
            self.connections[who].append(opened[who])

    def count_client_side(self) -> None:
        """Untimed: distinct local ports, asgard through a client with asgard's own limits."""
        everything = range(READS)
        ports = Ports()
        with (
            httpx.Client(
                limits=asgard_limits(self.max_concurrency),
                timeout=10.0,
                event_hooks={"response": [ports]},
            ) as client,
            self.backend(client) as apps,
        ):
            self.asgard(apps, everything)
        self.client_ports["asgard"] = len(ports.seen)
        ports = Ports()
        with httpx.Client(event_hooks={"response": [ports]}) as client:
            self.raw(client, everything)
        self.client_ports["raw"] = len(ports.seen)

    def print_summary(self) -> None:
        asgard_rps = READS / self.seconds["asgard"]
        raw_rps = READS / self.seconds["raw"]
        pool = self.max_concurrency
        raw_pool = HTTPX_LIMITS.max_keepalive_connections or 0
        asgard_most = max(*self.connections["asgard"], self.client_ports["asgard"])
        raw_most = max(*self.connections["raw"], self.client_ports["raw"])
        print(
            f"  requests/s: asgard {asgard_rps:,.0f}, raw httpx {raw_rps:,.0f}; "
            f"throughput ratio asgard/raw {asgard_rps / raw_rps:.2f} (goal >= 0.9)"
        )
        print(
            f"  TCP connections per {READS:,} reads (server-accepted in each timed run /"
            " client-side ports in the counting pass):"
        )
        print(
            f"    asgard {self.connections['asgard']} / {self.client_ports['asgard']};"
            f" pool keep-alive {pool}, max {max(100, pool)}:"
            f" {'ok' if asgard_most <= pool else 'EXCEEDED'}"
        )
        print(
            f"    raw    {self.connections['raw']} / {self.client_ports['raw']};"
            f" httpx default pool keep-alive {raw_pool},"
            f" max {HTTPX_LIMITS.max_connections}: {'ok' if raw_most <= raw_pool else 'EXCEEDED'}"
        )


def check_same_requests(cluster: FakeCluster, served: ServedCluster, list_url: str) -> None:
    """asgard's ``get`` and ``list`` send exactly the path and query the raw loops send."""
    base = served.marathon[0]
    with MarathonAppsBackend(served.marathon, account=ACCOUNT) as apps, httpx.Client() as raw:
        for read, raw_url in (
            (lambda: apps.get("web0"), f"{base}/v2/apps/dev/web0?{GET_EMBEDS}"),
            (apps.list, list_url),
        ):
            read()
            mine = list(cluster.requests)[-1]
            raw.get(raw_url)
            theirs = list(cluster.requests)[-1]
            assert (mine.path, mine.query) == (theirs.path, theirs.query), (mine, theirs)


def main() -> None:
    cluster = build_cluster()
    app_ids = [f"web{n % APPS}" for n in range(READS)]
    with cluster.serve() as served:
        base = served.marathon[0]
        get_urls = [f"{base}/v2/apps/dev/{app_id}?{GET_EMBEDS}" for app_id in app_ids]
        list_url = f"{base}/v2/apps/dev/*?{LIST_EMBEDS}"
        check_same_requests(cluster, served, list_url)

        def asgard_get(apps: MarathonAppsBackend, block: Block) -> None:
            for index in block:
                apps.get(app_ids[index])

        def raw_get(client: httpx.Client, block: Block) -> None:
            for index in block:
                json.loads(client.get(get_urls[index]).content)

        def asgard_list(apps: MarathonAppsBackend, block: Block) -> None:
            for _ in block:
                assert len(apps.list()) == APPS

        def raw_list(client: httpx.Client, block: Block) -> None:
            for _ in block:
                assert len(json.loads(client.get(list_url).content)["*"]) == APPS

        def asgard_fan_out(apps: MarathonAppsBackend, block: Block) -> None:
            fan_out(lambda index: apps.get(app_ids[index]), block, apps.limiter)

        def raw_fan_out(client: httpx.Client, block: Block) -> None:
            fan_out(lambda index: json.loads(client.get(get_urls[index]).content), block, None)

        scenarios = [
            Scenario("loopback_get", served, asgard_get, raw_get),
            Scenario("loopback_list", served, asgard_list, raw_list),
            Scenario(
                "loopback_get_concurrent",
                served,
                asgard_fan_out,
                raw_fan_out,
                max_concurrency=CONCURRENCY,
            ),
        ]
        for scenario in scenarios:  # warms both paths up, and counts connections client-side
            scenario.count_client_side()
        for _ in range(ROUNDS):
            for scenario in scenarios:
                scenario.run()
    labels = {
        "loopback_get": "asgard apps.get",
        "loopback_list": "asgard apps.list",
        "loopback_get_concurrent": f"asgard apps.get, {CONCURRENCY} thr",
    }
    floor = "raw httpx + json.loads"
    for scenario in scenarios:
        print(f"{READS:,} reads, best of {ROUNDS} runs (blocks of {BLOCK} interleaved):")
        mine = labels[scenario.name]
        report(
            scenario.name,
            {floor: scenario.seconds["raw"], mine: scenario.seconds["asgard"]},
            floor=floor,
            goals={mine: 1 / 0.9},
        )
        scenario.print_summary()


if __name__ == "__main__":
    main()
