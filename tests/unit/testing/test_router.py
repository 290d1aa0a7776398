"""Routing: servers by scheme, host and port; registered handlers; 404 and 405 defaults."""

from __future__ import annotations

import json

import httpx
import pytest

from asgard.errors import InvalidInputError
from asgard.testing import FakeCluster, Handler, Router, Server, path_params
from asgard.testing._router import BUILTIN_ROUTES

MESOS_1 = "http://mesos-1.asgard.test:5050"
MARATHON_0 = "http://marathon-0.asgard.test:8080"


def _echo(cluster: FakeCluster, server: Server, request: httpx.Request) -> httpx.Response:
    return httpx.Response(
        200,
        json={
            "kind": server.kind,
            "index": server.index,
            "url": server.url,
            "agent_id": server.agent_id,
            "params": dict(path_params(request)),
            "leader": cluster.mesos_leader,
        },
    )


def _call(cluster: FakeCluster, method: str, url: str) -> httpx.Response:
    return cluster.handle(httpx.Request(method, url)).unwrap()


def test_handler_gets_the_cluster_the_server_and_the_request() -> None:
    cluster = FakeCluster()
    cluster.set_leader(2, service="mesos")
    cluster.router.register("mesos_master", "GET", "/master/slaves", _echo)
    body = _call(cluster, "GET", MESOS_1 + "/master/slaves").json()
    assert body == {
        "kind": "mesos_master",
        "index": 1,
        "url": MESOS_1,
        "agent_id": None,
        "params": {},
        "leader": 2,
    }


def test_agents_are_routed_by_hostname() -> None:
    cluster = FakeCluster()
    cluster.add_agent(owner="a", cpus=1, mem=1)
    second = cluster.add_agent(owner="b", cpus=1, mem=1, hostname="10.0.0.7")
    cluster.router.register("agent", "GET", "/state", _echo)
    body = _call(cluster, "GET", "http://10.0.0.7:5051/state").json()
    assert (body["kind"], body["agent_id"]) == ("agent", second)


def test_routes_are_per_server_kind() -> None:
    cluster = FakeCluster()
    cluster.router.register("marathon", "GET", "/echo", _echo)
    assert _call(cluster, "GET", MARATHON_0 + "/echo").status_code == 200
    assert _call(cluster, "GET", MESOS_1 + "/echo").status_code == 404


def test_placeholders_match_one_segment_or_a_whole_path() -> None:
    cluster = FakeCluster()
    cluster.router.register("marathon", "POST", "/v2/apps/{app_id:path}/restart", _echo)
    cluster.router.register("marathon", "DELETE", "/v2/deployments/{deployment_id}", _echo)
    restart = _call(cluster, "POST", MARATHON_0 + "/v2/apps/dev/team/web/restart")
    assert restart.json()["params"] == {"app_id": "dev/team/web"}
    delete = _call(cluster, "DELETE", MARATHON_0 + "/v2/deployments/d-1")
    assert delete.json()["params"] == {"deployment_id": "d-1"}
    assert _call(cluster, "DELETE", MARATHON_0 + "/v2/deployments/a/b").status_code == 404


def test_first_registered_route_wins_and_re_registering_replaces() -> None:
    cluster = FakeCluster()

    def named(name: str) -> Handler:
        def handler(_c: FakeCluster, _s: Server, _r: httpx.Request) -> httpx.Response:
            return httpx.Response(200, text=name)

        return handler

    router = cluster.router
    builtin = len(router.routes)
    router.register("marathon", "GET", "/v2/things/{thing_id:path}/versions", named("versions"))
    router.register("marathon", "GET", "/v2/things/{thing_id:path}", named("app"))
    assert _call(cluster, "GET", MARATHON_0 + "/v2/things/dev/web/versions").text == "versions"
    assert _call(cluster, "GET", MARATHON_0 + "/v2/things/dev/web").text == "app"
    router.register("marathon", "get", "/v2/things/{thing_id:path}/versions", named("override"))
    assert len(router.routes) == builtin + 2
    assert _call(cluster, "GET", MARATHON_0 + "/v2/things/dev/web/versions").text == "override"


def test_route_decorator_registers() -> None:
    router = Router()

    @router.route("agent", "GET", "/files/read")
    def read(_c: FakeCluster, _s: Server, _r: httpx.Request) -> httpx.Response:
        return httpx.Response(204)

    resolution = router.resolve("agent", "GET", "/files/read")
    assert resolution.route is not None
    assert resolution.route.handler is read
    assert router.resolve("agent", "POST", "/files/read").allowed == ("GET",)


@pytest.mark.parametrize("server", ["master", "agent"])
def test_mesos_404_is_plain_text(server: str) -> None:
    cluster = FakeCluster()
    agent_id = cluster.add_agent(owner="a", cpus=1, mem=1)
    url = MESOS_1 if server == "master" else cluster.agent(agent_id).url
    response = _call(cluster, "GET", url + "/nothing/here")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/plain")
    assert "/nothing/here" in response.text


def test_marathon_404_is_json() -> None:
    response = _call(FakeCluster(), "GET", MARATHON_0 + "/v2/nothing")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"
    assert json.loads(response.content) == {"message": "URI not found"}


def test_wrong_method_is_405_with_allow() -> None:
    cluster = FakeCluster()
    cluster.router.register("marathon", "GET", "/v2/apps", _echo)
    cluster.router.register("marathon", "POST", "/v2/apps", _echo)
    cluster.router.register("mesos_master", "POST", "/api/v1", _echo)
    marathon = _call(cluster, "PUT", MARATHON_0 + "/v2/apps")
    assert marathon.status_code == 405
    assert marathon.headers["allow"] == "GET, POST"
    assert "message" in marathon.json()
    mesos = _call(cluster, "GET", MESOS_1 + "/api/v1")
    assert mesos.status_code == 405
    assert mesos.headers["content-type"].startswith("text/plain")


@pytest.mark.parametrize(
    "url",
    [
        "http://unknown.asgard.test:5050/master/state",
        "http://mesos-1.asgard.test:5051/master/state",  # right host, wrong port
        "https://mesos-1.asgard.test:5050/master/state",  # right host, wrong scheme
        "http://agent-0.asgard.test:5051/state",  # no agent yet
    ],
)
def test_unknown_host_is_a_connect_error(url: str) -> None:
    cluster = FakeCluster()
    outcome = cluster.handle(httpx.Request("GET", url))
    assert isinstance(outcome.error, httpx.ConnectError)
    assert outcome.response is None
    with pytest.raises(httpx.ConnectError):
        outcome.unwrap()


def test_removed_agent_stops_answering() -> None:
    cluster = FakeCluster()
    agent_id = cluster.add_agent(owner="a", cpus=1, mem=1)
    url = cluster.agent(agent_id).url
    assert cluster.handle(httpx.Request("GET", url + "/state")).error is None
    cluster.remove_agent(agent_id)
    assert isinstance(
        cluster.handle(httpx.Request("GET", url + "/state")).error, httpx.ConnectError
    )


def test_cluster_routes_do_not_leak_between_clusters() -> None:
    first, second = FakeCluster(), FakeCluster()
    first.router.register("marathon", "GET", "/v2/custom", _echo)
    assert _call(first, "GET", MARATHON_0 + "/v2/custom").status_code == 200
    assert _call(second, "GET", MARATHON_0 + "/v2/custom").status_code == 404
    assert BUILTIN_ROUTES.resolve("marathon", "GET", "/v2/custom").route is None


@pytest.mark.parametrize(
    ("kind", "method", "pattern"),
    [
        ("zookeeper", "GET", "/x"),
        ("marathon", "", "/x"),
        ("marathon", "GET /x", "/x"),
        ("marathon", "GET", "x"),
        ("marathon", "GET", "/{a}/{a}"),
    ],
)
def test_bad_registrations_are_invalid_input(kind: str, method: str, pattern: str) -> None:
    with pytest.raises(InvalidInputError):
        Router().register(kind, method, pattern, _echo)  # type: ignore[arg-type]
