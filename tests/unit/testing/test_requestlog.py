"""The request log: what it keeps, what it redacts, and how tests query it."""

from __future__ import annotations

import httpx
import pytest

from asgard.errors import InvalidInputError
from asgard.testing import REDACTED, FakeCluster

MESOS_0 = "http://mesos-0.asgard.test:5050"
MARATHON_0 = "http://marathon-0.asgard.test:8080"


def _send(
    cluster: FakeCluster,
    method: str,
    url: str,
    *,
    headers: dict[str, str] | None = None,
    content: bytes | None = None,
) -> None:
    cluster.handle(httpx.Request(method, url, headers=headers, content=content))


def test_log_keeps_method_path_query_time_and_body_size() -> None:
    cluster = FakeCluster()
    cluster.advance(12)
    _send(cluster, "post", MARATHON_0 + "/v2/apps?force=true&embed=a&embed=b", content=b"{}")
    (record,) = cluster.requests
    assert record.server == MARATHON_0
    assert record.method == "POST"
    assert record.path == "/v2/apps"
    assert record.query == (("force", "true"), ("embed", "a"), ("embed", "b"))
    assert record.param("embed") == "a"
    assert record.params.get_list("embed") == ["a", "b"]
    assert record.body_size == 2
    assert record.at == cluster.now
    assert record.faults == ()
    assert record.reached is True
    assert not hasattr(record, "body")


def test_secret_headers_are_redacted_and_others_kept() -> None:
    cluster = FakeCluster()
    headers = {
        "Authorization": "Basic dXNlcjpzM2NyM3Q=",
        "Proxy-Authorization": "Basic eDp5",
        "Cookie": "session=abc",
        "X-Auth-Token": "tok-1",
        "X-Client-Secret": "v-sh",
        "X-Password": "v-pw",
        "X-Api-Key": "v-key",
        "Accept": "application/json",
        "X-Request-Id": "r-1",
    }
    _send(cluster, "GET", MARATHON_0 + "/v2/apps", headers=headers)
    (record,) = cluster.requests
    for name in list(headers)[:7]:
        assert record.header(name) == REDACTED, name
    assert record.header("accept") == "application/json"
    assert record.header("X-REQUEST-ID") == "r-1"
    assert record.header("absent") is None
    text = repr(record)
    for secret in ("dXNlcjpzM2NyM3Q=", "eDp5", "abc", "tok-1", "v-sh", "v-pw", "v-key"):
        assert secret not in text


def test_secret_query_parameters_are_redacted() -> None:
    cluster = FakeCluster()
    _send(cluster, "GET", MESOS_0 + "/master/state?access_token=t0k&password=pw&limit=5")
    (record,) = cluster.requests
    assert record.query == (("access_token", REDACTED), ("password", REDACTED), ("limit", "5"))


def test_filter_by_server_path_and_method() -> None:
    cluster = FakeCluster()
    _send(cluster, "GET", MARATHON_0 + "/v2/apps")
    _send(cluster, "POST", MARATHON_0 + "/v2/apps")
    _send(cluster, "GET", MARATHON_0 + "/v2/apps/dev/web")
    _send(cluster, "GET", MESOS_0 + "/master/slaves")
    log = cluster.requests
    assert len(log) == 4
    assert [r.path for r in log.filter(server=MESOS_0)] == ["/master/slaves"]
    assert len(log.filter(server=MARATHON_0 + "/")) == 3
    assert [r.method for r in log.filter(path="/v2/apps")] == ["GET", "POST"]
    assert len(log.filter(path="/v2/apps*")) == 3
    assert len(log.filter(method="get")) == 3
    assert len(cluster.requests_to(MARATHON_0, "/v2/apps*", "GET")) == 2
    assert log[0].method == "GET"
    assert [r.method for r in log[1:3]] == ["POST", "GET"]


def test_unreached_requests_are_kept_apart() -> None:
    cluster = FakeCluster()
    cluster.faults.inject("connection_refused", server=MARATHON_0)
    _send(cluster, "GET", MARATHON_0 + "/v2/apps")
    _send(cluster, "GET", "http://unknown.example:8080/v2/apps")
    _send(cluster, "GET", MARATHON_0 + "/v2/apps")
    assert len(cluster.requests) == 1
    assert cluster.requests[0].faults == ()
    refused, unknown = cluster.requests.unreached
    assert (refused.server, refused.faults, refused.reached) == (
        MARATHON_0,
        ("connection_refused",),
        False,
    )
    assert (unknown.server, unknown.faults) == ("http://unknown.example:8080", ())
    assert cluster.requests.filter(unreached=True, server=MARATHON_0) == [refused]


def test_faulted_requests_that_reached_a_server_are_flagged() -> None:
    cluster = FakeCluster()
    cluster.faults.inject("timeout")
    _send(cluster, "DELETE", MARATHON_0 + "/v2/apps/dev/web")
    (record,) = cluster.requests
    assert record.faults == ("timeout",)
    assert record.reached is True


def test_clear_forgets_everything() -> None:
    cluster = FakeCluster()
    _send(cluster, "GET", MARATHON_0 + "/v2/apps")
    _send(cluster, "GET", "http://unknown.example/")
    cluster.requests.clear()
    assert len(cluster.requests) == 0
    assert cluster.requests.unreached == ()


def test_filter_refuses_a_server_that_is_not_a_url() -> None:
    with pytest.raises(InvalidInputError):
        FakeCluster().requests.filter(server="marathon-0")
