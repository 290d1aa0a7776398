"""``python -m asgard.testing serve``: a FakeCluster on loopback ports, until interrupted.

The first line on stdout is one JSON object with the servers' URLs::

    {"mesos_masters": ["http://127.0.0.1:41231", ...], "marathon": [...], "agents": [...]}

Point any client at them (asgard's backends, marathon-python, curl). Fake time flows with
real time (``--time-scale`` fake seconds per real second), so deployments progress while a
client waits. SIGINT (Ctrl-C) or SIGTERM closes every socket and exits 0.

Scenarios: ``demo`` (the default) has 8 agents of owner ``dev-team`` and 4 of ``ops-team``,
and apps running in the namespaces ``dev`` and ``ops`` (each kept on its owner's agents by an
``owner LIKE`` constraint, as asgard's backends deploy them); ``empty`` has no agent and no
app.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from types import FrameType
from typing import Final

from asgard.errors import InvalidInputError
from asgard.models import AppSpec
from asgard.testing._cluster import FakeCluster
from asgard.testing._versions import SUPPORTED_MARATHON_VERSIONS, SUPPORTED_MESOS_VERSIONS

__all__ = ["SCENARIOS", "build_cluster", "demo", "empty", "main"]

DEFAULT_TIME_SCALE: Final = 20.0
"""Fake seconds per real second when ``--time-scale`` is not given."""

EVENT_STREAM_IDLE_TIMEOUT: Final = 60.0
"""Seconds an idle ``/v2/events`` stream stays open before the fake ends it."""

_DEMO_APPS: Final = (
    # (namespace, owner, name, instances, cpus, mem)
    ("dev", "dev-team", "web", 3, 0.5, 256.0),
    ("dev", "dev-team", "worker", 2, 1.0, 512.0),
    ("dev", "dev-team", "tools/cron", 1, 0.1, 64.0),
    ("ops", "ops-team", "monitoring", 2, 0.5, 512.0),
    ("ops", "ops-team", "log-shipper", 4, 0.25, 128.0),
)


def empty(cluster: FakeCluster) -> None:
    """The ``empty`` scenario: nothing is added."""


def demo(cluster: FakeCluster) -> None:
    """The ``demo`` scenario: two owners' agents, and apps of two namespaces running.

    8 agents of ``dev-team`` (4 CPUs, 8 GiB) and 4 of ``ops-team`` (8 CPUs, 16 GiB, one
    attribute ``rack``); apps ``/dev/web``, ``/dev/worker``, ``/dev/tools/cron``,
    ``/ops/monitoring`` and ``/ops/log-shipper``, each constrained to its owner's agents; then
    a minute of fake time passes, so their deployments finish and their tasks run.
    """
    for number in range(8):
        cluster.add_agent(
            owner="dev-team", cpus=4, mem=8192, attributes={"rack": f"r{number % 2 + 1}"}
        )
    for number in range(4):
        cluster.add_agent(
            owner="ops-team", cpus=8, mem=16384, attributes={"rack": f"r{number % 2 + 1}"}
        )
    for namespace, owner, name, instances, cpus, mem in _DEMO_APPS:
        cluster.add_app(
            f"/{namespace}/{name}",
            AppSpec(
                id=name,
                instances=instances,
                cpus=cpus,
                mem=mem,
                cmd=f"while true; do echo {name}; sleep 10; done",
                labels={"team": owner},
                constraints=[("owner", "LIKE", owner)],
            ),
        )
    cluster.advance(60)


SCENARIOS: Final[dict[str, Callable[[FakeCluster], None]]] = {"demo": demo, "empty": empty}
"""The scenarios ``--scenario`` accepts, by name."""


def build_cluster(
    scenario: str = "demo",
    *,
    seed: int = 0,
    marathon_version: str = "1.10",
    mesos_version: str = "1.11",
    time_scale: float | None = DEFAULT_TIME_SCALE,
) -> FakeCluster:
    """A FakeCluster set up as a scenario, as ``serve`` runs it.

    Raises:
        InvalidInputError: for an unknown scenario, version, or a bad seed or time scale.
    """
    populate = SCENARIOS.get(scenario)
    if populate is None:
        raise InvalidInputError(f"unknown scenario {scenario!r}; choose one of {sorted(SCENARIOS)}")
    cluster = FakeCluster(
        seed=seed,
        marathon_version=marathon_version,
        mesos_version=mesos_version,
        time_scale=time_scale,
        event_stream_idle_timeout=EVENT_STREAM_IDLE_TIMEOUT,
    )
    populate(cluster)
    return cluster


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m asgard.testing",
        description="Run asgard's FakeCluster (Mesos + Marathon) for other programs.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve = commands.add_parser(
        "serve",
        help="serve a FakeCluster on loopback ports until interrupted",
        description=(
            "Serve a FakeCluster on loopback ports. The first stdout line is a JSON object "
            'with the URLs: {"mesos_masters": [...], "marathon": [...], "agents": [...]}. '
            "SIGINT or SIGTERM stops it."
        ),
    )
    serve.add_argument("--host", default="127.0.0.1", help="loopback address (127.0.0.1)")
    serve.add_argument(
        "--base-port", type=int, default=None, help="count ports up from N (default: any free)"
    )
    serve.add_argument("--scenario", default="demo", choices=sorted(SCENARIOS))
    serve.add_argument("--seed", type=int, default=0, help="seed of the generated ids (0)")
    serve.add_argument(
        "--marathon-version", default="1.10", choices=list(SUPPORTED_MARATHON_VERSIONS)
    )
    serve.add_argument("--mesos-version", default="1.11", choices=list(SUPPORTED_MESOS_VERSIONS))
    serve.add_argument(
        "--time-scale",
        type=float,
        default=DEFAULT_TIME_SCALE,
        help=f"fake seconds per real second ({DEFAULT_TIME_SCALE:g})",
    )
    serve.add_argument(
        "--hostnames",
        default="loopback",
        choices=["loopback", "fake"],
        help=(
            "'loopback': agents' hostname/port in master answers are their loopback address "
            "(default); 'fake': keep the fake host names (reach agents by pid)"
        ),
    )
    return parser


def _serve(args: argparse.Namespace) -> int:
    stop = threading.Event()

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    # Installed before anything is printed, so a signal right after the first line is handled.
    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        try:
            cluster = build_cluster(
                args.scenario,
                seed=args.seed,
                marathon_version=args.marathon_version,
                mesos_version=args.mesos_version,
                time_scale=args.time_scale,
            )
            served = cluster.serve(
                host=args.host, base_port=args.base_port, hostnames=args.hostnames
            )
        except (InvalidInputError, OSError) as error:
            print(f"python -m asgard.testing serve: {error}", file=sys.stderr)
            return 2 if isinstance(error, InvalidInputError) else 1
        with served:
            urls = {
                "mesos_masters": served.mesos_masters,
                "marathon": served.marathon,
                "agents": served.agents,
            }
            print(json.dumps(urls), flush=True)
            print(
                f"serving {len(urls['agents'])} agents, {len(cluster.apps)} apps; Ctrl-C stops",
                file=sys.stderr,
                flush=True,
            )
            while not stop.wait(0.5):
                pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = _parser().parse_args(argv)
    if args.command == "serve":
        return _serve(args)
    return 2  # pragma: no cover - argparse refuses other commands


if __name__ == "__main__":
    sys.exit(main())
