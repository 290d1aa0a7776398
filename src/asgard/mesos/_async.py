"""The async Mesos agents backend (sequencing only; ``_sync.py`` is generated from it)."""

from __future__ import annotations

import builtins
from collections.abc import Awaitable, Callable, Collection, Iterable, Mapping, Sequence
from typing import ClassVar, Literal

import httpx

from asgard._acompat import aboth, agather_bounded
from asgard._backend._async import AsyncBackendCore, check_auth
from asgard._http._async import AsyncHttpSession
from asgard._http._dialect import MESOS, MESOS_AGENT, Dialect
from asgard._http._policy import (
    DEFAULT_MAX_CONCURRENCY,
    DEFAULT_READ_RETRIES,
    CertTypes,
    Reply,
    VerifyTypes,
)
from asgard.account import Account
from asgard.backends import AsyncUsageSampler, Capability
from asgard.errors import InvalidInputError, NoLeaderError, NotFoundError, PermissionDeniedError
from asgard.mesos import _parse, _requests
from asgard.mesos._naming import TaskNamingRule, marathon_task_naming
from asgard.mesos._parse import MesosAgent, MesosTask
from asgard.mesos._view import (
    AgentAddress,
    agent_url,
    app_of,
    attach_tasks,
    check_agent_address,
    check_id,
    check_logs_args,
    owned_agents,
    read_plan,
    tasks_by_agent,
    usage_samples,
    visible_tasks,
)
from asgard.models import Agent, ClusterInfo, Task, UsageSample

__all__ = ["AsyncMesosAgentsBackend"]


class AsyncMesosAgentsBackend(AsyncBackendCore):
    """The account's Mesos agents, their tasks, container usage and sandbox logs (async).

    Reads the leading master's v0 HTTP API (``/master/slaves``, ``/master/tasks``, ...) and
    each agent's own API for ``usage`` and ``logs``. Standby masters are handled by hand: a
    307 names the leader, which is used when it is one of ``servers``; otherwise the
    configured masters are asked which one leads.

    Args:
        servers: the masters' base URLs.
        account: the account; its agents carry the attribute ``owner=<account.owner>``.
        auth: credentials for the masters only.
        agent_auth: credentials for the agents (default None: nothing is sent to agents,
            which the master only discovered).
        agent_scheme: ``"http"`` or ``"https"`` for the agents' API.
        agent_address: ``"hostname"`` (``<hostname>:<port>``) or ``"pid"`` (the address in
            the agent's ``pid``) to reach an agent.
        task_naming: the rule that tells which app a task belongs to (default: Marathon's
            task id formats, for frameworks named ``marathon``).
        timeout, verify, cert, max_concurrency, read_retries, client: as every backend.

    Raises:
        InvalidInputError: for any bad option, before anything is sent.
    """

    backend_name: ClassVar[str] = "mesos"
    dialect: ClassVar[Dialect] = MESOS

    def __init__(
        self,
        servers: Sequence[str],
        *,
        account: Account,
        auth: httpx.Auth | None = None,
        timeout: float | httpx.Timeout | None = None,
        verify: VerifyTypes = True,
        cert: CertTypes = None,
        max_concurrency: int = DEFAULT_MAX_CONCURRENCY,
        read_retries: int = DEFAULT_READ_RETRIES,
        client: httpx.AsyncClient | None = None,
        agent_auth: httpx.Auth | None = None,
        agent_scheme: Literal["http", "https"] = "http",
        agent_address: AgentAddress = "hostname",
        task_naming: TaskNamingRule = marathon_task_naming,
    ) -> None:
        check_agent_address(agent_scheme, agent_address)
        if not callable(task_naming):
            raise InvalidInputError("task_naming must be a callable (framework_name, task_id)")
        self._agent_auth = check_auth(agent_auth, "agent_auth")
        self._agent_scheme: str = agent_scheme
        self._agent_address: AgentAddress = agent_address
        self._task_naming = task_naming
        super().__init__(
            servers,
            account=account,
            auth=auth,
            timeout=timeout,
            verify=verify,
            cert=cert,
            max_concurrency=max_concurrency,
            read_retries=read_retries,
            client=client,
        )

    def _init_state(self) -> None:
        self._frameworks: dict[str, str] = {}  # framework id → name, shared with views

    @property
    def capabilities(self) -> frozenset[Capability]:
        """``LOGS`` and ``USAGE``."""
        return frozenset({Capability.LOGS, Capability.USAGE})

    # -- agents --------------------------------------------------------------------------------

    async def list(self, *, with_tasks: bool = False) -> builtins.list[Agent]:
        """The account's agents, in the master's order.

        Args:
            with_tasks: also fill each ``Agent.tasks`` with the account's live tasks on it,
                read from the master's task listing (paged), never from each agent.

        Raises:
            BackendError: a subclass, when the masters cannot answer.
        """
        reply = await self._session.request("GET", _requests.SLAVES)
        agents = [
            found.agent
            for found in owned_agents(_parse.agents_from_slaves(reply.json()), self._account)
        ]
        if not with_tasks:
            return agents
        tasks = await self._visible_tasks({agent.id: agent for agent in agents})
        return attach_tasks(agents, (task for _, task in tasks))

    async def get(self, agent_id: str) -> Agent:
        """One of the account's agents, with its live tasks.

        Raises:
            InvalidInputError: when ``agent_id`` cannot be an id.
            NotFoundError: when the agent is absent or not the account's.
        """
        found = await self._agent(agent_id)
        tasks = await self._visible_tasks({found.agent.id: found.agent})
        return attach_tasks([found.agent], (task for _, task in tasks))[0]

    async def tasks(self, agent_id: str) -> builtins.list[Task]:
        """The account's live tasks on one of its agents.

        Raises:
            InvalidInputError: when ``agent_id`` cannot be an id.
            NotFoundError: when the agent is absent or not the account's.
        """
        found = await self._agent(agent_id)
        on_it = await self._visible_tasks({found.agent.id: found.agent})
        # a cluster-wide view keeps tasks of unlisted agents; this call is about one agent
        return [task for _, task in on_it if task.agent_id == found.agent.id]

    async def usage(self, agent_id: str) -> builtins.list[UsageSample]:
        """One sample per container of the account's tasks on the agent (its ``/containers``).

        Containers of other accounts' or frameworks' tasks are left out, and so are
        containers the agent has no statistics for.

        Raises:
            InvalidInputError: when ``agent_id`` cannot be an id.
            NotFoundError: when the agent is absent or not the account's.
            BackendError: a subclass, when the agent cannot answer.
        """
        found = await self._agent(agent_id)
        tasks = await self._visible_tasks({found.agent.id: found.agent})
        return await self._containers(found, tasks)

    async def usage_all(
        self, agent_ids: Iterable[str] | None = None
    ) -> dict[str, builtins.list[UsageSample] | Exception]:
        """Usage samples of many of the account's agents: agent id → samples, or its error.

        One sample of a new :meth:`usage_sampler`: one agent listing and one (paged) task
        listing, read at once, serve every agent; then each agent with tasks of the account
        is read concurrently, within ``max_concurrency`` (shared with every backend of the
        pool). An agent whose read fails maps to its error (a
        :class:`~asgard.errors.BackendError`), so one dead agent does not fail the others.

        Args:
            agent_ids: the agents to sample; None for all the account's agents. An id that is
                absent or not the account's maps to a :class:`~asgard.errors.NotFoundError`.

        Raises:
            InvalidInputError: when an id cannot be an id.
            BackendError: a subclass, when the masters cannot answer.
        """
        return await (await self.usage_sampler(agent_ids)).sample()

    async def usage_sampler(self, agent_ids: Iterable[str] | None = None) -> AsyncUsageSampler:
        """The containers of the account's tasks on many agents, found once, sampled at will.

        The agent listing (with the framework names, the first time) and then the (paged) task
        listing are read here; each ``sample()`` then reads only the agents, concurrently
        within ``max_concurrency``.
        Tasks started after this call are not sampled; tasks that end are missing from later
        samples.

        Args:
            agent_ids: the agents to sample; None for all the account's agents. An id that is
                absent or not the account's maps to a :class:`~asgard.errors.NotFoundError`
                in every sample.

        Raises:
            InvalidInputError: when an id cannot be an id.
            BackendError: a subclass, when the masters cannot answer.
        """
        wanted = None if agent_ids is None else [check_id(a, "agent_id") for a in agent_ids]
        slaves, _ = await aboth(
            lambda: self._session.request("GET", _requests.SLAVES),
            self._read_names_if_none,
            self._session.limiter,
        )
        owned = {
            found.agent.id: found
            for found in owned_agents(_parse.agents_from_slaves(slaves.json()), self._account)
        }
        asked = list(owned) if wanted is None else list(dict.fromkeys(wanted))
        agents = {agent_id: owned[agent_id] for agent_id in asked if agent_id in owned}
        # The task listing comes after the agents: only their tasks are decoded.
        tasks = await self._visible_tasks({a: found.agent for a, found in agents.items()})
        by_agent = tasks_by_agent(tasks)

        async def read(agent_id: str) -> builtins.list[UsageSample]:
            return await self._containers(agents[agent_id], by_agent.get(agent_id, []))

        return _AsyncMesosUsageSampler(asked, tuple(agents), read, self._session)

    async def _containers(
        self, found: MesosAgent, tasks: builtins.list[tuple[MesosTask, Task]]
    ) -> builtins.list[UsageSample]:
        """The samples of the account's containers on one agent (no request without tasks)."""
        if not tasks:
            return []
        reply = await self._session.request(
            "GET",
            _requests.CONTAINERS,
            base_url=self._agent_url(found),
            auth=self._agent_auth,
            dialect=MESOS_AGENT,
        )
        return usage_samples(_parse.containers_from(reply.json()), tasks, found.agent.id)

    async def logs(
        self,
        task_id: str,
        *,
        stream: Literal["stdout", "stderr"] = "stdout",
        tail: int = 65536,
    ) -> str:
        """The last ``tail`` bytes of a task's ``stdout`` or ``stderr`` sandbox file.

        Works for finished tasks too, while the agent keeps their sandbox.

        Raises:
            InvalidInputError: on a bad ``task_id``, ``stream`` or ``tail``.
            NotFoundError: when the task, or its file, is absent or not the account's.
            BackendError: a subclass, when the master or the agent cannot answer.
        """
        check_id(task_id, "task_id")
        check_logs_args(stream, tail)
        task = await self._task(task_id)
        agent = await self._agent(task.agent_id, what=f"task {task_id!r}")
        framework_id, executor_id = task.executor_key
        path = _requests.sandbox_path(framework_id, executor_id, stream)
        base_url = self._agent_url(agent)
        try:
            size = await self._file_size(base_url, path)
        except NotFoundError:
            path = await self._sandbox_file(base_url, framework_id, executor_id, stream)
            size = await self._file_size(base_url, path)
        parts: builtins.list[str] = []
        for offset, length in read_plan(size, tail, _requests.FILE_READ_LIMIT):
            reply = await self._agent_get(
                base_url, _requests.FILES_READ, _requests.file_read_params(path, offset, length)
            )
            data, _ = _parse.file_read(reply.json())
            parts.append(data)
            if len(data) < length:
                break
        return "".join(parts)

    async def info(self) -> ClusterInfo:
        """The leading master's URL, the Mesos version and the cluster name when set.

        Raises:
            NoLeaderError: when no configured master leads.
            BackendError: a subclass, when the masters cannot answer.
        """
        leader = await self._session.leader(refresh=True)  # who leads now, not who led
        if leader is None:
            raise NoLeaderError("no configured Mesos master leads", backend=self.backend_name)
        reply = await self._session.request("GET", _requests.VERSION, local=True)
        version = _parse.version_of(reply.json())
        try:
            flags = await self._session.request("GET", _requests.FLAGS, local=True)
        except PermissionDeniedError:  # an authorizer may hide the flags
            name = None
        else:
            name = _parse.cluster_name(flags.json())
        return ClusterInfo(name=name, version=version, leader=leader)

    # -- the joins ------------------------------------------------------------------------------

    async def _agent(self, agent_id: str, *, what: str | None = None) -> MesosAgent:
        check_id(agent_id, "agent_id")
        reply = await self._session.request(
            "GET", _requests.SLAVES, params=_requests.slaves_params(agent_id)
        )
        # A master older than 1.4 ignores slave_id and lists every agent: pick by id.
        for found in owned_agents(_parse.agents_from_slaves(reply.json()), self._account):
            if found.agent.id == agent_id:
                return found
        raise NotFoundError(f"{what or f'agent {agent_id!r}'} not found")

    async def _task(self, task_id: str) -> MesosTask:
        reply = await self._session.request(
            "GET", _requests.TASKS, params=_requests.tasks_params(0, task_id=task_id)
        )
        candidates = [task for task in _parse.tasks_from(reply.json()) if task.id == task_id]
        frameworks = await self._framework_names(candidates)
        for task in candidates:
            visible, _ = app_of(task, frameworks, self._task_naming, self._account)
            if visible:
                return task
        raise NotFoundError(f"task {task_id!r} not found")

    async def _all_tasks(self, agent_ids: Collection[str] | None) -> builtins.list[MesosTask]:
        """Every task of the paged listing; only the live ones on ``agent_ids`` when given."""
        tasks: builtins.list[MesosTask] = []
        offset = 0
        while True:
            reply = await self._session.request(
                "GET", _requests.TASKS, params=_requests.tasks_params(offset)
            )
            page, listed = _parse.task_page(reply.json(), agent_ids)
            tasks.extend(page)
            if listed < _requests.TASKS_PAGE:
                return tasks
            offset += listed

    async def _read_names_if_none(self) -> None:
        """Read the framework names when none is known yet (a new backend)."""
        if not self._frameworks:
            reply = await self._session.request("GET", _requests.STATE_SUMMARY)
            self._frameworks.update(_parse.framework_names(reply.json()))

    async def _framework_names(self, tasks: builtins.list[MesosTask]) -> Mapping[str, str]:
        if any(task.framework_id not in self._frameworks for task in tasks):
            reply = await self._session.request("GET", _requests.STATE_SUMMARY)
            self._frameworks.update(_parse.framework_names(reply.json()))
        return self._frameworks

    async def _visible_tasks(
        self, agents: Mapping[str, Agent]
    ) -> builtins.list[tuple[MesosTask, Task]]:
        """The account's live tasks on ``agents`` (any agent, cluster-wide), with their models.

        The task listing and, the first time, the framework names are read at once; only the
        tasks on ``agents`` are decoded.
        """
        cluster_wide = self._account.is_cluster_wide
        if not agents and not cluster_wide:
            return []
        tasks, _ = await aboth(
            lambda: self._all_tasks(None if cluster_wide else agents.keys()),
            self._read_names_if_none,
            self._session.limiter,
        )
        frameworks = await self._framework_names(tasks)
        return visible_tasks(
            tasks,
            frameworks=frameworks,
            rule=self._task_naming,
            account=self._account,
            agents=agents,
        )

    # -- agents' own API -----------------------------------------------------------------------

    def _agent_url(self, agent: MesosAgent) -> str:
        return agent_url(agent, scheme=self._agent_scheme, address=self._agent_address)

    async def _agent_get(self, base_url: str, path: str, params: Mapping[str, str | int]) -> Reply:
        return await self._session.request(
            "GET",
            path,
            params=params,
            base_url=base_url,
            auth=self._agent_auth,
            dialect=MESOS_AGENT,
        )

    async def _file_size(self, base_url: str, path: str) -> int:
        reply = await self._agent_get(
            base_url, _requests.FILES_READ, _requests.file_read_params(path, -1)
        )
        return _parse.file_read(reply.json())[1]

    async def _sandbox_file(
        self, base_url: str, framework_id: str, executor_id: str, stream: str
    ) -> str:
        reply = await self._agent_get(base_url, _requests.STATE, {})
        directory = _parse.sandbox_directory(reply.json(), framework_id, executor_id)
        if directory is None:
            raise NotFoundError(f"the sandbox of executor {executor_id!r} is gone")
        return _requests.sandbox_file(directory, stream)


class _AsyncMesosUsageSampler:
    """The account's containers on chosen agents, found once (see ``usage_sampler``)."""

    def __init__(
        self,
        asked: builtins.list[str],
        agent_ids: tuple[str, ...],
        read: Callable[[str], Awaitable[builtins.list[UsageSample]]],
        session: AsyncHttpSession,
    ) -> None:
        self._asked = asked
        self._agent_ids = agent_ids
        self._read = read
        self._session = session

    def __repr__(self) -> str:
        return f"<MesosUsageSampler of {len(self._agent_ids)} agents>"

    @property
    def agent_ids(self) -> tuple[str, ...]:
        """The account's agents it samples, in the order they were asked for (or listed)."""
        return self._agent_ids

    async def sample(
        self, agent_ids: Iterable[str] | None = None
    ) -> dict[str, builtins.list[UsageSample] | Exception]:
        """One sample of each agent: agent id → its containers' samples, or its error.

        Args:
            agent_ids: the agents to read, among :attr:`agent_ids` (None: every agent asked
                for). An id that is not among them maps to a
                :class:`~asgard.errors.NotFoundError`.

        Raises:
            InvalidInputError: when an id cannot be an id.
            BackendUnavailableError: when the backend is closed.
        """
        asked = (
            self._asked
            if agent_ids is None
            else list(dict.fromkeys(check_id(a, "agent_id") for a in agent_ids))
        )
        self._session.ensure_open("GET", _requests.CONTAINERS)
        known = set(self._agent_ids)
        results: dict[str, builtins.list[UsageSample] | Exception] = {
            agent_id: NotFoundError(f"agent {agent_id!r} not found")
            for agent_id in asked
            if agent_id not in known
        }
        chosen = [agent_id for agent_id in asked if agent_id in known]
        samples = await agather_bounded(self._read, chosen, self._session.limiter)
        results.update(zip(chosen, samples, strict=True))
        return results
