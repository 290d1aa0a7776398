"""The apps contract, run against the Marathon backend on the FakeCluster, sync and async,
for both emulated Marathon versions."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest

from asgard import Account
from asgard.marathon import AsyncMarathonAppsBackend, MarathonAppsBackend
from asgard.testing import FakeCluster
from asgard.testing.contract import AppsBackendContract, AsyncAppsBackendContract


@pytest.fixture(params=["1.4", "1.10"])
def cluster(request: pytest.FixtureRequest) -> FakeCluster:
    # Time flows while a client waits: 200 fake seconds per real one.
    return FakeCluster(
        seed=5, marathon_version=request.param, time_scale=200.0, event_stream_idle_timeout=0.5
    )


class TestMarathonApps(AppsBackendContract):
    @pytest.fixture
    def apps_backend_for(
        self, cluster: FakeCluster
    ) -> Iterator[Callable[[Account], MarathonAppsBackend]]:
        client = httpx.Client(transport=cluster.transport())
        yield lambda account: MarathonAppsBackend(
            cluster.marathon_urls, account=account, client=client
        )
        client.close()


class TestAsyncMarathonApps(AsyncAppsBackendContract):
    @pytest.fixture
    def apps_backend_for(
        self, cluster: FakeCluster
    ) -> Callable[[Account], AsyncMarathonAppsBackend]:
        # The FakeCluster's transport holds no socket: the client needs no closing.
        client = httpx.AsyncClient(transport=cluster.async_transport())
        return lambda account: AsyncMarathonAppsBackend(
            cluster.marathon_urls, account=account, client=client
        )
