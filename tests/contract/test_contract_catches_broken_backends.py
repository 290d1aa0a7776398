"""The contract is not a rubber stamp: backends with deliberate bugs fail it."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

CLUSTER = """
import httpx
import pytest

from asgard import Account
from asgard.marathon import MarathonAppsBackend
from asgard.mesos import MesosAgentsBackend
from asgard.testing import FakeCluster
from asgard.testing.contract import AgentsBackendContract, AppsBackendContract


@pytest.fixture
def cluster():
    return FakeCluster(seed=1, time_scale=200.0, event_stream_idle_timeout=0.3)
"""

LEAKY_AGENTS = (
    CLUSTER
    + '''

class LeakyAgents(MesosAgentsBackend):
    """Lists every owner's agents: the tenancy bug the contract must catch."""

    def list(self, *, with_tasks=False):
        wide = MesosAgentsBackend(
            self._session.pool.servers, account=Account.cluster_wide(), client=self._session._client
        )
        return wide.list(with_tasks=with_tasks)


class TestLeaky(AgentsBackendContract):
    @pytest.fixture
    def agents_backend_for(self, cluster):
        client = httpx.Client(transport=cluster.transport())
        yield lambda account: LeakyAgents(cluster.mesos_urls, account=account, client=client)
        client.close()
'''
)

UNPINNED_APPS = (
    CLUSTER
    + '''

class UnpinnedApps(MarathonAppsBackend):
    """Creates apps without the owner pin: they may land on another tenant's agents."""

    def create(self, spec):
        from asgard.marathon import _requests, _serialize
        body = _serialize.app_body(spec, self.account)
        body["constraints"] = [c for c in body["constraints"] if c[0] != "owner"]
        reply = self._call(_requests.create_app(body))
        return self._deployment(reply, [spec.id])


class TestUnpinned(AppsBackendContract):
    @pytest.fixture
    def apps_backend_for(self, cluster):
        client = httpx.Client(transport=cluster.transport())
        yield lambda account: UnpinnedApps(cluster.marathon_urls, account=account, client=client)
        client.close()
'''
)


NO_QUEUE_NO_EVENTS = """

from asgard.backends import Capability
from asgard.errors import UnsupportedOperationError


class Plain(MarathonAppsBackend):
    \"\"\"Declares no launch queue and no event stream{what}.\"\"\"

    @property
    def capabilities(self):
        return super().capabilities - {{Capability.QUEUE, Capability.EVENTS}}
{body}

class TestPlain(AppsBackendContract):
    @pytest.fixture
    def apps_backend_for(self, cluster):
        client = httpx.Client(transport=cluster.transport())
        yield lambda account: Plain(cluster.marathon_urls, account=account, client=client)
        client.close()
"""

# Says it has no queue, yet answers queue(): the contract holds it to refusing.
QUEUE_NOT_REFUSED = CLUSTER + NO_QUEUE_NO_EVENTS.format(what=", yet serves the queue", body="")
# Refuses what it does not declare: the contract skips those tests and passes.
HONEST_WITHOUT_QUEUE = CLUSTER + NO_QUEUE_NO_EVENTS.format(
    what=" and refuses them",
    body="""
    def queue(self):
        raise UnsupportedOperationError("no launch queue")

    def reset_delay(self, app_id):
        raise UnsupportedOperationError("no launch queue")

    def events(self, *, types=None):
        raise UnsupportedOperationError("no event stream")
""",
)


@pytest.mark.parametrize(
    ("source", "must_fail"),
    [
        (LEAKY_AGENTS, "test_list_shows_only_the_accounts_agents"),
        (UNPINNED_APPS, "test_apps_run_only_on_the_accounts_agents"),
        (QUEUE_NOT_REFUSED, "test_undeclared_capabilities_are_refused"),
    ],
    ids=["leaky-agents", "unpinned-apps", "queue-not-refused"],
)
def test_the_contract_fails_a_broken_backend(
    pytester: pytest.Pytester, source: str, must_fail: str
) -> None:
    pytester.makepyfile(test_broken=source)
    result = pytester.runpytest_inprocess("-q", "-p", "no:cacheprovider", "-p", "no:randomly")
    outcomes = result.parseoutcomes()
    assert outcomes.get("failed", 0) >= 1
    assert must_fail in result.stdout.str()
    assert outcomes.get("passed", 0) >= 1  # the rest of the contract still runs


def test_a_backend_without_optional_capabilities_passes_what_applies(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(test_plain=HONEST_WITHOUT_QUEUE)
    result = pytester.runpytest_inprocess(
        "-q", "-p", "no:cacheprovider", "-p", "no:randomly", "-rs"
    )
    outcomes = result.parseoutcomes()
    assert outcomes.get("failed", 0) == 0, result.stdout.str()
    assert outcomes.get("skipped", 0) == 1  # the event-stream test
    assert "the backend does not declare EVENTS" in result.stdout.str()
    assert outcomes.get("passed", 0) >= 8  # refusals checked, the rest of the contract run
