"""Static conformance of the async protocols (checked by mypy, never run by pytest).

Minimal toy implementations are assigned to variables typed as the protocols: when a protocol
and an implementation drift apart, ``mypy --strict`` fails here. ``_sync.py`` beside this file
is generated from it.
"""

from __future__ import annotations

import builtins
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from types import TracebackType
from typing import Literal

from typing_extensions import Self, assert_type

from asgard.account import Account
from asgard.backends import AsyncAgentsBackend, AsyncAppsBackend, AsyncUsageSampler, Capability
from asgard.models import (
    Agent,
    App,
    AppPatch,
    AppSpec,
    ClusterInfo,
    Deployment,
    Event,
    QueueEntry,
    Resources,
    StreamReconnected,
    Task,
    TaskState,
    UsageSample,
)

_AGENT = Agent(
    id="a1",
    hostname="h1",
    port=5051,
    active=True,
    total=Resources(cpus=4, mem=4096),
    allocated=Resources(cpus=1, mem=512),
)
_APP = App(id="/web", instances=1, cpus=0.5, mem=64, version="2024-01-01T00:00:00.000Z")
_TASK = Task(id="web.1", app_id="/web", state=TaskState.TASK_RUNNING)
_DEPLOYMENT = Deployment(id="d1", app_ids=("/web",), version="2024-01-01T00:00:00.000Z")


# -- async -------------------------------------------------------------------------------------


class _AsyncToyBase:
    """What both toys share; the toys still conform only by their shape, not by inheriting."""

    def __init__(self, account: Account) -> None:
        self._account = account

    @property
    def account(self) -> Account:
        return self._account

    def for_account(self, account: Account) -> Self:
        return type(self)(account)

    async def aclose(self) -> None:
        pass

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()


class AsyncToyAgents(_AsyncToyBase):
    @property
    def capabilities(self) -> frozenset[Capability]:
        return frozenset({Capability.LOGS, Capability.USAGE})

    async def list(self, *, with_tasks: bool = False) -> builtins.list[Agent]:
        return [_AGENT]

    async def get(self, agent_id: str) -> Agent:
        return _AGENT

    async def tasks(self, agent_id: str) -> builtins.list[Task]:
        return [_TASK]

    async def usage(self, agent_id: str) -> builtins.list[UsageSample]:
        return []

    async def usage_all(
        self, agent_ids: Iterable[str] | None = None
    ) -> dict[str, builtins.list[UsageSample] | Exception]:
        return {}

    async def usage_sampler(self, agent_ids: Iterable[str] | None = None) -> AsyncToySampler:
        return AsyncToySampler()

    async def logs(
        self,
        task_id: str,
        *,
        stream: Literal["stdout", "stderr"] = "stdout",
        tail: int = 65536,
    ) -> str:
        return ""

    async def info(self) -> ClusterInfo:
        return ClusterInfo()


class AsyncToySampler:
    @property
    def agent_ids(self) -> tuple[str, ...]:
        return ()

    async def sample(
        self, agent_ids: Iterable[str] | None = None
    ) -> dict[str, builtins.list[UsageSample] | Exception]:
        return {}


class AsyncToyApps(_AsyncToyBase):
    @property
    def capabilities(self) -> frozenset[Capability]:
        return frozenset({Capability.EVENTS})

    async def list(self, *, with_tasks: bool = False) -> builtins.list[App]:
        return [_APP]

    async def get(self, app_id: str, *, with_tasks: bool = False) -> App:
        return _APP

    async def create(self, spec: AppSpec) -> Deployment:
        return _DEPLOYMENT

    async def update(self, spec: AppSpec, *, force: bool = False) -> Deployment:
        return _DEPLOYMENT

    async def patch(self, app_id: str, changes: AppPatch, *, force: bool = False) -> Deployment:
        return _DEPLOYMENT

    async def scale(self, app_id: str, instances: int, *, force: bool = False) -> Deployment:
        return _DEPLOYMENT

    async def restart(self, app_id: str, *, force: bool = False) -> Deployment:
        return _DEPLOYMENT

    async def delete(self, app_id: str, *, force: bool = False) -> Deployment:
        return _DEPLOYMENT

    async def tasks(self, app_id: str) -> builtins.list[Task]:
        return [_TASK]

    async def kill_tasks(
        self, app_id: str, task_ids: Iterable[str], *, scale: bool = False, wipe: bool = False
    ) -> Deployment | None:
        return _DEPLOYMENT if scale else None

    async def kill_tasks_on_host(
        self, app_id: str, host: str, *, scale: bool = False
    ) -> Deployment | None:
        return None

    async def deployments(self) -> builtins.list[Deployment]:
        return [_DEPLOYMENT]

    async def cancel(
        self, deployment: Deployment | str, *, rollback: bool = True
    ) -> Deployment | None:
        return _DEPLOYMENT if rollback else None

    async def wait(
        self,
        deployment: Deployment | str,
        *,
        timeout: float = 600,
        poll_interval: float = 1.0,
        on_progress: Callable[[Deployment], object] | None = None,
    ) -> Deployment:
        if on_progress is not None:
            on_progress(_DEPLOYMENT)
        return _DEPLOYMENT

    async def versions(self, app_id: str) -> builtins.list[str]:
        return [_APP.version]

    async def get_version(self, app_id: str, version: str) -> App:
        return _APP

    async def rollback(self, app_id: str, version: str, *, force: bool = False) -> Deployment:
        return _DEPLOYMENT

    async def queue(self) -> builtins.list[QueueEntry]:
        return []

    async def reset_delay(self, app_id: str) -> None:
        pass

    def events(
        self, *, types: Iterable[type[Event]] | None = None
    ) -> AbstractAsyncContextManager[AsyncIterator[Event]]:
        return self._events()

    @asynccontextmanager
    async def _events(self) -> AsyncIterator[AsyncIterator[Event]]:
        async def stream() -> AsyncIterator[Event]:
            yield StreamReconnected()

        yield stream()

    async def info(self) -> ClusterInfo:
        return ClusterInfo()


_ACCOUNT = Account(namespace="dev", owner="dev-team")

agents: AsyncAgentsBackend = AsyncToyAgents(_ACCOUNT)
apps: AsyncAppsBackend = AsyncToyApps(_ACCOUNT)


async def check_async(agents: AsyncAgentsBackend, apps: AsyncAppsBackend) -> None:
    assert_type(await agents.list(with_tasks=True), list[Agent])
    assert_type(await agents.logs("t", stream="stderr", tail=10), str)
    assert_type(agents.for_account(Account.cluster_wide()), AsyncAgentsBackend)
    assert_type(agents.capabilities, frozenset[Capability])
    sampler = await agents.usage_sampler(["a1"])
    assert_type(sampler, AsyncUsageSampler)
    assert_type(await sampler.sample(), dict[str, list[UsageSample] | Exception])
    async with agents as entered:
        assert_type(entered, AsyncAgentsBackend)
    assert_type(await apps.get("/web"), App)
    assert_type(await apps.kill_tasks("/web", ["web.1"], scale=True), Deployment | None)
    assert_type(await apps.wait("d1", timeout=5, on_progress=print), Deployment)
    assert_type((await apps.get("/web")).to_spec(), AppSpec)
    async with apps.events(types=[StreamReconnected]) as stream:
        async for event in stream:
            assert_type(event, Event)
    await apps.aclose()
