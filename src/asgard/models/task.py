"""Tasks, their Mesos states, and the last failure of an app."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Final

import attrs

__all__ = ["Task", "TaskFailure", "TaskState", "is_terminal"]


class TaskState(enum.Enum):
    """The state of a task, as Mesos names it (and Marathon repeats it).

    A state this enum does not know (a newer Mesos) is never an error: fields typed
    ``TaskState | str`` keep it as the raw string; build them with :meth:`parse`.
    """

    TASK_STAGING = "TASK_STAGING"
    TASK_STARTING = "TASK_STARTING"
    TASK_RUNNING = "TASK_RUNNING"
    TASK_KILLING = "TASK_KILLING"
    TASK_FINISHED = "TASK_FINISHED"
    TASK_FAILED = "TASK_FAILED"
    TASK_KILLED = "TASK_KILLED"
    TASK_ERROR = "TASK_ERROR"
    TASK_LOST = "TASK_LOST"
    TASK_DROPPED = "TASK_DROPPED"
    TASK_UNREACHABLE = "TASK_UNREACHABLE"
    TASK_GONE = "TASK_GONE"
    TASK_GONE_BY_OPERATOR = "TASK_GONE_BY_OPERATOR"
    TASK_UNKNOWN = "TASK_UNKNOWN"

    @classmethod
    def parse(cls, value: str) -> TaskState | str:
        """The member named ``value``, or ``value`` itself when no member has that name.

        Unknown states are kept, not refused, so a newer server never breaks a listing.
        """
        return _BY_VALUE.get(value, value)

    @property
    def is_terminal(self) -> bool:
        """Whether a task in this state is over for good (Mesos' ``isTerminalState``).

        ``TASK_UNREACHABLE`` and ``TASK_UNKNOWN`` are not terminal: the task may come back.
        """
        return self in _TERMINAL


_BY_VALUE: Final[dict[str, TaskState]] = {state.value: state for state in TaskState}

_TERMINAL: Final = frozenset(
    {
        TaskState.TASK_FINISHED,
        TaskState.TASK_FAILED,
        TaskState.TASK_KILLED,
        TaskState.TASK_ERROR,
        TaskState.TASK_LOST,
        TaskState.TASK_DROPPED,
        TaskState.TASK_GONE,
        TaskState.TASK_GONE_BY_OPERATOR,
    }
)


def is_terminal(state: TaskState | str) -> bool:
    """Whether ``state`` is terminal; a state :class:`TaskState` does not know never is."""
    return isinstance(state, TaskState) and state.is_terminal


@attrs.frozen(kw_only=True)
class Task:
    """One task (one running copy of an app) as a backend reports it.

    Attributes:
        id: the task id, an opaque string.
        app_id: the app it belongs to, relative to the account's namespace; None when no
            task-naming rule attributes it to an app (only the cluster-wide account sees
            such tasks).
        agent_id: the id of the agent it runs on, when the server said it.
        host: the host name of that agent, when known.
        state: a :class:`TaskState`, or the raw string of a state asgard does not know.
        ports: the host ports allocated to the task.
        staged_at: when it was staged (an aware datetime), when known.
        started_at: when it started running, when it did.
        version: the app version the task runs, when known.
        healthy: True or False when the app has health checks and results exist; None
            otherwise.
    """

    id: str
    app_id: str | None
    agent_id: str | None = None
    host: str | None = None
    state: TaskState | str
    ports: tuple[int, ...] = ()
    staged_at: datetime | None = None
    started_at: datetime | None = None
    version: str | None = None
    healthy: bool | None = None

    @property
    def is_terminal(self) -> bool:
        """Whether the task's state is terminal (see :func:`is_terminal`)."""
        return is_terminal(self.state)


@attrs.frozen(kw_only=True)
class TaskFailure:
    """The last task of an app that failed, as Marathon remembers it.

    Attributes:
        task_id: the failed task's id.
        state: its final state (:class:`TaskState`, or the raw string when unknown).
        message: the reason Mesos gave, possibly empty.
        host: the host it ran on, when known.
        agent_id: the agent it ran on, when known.
        timestamp: when it failed (aware datetime), when known.
        version: the app version it ran, when known.
    """

    task_id: str
    state: TaskState | str
    message: str = ""
    host: str | None = None
    agent_id: str | None = None
    timestamp: datetime | None = None
    version: str | None = None
