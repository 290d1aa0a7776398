"""The demo's cluster: an in-memory FakeCluster with two tenants, built with its control API."""

from __future__ import annotations

import attrs

from asgard.account import Account
from asgard.models import AppSpec
from asgard.testing import FakeCluster

__all__ = ["ACCOUNT", "OTHER", "Scenario", "build_scenario"]

ACCOUNT = Account(namespace="dev", owner="dev-team")
"""The account the demo is wired for."""

OTHER = Account(namespace="ops", owner="ops-team")
"""Another tenant of the same cluster, whom the account never sees."""

TIME_SCALE = 50.0
"""Fake seconds per real second: deployments progress while the demo polls."""


def pinned(account: Account) -> tuple[tuple[str, str, str], ...]:
    """The owner constraint that keeps an app on the account's agents."""
    return (("owner", "LIKE", account.owner),)


@attrs.frozen(kw_only=True)
class Scenario:
    """The cluster and what the demo needs to know about it.

    Attributes:
        cluster: the FakeCluster (its fake time flows with real time, ``TIME_SCALE`` faster).
        account: the account the demo is wired for.
        other: the other tenant.
        own_agents: ids of the account's agents.
        other_agents: ids of the other tenant's agents.
    """

    cluster: FakeCluster
    account: Account = ACCOUNT
    other: Account = OTHER
    own_agents: tuple[str, ...]
    other_agents: tuple[str, ...]


def build_scenario(*, seed: int = 7) -> Scenario:
    """Three masters, two Marathons, a dozen agents of two owners, apps in two namespaces."""
    cluster = FakeCluster(seed=seed, masters=3, marathons=2, time_scale=TIME_SCALE)
    own: list[str] = []
    other: list[str] = []
    for index in range(12):
        account = OTHER if index % 3 == 0 else ACCOUNT
        agent_id = cluster.add_agent(
            owner=account.owner,
            cpus=8 if index % 2 else 4,
            mem=16384 if index % 2 else 8192,
            attributes={"rack": f"r{index % 4}"},
        )
        (own if account is ACCOUNT else other).append(agent_id)
    # The other tenant's apps, pinned to its agents; one has the same name as the demo's app.
    cluster.add_app(
        "/ops/web",
        AppSpec(
            id="web", instances=2, cpus=1, mem=512, image="ops/web:2.1", constraints=pinned(OTHER)
        ),
    )
    cluster.add_app(
        "/ops/batch",
        AppSpec(id="batch", cpus=2, mem=2048, cmd="./batch --forever", constraints=pinned(OTHER)),
    )
    # One app the account already runs.
    cluster.add_app(
        "/dev/api",
        AppSpec(
            id="api", instances=2, cpus=1, mem=1024, image="dev/api:7", constraints=pinned(ACCOUNT)
        ),
    )
    cluster.advance(5)  # their tasks are launched and running before the demo starts
    return Scenario(cluster=cluster, own_agents=tuple(own), other_agents=tuple(other))
