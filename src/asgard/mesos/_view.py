"""What an account sees of the Mesos records, and the joins the backend needs (pure).

Tenancy lives here: agents are the account's by their ``owner`` attribute; tasks are the
account's when the task-naming rule attributes them to an app under the account's namespace
and they run on one of its agents. Everything else is invisible to a scoped account.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping
from typing import Final, Literal

import attrs

from asgard.account import Account
from asgard.errors import InvalidInputError, MalformedResponseError
from asgard.mesos._naming import TaskNamingRule
from asgard.mesos._parse import Container, MesosAgent, MesosTask
from asgard.models import Agent, Task, UsageSample, is_terminal

__all__ = [
    "AgentAddress",
    "agent_url",
    "app_of",
    "check_agent_address",
    "check_id",
    "check_logs_args",
    "attach_tasks",
    "owned_agents",
    "read_plan",
    "tasks_by_agent",
    "usage_samples",
    "visible_tasks",
]

AgentAddress = Literal["hostname", "pid"]
_PID: Final = re.compile(r"[^@]*@(?P<host>[^:/]+):(?P<port>\d+)")
_HOSTNAME: Final = re.compile(r"[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*\.?")


def owned_agents(agents: Iterable[MesosAgent], account: Account) -> list[MesosAgent]:
    """The agents whose ``owner`` attribute is the account's (all, cluster-wide)."""
    return [agent for agent in agents if account.owns_agent(agent.agent.attributes)]


def app_of(
    task: MesosTask, frameworks: Mapping[str, str], rule: TaskNamingRule, account: Account
) -> tuple[bool, str | None]:
    """Whether the account may see the task, and its app id as the account sees it.

    The task's agent must be the account's too; the caller checks that.
    """
    absolute = rule(frameworks.get(task.framework_id, ""), task.id)
    if account.is_cluster_wide:
        return True, absolute
    if absolute is None or not account.owns_marathon_id(absolute):
        return False, None
    return True, account.relative_app_id(absolute)


def _visible_app(
    task: MesosTask, frameworks: Mapping[str, str], rule: TaskNamingRule, account: Account
) -> str | None:
    visible, app_id = app_of(task, frameworks, rule, account)
    return app_id if visible else None


def visible_tasks(
    tasks: Iterable[MesosTask],
    *,
    frameworks: Mapping[str, str],
    rule: TaskNamingRule,
    account: Account,
    agents: Mapping[str, Agent],
) -> list[tuple[MesosTask, Task]]:
    """The account's non-terminal tasks on ``agents``, each once, with its model.

    A task listed twice (pages that shifted, or a terminal and a live copy of a reused id)
    is kept once, live copy first.
    """
    chosen: dict[tuple[str, str], MesosTask] = {}
    for task in tasks:
        if is_terminal(task.state):
            continue
        chosen.setdefault((task.framework_id, task.id), task)
    found: list[tuple[MesosTask, Task]] = []
    cluster_wide = account.is_cluster_wide
    views: dict[str, str | None] = {}  # absolute app id → the account's id (None: not its)
    for task in chosen.values():
        agent = agents.get(task.agent_id)
        if agent is None and not cluster_wide:
            continue
        absolute = rule(frameworks.get(task.framework_id, ""), task.id)
        if cluster_wide:
            app_id = absolute
        elif absolute is None:
            continue
        else:
            if absolute not in views:
                views[absolute] = _visible_app(task, frameworks, rule, account)
            app_id = views[absolute]
            if app_id is None:
                continue
        found.append(
            (
                task,
                Task(
                    id=task.id,
                    app_id=app_id,
                    agent_id=task.agent_id,
                    host=agent.hostname if agent is not None else None,
                    state=task.state,
                    ports=task.ports,
                    staged_at=task.staged_at,
                    started_at=task.started_at,
                    healthy=task.healthy,
                ),
            )
        )
    return found


def tasks_by_agent(
    tasks: Iterable[tuple[MesosTask, Task]],
) -> dict[str, list[tuple[MesosTask, Task]]]:
    """The visible tasks grouped by the agent they run on."""
    grouped: dict[str, list[tuple[MesosTask, Task]]] = {}
    for raw, task in tasks:
        grouped.setdefault(raw.agent_id, []).append((raw, task))
    return grouped


def attach_tasks(agents: Iterable[Agent], tasks: Iterable[Task]) -> list[Agent]:
    """Each agent with its tasks (a tuple, possibly empty) filled in."""
    by_agent: dict[str | None, list[Task]] = {}
    for task in tasks:
        by_agent.setdefault(task.agent_id, []).append(task)
    return [attrs.evolve(agent, tasks=tuple(by_agent.get(agent.id, ()))) for agent in agents]


def usage_samples(
    containers: Iterable[Container],
    tasks: Iterable[tuple[MesosTask, Task]],
    agent_id: str,
) -> list[UsageSample]:
    """One sample per container of the account's tasks; other containers are invisible.

    A container is matched to its task by ``(framework id, executor id)``: a command-executor
    task's executor id is its own id. Containers without statistics give no sample.
    """
    by_executor = {raw.executor_key: task for raw, task in tasks}
    samples: list[UsageSample] = []
    for container in containers:
        task = by_executor.get((container.framework_id, container.executor_id))
        statistics = container.statistics
        if task is None or statistics is None:
            continue
        samples.append(
            UsageSample(
                task_id=task.id,
                app_id=task.app_id,
                agent_id=agent_id,
                container_id=container.container_id,
                timestamp=statistics.timestamp,
                cpus_user_time_secs=statistics.cpus_user_time_secs,
                cpus_system_time_secs=statistics.cpus_system_time_secs,
                cpus_limit=statistics.cpus_limit,
                cpus_nr_periods=statistics.cpus_nr_periods,
                cpus_nr_throttled=statistics.cpus_nr_throttled,
                mem_rss_bytes=statistics.mem_rss_bytes,
                mem_limit_bytes=statistics.mem_limit_bytes,
            )
        )
    return samples


def agent_url(agent: MesosAgent, *, scheme: str, address: AgentAddress) -> str:
    """The base URL of an agent's own API.

    ``"hostname"``: ``<scheme>://<hostname>:<port>``; ``"pid"``: the address in the agent's
    ``pid`` (``slave(1)@10.0.0.5:5051``), falling back to the hostname when there is none.
    """
    host, port = agent.agent.hostname, agent.agent.port
    if address == "pid" and agent.pid:
        match = _PID.fullmatch(agent.pid)
        if match is not None:
            digits = match.group("port")
            host, port = match.group("host"), int(digits) if len(digits) <= 5 else -1
    if not 0 < port < 65536 or not _usable_host(host):
        raise MalformedResponseError(
            f"agent {agent.agent.id!r} has no usable address ({host!r}, port {port})"
        )
    if ":" in host:
        host = f"[{host}]"
    return f"{scheme}://{host}:{port}"


def _usable_host(host: str) -> bool:
    """A host name or an IP address (an IPv6 one bare, as the master writes it)."""
    if ":" in host:
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            return False
        return True
    return _HOSTNAME.fullmatch(host) is not None


def read_plan(size: int, tail: int, chunk: int) -> list[tuple[int, int]]:
    """The ``(offset, length)`` reads that fetch the last ``tail`` bytes of a file.

    The file has ``size`` bytes; each read asks for ``chunk`` bytes at most.
    """
    start = max(0, size - tail)
    return [(offset, min(chunk, size - offset)) for offset in range(start, size, chunk)]


def check_logs_args(stream: object, tail: object) -> None:
    """Refuse a bad ``logs()`` call before any request.

    Raises:
        InvalidInputError: when ``stream`` is not ``"stdout"`` or ``"stderr"``, or ``tail`` is
            not a non-negative integer.
    """
    if stream not in ("stdout", "stderr"):
        raise InvalidInputError(f"stream must be 'stdout' or 'stderr', not {stream!r}")
    if isinstance(tail, bool) or not isinstance(tail, int) or tail < 0:
        raise InvalidInputError(f"tail must be a non-negative number of bytes, not {tail!r}")


_ID: Final = re.compile(r"[^\s\x00-\x1f\x7f]+")


def check_id(value: object, what: str) -> str:
    """Refuse an agent or task id that cannot be one, before any request.

    Raises:
        InvalidInputError: when the id is not a non-empty string without white space or
            control characters.
    """
    if not isinstance(value, str) or not _ID.fullmatch(value):
        raise InvalidInputError(f"{what} must be a non-empty string without spaces, not {value!r}")
    return value


def check_agent_address(scheme: object, address: object) -> None:
    """Refuse bad ``agent_scheme`` / ``agent_address`` options.

    Raises:
        InvalidInputError: when the scheme is not ``"http"``/``"https"`` or the address mode
            not ``"hostname"``/``"pid"``.
    """
    if scheme not in ("http", "https"):
        raise InvalidInputError(f"agent_scheme must be 'http' or 'https', not {scheme!r}")
    if address not in ("hostname", "pid"):
        raise InvalidInputError(f"agent_address must be 'hostname' or 'pid', not {address!r}")
