"""The async Orchestrator: what needs both backends (``_sync.py`` is generated from it)."""

from __future__ import annotations

import builtins
from typing import Any

import attrs
from typing_extensions import Self

from asgard._acompat import AsyncLimiter, aboth, asleep
from asgard.account import Account
from asgard.backends import AsyncAgentsBackend, AsyncAppsBackend
from asgard.errors import InvalidInputError, NotFoundError
from asgard.models import AccountUsage, App, AppStats, TaskPlacement
from asgard.orchestrator import _join

__all__ = ["AsyncOrchestrator"]

_DEFAULT_BOUND = 32


def _check_interval(interval: object) -> float:
    if isinstance(interval, bool) or not isinstance(interval, (int, float)) or interval <= 0:
        raise InvalidInputError(f"interval must be a positive number of seconds, not {interval!r}")
    return float(interval)


@attrs.define
class AsyncOrchestrator:
    """One agents backend and one apps backend of the same account, and what needs both.

    Args:
        agents: the agents backend (Mesos).
        apps: the apps backend (Marathon).

    Raises:
        InvalidInputError: when the two backends are bound to different accounts.
    """

    agents: AsyncAgentsBackend
    apps: AsyncAppsBackend

    def __attrs_post_init__(self) -> None:
        if self.agents.account != self.apps.account:
            raise InvalidInputError(
                f"the backends serve different accounts ({self.agents.account!r} and "
                f"{self.apps.account!r}): an orchestrator joins one account's agents and apps"
            )

    @property
    def account(self) -> Account:
        """The account both backends are bound to."""
        return self.agents.account

    def for_account(self, account: Account) -> Self:
        """An orchestrator for ``account`` whose backends share this one's pools.

        Raises:
            TenancyViolationError: when this orchestrator is not cluster-wide.
        """
        return type(self)(
            agents=self.agents.for_account(account), apps=self.apps.for_account(account)
        )

    async def aclose(self) -> None:
        """Close both backends."""
        try:
            await self.agents.aclose()
        finally:
            await self.apps.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    @property
    def _limiter(self) -> AsyncLimiter:
        limiter: Any = getattr(self.agents, "limiter", None)
        if isinstance(limiter, AsyncLimiter):
            return limiter
        return AsyncLimiter(_DEFAULT_BOUND)

    # -- joins -----------------------------------------------------------------------------

    async def agent_apps(self, agent_id: str) -> builtins.list[App]:
        """The account's apps with tasks on one of its agents (two list requests).

        Raises:
            NotFoundError: when the agent is absent or not the account's.
        """
        agents = await self.agents.list()
        if agent_id not in {agent.id for agent in agents}:
            raise NotFoundError(f"agent {agent_id!r} not found")
        return _join.agent_apps(await self.apps.list(with_tasks=True), agent_id)

    async def app_tasks(self, app_id: str) -> builtins.list[TaskPlacement]:
        """Each of an app's tasks with its agent (None when the agent is not the account's).

        Raises:
            InvalidInputError: on a bad app id.
            NotFoundError: when the app does not exist.
        """
        tasks = await self.apps.tasks(app_id)
        agents = {agent.id: agent for agent in await self.agents.list()}
        return _join.placements(tasks, agents)

    async def app_stats(self, app_id: str, *, interval: float = 1.0) -> AppStats:
        """CPU, memory and throttling of an app's tasks, from two samples ``interval`` apart.

        Every agent running the app is sampled concurrently, within the backends' bound;
        tasks that could not be measured (agent down, container restarted or gone) are in
        ``errors`` with the reason, and the others are still computed.

        Raises:
            InvalidInputError: on a bad app id or interval.
            NotFoundError: when the app does not exist.
        """
        seconds = _check_interval(interval)
        relative = self.account.normalize_app_id(app_id)
        # The app's tasks (Marathon) and the account's containers (Mesos) are found at once;
        # the two samples then read only the agents running the app.
        tasks, sampler = await aboth(
            lambda: self.apps.tasks(relative), self.agents.usage_sampler, self._limiter
        )
        agent_ids = sorted({task.agent_id for task in tasks if task.agent_id})
        first = await sampler.sample(agent_ids)
        await asleep(seconds)
        second = await sampler.sample(agent_ids)
        measured, errors = _join.pair_samples(tasks, first, second)
        return _join.app_stats(relative, measured, errors)

    async def usage(self, *, interval: float = 1.0) -> AccountUsage:
        """The account's agents' total, allocated and measured use, and each app's share.

        Raises:
            InvalidInputError: on a bad interval.
        """
        seconds = _check_interval(interval)
        agents = await self.agents.list()
        apps, sampler = await aboth(
            lambda: self.apps.list(with_tasks=True), self.agents.usage_sampler, self._limiter
        )
        first = await sampler.sample()
        await asleep(seconds)
        second = await sampler.sample()
        tasks = [task for app in apps for task in app.tasks or ()]
        measured, errors = _join.pair_samples(tasks, first, second)
        for agent_id, found in second.items():
            if isinstance(found, Exception):
                errors[agent_id] = f"the agent could not be sampled: {found}"
        return _join.account_usage(agents, apps, measured, errors)
