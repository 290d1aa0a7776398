"""The FakeCluster's in-memory state: servers, agents and apps, with deterministic ids.

Records are frozen attrs classes; the state replaces a record (``attrs.evolve``) to change it,
so a snapshot handed out of the lock never changes under its reader. Every mutation happens
while the cluster's one :class:`threading.RLock` is held.
"""

from __future__ import annotations

import math
import random
import re
import uuid
from collections.abc import Mapping
from datetime import datetime
from types import MappingProxyType
from typing import TYPE_CHECKING, Final, Literal

import attrs
import httpx

from asgard.errors import InvalidInputError

if TYPE_CHECKING:
    from asgard.models import AppSpec

__all__ = [
    "AGENT_PORT",
    "MARATHON_PORT",
    "MESOS_PORT",
    "SERVER_KINDS",
    "TEST_DOMAIN",
    "AgentRecord",
    "AppRecord",
    "AttributeValue",
    "ClusterState",
    "FakeResources",
    "Server",
    "ServerKind",
    "base_url",
]

ServerKind = Literal["mesos_master", "marathon", "agent"]
"""The three kinds of server a FakeCluster runs."""

SERVER_KINDS: Final[tuple[ServerKind, ...]] = ("mesos_master", "marathon", "agent")
"""Every :data:`ServerKind`."""

AttributeValue = str | float
"""A Mesos agent attribute value: text, or a scalar."""

TEST_DOMAIN: Final = "asgard.test"
"""The (reserved, never resolvable) DNS domain of every fake host."""

MESOS_PORT: Final = 5050
MARATHON_PORT: Final = 8080
AGENT_PORT: Final = 5051

_DEFAULT_PORTS: Final = {"http": 80, "https": 443}
_HOSTNAME_RE: Final = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*")


def base_url(url: httpx.URL | str) -> str:
    """The ``scheme://host:port`` a URL points at, with the port always spelled out.

    User-info, path, query and fragment are dropped; the host is lower-cased.

    Raises:
        InvalidInputError: when the URL has no host or a scheme other than http or https.
    """
    try:
        parsed = url if isinstance(url, httpx.URL) else httpx.URL(url)
    except (httpx.InvalidURL, TypeError) as exc:
        raise InvalidInputError(f"{url!r} is not a URL") from exc
    if parsed.scheme not in _DEFAULT_PORTS or not parsed.host:
        raise InvalidInputError(f"{str(url)!r} is not an http(s) URL with a host")
    port = parsed.port if parsed.port is not None else _DEFAULT_PORTS[parsed.scheme]
    return f"{parsed.scheme}://{parsed.host.lower()}:{port}"


@attrs.frozen(kw_only=True)
class Server:
    """One fake server: a Mesos master, a Marathon instance or a Mesos agent.

    Attributes:
        kind: ``"mesos_master"``, ``"marathon"`` or ``"agent"``.
        index: the master's or Marathon instance's position (what ``set_leader`` takes), or the
            agent's sequence number (the ``n`` of its ``-S<n>`` id).
        host: the host name, lower-case.
        port: the TCP port.
        agent_id: the Mesos agent id, for agents only.
    """

    kind: ServerKind
    index: int
    host: str
    port: int
    agent_id: str | None = None

    @property
    def url(self) -> str:
        """The base URL, ``http://<host>:<port>``."""
        return f"http://{self.host}:{self.port}"


@attrs.frozen(kw_only=True)
class FakeResources:
    """Amounts of the scalar resources the FakeCluster tracks (memory and disk in MB)."""

    cpus: float = 0.0
    mem: float = 0.0
    disk: float = 0.0
    gpus: float = 0.0


@attrs.frozen(kw_only=True)
class AgentRecord:
    """One Mesos agent of the fake cluster.

    Attributes:
        id: the Mesos agent id, ``<uuid>-S<n>``.
        index: the ``n`` of the id.
        hostname: the agent's host name.
        port: the agent's HTTP port (5051).
        owner: the value of the ``owner`` attribute, or None when the agent has none.
        attributes: every Mesos attribute, ``owner`` included (read-only).
        total: the agent's resources.
        allocated: the part of ``total`` that tasks use (zero until tasks are placed).
        registered_at: fake time of registration.
        active: whether the agent is active.
    """

    id: str
    index: int
    hostname: str
    port: int = AGENT_PORT
    owner: str | None
    attributes: Mapping[str, AttributeValue] = attrs.field(hash=False)
    total: FakeResources
    allocated: FakeResources = FakeResources()
    registered_at: datetime
    active: bool = True

    @property
    def url(self) -> str:
        """The agent's base URL, ``http://<hostname>:<port>``."""
        return f"http://{self.hostname}:{self.port}"

    @property
    def server(self) -> Server:
        """The agent as a :class:`Server`."""
        return Server(
            kind="agent", index=self.index, host=self.hostname, port=self.port, agent_id=self.id
        )


@attrs.frozen(kw_only=True)
class AppRecord:
    """One Marathon app of the fake cluster.

    Attributes:
        id: the absolute Marathon id (``/ns/web``).
        spec: the app's :class:`asgard.models.AppSpec`, as given.
        created_at: fake time of creation.
        version: fake time of the last change (Marathon's ``version``).
    """

    id: str
    spec: AppSpec = attrs.field(repr=False)
    created_at: datetime
    version: datetime


def _number(value: object, *, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidInputError(f"{what} must be a number, not {type(value).__name__}")
    number = float(value)
    if not math.isfinite(number) or number < 0:
        raise InvalidInputError(f"{what} must be a finite, non-negative number, not {value!r}")
    return number


def check_resources(*, cpus: object, mem: object, disk: object, gpus: object) -> FakeResources:
    """Validate resource amounts and return them.

    Raises:
        InvalidInputError: when an amount is not a finite, non-negative number.
    """
    return FakeResources(
        cpus=_number(cpus, what="cpus"),
        mem=_number(mem, what="mem"),
        disk=_number(disk, what="disk"),
        gpus=_number(gpus, what="gpus"),
    )


def check_attributes(owner: object, attributes: object) -> Mapping[str, AttributeValue]:
    """Validate an agent's owner and attributes; return the attributes with ``owner`` added.

    Raises:
        InvalidInputError: when the owner is not a non-empty string (or None), when
            ``attributes`` names ``owner`` itself, or when a name is not a non-empty string or
            a value is not a string or a finite number.
    """
    if owner is not None and (not isinstance(owner, str) or not owner):
        raise InvalidInputError(f"owner must be a non-empty string or None, not {owner!r}")
    if attributes is None:
        attributes = {}
    if not isinstance(attributes, Mapping):
        raise InvalidInputError(f"attributes must be a mapping, not {type(attributes).__name__}")
    result: dict[str, AttributeValue] = {}
    for name, value in attributes.items():
        if not isinstance(name, str) or not name:
            raise InvalidInputError(f"attribute name {name!r} must be a non-empty string")
        if name == "owner":
            raise InvalidInputError("give the owner with owner=, not in attributes")
        if isinstance(value, str):
            result[name] = value
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            if not math.isfinite(value):
                raise InvalidInputError(f"attribute {name!r} must be finite, not {value!r}")
            result[name] = float(value)
        else:
            raise InvalidInputError(
                f"attribute {name!r} must be a string or a number, not {type(value).__name__}"
            )
    if owner is not None:
        result["owner"] = owner
    return MappingProxyType(result)


def check_hostname(hostname: object) -> str:
    """Validate a host name (letters, digits, ``-`` and dots) and return it lower-cased.

    Raises:
        InvalidInputError: when it is not a valid host name.
    """
    if not isinstance(hostname, str) or len(hostname) > 253:
        raise InvalidInputError(f"hostname {hostname!r} is not a host name")
    lowered = hostname.lower()
    if not _HOSTNAME_RE.fullmatch(lowered):
        raise InvalidInputError(f"hostname {hostname!r} is not a host name")
    return lowered


@attrs.define(kw_only=True)
class ClusterState:
    """Everything a FakeCluster knows; mutate it only while holding the cluster's lock.

    Attributes:
        rng: the one random source of the cluster (seeded), for every generated id.
        cluster_id: the leading master's id, a UUID; agent ids are ``<cluster_id>-S<n>``.
        framework_id: Marathon's Mesos framework id, ``<cluster_id>-0000``.
        masters: the Mesos masters, by index.
        marathons: the Marathon instances, by index.
        mesos_leader: the index of the leading master, or None while there is none.
        marathon_leader: the index of the leading Marathon instance, or None.
        agents: the agents by id, in registration order.
        apps: the apps by absolute Marathon id, in creation order.
        next_agent_index: the ``n`` of the next agent id.
    """

    rng: random.Random
    cluster_id: str
    masters: tuple[Server, ...]
    marathons: tuple[Server, ...]
    mesos_leader: int | None = 0
    marathon_leader: int | None = 0
    agents: dict[str, AgentRecord] = attrs.Factory(dict)
    apps: dict[str, AppRecord] = attrs.Factory(dict)
    next_agent_index: int = 0

    @classmethod
    def create(cls, *, seed: int, masters: int, marathons: int) -> ClusterState:
        """Build the initial state: servers, leaders at index 0, no agents, no apps."""
        rng = random.Random(seed)  # noqa: S311 - deterministic test data, not cryptography
        return cls(
            rng=rng,
            cluster_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            masters=tuple(
                Server(
                    kind="mesos_master", index=i, host=f"mesos-{i}.{TEST_DOMAIN}", port=MESOS_PORT
                )
                for i in range(masters)
            ),
            marathons=tuple(
                Server(
                    kind="marathon", index=i, host=f"marathon-{i}.{TEST_DOMAIN}", port=MARATHON_PORT
                )
                for i in range(marathons)
            ),
        )

    @property
    def framework_id(self) -> str:
        """Marathon's framework id, ``<cluster_id>-0000``."""
        return f"{self.cluster_id}-0000"

    def new_uuid(self) -> str:
        """A fresh UUID (version 4 layout) drawn from the seeded random source."""
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def servers(self) -> dict[str, Server]:
        """Every reachable server by base URL: masters, Marathon instances, then agents."""
        found = {server.url: server for server in (*self.masters, *self.marathons)}
        for agent in self.agents.values():
            found[agent.url] = agent.server
        return found
