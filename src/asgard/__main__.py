"""``python -m asgard``: the demo on the embedded FakeCluster.

    python -m asgard demo

The demo builds an in-memory cluster (three Mesos masters, two Marathons, a dozen agents of two
owners, tasks of two namespaces), wires the Mesos agents backend for one account exactly as a
user would, and walks through what asgard guarantees: tenancy, validation before any request,
leader failover and writes never sent twice. It needs no network and no cluster.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import httpx

from asgard import Account
from asgard._http._dialect import MESOS
from asgard._http._policy import HttpConfig
from asgard._http._sync import HttpSession
from asgard.errors import InvalidInputError, NotFoundError, WriteOutcomeUnknownError
from asgard.mesos import MesosAgentsBackend
from asgard.models import AppSpec
from asgard.testing import FakeCluster, Server
from asgard.testing._mesos_api import leader_only

__all__ = ["main"]

DEV = Account(namespace="dev", owner="dev-team")


def _table(rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join("  " + line.rstrip() for line in lines)


def _build_cluster() -> tuple[FakeCluster, list[str], list[str]]:
    cluster = FakeCluster(seed=7)
    dev_agents: list[str] = []
    ops_agents: list[str] = []
    for index in range(12):
        owner = "dev-team" if index % 3 else "ops-team"
        agent_id = cluster.add_agent(
            owner=owner,
            cpus=8 if index % 2 else 4,
            mem=16384 if index % 2 else 8192,
            attributes={"rack": f"r{index % 4}"},
        )
        (dev_agents if owner == "dev-team" else ops_agents).append(agent_id)
    for number, agent_id in enumerate(dev_agents[:4]):
        cluster.add_task(agent_id=agent_id, app_id="/dev/web", cpus=0.5, mem=256, load=0.4)
        if number % 2:
            cluster.add_task(agent_id=agent_id, app_id="/dev/api", cpus=1, mem=1024, load=1.5)
        # another tenant's task on the account's own agent
        cluster.add_task(agent_id=agent_id, app_id="/ops/batch", cpus=2, mem=2048)
    for agent_id in ops_agents[:2]:
        cluster.add_task(agent_id=agent_id, app_id="/ops/web", cpus=1, mem=512)
    return cluster, dev_agents, ops_agents


def demo() -> int:
    """Run the demo; returns the exit code."""
    print("asgard demo: an in-memory Mesos + Marathon cluster, no network needed\n")
    cluster, dev_agents, ops_agents = _build_cluster()
    with httpx.Client(transport=cluster.transport()) as client:
        agents = MesosAgentsBackend(cluster.mesos_urls, account=DEV, client=client)
        with agents:
            _agents(agents, hidden=len(ops_agents))
            _usage(cluster, agents, dev_agents[1])
            _tenancy(agents, ops_agents[0])
            _leader(cluster, agents)
        _ids_and_specs()
        _writes(cluster, client)
    print("\nThe Marathon apps backend and the Orchestrator build on the same pieces.")
    return 0


def _agents(agents: MesosAgentsBackend, *, hidden: int) -> None:
    print(f"1. The agents of {DEV!r}, with their tasks (one master request, none per agent):")
    rows = [("agent", "hostname", "cpus", "allocated", "mem MiB", "tasks")]
    for agent in agents.list(with_tasks=True):
        tasks = agent.tasks or ()
        rows.append(
            (
                agent.id.rsplit("-", 1)[-1],
                agent.hostname,
                f"{agent.total.cpus:g}",
                f"{agent.allocated_pct.cpus:.0f}%",
                f"{agent.total.mem:g}",
                ", ".join(sorted({str(task.app_id) for task in tasks})) or "-",
            )
        )
    print(_table(rows))
    print(f"  ({hidden} agents of another owner, and its tasks on these agents, are invisible)\n")


def _usage(cluster: FakeCluster, agents: MesosAgentsBackend, agent_id: str) -> None:
    print("2. Container usage, two samples 10 s apart on one agent:")
    before = {sample.container_id: sample for sample in agents.usage(agent_id)}
    cluster.advance(10)
    rows = [("task", "app", "cpu % of limit", "rss MiB")]
    for sample in agents.usage(agent_id):
        first = before[sample.container_id]
        seconds = (sample.timestamp - first.timestamp).total_seconds()
        used = ((sample.cpu_time_secs or 0) - (first.cpu_time_secs or 0)) / seconds
        percent = 100 * used / (sample.cpus_limit or 1)
        rows.append(
            (
                sample.task_id[:24] + "…",
                str(sample.app_id),
                f"{percent:.1f}",
                f"{(sample.mem_rss_bytes or 0) / 2**20:.0f}",
            )
        )
    print(_table(rows))
    print()


def _tenancy(agents: MesosAgentsBackend, foreign_agent: str) -> None:
    print("3. Another owner's agent does not exist for this account:")
    try:
        agents.get(foreign_agent)
    except NotFoundError as exc:
        print(f"  get({foreign_agent[-6:]!r}) -> NotFoundError: {exc}\n")


def _leader(cluster: FakeCluster, agents: MesosAgentsBackend) -> None:
    print("4. The leading master moves; a standby's redirect is followed and remembered:")
    cluster.set_leader(2, service="mesos")
    cluster.requests.clear()
    agents.list()
    agents.list()
    for request in cluster.requests:
        print(f"  {request.method} {request.server}{request.path}")
    print()


def _ids_and_specs() -> None:
    print("5. App ids are relative to the namespace; hostile ids never reach a server:")
    for given in ["web", "/infra/db"]:
        print(f"  {given!r:14} -> Marathon id {DEV.marathon_app_id(given)!r}")
    for hostile in ["../ops/web", "/web/restart", "Web", "a//b"]:
        try:
            DEV.marathon_app_id(hostile)
        except InvalidInputError as exc:
            print(f"  {hostile!r:14} -> refused: {exc}")
    try:
        AppSpec(id="web", cpus=-1, mem=256)
    except InvalidInputError as exc:
        print(f"  AppSpec(cpus=-1) -> refused: {exc}")
    print()


def _accepted(_cluster: FakeCluster, _server: Server, _request: httpx.Request) -> httpx.Response:
    return httpx.Response(202)


def _writes(cluster: FakeCluster, client: httpx.Client) -> None:
    print("6. A write whose reply is lost is never sent again:")
    # A stand-in write endpoint on the masters (the Marathon backend's writes come next).
    cluster.router.register("mesos_master", "POST", "/api/v1", leader_only(_accepted))
    leader = cluster.mesos_urls[2]
    cluster.faults.inject("timeout", server=leader, path="/api/v1")
    cluster.requests.clear()
    config = HttpConfig.build("mesos", cluster.mesos_urls, injected_client=True)
    session = HttpSession(config, MESOS, client=client)
    try:
        session.request("POST", "/api/v1", json={"type": "DRAIN_AGENT"})
    except WriteOutcomeUnknownError as exc:
        print(f"  WriteOutcomeUnknownError: {exc}")
    finally:
        session.close()
    sent = len(cluster.requests_to(server=leader, path="/api/v1"))
    print(f"  the leader received the write {sent} time(s); asgard did not send it again")


def main(argv: Sequence[str] | None = None) -> int:
    """The ``asgard`` command line."""
    parser = argparse.ArgumentParser(prog="python -m asgard", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("demo", help="run the demo on an in-memory FakeCluster")
    args = parser.parse_args(argv)
    if args.command == "demo":
        return demo()
    return 2  # pragma: no cover - argparse refuses unknown commands


if __name__ == "__main__":
    sys.exit(main())
