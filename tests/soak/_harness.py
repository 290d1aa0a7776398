"""The seeded chaos soak's machinery: the world, the random plan, faults, and the invariants.

Everything here is synchronous and talks to the FakeCluster through its control API (its own
state, its request log, its fault script, its router), never through asgard: the driver in
``tests/soak/_async/driver.py`` (and its generated sync twin) only runs the planned operations
with asgard's backends over the loopback sockets of ``cluster.serve()``.

One ``random.Random(seed)`` makes every choice (the emulated versions, operations, arguments,
faults, leader changes between and within operations, clock moves, agents replaced, stray
tasks, failed deployments), and the cluster is built with the same seed, so a seed replays a
run::

    ASGARD_SOAK_SEED=7 ASGARD_SOAK_OPS=300 pytest tests/soak

Invariants checked after every operation (see :meth:`Soak.after`):

1. tenancy: an operation of one account changes nothing of the other account (its apps, their
   versions, Marathon's and Mesos' tasks, its deployments, its launch queue), changes nothing
   of its own account but the apps it targets, and nothing it returns (nor any error message)
   names an id of the other account it was not handed: agents, host names, tasks, containers,
   deployments, ``/<other namespace>/`` or the other owner; a read without faults shows
   exactly the account's apps, agents, tasks and deployments, as the fake holds them;
2. no double write: a write reaches a Marathon leader at most once per operation (the fake's
   request log, with which requests found no leader), a write that succeeded reached it
   exactly once, the target app moved at most one version, to the value asked for or not at
   all, and a write that was refused (404, 409, no leader, invalid input) or never reached a
   leader changed nothing;
3. every failure is an :class:`asgard.errors.AsgardError`; a write whose reply was lost raised
   :class:`~asgard.errors.WriteOutcomeUnknownError`; an attempt on the other account's objects
   never succeeds (:class:`~asgard.errors.NotFoundError` or
   :class:`~asgard.errors.InvalidInputError` without faults); Marathon never rejects what asgard
   sends;
4. placement (after every step): every live task of an account's app runs on one of its
   agents (but the stray tasks the plan puts elsewhere on purpose); no thread is left over
   but the served cluster's;
5. at the end: every backend closed, no connection left open on the served cluster, no file
   descriptor or thread left over, no pending task; every 25 operations and at the end, the
   cluster-wide account sees exactly the fake's apps, agents and deployments.
"""

from __future__ import annotations

import asyncio
import gc
import hashlib
import itertools
import json
import os
import random
import re
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from enum import Enum
from typing import Any, Final, Literal, cast

import attrs
import httpx

from asgard import Account
from asgard.errors import (
    AsgardError,
    BackendError,
    BackendTimeoutError,
    ConflictError,
    InvalidInputError,
    MalformedResponseError,
    NoLeaderError,
    NotFoundError,
    RequestRejectedError,
    TooManyDeploymentsError,
    WriteOutcomeUnknownError,
)
from asgard.models import AppPatch, AppSpec
from asgard.testing import (
    FAULT_KINDS,
    SUPPORTED_MARATHON_VERSIONS,
    SUPPORTED_MESOS_VERSIONS,
    FakeCluster,
    FaultKind,
    Handler,
    RecordedRequest,
    Server,
)

# -- settings ------------------------------------------------------------------------------

SEED_ENV: Final = "ASGARD_SOAK_SEED"
OPS_ENV: Final = "ASGARD_SOAK_OPS"
DEFAULT_SEED: Final = 7  # issue #7: CI replays the same run every time
DEFAULT_OPS: Final = 250


@attrs.frozen
class Settings:
    """The seed and the number of account operations of one soak run."""

    seed: int
    ops: int
    seed_source: str

    def replay(self, variant: str) -> str:
        """The command line that replays this run."""
        return f"{SEED_ENV}={self.seed} {OPS_ENV}={self.ops} pytest tests/soak/_{variant}"


def settings_from(seed_option: str | None, ops_option: str | None) -> Settings:
    """The settings: ``--soak-seed`` / ``--soak-ops`` first, then the environment, then CI's.

    ``random`` as a seed draws one from the OS (it is printed, and in every failure).
    """
    raw_seed = seed_option if seed_option is not None else os.environ.get(SEED_ENV)
    raw_ops = ops_option if ops_option is not None else os.environ.get(OPS_ENV)
    if raw_seed is None or not raw_seed.strip():
        seed, source = DEFAULT_SEED, "default"
    elif raw_seed.strip().lower() == "random":
        seed, source = random.SystemRandom().randrange(1, 2**31), "random"
    else:
        seed, source = int(raw_seed.strip()), "given"
    ops = DEFAULT_OPS if raw_ops is None or not raw_ops.strip() else int(raw_ops.strip())
    if ops < 1:
        raise ValueError(f"{OPS_ENV} must be at least 1, not {ops}")
    return Settings(seed=seed, ops=ops, seed_source=source)


# -- the world -----------------------------------------------------------------------------

DEV: Final = Account(namespace="dev", owner="dev-team")
OPS: Final = Account(namespace="ops", owner="ops-team")
ADMIN: Final = Account.cluster_wide()
TENANTS: Final[tuple[Account, ...]] = (DEV, OPS)

# Apps of every account are named from this pool: none of them names the other namespace,
# so an account that reads "/ops/..." reads something it must not see.
NAMES: Final = ("web", "api", "worker", "cron", "cache", "db/primary")

TIMEOUT_HOLD: Final = 0.45
"""Seconds a ``timeout`` fault holds a connection on the served cluster."""


@attrs.frozen
class BackendOptions:
    """How one account's backends are built: dev times out before the server gives up."""

    timeout: float
    read_retries: int


BACKEND_OPTIONS: Final[Mapping[str, BackendOptions]] = {
    # shorter than TIMEOUT_HOLD: a timeout fault is a client-side read timeout
    "dev": BackendOptions(timeout=0.35, read_retries=1),
    # longer: the server closes the connection first (a disconnect without an answer)
    "ops": BackendOptions(timeout=0.9, read_retries=2),
    "": BackendOptions(timeout=2.0, read_retries=2),
}

APP_STATS_INTERVAL: Final = 0.01
WAIT_TIMEOUT: Final = 0.05
WAIT_POLL: Final = 0.01


def build_cluster(seed: int, *, marathon_version: str, mesos_version: str) -> FakeCluster:
    """The cluster: 3 masters, 2 Marathons, agents of both accounts and of nobody, a few apps.

    An agent owned by ``dev-team-x`` checks that ``LIKE dev-team`` matches the whole owner.
    """
    cluster = FakeCluster(seed=seed, marathon_version=marathon_version, mesos_version=mesos_version)
    for _ in range(3):
        cluster.add_agent(owner=DEV.owner, cpus=4, mem=4096)
    for _ in range(2):
        cluster.add_agent(owner=OPS.owner, cpus=4, mem=4096)
    cluster.add_agent(owner="dev-team-x", cpus=8, mem=8192)
    cluster.add_agent(owner=None, cpus=8, mem=8192)
    for account, name, instances in ((DEV, "web", 2), (OPS, "web", 1), (OPS, "api", 2)):
        full = account.marathon_app_id(name)
        cluster.add_app(
            full,
            AppSpec(
                id=full,
                instances=instances,
                cpus=0.2,
                mem=64,
                cmd="sleep 1000",
                constraints=[account.owner_constraint],
            ),
        )
    cluster.advance(10)
    return cluster


def other_of(account: Account) -> Account:
    """The other tenant."""
    return OPS if account == DEV else DEV


def prefix_of(account: Account) -> str:
    """The Marathon group prefix of an account's apps (``/dev/``)."""
    return f"/{account.namespace}/"


# -- views of the fake's own state ----------------------------------------------------------


@attrs.frozen
class AppView:
    """One app as the fake stores it."""

    version: str
    instances: int
    definition: str
    versions: tuple[datetime, ...]


@attrs.frozen
class NamespaceView:
    """Everything the fake holds for one namespace, comparable before/after a step."""

    apps: Mapping[str, AppView]
    marathon_tasks: Mapping[str, tuple[str, str, str]]
    live_tasks: Mapping[str, tuple[str, str, str, int]]
    deployments: Mapping[str, tuple[str, ...]]
    launch: Mapping[str, str]

    def without(self, apps: Iterable[str]) -> NamespaceView:
        """The view minus everything about ``apps`` (the ones an operation may change)."""
        drop = set(apps)
        return NamespaceView(
            apps={k: v for k, v in self.apps.items() if k not in drop},
            marathon_tasks={k: v for k, v in self.marathon_tasks.items() if v[0] not in drop},
            live_tasks={k: v for k, v in self.live_tasks.items() if v[0] not in drop},
            deployments={k: v for k, v in self.deployments.items() if not drop.intersection(v)},
            launch={k: v for k, v in self.launch.items() if k not in drop},
        )


def namespace_view(cluster: FakeCluster, account: Account) -> NamespaceView:
    """The fake's state of one namespace (read under the cluster's lock)."""
    prefix = prefix_of(account)
    with cluster.lock:
        state = cluster.state
        marathon = cluster.marathon_state
        apps = {
            app_id: AppView(
                version=record.version.isoformat(),
                instances=record.instances,
                definition=json.dumps(record.definition, sort_keys=True, default=str),
                versions=tuple(v.version for v in marathon.versions.get(app_id, [])),
            )
            for app_id, record in state.apps.items()
            if app_id.startswith(prefix)
        }
        marathon_tasks = {
            task_id: (task.app_id, task.version.isoformat(), repr(task.running_at))
            for task_id, task in marathon.tasks.items()
            if task.app_id.startswith(prefix)
        }
        live_tasks = {
            task.id: (task.app_id, task.agent_id, task.state, len(task.statuses))
            for task in state.tasks.values()
            if task.app_id is not None and task.app_id.startswith(prefix) and not task.terminal
        }
        deployments = {
            deployment_id: tuple(sorted(set(deployment.target) | set(deployment.original)))
            for deployment_id, deployment in marathon.deployments.items()
            if any(a.startswith(prefix) for a in (*deployment.target, *deployment.original))
        }
        # GET /v2/queue creates default entries: only scripted failures and back-offs count
        launch = {
            app_id: repr((found.fail_next, found.delay_until))
            for app_id, found in marathon.launch.items()
            if app_id.startswith(prefix) and (found.fail_next or found.delay_until is not None)
        }
    return NamespaceView(
        apps=apps,
        marathon_tasks=marathon_tasks,
        live_tasks=live_tasks,
        deployments=deployments,
        launch=launch,
    )


def diff(before: Any, after: Any, what: str) -> list[str]:
    """What differs between two views, in words (empty when equal)."""
    if before == after:
        return []
    found: list[str] = []
    for field in attrs.fields(type(before)):
        old: Mapping[str, object] = getattr(before, field.name)
        new: Mapping[str, object] = getattr(after, field.name)
        for key in sorted(set(old) | set(new)):
            if old.get(key) != new.get(key):
                found.append(f"{what}.{field.name}[{key}]: {old.get(key)!r} -> {new.get(key)!r}")
    return found


@attrs.frozen
class OwnState:
    """What a read of one account must show, from the fake's own state."""

    apps: Mapping[str, int]  # relative id -> instances
    agents: frozenset[str]
    marathon_tasks: Mapping[str, frozenset[str]]  # relative app id -> Marathon's task ids
    live_tasks: Mapping[str, frozenset[str]]  # agent id -> live Mesos task ids of the account
    deployments: frozenset[str]

    def tasks(self, relative: str) -> frozenset[str]:
        return self.marathon_tasks.get(relative, frozenset())

    def on(self, agent_id: str) -> frozenset[str]:
        return self.live_tasks.get(agent_id, frozenset())


def own_state(cluster: FakeCluster, account: Account) -> OwnState:
    """The account's apps, agents, tasks and deployments as the fake holds them."""
    prefix = prefix_of(account)
    cut = len(prefix) - 1
    with cluster.lock:
        state = cluster.state
        marathon = cluster.marathon_state
        agents = frozenset(a.id for a in state.agents.values() if a.owner == account.owner)
        by_app: dict[str, set[str]] = {}
        for task_id, launched in marathon.tasks.items():
            record = state.tasks.get(task_id)
            # Marathon notices a task ended (a lost agent) only when time moves: it lists
            # the tasks whose Mesos record is live
            if launched.app_id.startswith(prefix) and record is not None and not record.terminal:
                by_app.setdefault(launched.app_id[cut:], set()).add(task_id)
        by_agent: dict[str, set[str]] = {}
        for task in state.tasks.values():
            if (
                task.app_id is not None
                and task.app_id.startswith(prefix)
                and not task.terminal
                and task.agent_id in agents
            ):
                by_agent.setdefault(task.agent_id, set()).add(task.id)
        # Marathon shows the apps of a deployment's steps (a rollback with nothing to do has
        # none, and is nobody's but the cluster-wide account's)
        deployments = frozenset(
            deployment_id
            for deployment_id, d in marathon.deployments.items()
            if any(a.startswith(prefix) for a in d.affected_apps)
        )
        return OwnState(
            apps={
                app_id[cut:]: record.instances
                for app_id, record in state.apps.items()
                if app_id.startswith(prefix)
            },
            agents=agents,
            marathon_tasks={k: frozenset(v) for k, v in by_app.items()},
            live_tasks={k: frozenset(v) for k, v in by_agent.items()},
            deployments=deployments,
        )


# -- leaks: ids of the other account in what an account is given ----------------------------

_ID_TOKEN: Final = re.compile(
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(?:-S[0-9]+)?"
)
_HOST_TOKEN: Final = re.compile(r"agent-[0-9]+\.asgard\.test")


class Forbidden:
    """The ids one account must never be shown: the other account's, collected as they appear.

    UUIDs of tasks, containers and deployments, agent ids (``<cluster uuid>-S<n>``: the
    cluster's own uuid, shared by every agent and Marathon's framework, is not forbidden),
    agent host names, and the other namespace and owner as text.
    """

    def __init__(self, cluster: FakeCluster, account: Account) -> None:
        self.cluster = cluster
        self.account = account
        self.other = other_of(account)
        self.tokens: set[str] = set()
        self.hosts: set[str] = set()
        self.texts = (prefix_of(self.other), self.other.owner)
        self._tasks_seen = 0

    def refresh(self) -> None:
        """Collect the other account's ids that appeared since the last refresh."""
        prefix = prefix_of(self.other)
        with self.cluster.lock:
            state = self.cluster.state
            for agent in state.agents.values():
                if agent.owner == self.other.owner:
                    self.tokens.add(agent.id)
                    self.hosts.add(agent.hostname)
            tasks = state.tasks
            for task in itertools.islice(tasks.values(), self._tasks_seen, None):
                if task.app_id is not None and task.app_id.startswith(prefix):
                    self.tokens.update(_ID_TOKEN.findall(task.id))
                    self.tokens.add(task.container_id)
            self._tasks_seen = len(tasks)
            for deployment_id, deployment in self.cluster.marathon_state.deployments.items():
                apps = (*deployment.target, *deployment.original)
                if any(a.startswith(prefix) for a in apps):
                    self.tokens.add(deployment_id)

    def in_text(self, text: str, *, markers: bool = True) -> list[str]:
        """The forbidden ids a text names (and the namespace and owner, with ``markers``)."""
        found = [token for token in _ID_TOKEN.findall(text) if token in self.tokens]
        found += [host for host in _HOST_TOKEN.findall(text) if host in self.hosts]
        if markers:
            found += [marker for marker in self.texts if marker in text]
        return found

    def in_value(self, value: object, given: object = None, *, markers: bool = True) -> list[str]:
        """The forbidden ids anywhere in a returned value (models, lists, mappings, errors).

        The ids in ``given`` (the operation's own arguments) may be echoed back; ``markers``
        False lets the other namespace's name through (an attempt that names it itself).
        """
        echoed = {token for text in strings_of(given) for token in self.in_text(text)}
        found: list[str] = []
        for text in strings_of(value):
            found.extend(
                f"{token!r} in {text[:160]!r}"
                for token in self.in_text(text, markers=markers)
                if token not in echoed
            )
        return found


def strings_of(value: object, depth: int = 0) -> Iterator[str]:
    """Every string inside a value: attrs models, mappings, sequences, sets, exceptions."""
    if depth > 12 or value is None or isinstance(value, (bool, int, float)):
        return
    if isinstance(value, str):
        yield value
    elif isinstance(value, Enum):
        yield str(value.value)
    elif isinstance(value, BaseException):
        yield str(value)
    elif attrs.has(type(value)):
        for field in attrs.fields(cast("type[attrs.AttrsInstance]", type(value))):
            yield from strings_of(getattr(value, field.name), depth + 1)
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from strings_of(key, depth + 1)
            yield from strings_of(item, depth + 1)
    elif isinstance(value, (list, tuple, set, frozenset)):
        for item in value:
            yield from strings_of(item, depth + 1)


# -- faults ---------------------------------------------------------------------------------

FAULT_WEIGHTS: Final[Mapping[str, float]] = {
    "latency": 3,
    "server_error_html": 3,
    "timeout": 1,  # each one costs TIMEOUT_HOLD (or the client's timeout) of real time
    "connection_refused": 3,
    "connection_reset": 4,
    "truncated_body": 2,
    "wrong_content_type": 2,
    "locked": 2,
    "agent_unreachable": 3,
}
Side = Literal["marathon", "master", "agent"]
_APPS: Final[list[tuple[Side, str | None]]] = [("marathon", None), ("marathon", "/v2/apps*")]
_MASTER: Final[list[tuple[Side, str | None]]] = [
    ("master", None),
    ("master", "/master/slaves"),
    ("master", "/master/tasks"),
]
_AGENT: Final[list[tuple[Side, str | None]]] = [("agent", None), ("agent", "/containers")]
_DEPLOYMENTS: Final[list[tuple[Side, str | None]]] = [("marathon", "/v2/deployments*")]
# Where a fault is put, by operation family ("apps") and kind ("apps.cancel"): both lists count.
FAULT_TARGETS: Final[Mapping[str, list[tuple[Side, str | None]]]] = {
    "apps": _APPS,
    "agents": _MASTER,
    "orch": [*_APPS, *_MASTER, *_AGENT],
    "cross": [*_APPS, *_MASTER],
    **dict.fromkeys(("apps.deployments", "apps.cancel", "apps.wait", "cross.cancel"), _DEPLOYMENTS),
    "apps.queue": [("marathon", "/v2/queue")],
    "apps.info": [("marathon", "/v2/info"), ("marathon", "/v2/leader")],
    "agents.usage": _AGENT,
    "agents.usage_all": _AGENT,
    "cross.usage": _AGENT,
    "agents.logs": [("agent", "/files/*"), ("agent", None)],
    "cross.logs": [("agent", "/files/*")],
    "agents.info": [
        ("master", "/version"),
        ("master", "/master/flags"),
        ("master", "/master/redirect"),
    ],
}
# mostly short; 0.4 s is longer than dev's read timeout and shorter than ops'
LATENCIES: Final = (0.002, 0.01, 0.02, 0.05, 0.4)
LATENCY_WEIGHTS: Final = (3, 3, 2, 1, 1)
FAULT_CHANCE: Final = 0.35
FLIP_CHANCE: Final = 0.06  # a leader change in the middle of an operation
# Faults that stop the request before the endpoint runs: a write with one was not applied.
NOT_APPLIED: Final = frozenset({"server_error_html", "locked", "connection_refused"})
# Faults after which the client never gets the answer of an applied write.
LOST_REPLY: Final = frozenset({"connection_reset", "timeout", "server_error_html"})
WRITE_METHODS: Final = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@attrs.frozen
class FaultPlan:
    """One fault to inject before an operation."""

    kind: FaultKind
    server: str | None
    path: str | None
    times: int
    seconds: float | None

    def describe(self) -> str:
        where = self.server or "any server"
        extra = f", {self.seconds:g} s" if self.seconds is not None else ""
        return f"{self.kind}@{where}{self.path or ''} x{self.times}{extra}"


# -- operations -----------------------------------------------------------------------------

OP_WEIGHTS: Final[Mapping[str, float]] = {
    "apps.list": 4,
    "apps.get": 4,
    "apps.tasks": 3,
    "apps.versions": 2,
    "apps.deployments": 3,
    "apps.queue": 1,
    "apps.info": 1,
    "apps.create": 8,
    "apps.update": 2,
    "apps.patch": 4,
    "apps.scale": 8,
    "apps.restart": 3,
    "apps.delete": 3,
    "apps.kill_tasks": 4,
    "apps.cancel": 2,
    "apps.rollback": 2,
    "apps.wait": 2,
    "agents.list": 3,
    "agents.get": 2,
    "agents.tasks": 2,
    "agents.usage": 2,
    "agents.usage_all": 1,
    "agents.logs": 2,
    "agents.info": 1,
    "orch.app_stats": 3,
    "orch.app_tasks": 1,
    "orch.agent_apps": 1,
    "cross.get": 2,
    "cross.scale": 1,
    "cross.delete": 1,
    "cross.kill": 1,
    "cross.agent": 1,
    "cross.usage": 1,
    "cross.logs": 1,
    "cross.cancel": 1,
    "cross.stats": 1,
}
WRITES: Final = frozenset(
    {
        "apps.create",
        "apps.update",
        "apps.patch",
        "apps.scale",
        "apps.restart",
        "apps.delete",
        "apps.kill_tasks",
        "apps.cancel",
        "apps.rollback",
    }
)
CROSS_WRITES: Final = frozenset({"cross.scale", "cross.delete", "cross.kill", "cross.cancel"})
# Reads that must succeed when no fault was injected and both services have a leader.
ALWAYS_ANSWER: Final = frozenset(
    {"apps.list", "apps.deployments", "apps.queue", "apps.info", "agents.list", "agents.info"}
)
# Errors that say a write was refused, so nothing may have changed.
REFUSED: Final = (
    InvalidInputError,
    NotFoundError,
    ConflictError,
    TooManyDeploymentsError,
    RequestRejectedError,
    NoLeaderError,
)
CHAOS_CHANCE: Final = 0.25
CHAOS_WEIGHTS: Final[Mapping[str, float]] = {
    "advance": 10,
    "leader": 2,
    "no_leader": 0.6,
    "fail_deployment": 0.8,
    "replace_agent": 0.4,
    "fail_launch": 0.6,
    "stray_task": 0.6,
}


@attrs.frozen
class LeaderFlip:
    """A leader change in the middle of an operation: when its ``after``-th request arrives.

    ``index`` None leaves the service without a leader (restored ``restore_in`` steps later).
    """

    after: int
    service: Literal["mesos", "marathon"]
    index: int | None
    restore_in: int

    def describe(self) -> str:
        change = "no leader" if self.index is None else f"leader {self.index}"
        return f"{self.service} {change} at request {self.after}"


@attrs.frozen
class Op:
    """One planned account operation: what the driver calls, with what, under which faults."""

    step: int
    number: int
    kind: str
    account: Account
    params: Mapping[str, Any]
    touched: frozenset[str] = frozenset()
    faults: tuple[FaultPlan, ...] = ()
    flip: LeaderFlip | None = None

    @property
    def tenant(self) -> int:
        """The index of the account in :data:`TENANTS`."""
        return TENANTS.index(self.account)

    @property
    def is_write(self) -> bool:
        return self.kind in WRITES

    @property
    def sends_write(self) -> bool:
        """Whether the operation may send a write (the attempts on foreign ids do)."""
        return self.kind in WRITES or self.kind in CROSS_WRITES

    @property
    def is_cross(self) -> bool:
        return self.kind.startswith("cross.")

    def describe(self) -> str:
        args = ", ".join(f"{key}={value!r}" for key, value in self.params.items())
        chaos = [fault.describe() for fault in self.faults]
        if self.flip is not None:
            chaos.append(self.flip.describe())
        return f"{self.account.namespace}: {self.kind}({args}) [{'; '.join(chaos) or 'no fault'}]"


@attrs.frozen
class Chaos:
    """One planned change of the cluster itself (time, leaders, agents, deployments)."""

    step: int
    kind: str
    params: Mapping[str, Any]

    def describe(self) -> str:
        args = ", ".join(f"{key}={value!r}" for key, value in self.params.items())
        return f"chaos: {self.kind}({args})"


class SoakInvariantError(AssertionError):
    """An invariant broke; the message says how to replay the run."""


def weighted(rng: random.Random, weights: Mapping[str, float]) -> str:
    """One key of ``weights``, drawn by weight."""
    keys = list(weights)
    return rng.choices(keys, weights=[weights[key] for key in keys])[0]


# -- the soak -------------------------------------------------------------------------------


@attrs.define
class Counters:
    """What a run did, for the report."""

    ops: int = 0
    chaos: int = 0
    faults_injected: int = 0
    faults_hit: int = 0
    errors: dict[str, int] = attrs.Factory(dict)
    kinds: dict[str, int] = attrs.Factory(dict)
    chaos_kinds: dict[str, int] = attrs.Factory(dict)
    fault_kinds: dict[str, int] = attrs.Factory(dict)
    flips: int = 0
    garbled_writes: list[str] = attrs.Factory(list)
    connections: int = 0
    requests: int = 0
    seconds: dict[str, float] = attrs.Factory(dict)


@attrs.define
class _Pending:
    op: Op
    views: dict[str, NamespaceView]
    log_start: int
    unreached_start: int
    mesos_leader: int | None
    marathon_leader: int | None
    injected: list[Any]
    started: float = attrs.field(factory=time.monotonic)


class Soak:
    """One soak run: plans the steps from the seed and checks the invariants around each.

    Args:
        settings: seed and number of operations.
        variant: ``"sync"`` or ``"async"``, for messages and the report.
        baseline: the threads and file descriptors held before the run.
    """

    def __init__(self, settings: Settings, variant: str, baseline: Baseline) -> None:
        self.settings = settings
        self.baseline = baseline
        self.variant = variant
        self.rng = random.Random(settings.seed)
        # the seed picks the emulated versions too, so random seeds cover every pair
        self.versions = (
            self.rng.choice(SUPPORTED_MARATHON_VERSIONS),
            self.rng.choice(SUPPORTED_MESOS_VERSIONS),
        )
        self.cluster = build_cluster(
            settings.seed, marathon_version=self.versions[0], mesos_version=self.versions[1]
        )
        self.counters = Counters()
        self.history: list[str] = []
        self.step = 0
        self.started = time.monotonic()
        self.forbidden = {
            account.namespace: Forbidden(self.cluster, account) for account in TENANTS
        }
        for found in self.forbidden.values():
            found.refresh()
        self._restore_leader_in: int | None = None
        self._pending: _Pending | None = None
        self.strays: set[str] = set()  # tasks put where the owner pin would not
        # Set by the hooks, which run in the served cluster's threads with its lock held:
        self.leaderless: set[int] = set()  # log indices of requests served without a leader
        self._flip: LeaderFlip | None = None
        self._flipped: LeaderFlip | None = None
        self._handled = 0
        self._hook_routes()
        self._agent_urls: dict[str, str] = {}

    # -- hooks on the fake's endpoints --------------------------------------------------------

    def _hook_routes(self) -> None:
        """Wrap every endpoint: count requests, flip leaders mid-operation, note leaderless."""
        router = self.cluster.router
        for route in router.routes:
            router.register(route.kind, route.method, route.pattern, self._hooked(route.handler))

    def _hooked(self, handler: Handler) -> Handler:
        def hooked(cluster: FakeCluster, server: Server, request: httpx.Request) -> httpx.Response:
            self._on_request(server)
            return handler(cluster, server, request)

        return hooked

    def _on_request(self, server: Server) -> None:
        # the dispatcher logged this request last, and holds the lock until it is answered
        cluster = self.cluster
        self._handled += 1
        flip = self._flip
        if flip is not None and self._handled >= flip.after:
            self._flip = None
            self._flipped = flip
            if flip.index is None:
                cluster.no_leader(service=flip.service)
            else:
                cluster.set_leader(flip.index, service=flip.service)
        if server.kind == "marathon" and cluster.marathon_leader is None:
            self.leaderless.add(len(cluster.requests) - 1)

    # -- failure messages ------------------------------------------------------------------

    def fail(self, what: str, detail: Iterable[str] = ()) -> SoakInvariantError:
        """A failure whose message replays the run: seed, step, operation, recent steps."""
        lines = [
            f"chaos soak ({self.variant}) failed at step {self.step} "
            f"(seed {self.settings.seed}, {self.settings.seed_source}; "
            f"Marathon {self.versions[0]}, Mesos {self.versions[1]}; "
            f"{self.counters.ops} of {self.settings.ops} operations run)",
            f"  {what}",
            *(f"    {line}" for line in detail),
            "  last steps:",
            *(f"    {line}" for line in self.history[-12:]),
            f"  replay: {self.settings.replay(self.variant)}",
        ]
        return SoakInvariantError("\n".join(lines))

    # -- planning --------------------------------------------------------------------------

    def steps(self) -> Iterator[Op | Chaos]:
        """The planned steps, until the wanted number of operations ran.

        Each step is planned from the cluster's state after the previous one, so the caller
        must finish (and check) a step before asking for the next.
        """
        while self.counters.ops < self.settings.ops:
            self.step += 1
            if self._restore_leader_in is not None:
                self._restore_leader_in -= 1
                if self._restore_leader_in <= 0:
                    self._restore_leader_in = None
                    yield self._chaos("restore_leader")
                    continue
            if self.rng.random() < CHAOS_CHANCE:
                yield self._chaos(weighted(self.rng, CHAOS_WEIGHTS))
                continue
            yield self._plan_op()

    def _own_apps(self, account: Account) -> list[str]:
        prefix = prefix_of(account)
        with self.cluster.lock:
            return sorted(
                app_id[len(prefix) - 1 :]
                for app_id in self.cluster.state.apps
                if app_id.startswith(prefix)
            )

    def _own_agents(self, account: Account) -> list[str]:
        with self.cluster.lock:
            return sorted(
                agent.id
                for agent in self.cluster.state.agents.values()
                if agent.owner == account.owner
            )

    def _live_tasks(self, full_app_id: str) -> list[str]:
        with self.cluster.lock:
            return sorted(
                task_id
                for task_id, task in self.cluster.marathon_state.tasks.items()
                if task.app_id == full_app_id
                and task_id in self.cluster.state.tasks
                and not self.cluster.state.tasks[task_id].terminal
            )

    def _all_tasks(self, account: Account) -> list[str]:
        prefix = prefix_of(account)
        with self.cluster.lock:
            return sorted(
                task.id
                for task in self.cluster.state.tasks.values()
                if task.app_id is not None and task.app_id.startswith(prefix)
            )

    def _deployments(self, account: Account) -> list[tuple[str, tuple[str, ...]]]:
        prefix = prefix_of(account)
        with self.cluster.lock:
            return sorted(
                (deployment_id, tuple(sorted(set(d.target) | set(d.original))))
                for deployment_id, d in self.cluster.marathon_state.deployments.items()
                if any(a.startswith(prefix) for a in (*d.target, *d.original))
            )

    def _versions(self, full_app_id: str) -> list[str]:
        with self.cluster.lock:
            return [
                v.version.strftime("%Y-%m-%dT%H:%M:%S.") + f"{v.version.microsecond // 1000:03d}Z"
                for v in self.cluster.marathon_state.versions.get(full_app_id, [])
            ]

    def _name(self, account: Account, existing: float = 0.85) -> str:
        own = self._own_apps(account)
        if own and self.rng.random() < existing:
            return self.rng.choice(own)
        return "/" + self.rng.choice(NAMES)

    def _plan_op(self) -> Op:
        rng = self.rng
        account = rng.choice(TENANTS)
        kind = weighted(rng, OP_WEIGHTS)
        params, touched, kind = self._params(account, kind)
        faults = self._plan_faults(kind, account) if rng.random() < FAULT_CHANCE else ()
        flip = None
        if rng.random() < FLIP_CHANCE:
            service: Literal["mesos", "marathon"] = rng.choice(("mesos", "marathon"))
            leaderless = rng.random() < 0.3
            flip = LeaderFlip(
                after=rng.randint(1, 3),
                service=service,
                index=None if leaderless else rng.randrange(3 if service == "mesos" else 2),
                restore_in=rng.randint(1, 3),
            )
        return Op(
            step=self.step,
            number=self.counters.ops + 1,
            kind=kind,
            account=account,
            params=params,
            touched=frozenset(account.marathon_app_id(app) for app in touched),
            faults=faults,
            flip=flip,
        )

    def _params(self, account: Account, kind: str) -> tuple[dict[str, Any], tuple[str, ...], str]:
        """The arguments of an operation, the own apps it may change, and its (final) kind."""
        rng = self.rng
        other = other_of(account)
        force = rng.random() < 0.3
        if kind in {"apps.get", "apps.tasks", "apps.versions", "orch.app_tasks"}:
            return {"app_id": self._name(account)}, (), kind
        if kind == "apps.list":
            return {"with_tasks": rng.random() < 0.5}, (), kind
        if kind == "orch.app_stats":
            return {"app_id": self._name(account, 0.95)}, (), kind
        if kind == "apps.create":
            name = "/" + rng.choice(NAMES)
            spec = AppSpec(
                id=name,
                instances=rng.randint(0, 3),
                cpus=rng.choice((0.1, 0.2)),
                mem=rng.choice((32, 64)),
                cmd=f"sleep {rng.randint(100, 999)}",
                labels={"soak": str(self.step)},
            )
            return {"spec": spec}, (name,), kind
        if kind == "apps.scale":
            name = self._name(account)
            return {"app_id": name, "instances": rng.randint(0, 4), "force": force}, (name,), kind
        if kind == "apps.patch":
            name = self._name(account)
            choice = rng.randrange(6)
            if choice == 0:
                patch = AppPatch(mem=rng.choice((32, 48, 64)))
            elif choice == 1:
                patch = AppPatch(labels={"tier": rng.choice(("a", "b", "c"))})
            elif choice == 2:
                patch = AppPatch(env={"MODE": rng.choice(("x", "y"))})
            elif choice == 3:
                patch = AppPatch(instances=rng.randint(0, 3))
            elif choice == 4:  # clears cmd: asgard reads the app and replaces it (GET + PUT)
                patch = AppPatch(cmd=None, args=("sleep", str(rng.randint(100, 999))))
            else:
                patch = AppPatch(args=None, cmd=f"sleep {rng.randint(100, 999)}")
            return {"app_id": name, "changes": patch, "force": force}, (name,), kind
        if kind == "apps.update":
            name = self._name(account)
            return {"app_id": name, "mem": rng.choice((32, 48, 64)), "force": force}, (name,), kind
        if kind in {"apps.restart", "apps.delete"}:
            name = self._name(account)
            return {"app_id": name, "force": force}, (name,), kind
        if kind == "apps.kill_tasks":
            name = self._name(account, 1.0)
            live = self._live_tasks(account.marathon_app_id(name))
            if not live:
                return {"app_id": name}, (), "apps.tasks"
            scale = rng.random() < 0.5
            wipe = not scale and rng.random() < 0.3
            chosen = rng.sample(live, min(len(live), rng.randint(1, 2)))
            return (
                {"app_id": name, "task_ids": tuple(chosen), "scale": scale, "wipe": wipe},
                (name,),
                kind,
            )
        if kind == "apps.cancel":
            running = self._deployments(account)
            if not running:
                return {}, (), "apps.deployments"
            deployment_id, apps = rng.choice(running)
            prefix = prefix_of(account)
            own = tuple(a[len(prefix) - 1 :] for a in apps if a.startswith(prefix))
            return {"deployment_id": deployment_id, "rollback": rng.random() < 0.7}, own, kind
        if kind == "apps.rollback":
            name = self._name(account, 1.0)
            versions = self._versions(account.marathon_app_id(name))
            if len(versions) < 2:
                return {"app_id": name}, (), "apps.versions"
            return (
                {"app_id": name, "version": rng.choice(versions[:-1]), "force": force},
                (name,),
                kind,
            )
        if kind == "apps.wait":
            running = self._deployments(account)
            if not running:
                return {}, (), "apps.deployments"
            return {"deployment_id": rng.choice(running)[0]}, (), kind
        if kind in {"agents.get", "agents.tasks", "agents.usage", "orch.agent_apps"}:
            agents = self._own_agents(account)
            return {"agent_id": rng.choice(agents)}, (), kind
        if kind == "agents.usage_all":
            agents = self._own_agents(account)
            some = None if rng.random() < 0.5 else tuple(rng.sample(agents, 2))
            return {"agent_ids": some}, (), kind
        if kind == "agents.logs":
            tasks = self._all_tasks(account)
            if not tasks:
                return {}, (), "agents.list"
            task_id = rng.choice(tasks)
            return {"task_id": task_id, "stream": rng.choice(("stdout", "stderr"))}, (), kind
        if kind in {"apps.deployments", "apps.queue", "apps.info", "agents.info"}:
            return {}, (), kind
        if kind == "agents.list":
            return {"with_tasks": rng.random() < 0.5}, (), kind
        return self._cross_params(account, other, kind)

    def _cross_params(
        self, account: Account, other: Account, kind: str
    ) -> tuple[dict[str, Any], tuple[str, ...], str]:
        """An attempt on the other account's objects, by their ids."""
        rng = self.rng
        theirs = self._own_apps(other) or ["/web"]
        name = rng.choice(theirs)
        spellings = (
            f"/{other.namespace}{name}",  # relative: this account's /<other>/<name>, absent
            f"../{other.namespace}{name}",  # leaves the namespace: refused before sending
            f"{other.namespace}{name}",
        )
        if kind == "cross.get":
            return {"app_id": rng.choice(spellings)}, (), kind
        if kind == "cross.scale":
            return {"app_id": rng.choice(spellings), "instances": rng.randint(0, 5)}, (), kind
        if kind == "cross.delete":
            return {"app_id": rng.choice(spellings)}, (), kind
        if kind == "cross.stats":
            return {"app_id": rng.choice(spellings)}, (), kind
        if kind == "cross.kill":
            live = self._live_tasks(other.marathon_app_id(name))
            mine = self._own_apps(account)
            if not live:
                return {"app_id": rng.choice(spellings)}, (), "cross.get"
            # one of their tasks, killed through one of our apps, or through their app's name
            target = rng.choice(mine) if mine and rng.random() < 0.5 else name
            return {"app_id": target, "task_ids": (rng.choice(live),)}, (), kind
        if kind in {"cross.agent", "cross.usage"}:
            agent_id = rng.choice(self._own_agents(other))
            how = rng.choice(("get", "tasks", "usage", "all"))
            return {"agent_id": agent_id, "how": how}, (), kind
        if kind == "cross.logs":
            tasks = self._all_tasks(other)
            if not tasks:
                return {"app_id": rng.choice(spellings)}, (), "cross.get"
            return {"task_id": rng.choice(tasks)}, (), kind
        if kind == "cross.cancel":
            running = self._deployments(other)
            if not running:
                return {"app_id": rng.choice(spellings)}, (), "cross.get"
            return {"deployment_id": rng.choice(running)[0]}, (), kind
        raise AssertionError(f"unknown operation {kind}")

    def _plan_faults(self, kind: str, account: Account) -> tuple[FaultPlan, ...]:
        count = 1 if self.rng.random() < 0.8 else 2
        return tuple(self._plan_fault(kind, account) for _ in range(count))

    def _plan_fault(self, kind: str, account: Account) -> FaultPlan:
        """A fault on a server and path the operation is likely to use."""
        rng = self.rng
        cluster = self.cluster
        side, path = rng.choice(
            [*FAULT_TARGETS[kind.split(".", 1)[0]], *FAULT_TARGETS.get(kind, [])]
        )
        fault = rng.choices(FAULT_KINDS, weights=[FAULT_WEIGHTS.get(k, 2) for k in FAULT_KINDS])[0]
        if side != "agent" and fault == "agent_unreachable":
            fault = "connection_refused"
        server: str | None = None
        if side == "agent":
            # mostly the account's own agents (the ones it reads), sometimes any agent
            agents = self._own_agents(account) or sorted(cluster.agents)
            if rng.random() < 0.7:
                server = cluster.agent_url(rng.choice(agents))
        elif rng.random() < 0.3:
            server = rng.choice(cluster.marathon_urls if side == "marathon" else cluster.mesos_urls)
        seconds = rng.choices(LATENCIES, LATENCY_WEIGHTS)[0] if fault == "latency" else None
        return FaultPlan(
            kind=fault, server=server, path=path, times=rng.choice((1, 1, 1, 2)), seconds=seconds
        )

    def _chaos(self, kind: str) -> Chaos:
        rng = self.rng
        params: dict[str, Any] = {}
        if kind == "advance":
            params["seconds"] = rng.choice((0.5, 1.0, 2.0, 5.0, 15.0, 40.0))
        elif kind in {"leader", "restore_leader"}:
            service = rng.choice(("mesos", "marathon", None))
            params["service"] = service
            params["index"] = rng.randrange(3 if service == "mesos" else 2)
        elif kind == "no_leader":
            params["service"] = rng.choice(("mesos", "marathon"))
            params["for_steps"] = rng.randint(1, 3)
        elif kind == "fail_deployment":
            with self.cluster.lock:
                running = sorted(self.cluster.marathon_state.deployments)
            if not running:
                return self._chaos("advance")
            params["deployment_id"] = rng.choice(running)
        elif kind == "replace_agent":
            account = rng.choice(TENANTS)
            params["agent_id"] = rng.choice(self._own_agents(account))
            params["owner"] = account.owner
        elif kind == "fail_launch":
            account = rng.choice(TENANTS)
            own = self._own_apps(account)
            if not own:
                return self._chaos("advance")
            params["app_id"] = account.marathon_app_id(rng.choice(own))
            params["times"] = rng.randint(1, 2)
        elif kind == "stray_task":
            # A task where the owner pin would never put it (an operator's hand, an app made
            # without the pin): an account's task on the other's agent or on nobody's, or
            # another framework's task on an account's agent. Nobody may see it but its owner.
            with self.cluster.lock:
                agents = sorted(self.cluster.state.agents.values(), key=lambda a: a.index)
            agent = rng.choice(agents)
            if rng.random() < 0.3:
                params.update(agent_id=agent.id, app_id="nightly-report", framework="chronos")
            else:
                owners = [a for a in TENANTS if a.owner != agent.owner]
                account = rng.choice(owners)
                name = rng.choice([*self._own_apps(account), "/stray"])
                params.update(
                    agent_id=agent.id,
                    app_id=account.marathon_app_id(name),
                    framework="marathon",
                )
        return Chaos(step=self.step, kind=kind, params=params)

    # -- running chaos ---------------------------------------------------------------------

    def apply(self, chaos: Chaos) -> None:
        """Change the cluster as planned, then check what holds across any step."""
        cluster = self.cluster
        params = chaos.params
        self.history.append(f"step {self.step}: {chaos.describe()}")
        self.counters.chaos += 1
        self.counters.chaos_kinds[chaos.kind] = self.counters.chaos_kinds.get(chaos.kind, 0) + 1
        if chaos.kind == "advance":
            cluster.advance(params["seconds"])
        elif chaos.kind in {"leader", "restore_leader"}:
            cluster.set_leader(params["index"], service=params["service"])
            if chaos.kind == "restore_leader":
                # the other service may have lost its leader too: make sure both lead again
                for service in ("mesos", "marathon"):
                    leader = cluster.mesos_leader if service == "mesos" else cluster.marathon_leader
                    if leader is None:
                        cluster.set_leader(0, service=service)
        elif chaos.kind == "no_leader":
            cluster.no_leader(service=params["service"])
            self._restore_leader_in = params["for_steps"]
        elif chaos.kind == "fail_deployment":
            if params["deployment_id"] in cluster.deployments:
                cluster.fail_deployment(params["deployment_id"])
        elif chaos.kind == "replace_agent":
            cluster.remove_agent(params["agent_id"])
            cluster.add_agent(owner=params["owner"], cpus=4, mem=4096)
        elif chaos.kind == "fail_launch" and params["app_id"] in cluster.apps:
            cluster.fail_next_launch(params["app_id"], params["times"])
        elif chaos.kind == "stray_task":
            self.strays.add(
                cluster.add_task(
                    agent_id=params["agent_id"],
                    app_id=params["app_id"],
                    framework=params["framework"],
                    cpus=0.1,
                    mem=32,
                )
            )
        for found in self.forbidden.values():
            found.refresh()
        self.check_placement()

    def check_placement(self) -> None:
        """Every live task of an account's app runs on one of that account's agents."""
        with self.cluster.lock:
            state = self.cluster.state
            wrong = []
            for task in state.tasks.values():
                if task.terminal or task.app_id is None or task.id in self.strays:
                    continue
                for account in TENANTS:
                    if task.app_id.startswith(prefix_of(account)):
                        agent = state.agents.get(task.agent_id)
                        if agent is not None and agent.owner != account.owner:
                            wrong.append(
                                f"{task.id} of {task.app_id} on {agent.id} (owner {agent.owner})"
                            )
        if wrong:
            raise self.fail("a task runs on another account's agent", wrong)

    def restore_leaders(self) -> None:
        """Give both services a leader again (before the last cluster-wide look)."""
        if self.cluster.mesos_leader is None:
            self.cluster.set_leader(0, service="mesos")
        if self.cluster.marathon_leader is None:
            self.cluster.set_leader(0, service="marathon")
        self._restore_leader_in = None

    # -- around an operation ---------------------------------------------------------------

    @property
    def leaders_present(self) -> bool:
        return self.cluster.mesos_leader is not None and self.cluster.marathon_leader is not None

    def before(self, op: Op) -> None:
        """Snapshot the fake and inject the operation's faults."""
        self.history.append(f"step {self.step}: op #{op.number} {op.describe()}")
        cluster = self.cluster
        injected = []
        for plan in op.faults:
            injected.append(
                cluster.faults.inject(
                    plan.kind,
                    server=plan.server,
                    path=plan.path,
                    times=plan.times,
                    seconds=plan.seconds,
                )
            )
            self.counters.faults_injected += 1
            self.counters.fault_kinds[plan.kind] = self.counters.fault_kinds.get(plan.kind, 0) + 1
        with cluster.lock:
            self._handled = 0
            self._flip = op.flip
            self._flipped = None
        self._pending = _Pending(
            op=op,
            views={account.namespace: namespace_view(cluster, account) for account in TENANTS},
            log_start=len(cluster.requests),
            unreached_start=len(cluster.requests.unreached),
            mesos_leader=cluster.mesos_leader,
            marathon_leader=cluster.marathon_leader,
            injected=injected,
        )

    def after(self, op: Op, result: object, error: BaseException | None) -> None:
        """Check every invariant of one operation (:class:`SoakInvariantError` when one broke)."""
        pending = self._pending
        assert pending is not None
        assert pending.op is op
        self._pending = None
        cluster = self.cluster
        cluster.faults.clear()  # what the operation did not use must not hit the checks
        with cluster.lock:
            self._flip = None
            flipped, self._flipped = self._flipped, None
        if flipped is not None:
            self.counters.flips += 1
            if flipped.index is None and self._restore_leader_in is None:
                self._restore_leader_in = flipped.restore_in
        self.counters.ops += 1
        self.counters.kinds[op.kind] = self.counters.kinds.get(op.kind, 0) + 1
        took = time.monotonic() - pending.started
        label = op.kind if not op.faults else f"{op.kind} under faults"
        self.counters.seconds[label] = self.counters.seconds.get(label, 0.0) + took
        self.counters.faults_hit += sum(1 for fault in pending.injected if fault.hits)
        outcome = "ok" if error is None else type(error).__name__
        self.counters.errors[outcome] = self.counters.errors.get(outcome, 0) + 1
        self.history[-1] += f" -> {outcome}"
        if error is not None and not isinstance(error, AsgardError):
            raise self.fail(
                f"{op.describe()} raised {type(error).__name__}, not an AsgardError: {error!r}"
            ) from error
        records = cluster.requests[pending.log_start :]
        problems = [
            *self._check_tenancy(op, pending, result, error),
            *self._check_writes(op, pending, records, result, error),
            *self._check_outcome(op, pending, records, result, error),
        ]
        if problems:
            raise self.fail(
                f"{op.describe()} -> {outcome}",
                [
                    *problems,
                    f"error: {error!r}" if error is not None else f"result: {result!r}"[:400],
                    "requests: "
                    + "; ".join(f"{r.method} {r.server}{r.path} {list(r.faults)}" for r in records),
                ],
            )
        for found in self.forbidden.values():
            found.refresh()
        self.check_placement()
        self.check_threads()

    def _check_tenancy(
        self, op: Op, pending: _Pending, result: object, error: BaseException | None
    ) -> list[str]:
        problems: list[str] = []
        other = other_of(op.account)
        for account in TENANTS:
            before = pending.views[account.namespace]
            after = namespace_view(self.cluster, account)
            if account == other:
                problems += [
                    f"the other account changed: {line}"
                    for line in diff(before, after, account.namespace)
                ]
            else:
                problems += [
                    f"an app the operation does not target changed: {line}"
                    for line in diff(
                        before.without(op.touched), after.without(op.touched), account.namespace
                    )
                ]
        forbidden = self.forbidden[op.account.namespace]
        forbidden.refresh()
        # an attempt that spells the other namespace may see it spelled back
        markers = not op.is_cross
        leaks = forbidden.in_value(result, op.params, markers=markers)
        if error is not None:
            leaks += forbidden.in_value(error, op.params, markers=markers)
        problems += [f"the other account's id was shown: {leak}" for leak in leaks]
        return problems

    def _check_writes(
        self,
        op: Op,
        pending: _Pending,
        records: Sequence[RecordedRequest],
        result: object,
        error: BaseException | None,
    ) -> list[str]:
        problems: list[str] = []
        writes = [r for r in records if r.method in WRITE_METHODS]
        applied = self.applied_writes(pending, records)
        if not op.sends_write and writes:
            problems.append(f"a read-only operation sent writes: {len(writes)}")
        if len(applied) > 1:
            by_route: dict[tuple[str, str], int] = {}
            for record in applied:
                key = (record.method, record.path)
                by_route[key] = by_route.get(key, 0) + 1
            problems.append(
                f"a write reached a leader {len(applied)} times, where it may be applied: "
                f"{by_route}"
            )
        if len(writes) - len(applied) > len(self.cluster.marathon_urls):
            problems.append(f"{len(writes)} writes sent, refused ones at most once per server")
        if op.is_write and error is None and len(applied) != 1:
            problems.append(f"the write succeeded but was received {len(applied)} times")
        if applied and isinstance(error, BackendError) and error.status is not None:
            if 200 <= error.status < 300 and isinstance(error, MalformedResponseError):
                problems.append(
                    "an applied write (2xx) whose answer was garbled raised "
                    "MalformedResponseError, which a caller may retry: not WriteOutcomeUnknownError"
                )
            elif 200 <= error.status < 300 and isinstance(error, WriteOutcomeUnknownError):
                # applied, answer unreadable (truncated_body, wrong_content_type): counted
                self.counters.garbled_writes.append(f"step {op.step}, op #{op.number} ({op.kind})")
        if op.is_write and error is None and applied and set(applied[-1].faults) - {"latency"}:
            problems.append(f"the write succeeded through faults {applied[-1].faults}")
        if (
            op.sends_write
            and writes
            and LOST_REPLY.intersection(writes[-1].faults)
            and not isinstance(error, WriteOutcomeUnknownError)
        ):
            problems.append(
                f"the write's reply was lost ({writes[-1].faults}) but the operation "
                f"{'succeeded' if error is None else f'raised {type(error).__name__}'}, "
                "not WriteOutcomeUnknownError"
            )
        return problems

    def applied_writes(
        self, pending: _Pending, records: Sequence[RecordedRequest]
    ) -> list[RecordedRequest]:
        """The writes the fake may have applied: a Marathon leader answered, no fault stopped it."""
        return [
            record
            for index, record in enumerate(records, start=pending.log_start)
            if record.method in WRITE_METHODS
            and not NOT_APPLIED.intersection(record.faults)
            and index not in self.leaderless
        ]

    def _check_outcome(
        self,
        op: Op,
        pending: _Pending,
        records: Sequence[RecordedRequest],
        result: object,
        error: BaseException | None,
    ) -> list[str]:
        problems: list[str] = []
        # No fault, no leader change. A loaded machine may still time a read out (dev's read
        # timeout is 0.35 s): that is the machine, not asgard, and is not held against it.
        clean = (
            not op.faults
            and op.flip is None
            and pending.mesos_leader is not None
            and pending.marathon_leader is not None
            and not isinstance(error, BackendTimeoutError)
        )
        if op.is_cross:
            refused = error is not None or _all_errors(result)
            if not refused:
                problems.append("an attempt on the other account's object succeeded")
            if (
                clean
                and error is not None
                and not isinstance(error, (NotFoundError, InvalidInputError))
            ):
                problems.append(
                    f"without faults, the attempt should be NotFound/InvalidInput, "
                    f"not {type(error).__name__}"
                )
        if clean and op.kind in ALWAYS_ANSWER and error is not None:
            problems.append("without faults and with leaders, this read must answer")
        if isinstance(error, RequestRejectedError):
            problems.append("Marathon rejected what asgard sent as invalid")
        if op.is_write:
            problems += self._check_effect(op, pending, records, error)
        if clean and error is None and not op.is_write:
            try:
                problems += self._check_answer(op, result)
            except (AttributeError, TypeError, KeyError) as exc:
                problems.append(f"the answer is not shaped as {op.kind} answers: {exc!r}")
        return problems

    def _check_answer(self, op: Op, result: Any) -> list[str]:
        """A read answered without faults shows exactly the account's objects, as they are."""
        own = own_state(self.cluster, op.account)
        kind = op.kind
        p = op.params
        problems: list[str] = []

        def same(what: str, shown: Iterable[str], expected: Iterable[str]) -> None:
            got, want = set(shown), set(expected)
            if got != want:
                problems.append(
                    f"{what}: shown but absent {sorted(got - want)}, "
                    f"present but not shown {sorted(want - got)}"
                )

        if kind == "apps.list":
            same("apps", (app.id for app in result), own.apps)
            for app in result:
                if app.id in own.apps and app.instances != own.apps[app.id]:
                    problems.append(f"{app.id}: {app.instances} instances, not {own.apps[app.id]}")
                if p["with_tasks"]:
                    same(f"tasks of {app.id}", (t.id for t in app.tasks or ()), own.tasks(app.id))
        elif kind == "apps.get":
            relative = op.account.normalize_app_id(p["app_id"])
            if result.id != relative or result.instances != own.apps.get(relative):
                problems.append(f"got {result.id} x{result.instances}: {own.apps.get(relative)}")
            same(f"tasks of {relative}", (t.id for t in result.tasks or ()), own.tasks(relative))
        elif kind in {"apps.tasks", "orch.app_tasks"}:
            relative = op.account.normalize_app_id(p["app_id"])
            tasks = [t.task for t in result] if kind == "orch.app_tasks" else result
            same(f"tasks of {relative}", (t.id for t in tasks), own.tasks(relative))
        elif kind == "apps.deployments":
            same("deployments", (d.id for d in result), own.deployments)
        elif kind == "agents.list":
            same("agents", (a.id for a in result), own.agents)
            for agent in result if p["with_tasks"] else ():
                same(f"tasks on {agent.id}", (t.id for t in agent.tasks or ()), own.on(agent.id))
        elif kind == "agents.get":
            same("agent", [result.id], [p["agent_id"]])
            same(f"tasks on {result.id}", (t.id for t in result.tasks or ()), own.on(result.id))
        elif kind == "agents.tasks":
            same(f"tasks on {p['agent_id']}", (t.id for t in result), own.on(p["agent_id"]))
        elif kind == "agents.usage":
            extra = {sample.task_id for sample in result} - own.on(p["agent_id"])
            if extra:
                problems.append(f"usage of tasks not on the agent: {sorted(extra)}")
        elif kind == "orch.app_stats":
            relative = op.account.normalize_app_id(p["app_id"])
            seen = {t.task_id for t in result.tasks} | set(result.errors)
            extra = seen - own.tasks(relative)
            if extra:
                problems.append(f"stats of tasks not the app's: {sorted(extra)}")
        return problems

    def _check_effect(
        self,
        op: Op,
        pending: _Pending,
        records: Sequence[RecordedRequest],
        error: BaseException | None,
    ) -> list[str]:
        """The target app moved at most once, the way the operation asked, or not at all."""
        problems: list[str] = []
        ns = op.account.namespace
        before_all = pending.views[ns].apps
        after_all = namespace_view(self.cluster, op.account).apps
        if isinstance(error, REFUSED):
            refused = f"the write was refused ({type(error).__name__})"
        elif not self.applied_writes(pending, records):
            refused = "no write reached a leader"
        else:
            refused = ""
        for full in sorted(op.touched):
            before = before_all.get(full)
            after = after_all.get(full)
            if refused and before != after:
                problems.append(f"{full} changed although {refused}: {before} -> {after}")
                continue
            if before is not None and after is not None:
                grown = len(after.versions) - len(before.versions)
                if grown not in (0, 1) and op.kind != "apps.cancel":
                    problems.append(f"{full} went {grown} versions on (at most one)")
            problems += self._check_target(op, full, before, after)
        return problems

    def _check_target(
        self, op: Op, full: str, before: AppView | None, after: AppView | None
    ) -> list[str]:
        params = op.params
        kind = op.kind
        if kind == "apps.create":
            spec: AppSpec = params["spec"]
            if before is not None and after != before:
                return [f"creating the existing {full} changed it: {before} -> {after}"]
            if (
                before is None
                and after is not None
                and (after.instances != spec.instances or len(after.versions) != 1)
            ):
                return [f"{full} created as {after}, asked {spec.instances} instances"]
            return []
        if before is None:
            if after is not None and kind != "apps.cancel":
                return [f"{kind} created {full}: {after}"]
            return []
        if after is None:
            if kind not in {"apps.delete", "apps.cancel"}:
                return [f"{kind} deleted {full}"]
            return []
        allowed: set[int] | None = None
        if kind == "apps.scale":
            allowed = {before.instances, params["instances"]}
        elif kind == "apps.patch":
            changes: AppPatch = params["changes"]
            wanted = changes.instances
            allowed = {before.instances, wanted} if isinstance(wanted, int) else {before.instances}
        elif kind in {"apps.restart", "apps.update"}:
            allowed = {before.instances}
        elif kind == "apps.kill_tasks":
            killed = len(params["task_ids"])
            allowed = {before.instances}
            if params["scale"]:
                allowed.add(max(0, before.instances - killed))
            elif after.versions != before.versions:
                return [f"a kill without scale made a new version of {full}"]
        if allowed is not None and after.instances not in allowed:
            return [
                f"{full} has {after.instances} instances after {kind}; "
                f"allowed {sorted(allowed)} (was {before.instances})"
            ]
        return []

    # -- cluster-wide checks ---------------------------------------------------------------

    def admin_expected(self) -> tuple[set[str], set[str], set[str]]:
        """What the cluster-wide account must see: every app, every agent, every deployment."""
        with self.cluster.lock:
            return (
                set(self.cluster.state.apps),
                set(self.cluster.state.agents),
                set(self.cluster.marathon_state.deployments),
            )

    def check_admin(self, apps: Iterable[str], agents: Iterable[str], deps: Iterable[str]) -> None:
        """The cluster-wide account sees exactly the fake's apps, agents and deployments."""
        want_apps, want_agents, want_deps = self.admin_expected()
        problems = []
        if set(apps) != want_apps:
            problems.append(f"apps: {sorted(set(apps) ^ want_apps)} differ")
        if set(agents) != want_agents:
            problems.append(f"agents: {sorted(set(agents) ^ want_agents)} differ")
        if set(deps) != want_deps:
            problems.append(f"deployments: {sorted(set(deps) ^ want_deps)} differ")
        if problems:
            raise self.fail("the cluster-wide view disagrees with the fake", problems)

    # -- resources -------------------------------------------------------------------------

    def check_threads(self) -> None:
        """No thread is running but the baseline's, the served cluster's and the loop's."""
        extra = [
            thread.name
            for thread in threading.enumerate()
            if thread.name not in self.baseline.threads and not _is_owned_thread(thread.name)
        ]
        if extra:
            raise self.fail("threads were left running", extra)

    def report(self) -> str:
        """The summary line of the run."""
        c = self.counters
        elapsed = time.monotonic() - self.started
        errors = ", ".join(f"{k} {v}" for k, v in sorted(c.errors.items(), key=lambda kv: -kv[1]))
        faults = ", ".join(f"{k} {v}" for k, v in sorted(c.fault_kinds.items()))
        chaos = ", ".join(f"{k} {v}" for k, v in sorted(c.chaos_kinds.items()))
        digest = hashlib.sha256("\n".join(self.history).encode()).hexdigest()[:12]
        return (
            f"chaos soak [{self.variant}] seed={self.settings.seed} ({self.settings.seed_source}), "
            f"Marathon {self.versions[0]}, Mesos {self.versions[1]}: "
            f"{c.ops} operations and {c.chaos} chaos steps in {elapsed:.1f} s; "
            f"{c.faults_injected} faults injected ({faults}), {c.faults_hit} of them hit; "
            f"{c.flips} leader changes within an operation; "
            f"chaos: {chaos}; outcomes: {errors}; "
            f"{c.requests} requests over {c.connections} connections; "
            f"steps and outcomes digest {digest}"
            + (
                f"; applied writes answered garbled (WriteOutcomeUnknownError, status 2xx): "
                f"{len(c.garbled_writes)}, first at {c.garbled_writes[0]}"
                if c.garbled_writes
                else ""
            )
        )


def _is_owned_thread(name: str) -> bool:
    # the served cluster's acceptor and connection threads, until it is closed
    return name.startswith("asgard-serve") or _is_loop_thread(name)


def _is_loop_thread(name: str) -> bool:
    # the event loop's resolver workers (async variant), which the loop's runner shuts down
    return name.startswith(("asyncio_", "AnyIO worker thread"))


def _all_errors(result: object) -> bool:
    """Whether a result is a mapping of errors only (``usage_all`` of foreign agents)."""
    return (
        isinstance(result, Mapping)
        and bool(result)
        and all(isinstance(value, BaseException) for value in result.values())
    )


# -- deliberate breakage, to prove the invariants catch it ----------------------------------

SabotageKind = Literal[
    "double_write",
    "leak",
    "cross_success",
    "foreign_error",
    "tenancy",
    "hide_lost_reply",
    "garbled_as_malformed",
]


@attrs.frozen
class Sabotage:
    """Break a soak run on purpose: each kind must make the run fail with its invariant.

    ``double_write`` sends every write twice; ``leak`` shows an account the other account's
    agent id; ``cross_success`` pretends attempts on foreign ids succeeded; ``foreign_error``
    raises a KeyError; ``tenancy`` changes the other account's app behind an operation's back;
    ``hide_lost_reply`` turns WriteOutcomeUnknownError into success;
    ``garbled_as_malformed`` turns an applied write's unreadable answer back into the
    MalformedResponseError asgard once raised.
    """

    kind: SabotageKind

    def repeat(self, op: Op) -> int:
        return 2 if self.kind == "double_write" and op.is_write else 1

    def skip(self, op: Op) -> bool:
        return self.kind == "cross_success" and op.is_cross

    def swallows(self, error: Exception) -> bool:
        return self.kind == "hide_lost_reply" and isinstance(error, WriteOutcomeUnknownError)

    def translate(self, error: Exception) -> Exception:
        """The error the operation raises instead of ``error``."""
        if (
            self.kind == "garbled_as_malformed"
            and isinstance(error, WriteOutcomeUnknownError)
            and error.status is not None
            and 200 <= error.status < 300
        ):
            return MalformedResponseError("garbled", status=error.status)
        return error

    def before(self, soak: Soak, op: Op) -> None:
        if self.kind == "foreign_error" and op.kind == "apps.get":
            raise KeyError(op.params["app_id"])  # what a careless parser would let through
        if self.kind == "tenancy":
            other = other_of(op.account)
            apps = soak._own_apps(other)
            if apps:
                soak.cluster.fail_next_launch(other.marathon_app_id(apps[0]))

    def after(self, soak: Soak, op: Op, result: object) -> object:
        if self.kind == "leak" and op.kind == "apps.list":
            return (result, soak._own_agents(other_of(op.account))[0])
        return result


# -- the end of a run -----------------------------------------------------------------------


def open_fds() -> int | None:
    """How many file descriptors this process holds (Linux), or None where unknown."""
    try:
        return len(os.listdir("/proc/self/fd"))
    except OSError:
        return None


def serve_threads() -> list[str]:
    """The served cluster's connection threads still running (one per open connection)."""
    return [t.name for t in threading.enumerate() if t.name.startswith("asgard-serve ")]


def wait_for_connections_to_close(deadline: float = 5.0) -> list[str]:
    """Wait until the served cluster has no open connection; the ones left after ``deadline``."""
    end = time.monotonic() + deadline
    while True:
        left = serve_threads()
        if not left or time.monotonic() >= end:
            return left
        time.sleep(0.01)


def running_tasks() -> frozenset[int]:
    """The ids of the event loop's unfinished tasks (none without a running loop)."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return frozenset()
    return frozenset(id(task) for task in asyncio.all_tasks(loop) if not task.done())


@attrs.frozen
class Baseline:
    """What the process held before the soak: threads and file descriptors."""

    threads: frozenset[str]
    fds: int | None
    tasks: frozenset[int]

    @classmethod
    def take(cls) -> Baseline:
        gc.collect()
        return cls(
            threads=frozenset(t.name for t in threading.enumerate()),
            fds=open_fds(),
            tasks=running_tasks(),
        )

    def pending_tasks(self) -> list[str]:
        """The event loop's tasks started since the baseline and still pending (async)."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return []
        return [
            repr(task)
            for task in asyncio.all_tasks(loop)
            if id(task) not in self.tasks and not task.done()
        ]

    def leftovers(self) -> list[str]:
        """Threads and descriptors held now that were not before (after a collection)."""
        gc.collect()
        found = [
            f"thread {t.name}"
            for t in threading.enumerate()
            if t.name not in self.threads and not _is_loop_thread(t.name)
        ]
        fds = open_fds()
        if self.fds is not None and fds is not None and fds > self.fds:
            found.append(f"{fds - self.fds} more file descriptors than before ({fds})")
        return found
