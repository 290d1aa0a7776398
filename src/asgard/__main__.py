"""``python -m asgard``: the demo on the embedded FakeCluster.

    python -m asgard demo

The demo builds an in-memory cluster (three Mesos masters, two Marathons, a dozen agents of two
owners), binds an account to it and walks through what asgard guarantees today: tenancy of
agents and app ids, specs validated before any request, and leader failover with writes never
sent twice. It needs no network and no cluster.
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
from asgard.errors import InvalidInputError, WriteOutcomeUnknownError
from asgard.models import AppSpec
from asgard.testing import FakeCluster, Server
from asgard.testing._mesos_api import leader_only

__all__ = ["main"]


def _table(rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join("  " + line.rstrip() for line in lines)


def _slaves(_cluster: FakeCluster, server: Server, _request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={"served_by": server.url})


def demo() -> int:
    """Run the demo; returns the exit code."""
    print("asgard demo: an in-memory Mesos + Marathon cluster, no network needed\n")
    cluster = FakeCluster(seed=7)
    for index in range(12):
        owner = "dev-team" if index % 3 else "ops-team"
        cluster.add_agent(
            owner=owner,
            cpus=8 if index % 2 else 4,
            mem=16384 if index % 2 else 8192,
            attributes={"rack": f"r{index % 4}"},
        )
    dev = Account(namespace="dev", owner="dev-team")
    _agents(cluster, dev)
    _ids_and_specs(dev)
    _leader_and_writes(cluster)
    print("\nThe Mesos and Marathon backends build on these pieces; see the README.")
    return 0


def _agents(cluster: FakeCluster, dev: Account) -> None:
    print(f"1. The account {dev!r} owns these agents (by their 'owner' attribute):")
    rows = [("agent", "hostname", "cpus", "mem MiB", "rack")]
    hidden = 0
    for agent in cluster.agents.values():
        if not dev.owns_agent(agent.attributes):
            hidden += 1
            continue
        rows.append(
            (
                agent.id.rsplit("-", 1)[-1],
                agent.hostname,
                f"{agent.total.cpus:g}",
                f"{agent.total.mem:g}",
                str(agent.attributes.get("rack", "")),
            )
        )
    print(_table(rows))
    print(f"  ({hidden} agents of another owner are invisible to this account)\n")


def _ids_and_specs(dev: Account) -> None:

    print("2. App ids are relative to the namespace; hostile ids never reach a server:")
    for given in ["web", "/infra/db"]:
        print(f"  {given!r:14} -> Marathon id {dev.marathon_app_id(given)!r}")
    for hostile in ["../ops/web", "/web/restart", "Web", "a//b"]:
        try:
            dev.marathon_app_id(hostile)
        except InvalidInputError as exc:
            print(f"  {hostile!r:14} -> refused: {exc}")
    print()

    print("3. Specs are validated when they are built:")
    spec = AppSpec(id="web", instances=3, cpus=0.5, mem=256, image="nginx:1.27")
    print(f"  {spec!r}")
    try:
        AppSpec(id="web", cpus=-1, mem=256)
    except InvalidInputError as exc:
        print(f"  AppSpec(cpus=-1) -> refused: {exc}")
    print()


def _leader_and_writes(cluster: FakeCluster) -> None:
    print("4. The leader is found through standby redirects and remembered:")
    # The Mesos endpoints come with the Mesos backend; two stand-ins show the leader logic.
    cluster.router.register("mesos_master", "GET", "/master/slaves", leader_only(_slaves))
    cluster.router.register("mesos_master", "POST", "/api/v1", leader_only(_slaves))
    cluster.set_leader(2, service="mesos")
    client = httpx.Client(transport=cluster.transport())
    config = HttpConfig.build("mesos", cluster.mesos_urls, injected_client=True)
    session = HttpSession(config, MESOS, client=client)
    try:
        for _ in range(2):
            served = session.request("GET", "/master/slaves").json()["served_by"]
            print(f"  GET /master/slaves served by {served}")
        print("  requests the masters received:")
        for request in cluster.requests:
            print(f"    {request.method} {request.server}{request.path}")

        print("\n5. A write whose reply is lost is never sent again:")
        cluster.requests.clear()
        cluster.faults.inject("timeout", path="/api/v1")
        try:
            session.request("POST", "/api/v1", json={"type": "DRAIN_AGENT"})
        except WriteOutcomeUnknownError as exc:
            print(f"  WriteOutcomeUnknownError: {exc}")
        sent = len(cluster.requests_to(path="/api/v1"))
        print(f"  the leader received the write {sent} time(s)")
    finally:
        session.close()
        client.close()


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
