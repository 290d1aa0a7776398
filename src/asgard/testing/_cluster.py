"""FakeCluster: an in-memory Mesos + Marathon cluster behind one httpx transport."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from types import MappingProxyType
from typing import TYPE_CHECKING, Literal

import httpx

from asgard.account import normalize_app_id
from asgard.errors import ConflictError, InvalidInputError, NotFoundError
from asgard.models._checks import number

# Importing the endpoint modules registers their endpoints in BUILTIN_ROUTES.
from asgard.testing import (  # noqa: F401
    _marathon_api,
    _marathon_events,
    _mesos_agent,
    _mesos_api,
    _tasks,
)
from asgard.testing._clock import Clock, TickListener
from asgard.testing._control import Service
from asgard.testing._deployments import MarathonScheduler, as_control_error
from asgard.testing._dispatch import Outcome, dispatch
from asgard.testing._eventbus import EventBus
from asgard.testing._faults import Faults
from asgard.testing._marathon_apps import MarathonError, definition_from_spec, read_fields
from asgard.testing._marathon_state import DeploymentRecord, MarathonState
from asgard.testing._requestlog import RecordedRequest, RequestLog
from asgard.testing._router import BUILTIN_ROUTES, Router
from asgard.testing._serve import DEFAULT_TIMEOUT_HOLD, ServedCluster
from asgard.testing._state import (
    AGENT_PORT,
    TEST_DOMAIN,
    AgentRecord,
    AppRecord,
    AttributeValue,
    ClusterState,
    FrameworkRecord,
    Server,
    TaskRecord,
    TaskState,
    check_attributes,
    check_hostname,
    check_resources,
)
from asgard.testing._transport import AsyncFakeTransport, FakeTransport
from asgard.testing._versions import (
    MarathonProfile,
    MesosProfile,
    marathon_profile,
    mesos_profile,
)

if TYPE_CHECKING:
    from asgard.account import Account
    from asgard.marathon import AsyncMarathonAppsBackend, MarathonAppsBackend
    from asgard.mesos import AsyncMesosAgentsBackend, MesosAgentsBackend
    from asgard.models import AppSpec

__all__ = ["DEFAULT_AGENT_DISK", "FakeCluster"]

DEFAULT_AGENT_DISK = 100_000.0
"""The disk (MB) of an agent added without ``disk=``."""

_SERVICES: tuple[Service, ...] = ("mesos", "marathon")


def _count(value: object, *, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidInputError(f"{what} must be an integer of at least 1, not {value!r}")
    return value


def _optional_seconds(value: object, *, what: str) -> float | None:
    return None if value is None else number(what, value, minimum=0, strict=True)


def _services(service: object) -> tuple[Service, ...]:
    if service is None:
        return _SERVICES
    for known in _SERVICES:
        if service == known:
            return (known,)
    raise InvalidInputError(f"service must be 'mesos', 'marathon' or None, not {service!r}")


class FakeCluster:
    """An in-memory Mesos + Marathon cluster for tests, served through httpx transports.

    Mesos masters answer at ``http://mesos-<i>.asgard.test:5050``, Marathon instances at
    ``http://marathon-<i>.asgard.test:8080`` and agents at ``http://<hostname>:5051``
    (``<i>`` counts from 0 and is what :meth:`set_leader` takes). The masters and Marathon
    instances with index 0 lead at first. Every id the cluster generates comes from one
    ``random.Random(seed)``, so the same seed and the same calls give the same ids; the clock
    starts at 2026-01-01T00:00:00Z and moves only with :meth:`advance`.

    One :class:`threading.RLock` (:attr:`lock`) guards all state, so a sync client may fan out
    over threads on one transport. Endpoint handlers (see :attr:`router`) run with it held.

    The Mesos masters and agents serve the v0 endpoints from the state (``/master/slaves``,
    ``/master/tasks``, ``/master/state``, ``/master/state-summary``, agent ``/state``,
    ``/containers``, ``/files/*``, ...; see ``asgard.testing._mesos_api`` and
    ``asgard.testing._mesos_agent``), in the shapes of the emulated version
    (:attr:`mesos_profile`). Marathon is registered with Mesos from the start; tasks are placed
    with :meth:`add_task` and changed with :meth:`set_task_state`, and their CPU counters grow
    with :meth:`advance`.

    The Marathon instances serve ``/v2/apps``, ``/v2/deployments``, ``/v2/tasks``,
    ``/v2/queue``, ``/v2/info``, ``/v2/leader``, ``/ping`` and ``/v2/events`` in the shapes of
    the emulated version (:attr:`marathon_profile`; see ``asgard.testing._marathon_api``). Every
    write starts a deployment; :meth:`advance` makes it progress: tasks are launched through the
    Mesos side on agents that fit the app's resources and constraints, run after a second,
    turn healthy after their health checks' grace period, and are replaced, scaled or killed as
    the deployment asks (see ``asgard.testing._deployments``). :meth:`add_app`,
    :meth:`set_app_health`, :meth:`fail_next_launch`, :meth:`fail_deployment` and
    :meth:`set_max_running_deployments` script Marathon from a test.

    Args:
        seed: the seed of every generated id.
        masters: how many Mesos masters.
        marathons: how many Marathon instances.
        marathon_version: the Marathon version to emulate, ``"1.4"`` or ``"1.10"``.
        mesos_version: the Mesos version to emulate, ``"1.4"`` or ``"1.11"``.
        event_stream_idle_timeout: seconds of real time after which a ``/v2/events`` stream
            with nothing to send ends (the client reconnects); None: never, as Marathon. The
            default (2 s) keeps tests that forget to close a stream from hanging.
        event_stream_keep_alive: seconds of real time between the blank keep-alive lines a
            quiet stream writes, as Jetty under Marathon does every 10 s; None (the default):
            none. With ``event_stream_idle_timeout=None`` this is Marathon's behaviour.
        time_scale: when given, fake time also flows with real time: before serving each
            request, and while an event stream waits, the cluster advances by the real seconds
            since it last did times ``time_scale`` (so a client that polls, or listens, while
            it waits sees deployments progress).
            None (the default): time moves only with :meth:`advance`.

    Raises:
        InvalidInputError: when a count is below 1, the seed is not an integer, a version
            is not emulated, or ``time_scale``, ``event_stream_idle_timeout`` or
            ``event_stream_keep_alive`` is neither None nor a positive finite number.
    """

    def __init__(
        self,
        *,
        seed: int = 0,
        masters: int = 3,
        marathons: int = 2,
        marathon_version: str = "1.10",
        mesos_version: str = "1.11",
        event_stream_idle_timeout: float | None = 2.0,
        event_stream_keep_alive: float | None = None,
        time_scale: float | None = None,
    ) -> None:
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise InvalidInputError(f"seed must be an integer, not {seed!r}")
        self._time_scale = _optional_seconds(time_scale, what="time_scale")
        self._synced_at = time.monotonic()
        self._seed = seed
        self._marathon = marathon_profile(marathon_version)
        self._mesos = mesos_profile(mesos_version)
        self._lock = threading.RLock()
        self._state = ClusterState.create(
            seed=seed,
            masters=_count(masters, what="masters"),
            marathons=_count(marathons, what="marathons"),
        )
        self._clock = Clock(self._lock)
        self._faults = Faults(self._lock, self._servers)
        self._requests = RequestLog(self._lock)
        self._router = BUILTIN_ROUTES.copy()
        self._events = EventBus(
            idle_timeout=_optional_seconds(
                event_stream_idle_timeout, what="event_stream_idle_timeout"
            ),
            keep_alive=_optional_seconds(event_stream_keep_alive, what="event_stream_keep_alive"),
        )
        if self._time_scale is not None:  # a stream that only listens sees time flow too
            self._events.on_idle = self.sync_time
        self._client: httpx.Client | None = None
        self._async_client: httpx.AsyncClient | None = None
        self._marathon_state = MarathonState(
            max_running_deployments=self._marathon.max_running_deployments
        )
        self._scheduler = MarathonScheduler(self)
        self._clock.on_advance(self._grow_usage)
        self._clock.on_advance(self._scheduler.tick)

    def _grow_usage(self, before: datetime, after: datetime) -> None:
        self._state.grow_usage((after - before).total_seconds())

    def __repr__(self) -> str:
        return (
            f"FakeCluster(seed={self._seed}, masters={len(self._state.masters)}, "
            f"marathons={len(self._state.marathons)}, "
            f"marathon_version={self._marathon.version!r}, "
            f"mesos_version={self._mesos.version!r})"
        )

    # -- configuration and internals for endpoint code -------------------------------------

    @property
    def seed(self) -> int:
        """The seed the cluster was built with."""
        return self._seed

    @property
    def marathon_profile(self) -> MarathonProfile:
        """What the emulated Marathon version does differently."""
        return self._marathon

    @property
    def mesos_profile(self) -> MesosProfile:
        """What the emulated Mesos version does differently."""
        return self._mesos

    @property
    def lock(self) -> threading.RLock:
        """The one lock that guards the state; hold it to read or change :attr:`state`."""
        return self._lock

    @property
    def state(self) -> ClusterState:
        """The mutable state, for endpoint handlers (hold :attr:`lock`)."""
        return self._state

    @property
    def router(self) -> Router:
        """This cluster's endpoints; ``cluster.router.register(...)`` adds or overrides one."""
        return self._router

    @property
    def clock(self) -> Clock:
        """The cluster's clock."""
        return self._clock

    @property
    def marathon_state(self) -> MarathonState:
        """Marathon's state beyond the current apps (hold :attr:`lock`)."""
        return self._marathon_state

    @property
    def marathon(self) -> MarathonScheduler:
        """Marathon's scheduler, which runs writes, deployments and task placement.

        Hold :attr:`lock` while using it.
        """
        return self._scheduler

    @property
    def framework_id(self) -> str:
        """Marathon's Mesos framework id, ``<uuid>-0000``."""
        return self._state.framework_id

    # -- servers and leaders ---------------------------------------------------------------

    def _servers(self) -> Mapping[str, Server]:
        with self._lock:
            return self._state.servers()

    @property
    def servers(self) -> Mapping[str, Server]:
        """Every server by base URL (masters, Marathon instances, agents), read-only snapshot."""
        return MappingProxyType(self._servers())

    @property
    def mesos_urls(self) -> list[str]:
        """The Mesos masters' base URLs, by index."""
        return [server.url for server in self._state.masters]

    @property
    def marathon_urls(self) -> list[str]:
        """The Marathon instances' base URLs, by index."""
        return [server.url for server in self._state.marathons]

    @property
    def agent_urls(self) -> list[str]:
        """The agents' base URLs, in registration order."""
        with self._lock:
            return [agent.url for agent in self._state.agents.values()]

    @property
    def mesos_leader(self) -> int | None:
        """The index of the leading Mesos master, or None while there is none."""
        with self._lock:
            return self._state.mesos_leader

    @property
    def marathon_leader(self) -> int | None:
        """The index of the leading Marathon instance, or None while there is none."""
        with self._lock:
            return self._state.marathon_leader

    def set_leader(self, index: int, *, service: Service | None = None) -> None:
        """Make the master and/or Marathon instance at ``index`` the leader.

        Args:
            index: the server's index (0 for ``mesos-0`` / ``marathon-0``).
            service: ``"mesos"``, ``"marathon"``, or None for both.

        Raises:
            InvalidInputError: when ``service`` is not one of those, or ``index`` is not an
                index of every service concerned (nothing changes then).
        """
        services = _services(service)
        if isinstance(index, bool) or not isinstance(index, int):
            raise InvalidInputError(f"a leader index must be an integer, not {index!r}")
        with self._lock:
            sizes = {"mesos": len(self._state.masters), "marathon": len(self._state.marathons)}
            for name in services:
                if not 0 <= index < sizes[name]:
                    raise InvalidInputError(
                        f"{name} has {sizes[name]} server(s); index {index} is out of range"
                    )
            for name in services:
                if name == "mesos":
                    if self._state.mesos_leader != index:
                        self._state.mesos_elected_at = self._clock.now
                    self._state.mesos_leader = index
                else:
                    if self._state.marathon_leader != index:
                        self._events.end_streams()  # the old leader's streams end
                    self._state.marathon_leader = index

    def no_leader(self, *, service: Service | None = None) -> None:
        """Leave the service (or both) without a leader, as during an election.

        Raises:
            InvalidInputError: when ``service`` is not ``"mesos"``, ``"marathon"`` or None.
        """
        services = _services(service)
        with self._lock:
            if "mesos" in services:
                self._state.mesos_leader = None
            if "marathon" in services:
                self._state.marathon_leader = None
                self._events.end_streams()

    # -- Marathon's event stream ---------------------------------------------------------

    @property
    def events(self) -> EventBus:
        """Marathon's event bus, which ``/v2/events`` streams (``publish``, ``end_streams``)."""
        return self._events

    def end_event_streams(self, *, abrupt: bool = False) -> int:
        """End every open ``/v2/events`` stream (``abrupt``: cut it, as a reset would).

        Returns:
            How many streams were open.
        """
        return self._events.end_streams(abrupt=abrupt)

    # -- time ------------------------------------------------------------------------------

    @property
    def now(self) -> datetime:
        """The cluster's fake time (aware, UTC)."""
        return self._clock.now

    def advance(self, seconds: float) -> None:
        """Move the fake time forward; every :meth:`on_advance` listener runs once.

        Raises:
            InvalidInputError: when ``seconds`` is negative, not finite, or not a number.
        """
        self._clock.advance(seconds)

    @property
    def time_scale(self) -> float | None:
        """How many fake seconds pass per real second between requests, or None.

        None when only :meth:`advance` moves the time.
        """
        return self._time_scale

    def sync_time(self) -> None:
        """With ``time_scale``, advance by the real time elapsed since the last sync (scaled).

        The dispatcher calls it before serving each request; without ``time_scale`` it does
        nothing.
        """
        if self._time_scale is None:
            return
        with self._lock:
            real = time.monotonic()
            elapsed = real - self._synced_at
            self._synced_at = real
            if elapsed > 0:
                self._clock.advance(elapsed * self._time_scale)

    def on_advance(self, listener: TickListener) -> Callable[[], None]:
        """Run ``listener(before, after)`` on every :meth:`advance` (with the lock held).

        Returns:
            A function that unregisters the listener.
        """
        return self._clock.on_advance(listener)

    # -- agents ----------------------------------------------------------------------------

    def add_agent(
        self,
        *,
        owner: str | None,
        cpus: float,
        mem: float,
        disk: float = DEFAULT_AGENT_DISK,
        attributes: Mapping[str, AttributeValue] | None = None,
        hostname: str | None = None,
        gpus: float = 0.0,
    ) -> str:
        """Register a Mesos agent and return its id (``<uuid>-S<n>``).

        The agent is active, registered now, with nothing allocated. It answers at
        ``http://<hostname>:5051``.

        Args:
            owner: the value of its ``owner`` attribute (the account owner that may see it),
                or None for an agent without one.
            cpus: total CPUs.
            mem: total memory in MB.
            disk: total disk in MB.
            attributes: other Mesos attributes (text or numbers); not ``owner``.
            hostname: its host name; ``agent-<n>.asgard.test`` when None.
            gpus: total GPUs.

        Raises:
            InvalidInputError: for an owner that is not a non-empty string or None, a
                resource that is not a finite non-negative number, an attribute that is
                ``owner`` or not text or a number, an invalid host name, or one that another
                agent has.
        """
        total = check_resources(cpus=cpus, mem=mem, disk=disk, gpus=gpus)
        merged = check_attributes(owner, attributes)
        with self._lock:
            index = self._state.next_agent_index
            host = check_hostname(
                hostname if hostname is not None else f"agent-{index}.{TEST_DOMAIN}"
            )
            if any(agent.hostname == host for agent in self._state.agents.values()):
                raise InvalidInputError(f"another agent has hostname {host!r}")
            if any(
                server.host == host for server in (*self._state.masters, *self._state.marathons)
            ):
                raise InvalidInputError(f"hostname {host!r} is a master's or Marathon's")
            agent = AgentRecord(
                id=f"{self._state.cluster_id}-S{index}",
                index=index,
                hostname=host,
                port=AGENT_PORT,
                owner=owner,
                attributes=merged,
                total=total,
                registered_at=self._clock.now,
            )
            self._state.agents[agent.id] = agent
            self._state.next_agent_index = index + 1
            return agent.id

    def remove_agent(self, agent_id: str) -> None:
        """Remove an agent; its URL stops answering (connection errors).

        Its tasks that were not terminal become ``TASK_LOST`` (they stay in ``/master/tasks``).

        Raises:
            NotFoundError: when no agent has that id.
        """
        with self._lock:
            if agent_id not in self._state.agents:
                raise NotFoundError(f"no agent {agent_id!r} in this cluster")
            del self._state.agents[agent_id]
            _tasks.lose_tasks_of(self._state, agent_id, self._clock.now)

    def deactivate_agent(self, agent_id: str) -> None:
        """Deactivate an agent, as an operator does: Mesos offers nothing from it any more.

        The master shows it ``active: false``; Mesos 1.11 also shows ``deactivated: true``
        (1.4 has no such field). Its tasks keep running. :meth:`reactivate_agent` undoes it.

        Raises:
            NotFoundError: when no agent has that id.
        """
        with self._lock:
            _tasks.deactivate_agent(self._state, agent_id)

    def drain_agent(
        self, agent_id: str, *, mark_gone: bool = False, max_grace_period: float | None = None
    ) -> None:
        """Start draining an agent, as the operator call ``DRAIN_AGENT`` does.

        The agent is deactivated. Mesos 1.11 shows ``deactivated: true`` and
        ``drain_info {state, config}`` with ``state`` ``"DRAINING"`` while a task on it is
        active and ``"DRAINED"`` once none is, plus ``estimated_drain_start_time_seconds``;
        Mesos 1.4 shows only ``active: false``. The fake does not kill the agent's tasks: end
        them with :meth:`set_task_state`. Draining again keeps the original start time.

        Args:
            agent_id: the agent.
            mark_gone: ``config.mark_gone`` of the drain.
            max_grace_period: ``config.max_grace_period`` in seconds, or None to leave it out.

        Raises:
            NotFoundError: when no agent has that id.
            InvalidInputError: when ``mark_gone`` is not a bool or the grace period is not a
                finite, non-negative number.
        """
        with self._lock:
            _tasks.drain_agent(
                self._state,
                agent_id,
                self._clock.now,
                mark_gone=mark_gone,
                max_grace_period=max_grace_period,
            )

    def reactivate_agent(self, agent_id: str) -> None:
        """Undo :meth:`deactivate_agent` or :meth:`drain_agent`: the agent is active again.

        Raises:
            NotFoundError: when no agent has that id.
        """
        with self._lock:
            _tasks.reactivate_agent(self._state, agent_id)

    @property
    def agents(self) -> Mapping[str, AgentRecord]:
        """A read-only snapshot of the agents by id, in registration order."""
        with self._lock:
            return MappingProxyType(dict(self._state.agents))

    def agent_url(self, agent_id: str) -> str:
        """An agent's base URL, ``http://<hostname>:5051``.

        Raises:
            NotFoundError: when no agent has that id.
        """
        return self.agent(agent_id).url

    def agent(self, agent_id: str) -> AgentRecord:
        """One agent's record.

        Raises:
            NotFoundError: when no agent has that id.
        """
        with self._lock:
            try:
                return self._state.agents[agent_id]
            except KeyError:
                raise NotFoundError(f"no agent {agent_id!r} in this cluster") from None

    # -- apps ------------------------------------------------------------------------------

    def add_app(self, full_id: str, spec: AppSpec) -> str:
        """Create a Marathon app as ``POST /v2/apps`` would, and return its absolute id.

        The spec is rendered to Marathon's JSON (``image`` becomes a Docker container on host
        networking, ``ports`` port definitions, constraints lists, ``extra`` merged in; no
        owner constraint is added) and stored with Marathon's defaults. A deployment starts:
        :meth:`advance` launches the tasks. The control API is never refused for
        ``--max_running_deployments``, and publishes no ``api_post_event``.

        Args:
            full_id: the absolute Marathon id (``/ns/web``; ``ns/web`` is the same).
            spec: the app's :class:`asgard.models.AppSpec`; its dependencies are relative to
                the group its id is relative to (``/ns`` for ``/ns/web`` and ``/web``).

        Raises:
            InvalidInputError: when the id is not a valid Marathon app id, or Marathon would
                refuse the definition (no ``cmd``, ``args`` or container, ...).
            ConflictError: when an app with that id exists.
        """
        app_id = normalize_app_id(full_id)
        with self._lock:
            if app_id in self._state.apps:
                raise ConflictError(f"app {app_id!r} already exists")
            try:
                fields = read_fields(
                    self._marathon, definition_from_spec(app_id, spec), partial=False
                )
                self._scheduler.create(
                    fields, force=False, at=self._clock.now, spec=spec, enforce_limit=False
                )
            except MarathonError as error:
                raise as_control_error(error) from None
        return app_id

    def set_app_health(self, full_id: str, healthy: bool) -> None:
        """Make the health checks of every task of an app fail (False) or pass again (True).

        While failing, the app's running tasks report unhealthy (at once, and tasks launched
        later too) and a deployment waiting for them does not finish; the fake never kills
        unhealthy tasks. Apps without health checks are not affected.

        Raises:
            NotFoundError: when no app has that id.
            InvalidInputError: when the id or ``healthy`` is not valid.
        """
        app_id = normalize_app_id(full_id)
        with self._lock:
            self._scheduler.set_app_health(app_id, healthy, self._clock.now)

    def fail_next_launch(self, full_id: str, times: int = 1) -> None:
        """Make the next ``times`` launches of an app's tasks fail.

        Each such task is staged, then reports ``TASK_FAILED`` when it would have started: the
        app gets a ``lastTaskFailure`` and a launch back-off (``backoffSeconds``, growing by
        ``backoffFactor``, shown in ``/v2/queue``), after which Marathon launches again.

        Raises:
            NotFoundError: when no app has that id.
            InvalidInputError: when the id is not valid or ``times`` is not an integer of at
                least 1.
        """
        app_id = normalize_app_id(full_id)
        with self._lock:
            self._scheduler.fail_next_launch(app_id, times)

    def fail_deployment(self, deployment_id: str) -> str:
        """Fail a running deployment the way Marathon ends one cancelled with rollback.

        The deployment publishes ``deployment_failed`` and leaves ``/v2/deployments``; a
        rollback deployment starts that restores each app it touched to its previous
        definition, stamped with a new version as Marathon does (a created app is deleted, a
        deleted one comes back).

        With ``time_scale``, a deployment that can finish may end before this is called
        (fail one that cannot, such as a scale beyond the agents), and the rollback may end
        before a client polls: ``wait()`` on its id alone then raises ``NotFoundError``; wait on the
        failed deployment instead (it raises ``DeploymentFailedError`` once rolled back).

        Returns:
            The id of the rollback deployment.

        Raises:
            NotFoundError: when no deployment with that id is running.
        """
        with self._lock:
            try:
                rollback = self._scheduler.cancel(deployment_id, rollback=True, at=self._clock.now)
            except MarathonError as error:
                raise as_control_error(error) from None
            assert rollback is not None
            return rollback.id

    def set_max_running_deployments(self, limit: int | None) -> None:
        """Set Marathon's ``--max_running_deployments`` (None: no limit).

        Writes that would start a deployment past the limit are refused with 403 ``Max
        number (<n>) of running deployments is achieved...``. Marathon 1.4 has no such limit:
        there the setting is kept but has no effect.

        Raises:
            InvalidInputError: when ``limit`` is not None or an integer of at least 1.
        """
        checked: object = limit
        if checked is not None and (
            isinstance(checked, bool) or not isinstance(checked, int) or checked < 1
        ):
            raise InvalidInputError(
                f"limit must be None or an integer of at least 1, not {limit!r}"
            )
        with self._lock:
            self._marathon_state.max_running_deployments = limit

    @property
    def deployments(self) -> Mapping[str, DeploymentRecord]:
        """The running Marathon deployments by id, oldest first (a read-only snapshot)."""
        with self._lock:
            return MappingProxyType(dict(self._marathon_state.deployments))

    @property
    def apps(self) -> Mapping[str, AppRecord]:
        """A read-only snapshot of the apps by absolute id, in creation order."""
        with self._lock:
            return MappingProxyType(dict(self._state.apps))

    # -- Mesos frameworks and tasks --------------------------------------------------------

    def add_framework(self, name: str, *, framework_id: str | None = None) -> str:
        """Register another Mesos framework (Marathon is registered from the start).

        Args:
            name: its name, for example ``"chronos"``; :meth:`add_task` finds it by name.
            framework_id: its id; ``<cluster id>-<nnnn>`` (counting from ``0001``) when None.

        Returns:
            The framework id.

        Raises:
            InvalidInputError: for an empty name, a name another framework has, or an id that
                is not letters, digits, ``.``, ``_`` and ``-``.
            ConflictError: when another framework has that id.
        """
        with self._lock:
            return _tasks.add_framework(self._state, name, framework_id, self._clock.now).id

    @property
    def frameworks(self) -> Mapping[str, FrameworkRecord]:
        """A read-only snapshot of the Mesos frameworks by id, Marathon first."""
        with self._lock:
            return MappingProxyType(dict(self._state.frameworks))

    def add_task(
        self,
        *,
        agent_id: str,
        app_id: str | None = None,
        task_id: str | None = None,
        framework: str = "marathon",
        cpus: float = 0.1,
        mem: float = 32.0,
        disk: float = 0.0,
        ports: Sequence[int] = (),
        state: TaskState = "TASK_RUNNING",
        load: float = 0.5,
        healthy: bool | None = None,
        labels: Mapping[str, str] | None = None,
    ) -> str:
        """Launch a Mesos task on an agent (run by the command executor) and return its id.

        The task holds its resources plus the command executor's (0.1 CPU, 32 MB) on the agent
        while it is staging, starting, running or killing. Its container gets a UUID and a
        sandbox with empty ``stdout`` and ``stderr`` (see :meth:`write_log`); a task in any
        state but ``TASK_STAGING`` has one status update, at the current fake time. While its
        container runs, :meth:`advance` grows its CPU counters by ``load * cpus`` per second.
        The agent's capacity is not enforced (real agents can show more than 100 % in use).

        Task ids, when not given, follow the framework: for Marathon, from ``app_id`` in the
        emulated Marathon's format (1.4: ``dev_infra_web.<uuid>``, 1.10:
        ``dev_infra_web.instance-<uuid>._app.1``) and named ``web.infra.dev``; for any other
        framework Chronos-style, ``ct:<fake epoch ms>:0:<app_id>:`` (the job name ``job``
        without ``app_id``), named ``ChronosTask:<app_id>``.

        Args:
            agent_id: the agent it runs on.
            app_id: the absolute Marathon app id (``/dev/infra/web``), or the job name for
                another framework.
            task_id: the task id; generated when None.
            framework: the framework's name or id; a name no framework has registers a new
                framework of that name (see :meth:`add_framework`).
            cpus: CPUs it asked for.
            mem: memory (MB) it asked for.
            disk: disk (MB) it asked for.
            ports: host ports it holds, from the agent's ranges (``[31000-32000]``).
            state: its Mesos state.
            load: how busy it is, as a multiple of ``cpus`` (above 1 it is throttled).
            healthy: its health check result, or None without a health check (shown in its
                ``TASK_RUNNING`` status updates).
            labels: its Mesos labels.

        Raises:
            NotFoundError: for an unknown agent.
            InvalidInputError: for an agent that is deactivated or draining, a state that is
                not a ``TASK_*`` name, an amount or load that is not a finite non-negative
                number, a port outside the agent's ranges or held by another active task, an
                invalid app id, job name, task id or framework name, or a Marathon task with
                neither ``app_id`` nor ``task_id``.
            ConflictError: when a task with that id exists.
        """
        with self._lock:
            task = _tasks.add_task(
                self._state,
                self._marathon,
                self._clock.now,
                agent_id=agent_id,
                app_id=app_id,
                task_id=task_id,
                framework=framework,
                cpus=cpus,
                mem=mem,
                disk=disk,
                ports=ports,
                task_state=state,
                load=load,
                healthy=healthy,
                labels=labels,
            )
            return task.id

    def set_task_state(
        self, task_id: str, state: TaskState, *, healthy: bool | None = None
    ) -> None:
        """Give a task a new state, with a status update at the current fake time.

        A terminal state (``TASK_FINISHED``, ``TASK_FAILED``, ``TASK_KILLED``, ``TASK_LOST``,
        ...) frees the task's and its executor's resources on the agent and stops its
        container; the task stays listed as completed.

        Args:
            task_id: the task.
            state: the new ``TASK_*`` state.
            healthy: a new health check result; None keeps the task's current one.

        Raises:
            NotFoundError: when no task has that id.
            InvalidInputError: for an unknown state, a ``healthy`` that is not a bool or None,
                or a task whose state is terminal already.
        """
        with self._lock:
            _tasks.set_task_state(self._state, task_id, state, self._clock.now, healthy)

    def remove_task(self, task_id: str) -> None:
        """Forget a task entirely (as if it aged out of the master's history).

        Raises:
            NotFoundError: when no task has that id.
        """
        with self._lock:
            _tasks.remove_task(self._state, task_id)

    def write_log(self, task_id: str, stream: str, data: str | bytes) -> None:
        """Append to a task's sandbox ``stdout`` or ``stderr`` (text is written as UTF-8).

        Raises:
            NotFoundError: when no task has that id.
            InvalidInputError: for a stream other than ``"stdout"`` and ``"stderr"``, or data
                that is neither text nor bytes.
        """
        with self._lock:
            _tasks.write_log(self._state, task_id, stream, data, self._clock.now)

    @property
    def tasks(self) -> Mapping[str, TaskRecord]:
        """A read-only snapshot of the Mesos tasks by id, in launch order (terminal ones too)."""
        with self._lock:
            return MappingProxyType(dict(self._state.tasks))

    def task(self, task_id: str) -> TaskRecord:
        """One task's record.

        Raises:
            NotFoundError: when no task has that id.
        """
        with self._lock:
            return _tasks.find_task(self._state, task_id)

    # -- faults and the request log --------------------------------------------------------

    @property
    def faults(self) -> Faults:
        """The cluster's fault script (``cluster.faults.inject(kind, ...)``, ``.clear()``)."""
        return self._faults

    @property
    def requests(self) -> RequestLog:
        """What the cluster's servers received (secrets redacted), oldest first."""
        return self._requests

    def requests_to(
        self, server: str | None = None, path: str | None = None, method: str | None = None
    ) -> list[RecordedRequest]:
        """The received requests to a server, path and method (each None for any).

        ``path`` is exact, or a prefix followed by ``*``.

        Raises:
            InvalidInputError: when ``server`` is not an http(s) URL with a host.
        """
        return self._requests.filter(server=server, path=path, method=method)

    # -- HTTP ------------------------------------------------------------------------------

    def handle(self, request: httpx.Request) -> Outcome:
        """Serve one request (whose body has been read) without waiting or raising.

        This is the pure core both transports share; see :class:`Outcome`.
        """
        return dispatch(self, request)

    def transport(self) -> FakeTransport:
        """A sync httpx transport for every server of this cluster.

        Use it as ``httpx.Client(transport=cluster.transport())``.
        """
        return FakeTransport(self)

    def async_transport(self) -> AsyncFakeTransport:
        """An async httpx transport for every server of this cluster.

        Use it as ``httpx.AsyncClient(transport=cluster.async_transport())``.
        """
        return AsyncFakeTransport(self)

    def backends(self, account: Account) -> tuple[MesosAgentsBackend, MarathonAppsBackend]:
        """A sync ``(agents, apps)`` pair for ``account``, wired to this cluster.

        Both share one ``httpx.Client`` over :meth:`transport` (which holds no socket); close
        the backends as usual. Options such as ``read_retries`` keep their defaults.

        Raises:
            InvalidInputError: when ``account`` is not an :class:`~asgard.Account`.
        """
        from asgard.marathon import MarathonAppsBackend  # noqa: PLC0415 - the fake stands alone
        from asgard.mesos import MesosAgentsBackend  # noqa: PLC0415

        with self._lock:
            if self._client is None:
                self._client = httpx.Client(transport=self.transport())
            client = self._client
        return (
            MesosAgentsBackend(self.mesos_urls, account=account, client=client),
            MarathonAppsBackend(self.marathon_urls, account=account, client=client),
        )

    def async_backends(
        self, account: Account
    ) -> tuple[AsyncMesosAgentsBackend, AsyncMarathonAppsBackend]:
        """An async ``(agents, apps)`` pair for ``account``, wired to this cluster.

        Both share one ``httpx.AsyncClient`` over :meth:`async_transport`.

        Raises:
            InvalidInputError: when ``account`` is not an :class:`~asgard.Account`.
        """
        from asgard.marathon import AsyncMarathonAppsBackend  # noqa: PLC0415
        from asgard.mesos import AsyncMesosAgentsBackend  # noqa: PLC0415

        with self._lock:
            if self._async_client is None:
                self._async_client = httpx.AsyncClient(transport=self.async_transport())
            client = self._async_client
        return (
            AsyncMesosAgentsBackend(self.mesos_urls, account=account, client=client),
            AsyncMarathonAppsBackend(self.marathon_urls, account=account, client=client),
        )

    def serve(
        self,
        *,
        host: str = "127.0.0.1",
        base_port: int | None = None,
        hostnames: Literal["loopback", "fake"] = "loopback",
        timeout_hold: float = DEFAULT_TIMEOUT_HOLD,
    ) -> ServedCluster:
        """Serve this cluster over real loopback HTTP, one socket per fake server.

        Use it as ``with cluster.serve() as served:`` (or call ``served.close()``); the
        :class:`~asgard.testing.ServedCluster` gives the ``http://127.0.0.1:<port>`` URLs
        (``mesos_masters``, ``marathon``, ``agents``) and maps them to the fake ones. Faults,
        redirects, leaders and event streams behave as on the wire; see
        ``asgard.testing._serve`` for what each fault becomes and what is rewritten.

        Args:
            host: the loopback address to listen on.
            base_port: count ports up from here; None lets the OS choose each.
            hostnames: ``"loopback"`` (rewrite ``hostname``/``port`` pairs, so agents are
                reached by host name) or ``"fake"`` (keep host names; reach agents by pid).
            timeout_hold: seconds a ``timeout`` fault holds a connection before closing it.

        Raises:
            InvalidInputError: for a non-loopback host or another bad option.
            OSError: when a port cannot be bound.
        """
        return ServedCluster(
            self, host=host, base_port=base_port, hostnames=hostnames, timeout_hold=timeout_hold
        )
