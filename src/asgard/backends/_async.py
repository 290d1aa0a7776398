"""The backend protocols: what every agents backend and every apps backend offers.

Implementations satisfy these protocols structurally, without inheriting from them;
``tests/typing`` proves it for mypy and the contract suite (``asgard.testing.contract``) for
behaviour. An operation that needs a capability missing from ``capabilities`` raises
``UnsupportedOperationError``.
"""

from __future__ import annotations

import builtins
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import AbstractAsyncContextManager
from types import TracebackType
from typing import Literal, Protocol

from typing_extensions import Self

from asgard.account import Account
from asgard.backends._capability import Capability
from asgard.models import (
    Agent,
    App,
    AppPatch,
    AppSpec,
    ClusterInfo,
    Deployment,
    Event,
    QueueEntry,
    Task,
    UsageSample,
)

__all__ = ["AsyncAgentsBackend", "AsyncAppsBackend", "AsyncBackend", "AsyncUsageSampler"]


class AsyncUsageSampler(Protocol):
    """Samples the usage of containers found once (see ``AgentsBackend.usage_sampler``)."""

    @property
    def agent_ids(self) -> tuple[str, ...]:
        """The account's agents it samples, in the order they were asked for (or listed)."""
        ...

    async def sample(
        self, agent_ids: Iterable[str] | None = None
    ) -> dict[str, builtins.list[UsageSample] | Exception]:
        """One sample of each agent: agent id → its containers' samples, or its error.

        The agents are read concurrently within the backend's bound; an agent whose read
        fails maps to its error, so one dead agent does not fail the others.

        Args:
            agent_ids: the agents to read, among :attr:`agent_ids` (None: all of them). An
                id that is not among them maps to a ``NotFoundError``.

        Raises:
            InvalidInputError: when an id cannot be an id.
        """
        ...


class AsyncBackend(Protocol):
    """What every backend offers: its account, its capabilities, scoping and closing."""

    @property
    def account(self) -> Account:
        """The account this backend is bound to."""
        ...

    @property
    def capabilities(self) -> frozenset[Capability]:
        """The optional capabilities this backend has."""
        ...

    def for_account(self, account: Account) -> Self:
        """A backend of the same kind scoped to ``account``, sharing this one's pool.

        Closing the scoped backend leaves the pool open: this backend owns it.

        Raises:
            TenancyViolationError: when this backend is not cluster-wide (scoped code can
                never widen its scope).
        """
        ...

    async def aclose(self) -> None:
        """Close the backend and, when it owns it, its connection pool."""
        ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None: ...


class AsyncAgentsBackend(AsyncBackend, Protocol):
    """The machines of the cluster and what runs on them (Mesos: ``asgard.mesos``).

    A backend is bound to one :class:`~asgard.account.Account` at construction and shows only
    that account's agents and tasks; anything else is reported as not found. Use it as a
    context manager, or close it with ``aclose()``; a closed backend raises
    ``BackendUnavailableError``.
    """

    async def list(self, *, with_tasks: bool = False) -> builtins.list[Agent]:
        """The account's agents.

        Args:
            with_tasks: also fill each ``Agent.tasks`` with the account's tasks on it, read
                from the master (never one request per agent).
        """
        ...

    async def get(self, agent_id: str) -> Agent:
        """One of the account's agents, with its tasks.

        Raises:
            NotFoundError: when the agent is absent or not the account's.
        """
        ...

    async def tasks(self, agent_id: str) -> builtins.list[Task]:
        """The account's non-terminal tasks on an agent.

        Raises:
            NotFoundError: when the agent is absent or not the account's.
        """
        ...

    async def usage(self, agent_id: str) -> builtins.list[UsageSample]:
        """One usage sample per container of the account's tasks on an agent.

        Raises:
            NotFoundError: when the agent is absent or not the account's.
            UnsupportedOperationError: without the ``USAGE`` capability.
        """
        ...

    async def usage_all(
        self, agent_ids: Iterable[str] | None = None
    ) -> dict[str, builtins.list[UsageSample] | Exception]:
        """Usage samples of many agents at once: agent id → samples, or the error of that agent.

        One listing of agents and tasks serves every agent; the agents are then read
        concurrently within the backend's bound. ``None`` means all the account's agents; an
        id that is absent or not the account's maps to a ``NotFoundError``.

        Raises:
            InvalidInputError: when an id cannot be an id.
            UnsupportedOperationError: without the ``USAGE`` capability.
        """
        ...

    async def usage_sampler(self, agent_ids: Iterable[str] | None = None) -> AsyncUsageSampler:
        """A sampler of the containers of many agents, found once and sampled at will.

        The agents and the account's tasks on them are listed once, here; each
        :meth:`AsyncUsageSampler.sample` then only reads the agents. Use it to take several
        samples of the same tasks (rates need two): ``usage_all`` is one sample of a new
        sampler. Tasks started after this call are not sampled; tasks that end are missing
        from later samples.

        Raises:
            InvalidInputError: when an id cannot be an id.
            UnsupportedOperationError: without the ``USAGE`` capability.
        """
        ...

    async def logs(
        self,
        task_id: str,
        *,
        stream: Literal["stdout", "stderr"] = "stdout",
        tail: int = 65536,
    ) -> str:
        """The last ``tail`` bytes of a task's ``stdout`` or ``stderr`` sandbox file.

        Raises:
            NotFoundError: when the task is absent or not the account's.
            InvalidInputError: on a bad ``stream`` or a negative ``tail``.
            UnsupportedOperationError: without the ``LOGS`` capability.
        """
        ...

    async def info(self) -> ClusterInfo:
        """What the servers say about themselves: version, leader URL, cluster name."""
        ...


class AsyncAppsBackend(AsyncBackend, Protocol):
    """The apps of the account, their tasks and deployments (Marathon: ``asgard.marathon``).

    A backend is bound to one :class:`~asgard.account.Account` at construction. App ids are
    relative to the account's namespace (``"/web"`` and ``"web"`` are the same app), and an
    app outside it is reported as not found. Every write returns the
    :class:`~asgard.models.Deployment` it started; ``wait`` follows it to the end. Use it as a
    context manager, or close it with ``aclose()``; a closed backend raises
    ``BackendUnavailableError``.
    """

    async def list(self, *, with_tasks: bool = False) -> builtins.list[App]:
        """The account's apps (an empty or absent namespace gives ``[]``).

        Args:
            with_tasks: also fill each ``App.tasks``.
        """
        ...

    async def get(self, app_id: str, *, with_tasks: bool = False) -> App:
        """One app.

        Raises:
            InvalidInputError: on an invalid app id.
            NotFoundError: when the app is absent or outside the account.
        """
        ...

    async def create(self, spec: AppSpec) -> Deployment:
        """Create an app.

        Raises:
            ConflictError: when the app exists.
        """
        ...

    async def update(self, spec: AppSpec, *, force: bool = False) -> Deployment:
        """Replace an app's whole definition: what ``spec`` does not say is reset.

        Read-modify-write goes ``app.to_spec()`` → ``attrs.evolve`` → ``update``.

        Raises:
            NotFoundError: when the app is absent or outside the account.
            ConflictError: when a deployment locks the app and ``force`` is False.
        """
        ...

    async def patch(self, app_id: str, changes: AppPatch, *, force: bool = False) -> Deployment:
        """Change only the fields ``changes`` sets.

        Raises:
            NotFoundError: when the app is absent or outside the account.
            ConflictError: when a deployment locks the app and ``force`` is False.
        """
        ...

    async def scale(self, app_id: str, instances: int, *, force: bool = False) -> Deployment:
        """Set an app's number of instances (nothing else is sent).

        Raises:
            InvalidInputError: when ``instances`` is not an integer of at least 0.
            NotFoundError: when the app is absent or outside the account.
        """
        ...

    async def restart(self, app_id: str, *, force: bool = False) -> Deployment:
        """Replace every task of an app (a rolling restart).

        Raises:
            NotFoundError: when the app is absent or outside the account.
        """
        ...

    async def delete(self, app_id: str, *, force: bool = False) -> Deployment:
        """Delete an app (without cancelling a running deployment unless ``force``).

        Raises:
            NotFoundError: when the app is absent or outside the account.
        """
        ...

    async def tasks(self, app_id: str) -> builtins.list[Task]:
        """An app's tasks.

        Raises:
            NotFoundError: when the app is absent or outside the account.
        """
        ...

    async def kill_tasks(
        self,
        app_id: str,
        task_ids: Iterable[str],
        *,
        scale: bool = False,
        wipe: bool = False,
    ) -> Deployment | None:
        """Kill some tasks of an app.

        Args:
            app_id: the app.
            task_ids: the tasks to kill; each must belong to the app, judged from its id
                before any request.
            scale: also lower the app's instances (a deployment is returned then).
            wipe: also destroy the tasks' reservations (capability ``WIPE``).

        Returns:
            The deployment when ``scale`` started one, else None.

        Raises:
            InvalidInputError: when ``task_ids`` is empty or names a task of another app.
            UnsupportedOperationError: for ``scale`` without ``KILL_AND_SCALE``, or
                ``wipe`` without ``WIPE``.
        """
        ...

    async def kill_tasks_on_host(
        self, app_id: str, host: str, *, scale: bool = False
    ) -> Deployment | None:
        """Kill an app's tasks on one host (to drain an agent).

        Returns:
            The deployment when ``scale`` started one, else None.
        """
        ...

    async def deployments(self) -> builtins.list[Deployment]:
        """The running deployments that touch the account's apps."""
        ...

    async def cancel(
        self, deployment: Deployment | str, *, rollback: bool = True
    ) -> Deployment | None:
        """Cancel a deployment, by default rolling back what it did.

        Returns:
            The rollback deployment, or None when ``rollback`` is False.

        Raises:
            NotFoundError: unless every app the deployment touches is the account's.
        """
        ...

    async def wait(
        self,
        deployment: Deployment | str,
        *,
        timeout: float = 600,
        poll_interval: float = 1.0,
        on_progress: Callable[[Deployment], object] | None = None,
    ) -> Deployment:
        """Wait until a deployment is over and each of its apps reached its target.

        Args:
            deployment: the deployment, or its id.
            timeout: seconds to wait at most.
            poll_interval: seconds between polls.
            on_progress: called with the deployment at least once and on each observed step.

        Returns:
            The last state of the deployment seen.

        Raises:
            DeploymentFailedError: when it failed or was rolled back.
            DeploymentSupersededError: when a newer deployment replaced it.
            WaitTimeoutError: when time ran out (it may still finish).
        """
        ...

    async def versions(self, app_id: str) -> builtins.list[str]:
        """The versions of an app's definition, newest first.

        Raises:
            NotFoundError: when the app is absent or outside the account.
        """
        ...

    async def get_version(self, app_id: str, version: str) -> App:
        """An app's definition as it was at ``version``.

        Raises:
            NotFoundError: when the app or the version is absent.
        """
        ...

    async def rollback(self, app_id: str, version: str, *, force: bool = False) -> Deployment:
        """Deploy an earlier version of an app's definition again.

        Raises:
            NotFoundError: when the app or the version is absent.
        """
        ...

    async def queue(self) -> builtins.list[QueueEntry]:
        """The account's apps waiting for resource offers.

        Raises:
            UnsupportedOperationError: without the ``QUEUE`` capability.
        """
        ...

    async def reset_delay(self, app_id: str) -> None:
        """Clear an app's launch back-off so it is launched again now.

        Raises:
            NotFoundError: when the app has no delay or is outside the account.
            UnsupportedOperationError: without the ``QUEUE`` capability.
        """
        ...

    def events(
        self, *, types: Iterable[type[Event]] | None = None
    ) -> AbstractAsyncContextManager[AsyncIterator[Event]]:
        """A context manager yielding an iterator of the account's events.

        The stream follows the leader and reconnects by itself, yielding a
        ``StreamReconnected`` after each reconnection (events in between may be lost:
        re-list). No event is ever partial or duplicated.

        Args:
            types: the event classes to receive; None for all.

        Raises:
            UnsupportedOperationError: without the ``EVENTS`` capability.
        """
        ...

    async def info(self) -> ClusterInfo:
        """What the servers say about themselves: version, leader URL, name."""
        ...
