"""The backend contract suite: pytest test classes every implementation must pass.

Needs the ``testing`` extra (``pip install asgard-orchestrator[testing]``). Three families,
each sync and async:

- :class:`AgentsBackendContract` / :class:`AsyncAgentsBackendContract`: fixtures ``cluster``
  and ``agents_backend_for`` (``account -> agents backend`` wired to that cluster);
- :class:`AppsBackendContract` / :class:`AsyncAppsBackendContract`: fixtures ``cluster`` and
  ``apps_backend_for``;
- :class:`OrchestratorContract` / :class:`AsyncOrchestratorContract`: fixtures ``cluster`` and
  ``orchestrator_for``.

``cluster`` is a :class:`~asgard.testing.ClusterControl`: a
:class:`~asgard.testing.FakeCluster` (built with ``time_scale`` so that time flows while a
client waits), or a harness for a real cluster that implements the same control API. A
third-party backend runs the suite by subclassing the classes in its own test module::

    class TestMyAgents(AgentsBackendContract):
        @pytest.fixture
        def cluster(self) -> FakeCluster:
            return FakeCluster(time_scale=200.0)

        @pytest.fixture
        def agents_backend_for(self, cluster):
            client = httpx.Client(transport=cluster.transport())
            yield lambda account: MyAgentsBackend(cluster.mesos_urls, account=account,
                                                  client=client)
            client.close()

Optional capabilities (:class:`~asgard.backends.Capability`) are honoured: the tests of a
capability the backend does not declare are skipped (see :func:`requires`, which a backend's
own tests may use too), and ``test_undeclared_capabilities_are_refused`` checks that its calls
raise :class:`~asgard.errors.UnsupportedOperationError` instead.
"""

from __future__ import annotations

from asgard.testing.contract._async.agents import AsyncAgentsBackendContract
from asgard.testing.contract._async.apps import AsyncAppsBackendContract
from asgard.testing.contract._async.orchestrator import AsyncOrchestratorContract
from asgard.testing.contract._common import requires
from asgard.testing.contract._sync.agents import AgentsBackendContract
from asgard.testing.contract._sync.apps import AppsBackendContract
from asgard.testing.contract._sync.orchestrator import OrchestratorContract

__all__ = [
    "AgentsBackendContract",
    "AppsBackendContract",
    "AsyncAgentsBackendContract",
    "AsyncAppsBackendContract",
    "AsyncOrchestratorContract",
    "OrchestratorContract",
    "requires",
]
