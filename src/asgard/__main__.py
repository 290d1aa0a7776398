"""``python -m asgard``: the demo on an embedded FakeCluster.

    python -m asgard demo            # through the sync API
    python -m asgard demo --async    # the same walk-through through the async API

The demo builds an in-memory cluster (three Mesos masters, two Marathons, a dozen agents of two
owners, apps in two namespaces), wires the Mesos and Marathon backends for one account exactly
as a user would, and walks through the product: the account's agents, a deployment followed to
its end, scaling and restarting, app stats, a failed deployment, a rollback, the event stream,
what the other tenant never sees, and a leader that moves. It needs no network and no cluster;
the cluster's fake time runs fast, so the whole walk-through takes about a second.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence

import anyio

from asgard._demo import _async, _sync
from asgard._demo._output import Terminal
from asgard._demo._scenario import TIME_SCALE, build_scenario
from asgard.testing import EPOCH

__all__ = ["demo", "main"]


def demo(*, use_async: bool = False, terminal: Terminal | None = None) -> int:
    """Run the demo (through the async API when ``use_async``); returns the exit code."""
    terminal = terminal or Terminal()
    started = time.monotonic()
    scenario = build_scenario()
    api = "async API (AsyncOrchestrator, anyio)" if use_async else "sync API (Orchestrator)"
    terminal.line(
        "asgard demo: an in-memory Mesos + Marathon cluster, no network needed; "
        f"the {api}, fake time {TIME_SCALE:g}x real time",
        indent=False,
    )
    if use_async:
        anyio.run(_async.walk_through, scenario, terminal)
    else:
        _sync.walk_through(scenario, terminal)
    fake = (scenario.cluster.now - EPOCH).total_seconds()
    terminal.line()
    terminal.line(
        f"Done in {time.monotonic() - started:.2f} s ({fake:.0f} s of the cluster's fake time).",
        indent=False,
    )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """The ``asgard`` command line; returns the exit code (argparse exits 2 on bad usage)."""
    parser = argparse.ArgumentParser(prog="python -m asgard", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    demo_parser = commands.add_parser("demo", help="run the demo on an in-memory FakeCluster")
    demo_parser.add_argument(
        "--async",
        dest="use_async",
        action="store_true",
        help="run the same walk-through through the async API",
    )
    args = parser.parse_args(argv)
    if args.command == "demo":
        try:
            return demo(use_async=args.use_async)
        except BrokenPipeError:
            # The reader went away (``| head``): stop quietly, as the Python docs advise.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            return 1
    return 2  # pragma: no cover - argparse refuses unknown commands


if __name__ == "__main__":
    sys.exit(main())
