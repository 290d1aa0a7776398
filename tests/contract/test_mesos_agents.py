"""The agents contract, run against the Mesos backend on the FakeCluster, sync and async,
for both emulated Mesos versions."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest

from asgard import Account
from asgard.mesos import AsyncMesosAgentsBackend, MesosAgentsBackend
from asgard.testing import FakeCluster
from asgard.testing.contract import AgentsBackendContract, AsyncAgentsBackendContract


@pytest.fixture(params=["1.4", "1.11"])
def cluster(request: pytest.FixtureRequest) -> FakeCluster:
    return FakeCluster(seed=11, mesos_version=request.param)


class TestMesosAgents(AgentsBackendContract):
    @pytest.fixture
    def agents_backend_for(
        self, cluster: FakeCluster
    ) -> Iterator[Callable[[Account], MesosAgentsBackend]]:
        client = httpx.Client(transport=cluster.transport())
        yield lambda account: MesosAgentsBackend(
            cluster.mesos_urls, account=account, client=client, read_retries=1
        )
        client.close()


class TestAsyncMesosAgents(AsyncAgentsBackendContract):
    @pytest.fixture
    def agents_backend_for(
        self, cluster: FakeCluster
    ) -> Callable[[Account], AsyncMesosAgentsBackend]:
        # The FakeCluster's transport holds no socket: the client needs no closing.
        client = httpx.AsyncClient(transport=cluster.async_transport())
        return lambda account: AsyncMesosAgentsBackend(
            cluster.mesos_urls, account=account, client=client, read_retries=1
        )
