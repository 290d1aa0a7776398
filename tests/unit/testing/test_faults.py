"""Fault injection: validation, and matching by server, path and count (no transport)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from asgard.errors import InvalidInputError
from asgard.testing import FAULT_KINDS, FakeCluster, Outcome, Server

MARATHON_0 = "http://marathon-0.asgard.test:8080"
MARATHON_1 = "http://marathon-1.asgard.test:8080"


def _ok(_cluster: FakeCluster, _server: Server, _request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={"ok": True})


@pytest.fixture
def cluster() -> FakeCluster:
    cluster = FakeCluster()
    cluster.router.register("marathon", "GET", "/v2/apps", _ok)
    cluster.router.register("marathon", "GET", "/v2/apps/{app_id:path}", _ok)
    cluster.router.register("marathon", "GET", "/v2/info", _ok)
    return cluster


def _get(cluster: FakeCluster, url: str) -> Outcome:
    return cluster.handle(httpx.Request("GET", url))


def _faulted(outcome: Outcome) -> bool:
    response = outcome.response
    return response is None or response.status_code != 200


def test_fault_kinds_are_exactly_the_documented_ones() -> None:
    assert set(FAULT_KINDS) == {
        "latency",
        "server_error_html",
        "timeout",
        "connection_refused",
        "connection_reset",
        "truncated_body",
        "wrong_content_type",
        "locked",
        "agent_unreachable",
    }


@pytest.mark.parametrize(
    ("kind", "kwargs"),
    [
        ("slow", {}),
        ("LATENCY", {"seconds": 1}),
        ("latency", {}),
        ("latency", {"seconds": -1}),
        ("latency", {"seconds": float("inf")}),
        ("timeout", {"seconds": 1}),
        ("timeout", {"times": 0}),
        ("timeout", {"times": -2}),
        ("timeout", {"times": 1.5}),
        ("timeout", {"times": True}),
        ("timeout", {"path": "v2/apps"}),
        ("timeout", {"server": "http://elsewhere:8080"}),
        ("timeout", {"server": "not a url"}),
        ("agent_unreachable", {"server": MARATHON_0}),
    ],
)
def test_bad_injections_are_invalid_input(
    cluster: FakeCluster, kind: Any, kwargs: dict[str, Any]
) -> None:
    with pytest.raises(InvalidInputError):
        cluster.faults.inject(kind, **kwargs)
    assert cluster.faults.active == ()


def test_server_is_normalised(cluster: FakeCluster) -> None:
    fault = cluster.faults.inject("timeout", server="http://MARATHON-0.asgard.test:8080/")
    assert fault.server == MARATHON_0


def test_a_fault_applies_once_by_default(cluster: FakeCluster) -> None:
    fault = cluster.faults.inject("server_error_html")
    assert _faulted(_get(cluster, MARATHON_0 + "/v2/apps"))
    assert not _faulted(_get(cluster, MARATHON_0 + "/v2/apps"))
    assert (fault.hits, fault.remaining) == (1, 0)
    assert cluster.faults.active == ()


def test_times_counts_down(cluster: FakeCluster) -> None:
    cluster.faults.inject("server_error_html", times=3)
    results = [_faulted(_get(cluster, MARATHON_0 + "/v2/apps")) for _ in range(5)]
    assert results == [True, True, True, False, False]


def test_times_none_lasts_until_cleared(cluster: FakeCluster) -> None:
    fault = cluster.faults.inject("server_error_html", times=None)
    assert all(_faulted(_get(cluster, MARATHON_0 + "/v2/apps")) for _ in range(10))
    assert fault.hits == 10
    assert fault.remaining is None
    cluster.faults.clear()
    assert not _faulted(_get(cluster, MARATHON_0 + "/v2/apps"))


def test_server_filter(cluster: FakeCluster) -> None:
    cluster.faults.inject("server_error_html", server=MARATHON_1)
    assert not _faulted(_get(cluster, MARATHON_0 + "/v2/apps"))
    assert _faulted(_get(cluster, MARATHON_1 + "/v2/apps"))


def test_exact_path_filter(cluster: FakeCluster) -> None:
    cluster.faults.inject("server_error_html", path="/v2/apps", times=None)
    assert not _faulted(_get(cluster, MARATHON_0 + "/v2/apps/dev/web"))
    assert not _faulted(_get(cluster, MARATHON_0 + "/v2/info"))
    assert _faulted(_get(cluster, MARATHON_0 + "/v2/apps"))
    assert _faulted(_get(cluster, MARATHON_0 + "/v2/apps?embed=apps.tasks"))  # query ignored


def test_prefix_path_filter(cluster: FakeCluster) -> None:
    cluster.faults.inject("server_error_html", path="/v2/apps*", times=None)
    assert _faulted(_get(cluster, MARATHON_0 + "/v2/apps"))
    assert _faulted(_get(cluster, MARATHON_0 + "/v2/apps/dev/web"))
    assert not _faulted(_get(cluster, MARATHON_0 + "/v2/info"))


def test_non_matching_requests_do_not_use_up_a_fault(cluster: FakeCluster) -> None:
    fault = cluster.faults.inject("server_error_html", path="/v2/info")
    _get(cluster, MARATHON_0 + "/v2/apps")
    _get(cluster, MARATHON_0 + "/v2/apps")
    assert (fault.hits, fault.remaining) == (0, 1)
    assert _faulted(_get(cluster, MARATHON_0 + "/v2/info"))


def test_earliest_matching_fault_wins_and_others_wait(cluster: FakeCluster) -> None:
    cluster.faults.inject("server_error_html")
    cluster.faults.inject("locked")
    first = _get(cluster, MARATHON_0 + "/v2/apps").unwrap()
    second = _get(cluster, MARATHON_0 + "/v2/apps").unwrap()
    assert (first.status_code, second.status_code) == (500, 409)


def test_latency_combines_with_another_fault(cluster: FakeCluster) -> None:
    cluster.faults.inject("latency", seconds=2.5)
    cluster.faults.inject("locked")
    outcome = _get(cluster, MARATHON_0 + "/v2/apps")
    assert outcome.delay == 2.5
    assert outcome.unwrap().status_code == 409
    assert cluster.requests[-1].faults == ("latency", "locked")
    plain = _get(cluster, MARATHON_0 + "/v2/apps")
    assert plain.delay == 0
    assert plain.unwrap().status_code == 200


def test_agent_unreachable_skips_other_servers() -> None:
    cluster = FakeCluster()
    agent_id = cluster.add_agent(owner="a", cpus=1, mem=1)
    fault = cluster.faults.inject("agent_unreachable")
    assert _get(cluster, cluster.mesos_urls[0] + "/master/state").response is not None
    assert fault.hits == 0
    outcome = _get(cluster, cluster.agent(agent_id).url + "/state")
    assert isinstance(outcome.error, httpx.ConnectError)
    assert fault.hits == 1


def test_agent_unreachable_for_one_agent() -> None:
    cluster = FakeCluster()
    first = cluster.agent(cluster.add_agent(owner="a", cpus=1, mem=1)).url
    second = cluster.agent(cluster.add_agent(owner="a", cpus=1, mem=1)).url
    cluster.faults.inject("agent_unreachable", server=second, times=None)
    assert _get(cluster, first + "/state").error is None
    assert isinstance(_get(cluster, second + "/state").error, httpx.ConnectError)
