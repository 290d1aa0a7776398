"""The backend contract suite: pytest test classes every implementation must pass.

Needs the ``testing`` extra (``pip install asgard-orchestrator[testing]``). Subclass
:class:`AgentsBackendContract` (sync) or :class:`AsyncAgentsBackendContract` (async) in a test
module and provide the fixtures ``cluster`` (a :class:`~asgard.testing.ClusterControl`) and
``agents_backend_for`` (``account -> backend`` wired to that cluster)::

    class TestMyAgents(AgentsBackendContract):
        @pytest.fixture
        def cluster(self) -> FakeCluster:
            return FakeCluster()

        @pytest.fixture
        def agents_backend_for(self, cluster):
            client = httpx.Client(transport=cluster.transport())
            yield lambda account: MesosAgentsBackend(
                cluster.mesos_urls, account=account, client=client
            )
            client.close()
"""

from __future__ import annotations

from asgard.testing.contract._async.agents import AsyncAgentsBackendContract
from asgard.testing.contract._async.apps import AsyncAppsBackendContract
from asgard.testing.contract._sync.agents import AgentsBackendContract
from asgard.testing.contract._sync.apps import AppsBackendContract

__all__ = [
    "AgentsBackendContract",
    "AppsBackendContract",
    "AsyncAgentsBackendContract",
    "AsyncAppsBackendContract",
]
