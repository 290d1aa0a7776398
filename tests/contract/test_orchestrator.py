"""The orchestrator contract over the Mesos and Marathon backends on the FakeCluster."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest

from asgard import Account, AsyncOrchestrator, Orchestrator
from asgard.marathon import AsyncMarathonAppsBackend, MarathonAppsBackend
from asgard.mesos import AsyncMesosAgentsBackend, MesosAgentsBackend
from asgard.testing import FakeCluster
from asgard.testing.contract import AsyncOrchestratorContract, OrchestratorContract


@pytest.fixture(params=[("1.4", "1.4"), ("1.10", "1.11")], ids=["old", "new"])
def cluster(request: pytest.FixtureRequest) -> FakeCluster:
    marathon, mesos = request.param
    return FakeCluster(seed=9, marathon_version=marathon, mesos_version=mesos, time_scale=200.0)


class TestOrchestrator(OrchestratorContract):
    @pytest.fixture
    def orchestrator_for(self, cluster: FakeCluster) -> Iterator[Callable[[Account], Orchestrator]]:
        client = httpx.Client(transport=cluster.transport())

        def make(account: Account) -> Orchestrator:
            return Orchestrator(
                agents=MesosAgentsBackend(
                    cluster.mesos_urls, account=account, client=client, read_retries=0
                ),
                apps=MarathonAppsBackend(cluster.marathon_urls, account=account, client=client),
            )

        yield make
        client.close()


class TestAsyncOrchestrator(AsyncOrchestratorContract):
    @pytest.fixture
    def orchestrator_for(self, cluster: FakeCluster) -> Callable[[Account], AsyncOrchestrator]:
        client = httpx.AsyncClient(transport=cluster.async_transport())

        def make(account: Account) -> AsyncOrchestrator:
            return AsyncOrchestrator(
                agents=AsyncMesosAgentsBackend(
                    cluster.mesos_urls, account=account, client=client, read_retries=0
                ),
                apps=AsyncMarathonAppsBackend(
                    cluster.marathon_urls, account=account, client=client
                ),
            )

        return make
