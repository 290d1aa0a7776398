"""The control API of a test cluster, as a Protocol the FakeCluster and real harnesses share.

The contract suite drives a cluster only through :class:`ClusterControl`, so a harness for a
real Mesos + Marathon cluster can run the same tests by implementing it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Literal, Protocol

from asgard.testing._faults import FaultKind
from asgard.testing._requestlog import RecordedRequest
from asgard.testing._state import AttributeValue, TaskRecord, TaskState

if TYPE_CHECKING:
    from asgard.models import AppSpec

__all__ = ["ClusterControl", "FaultInjector", "RequestHistory", "Service"]

Service = Literal["mesos", "marathon"]
"""Which service a leader operation is about."""


class FaultInjector(Protocol):
    """Scripts faults on a cluster's servers (see :class:`asgard.testing.Faults`)."""

    def inject(
        self,
        kind: FaultKind,
        *,
        server: str | None = None,
        path: str | None = None,
        times: int | None = 1,
        seconds: float | None = None,
    ) -> object:
        """Script a fault for the next ``times`` matching requests."""
        ...

    def clear(self) -> None:
        """Remove every scripted fault."""
        ...


class RequestHistory(Protocol):
    """What a cluster's servers received, oldest first (see :class:`asgard.testing.RequestLog`)."""

    def __len__(self) -> int: ...

    def __iter__(self) -> Iterator[RecordedRequest]: ...

    def __getitem__(self, index: int) -> RecordedRequest: ...

    def filter(
        self,
        *,
        server: str | None = None,
        path: str | None = None,
        method: str | None = None,
        unreached: bool = False,
    ) -> list[RecordedRequest]:
        """The requests that match every criterion given."""
        ...

    def clear(self) -> None:
        """Forget every request."""
        ...


class ClusterControl(Protocol):
    """How a test changes and observes a Mesos + Marathon cluster.

    :class:`asgard.testing.FakeCluster` implements it in memory; a harness for a real cluster
    may implement it too, and then run the contract suite against that cluster.
    """

    @property
    def now(self) -> datetime:
        """The cluster's current time (aware, UTC)."""
        ...

    @property
    def faults(self) -> FaultInjector:
        """The cluster's fault script."""
        ...

    @property
    def requests(self) -> RequestHistory:
        """What the cluster's servers received."""
        ...

    def add_agent(
        self,
        *,
        owner: str | None,
        cpus: float,
        mem: float,
        disk: float = ...,
        attributes: Mapping[str, AttributeValue] | None = ...,
        hostname: str | None = None,
    ) -> str:
        """Register an agent; return its Mesos agent id."""
        ...

    @property
    def mesos_urls(self) -> list[str]:
        """The Mesos masters' base URLs, by index (what ``set_leader`` takes)."""
        ...

    @property
    def marathon_urls(self) -> list[str]:
        """The Marathon instances' base URLs, by index."""
        ...

    def remove_agent(self, agent_id: str) -> None:
        """Remove an agent."""
        ...

    def agent_url(self, agent_id: str) -> str:
        """An agent's base URL."""
        ...

    def deactivate_agent(self, agent_id: str) -> None:
        """Deactivate an agent (no offers from it; its tasks keep running)."""
        ...

    def drain_agent(self, agent_id: str) -> None:
        """Start draining an agent (it is deactivated too)."""
        ...

    def add_framework(self, name: str, *, framework_id: str | None = None) -> str:
        """Register a Mesos framework other than Marathon; return its id."""
        ...

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
    ) -> str:
        """Launch a Mesos task on an agent; return its task id."""
        ...

    def set_task_state(self, task_id: str, state: TaskState) -> None:
        """Give a task a new Mesos state (a status update now)."""
        ...

    def remove_task(self, task_id: str) -> None:
        """Forget a task."""
        ...

    def write_log(self, task_id: str, stream: str, data: str | bytes) -> None:
        """Append to a task's sandbox ``stdout`` or ``stderr``."""
        ...

    @property
    def tasks(self) -> Mapping[str, TaskRecord]:
        """The Mesos tasks by id (terminal ones too)."""
        ...

    def add_app(self, full_id: str, spec: AppSpec) -> str:
        """Create a Marathon app under an absolute id, as ``POST /v2/apps`` does.

        The definition is the spec's (no owner constraint is added); a deployment starts and
        the tasks are launched as time moves. Returns the absolute id.
        """
        ...

    def set_app_health(self, full_id: str, healthy: bool) -> None:
        """Make every task of an app fail its health checks (False) or pass them (True).

        A deployment that waits for the app's tasks to be healthy does not finish while they
        fail.
        """
        ...

    def fail_next_launch(self, full_id: str, times: int = 1) -> None:
        """Make the next ``times`` task launches of an app fail (``TASK_FAILED``).

        The app then shows a ``lastTaskFailure`` and waits out its launch back-off in the
        launch queue before it launches again.
        """
        ...

    def fail_deployment(self, deployment_id: str) -> str:
        """Fail a running deployment as Marathon does when it is cancelled with rollback.

        The deployment ends with ``deployment_failed`` and a rollback deployment restores
        every app it touched to its previous version. Returns the rollback deployment's id.
        """
        ...

    def set_max_running_deployments(self, limit: int | None) -> None:
        """Limit how many deployments may run at once (None: no limit).

        Past the limit, writes are refused with 403 (Marathon 1.6+; 1.4 has no limit and
        ignores the setting).
        """
        ...

    def advance(self, seconds: float) -> None:
        """Move the cluster's time forward."""
        ...

    def set_leader(self, index: int, *, service: Service | None = None) -> None:
        """Make a master and/or Marathon instance the leader."""
        ...

    def no_leader(self, *, service: Service | None = None) -> None:
        """Leave a service (or both) without a leader."""
        ...
