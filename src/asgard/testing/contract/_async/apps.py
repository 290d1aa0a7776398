"""The behaviour every async apps backend must show (the sync twin is generated from it).

Subclass :class:`AsyncAppsBackendContract` and give it the fixtures ``cluster`` (a
:class:`~asgard.testing.ClusterControl` whose time flows while a client waits: a
:class:`~asgard.testing.FakeCluster` built with ``time_scale``, or a real cluster) and
``apps_backend_for`` (``account -> backend`` of the implementation under test, wired to that
cluster). The contract closes the backends it gets.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import pytest

from asgard.account import Account
from asgard.backends import AsyncAppsBackend, Capability
from asgard.errors import (
    ConflictError,
    DeploymentFailedError,
    InvalidInputError,
    NotFoundError,
    TenancyViolationError,
    UnsupportedOperationError,
    WaitTimeoutError,
)
from asgard.models import (
    AppPatch,
    AppSpec,
    AppStatus,
    Deployment,
    DeploymentSucceeded,
    Event,
    StreamReconnected,
    UnknownEvent,
)
from asgard.testing._control import ClusterControl
from asgard.testing.contract._common import DEV, OPS, ContractBase, requires

__all__ = ["AsyncAppsBackendContract"]

TIMEOUT = 60.0
POLL = 0.02

AppsFactory = Callable[[Account], AsyncAppsBackend]


def web(*, instances: int = 2, cpus: float = 0.1) -> AppSpec:
    """A small app the tests deploy."""
    return AppSpec(
        id="web", instances=instances, cpus=cpus, mem=32, cmd="python3 -m http.server $PORT0"
    )


@asynccontextmanager
async def _no_stream() -> AsyncIterator[AsyncIterator[Event] | None]:
    yield None


def _events_if_declared(
    apps: AsyncAppsBackend,
) -> AbstractAsyncContextManager[AsyncIterator[Event] | None]:
    """The backend's event stream, or None when it does not declare ``EVENTS``."""
    return apps.events() if Capability.EVENTS in apps.capabilities else _no_stream()


class _Layout:
    """Agents of two owners, and one app of the other tenant."""

    def __init__(self, cluster: ClusterControl) -> None:
        self.dev_agents = [
            cluster.add_agent(owner=DEV.owner, cpus=4, mem=8192),
            cluster.add_agent(owner=DEV.owner, cpus=4, mem=8192),
        ]
        self.ops_agents = [cluster.add_agent(owner=OPS.owner, cpus=4, mem=8192)]
        cluster.add_app(
            "/ops/web",
            AppSpec(
                id="/ops/web",
                instances=1,
                cpus=0.1,
                mem=32,
                cmd="sleep 1000",
                constraints=[("owner", "LIKE", OPS.owner)],
            ),
        )
        cluster.advance(30)


class AsyncAppsBackendContract(ContractBase):
    """Behaviour every :class:`~asgard.backends.AsyncAppsBackend` must show."""

    @pytest.fixture
    def layout(self, cluster: ClusterControl) -> _Layout:
        """The cluster the tests deploy to."""
        return _Layout(cluster)

    @pytest.mark.anyio
    async def test_an_empty_account_lists_nothing(
        self, layout: _Layout, apps_backend_for: AppsFactory
    ) -> None:
        """An account with no app yet lists none, and sees nothing of the other tenant."""
        async with apps_backend_for(DEV) as apps:
            assert await apps.list() == []
            assert await apps.deployments() == []
            with pytest.raises(NotFoundError):
                await apps.get("web")

    @pytest.mark.anyio
    async def test_the_whole_lifecycle(
        self, layout: _Layout, apps_backend_for: AppsFactory
    ) -> None:
        """Every step of an app's life, each waited for and visible in the app.

        create → wait → patch → wait → scale → wait → restart → wait → rollback → wait →
        delete → wait.
        """
        progress: list[Deployment] = []
        deployments: list[Deployment] = []
        seen: set[str] = set()
        async with apps_backend_for(DEV) as apps, _events_if_declared(apps) as stream:
            created = await apps.create(web())
            deployments.append(created)
            assert created.app_ids == ("/web",)
            await apps.wait(
                created, on_progress=progress.append, timeout=TIMEOUT, poll_interval=POLL
            )
            assert progress
            app = await apps.get("web", with_tasks=True)
            assert (app.id, app.instances, app.tasks_running) == ("/web", 2, 2)
            assert app.status is AppStatus.RUNNING
            assert app.tasks is not None
            assert {task.agent_id for task in app.tasks} <= set(layout.dev_agents)
            first_version = app.version

            deployments.append(await apps.patch("web", AppPatch(mem=64)))
            await apps.wait(deployments[-1], timeout=TIMEOUT, poll_interval=POLL)
            assert (await apps.get("web")).mem == 64

            deployments.append(await apps.scale("web", 3))
            await apps.wait(deployments[-1], timeout=TIMEOUT, poll_interval=POLL)
            scaled = await apps.get("web")
            assert (scaled.instances, scaled.tasks_running) == (3, 3)

            before = {task.id for task in await apps.tasks("web")}
            deployments.append(await apps.restart("web"))
            await apps.wait(deployments[-1], timeout=TIMEOUT, poll_interval=POLL)
            after = {task.id for task in await apps.tasks("web")}
            assert len(after) == 3
            assert before.isdisjoint(after)

            versions = await apps.versions("web")
            assert versions[-1] == first_version
            deployments.append(await apps.rollback("web", first_version))
            await apps.wait(deployments[-1], timeout=TIMEOUT, poll_interval=POLL)
            rolled = await apps.get("web")
            assert (rolled.mem, rolled.instances) == (32, 2)

            deployments.append(await apps.delete("web"))
            await apps.wait(deployments[-1], timeout=TIMEOUT, poll_interval=POLL)
            with pytest.raises(NotFoundError):
                await apps.get("web")
            # every deployment's success was streamed, and nothing of another app
            wanted = {deployment.id for deployment in deployments}
            if stream is None:
                return
            async for event in stream:
                if isinstance(event, DeploymentSucceeded):
                    seen.add(event.deployment_id)
                    assert event.app_ids == ("/web",)
                if seen >= wanted:
                    break
        assert seen >= wanted

    @pytest.mark.anyio
    async def test_creating_twice_is_a_conflict(
        self, layout: _Layout, apps_backend_for: AppsFactory
    ) -> None:
        """An app exists once."""
        async with apps_backend_for(DEV) as apps:
            await apps.wait(
                await apps.create(web(instances=1)), timeout=TIMEOUT, poll_interval=POLL
            )
            with pytest.raises(ConflictError):
                await apps.create(web(instances=1))

    @pytest.mark.anyio
    async def test_apps_run_only_on_the_accounts_agents(
        self, cluster: ClusterControl, layout: _Layout, apps_backend_for: AppsFactory
    ) -> None:
        """Every definition sent is pinned to the account's agents, whatever it says."""
        async with apps_backend_for(DEV) as apps:
            await apps.wait(
                await apps.create(web(instances=4)), timeout=TIMEOUT, poll_interval=POLL
            )
            app = await apps.get("web", with_tasks=True)
        assert ("owner", "LIKE", DEV.owner) in app.constraints
        assert app.tasks is not None
        assert {task.agent_id for task in app.tasks} <= set(layout.dev_agents)

    @pytest.mark.anyio
    async def test_other_tenants_apps_do_not_exist(
        self, layout: _Layout, apps_backend_for: AppsFactory
    ) -> None:
        """The other tenant's app is invisible and untouchable; ids cannot leave the account."""
        async with apps_backend_for(DEV) as apps:
            assert [app.id for app in await apps.list()] == []
            for bad in ("../ops/web", "/ops/../web", "web/restart"):
                with pytest.raises(InvalidInputError):
                    await apps.get(bad)
            with pytest.raises(NotFoundError):
                await apps.delete("ops/web")  # that is /dev/ops/web, which does not exist
            with pytest.raises(TenancyViolationError):
                apps.for_account(OPS)
        async with apps_backend_for(Account.cluster_wide()) as everything:
            assert "/ops/web" in [app.id for app in await everything.list()]

    @pytest.mark.anyio
    async def test_a_failed_deployment_is_reported(
        self, cluster: ClusterControl, layout: _Layout, apps_backend_for: AppsFactory
    ) -> None:
        """A deployment that fails (cancelled and rolled back) raises DeploymentFailedError."""
        async with apps_backend_for(DEV) as apps:
            await apps.wait(
                await apps.create(web(instances=1)), timeout=TIMEOUT, poll_interval=POLL
            )
            deployment = await apps.patch("web", AppPatch(mem=48))
            cluster.fail_deployment(deployment.id)
            with pytest.raises(DeploymentFailedError) as caught:
                await apps.wait(deployment, timeout=TIMEOUT, poll_interval=POLL)
            assert caught.value.deployment.id == deployment.id

    @pytest.mark.anyio
    async def test_waiting_for_offers_times_out_with_the_queue_entry(
        self, layout: _Layout, apps_backend_for: AppsFactory
    ) -> None:
        """An app the account's agents cannot hold waits in the launch queue."""
        async with apps_backend_for(DEV) as apps:
            deployment = await apps.create(web(instances=1, cpus=64))
            with pytest.raises(WaitTimeoutError) as caught:
                await apps.wait(deployment, timeout=0.3, poll_interval=0.02)
            if Capability.QUEUE in apps.capabilities:
                assert caught.value.queue_entry is not None
                assert caught.value.queue_entry.app_id == "/web"
                assert any(entry.app_id == "/web" for entry in await apps.queue())

    @pytest.mark.anyio
    async def test_events_are_the_accounts_only(
        self, cluster: ClusterControl, layout: _Layout, apps_backend_for: AppsFactory
    ) -> None:
        """The stream shows the account's events, and nothing of the other tenant's.

        The other tenant deploys at the same time; the account's own deployment is seen up to
        its success.
        """
        seen: list[Event] = []
        async with apps_backend_for(DEV) as apps:
            requires(apps, Capability.EVENTS)
        async with apps_backend_for(DEV) as apps, apps.events() as stream:
            cluster.add_app(
                "/ops/api",
                AppSpec(id="/ops/api", cpus=0.1, mem=32, cmd="sleep 1000", env={"TOKEN": "s"}),
            )
            deployment = await apps.create(web(instances=1))
            await apps.wait(deployment, timeout=TIMEOUT, poll_interval=POLL)
            async for event in stream:
                seen.append(event)
                if isinstance(event, DeploymentSucceeded) and event.deployment_id == deployment.id:
                    break
        assert any(isinstance(event, DeploymentSucceeded) for event in seen)
        for event in seen:
            assert not isinstance(event, UnknownEvent)
            app_ids = getattr(event, "app_ids", None) or (getattr(event, "app_id", None),)
            if not isinstance(event, StreamReconnected):
                assert set(app_ids) <= {"/web"}, event

    @pytest.mark.anyio
    async def test_undeclared_capabilities_are_refused(
        self, layout: _Layout, apps_backend_for: AppsFactory
    ) -> None:
        """What a backend does not declare raises UnsupportedOperationError, not a guess."""
        async with apps_backend_for(DEV) as apps:
            optional = {
                Capability.QUEUE,
                Capability.EVENTS,
                Capability.KILL_AND_SCALE,
                Capability.WIPE,
            }
            missing = optional - apps.capabilities
            if not missing:
                pytest.skip("the backend declares every optional apps capability")
            await apps.wait(
                await apps.create(web(instances=1)), timeout=TIMEOUT, poll_interval=POLL
            )
            task_id = (await apps.tasks("web"))[0].id
            if Capability.QUEUE in missing:
                with pytest.raises(UnsupportedOperationError):
                    await apps.queue()
                with pytest.raises(UnsupportedOperationError):
                    await apps.reset_delay("web")
            if Capability.EVENTS in missing:
                with pytest.raises(UnsupportedOperationError):
                    async with apps.events():
                        pass
            if Capability.KILL_AND_SCALE in missing:
                with pytest.raises(UnsupportedOperationError):
                    await apps.kill_tasks("web", [task_id], scale=True)
            if Capability.WIPE in missing:
                with pytest.raises(UnsupportedOperationError):
                    await apps.kill_tasks("web", [task_id], wipe=True)
            assert len(await apps.tasks("web")) == 1  # nothing was killed

    @pytest.mark.anyio
    async def test_info_names_the_leader(
        self, layout: _Layout, apps_backend_for: AppsFactory
    ) -> None:
        """``info`` says which version runs and who leads."""
        async with apps_backend_for(DEV) as apps:
            info = await apps.info()
        assert info.version
        assert info.leader
