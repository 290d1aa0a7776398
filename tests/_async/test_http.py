"""The HTTP session against respx: failover, leader memory, retries, writes, errors, secrets.

Written once for async; tests/_sync/test_http.py is generated from it.
"""

from __future__ import annotations

import logging
import ssl
from typing import Any

import httpx
import pytest
import respx

from asgard._http._async import AsyncHttpSession
from asgard._http._dialect import MARATHON, MESOS, MESOS_AGENT, Dialect
from asgard._http._policy import HttpConfig
from asgard.auth import BasicAuth, TokenAuth
from asgard.errors import (
    AsgardError,
    AuthenticationError,
    BackendTimeoutError,
    BackendUnavailableError,
    ConflictError,
    MalformedResponseError,
    NoLeaderError,
    NotFoundError,
    PermissionDeniedError,
    RequestRejectedError,
    ServerError,
    TooManyDeploymentsError,
    WriteOutcomeUnknownError,
)
from tests.conftest import load_fixture

M1, M2, M3 = "http://m1:5050", "http://m2:5050", "http://m3:5050"
MASTERS = [M1, M2, M3]
MT1, MT2 = "http://mt1:8080", "http://mt2:8080"
PASSWORD = "s3cr3t-pa55"
SLAVES: dict[str, list[object]] = {"slaves": []}

JETTY_502 = (
    b"<html><head><title>Error 502 Could not determine the current leader</title></head>"
    b"<body><h2>HTTP ERROR 502</h2><p>Problem accessing /v2/apps. Reason:"
    b"<pre>    Could not determine the current leader</pre></p></body></html>"
)


def session(
    servers: list[str] | None = None,
    dialect: Dialect = MESOS,
    *,
    auth: httpx.Auth | None = None,
    client: httpx.AsyncClient | None = None,
    **options: Any,
) -> AsyncHttpSession:
    options.setdefault("backoff_base", 0.0)
    config = HttpConfig.build(
        dialect.name, servers or MASTERS, injected_client=client is not None, **options
    )
    return AsyncHttpSession(config, dialect, auth=auth, client=client)


def redirect_to(host: str, path: str = "/master/slaves") -> httpx.Response:
    return httpx.Response(307, headers={"Location": f"//{host}{path}"})


@pytest.mark.anyio
@respx.mock
async def test_standby_redirect_moves_to_the_leader_and_remembers_it() -> None:
    first = respx.get(f"{M1}/master/slaves").mock(return_value=redirect_to("m2:5050"))
    leader = respx.get(f"{M2}/master/slaves").mock(return_value=httpx.Response(200, json=SLAVES))
    http = session()
    reply = await http.request("GET", "/master/slaves")
    assert reply.json() == SLAVES
    await http.request("GET", "/master/slaves")
    assert first.call_count == 1
    assert leader.call_count == 2
    assert http.pool.leader == 1
    await http.aclose()


@pytest.mark.anyio
@respx.mock
async def test_credentials_go_only_to_configured_servers_when_a_redirect_names_another() -> None:
    respx.get(f"{M1}/master/slaves").mock(return_value=redirect_to("10.0.0.9:5050"))
    stranger = respx.route(host="10.0.0.9").mock(return_value=httpx.Response(200, json=SLAVES))
    respx.get(f"{M1}/master/redirect").mock(return_value=redirect_to("m3:5050", ""))
    leader = respx.get(f"{M3}/master/slaves").mock(return_value=httpx.Response(200, json=SLAVES))
    http = session(auth=BasicAuth("ops", PASSWORD))
    assert (await http.request("GET", "/master/slaves")).json() == SLAVES
    assert not stranger.called
    assert leader.call_count == 1
    assert leader.calls.last.request.headers["Authorization"].startswith("Basic ")
    assert http.pool.leader == 2
    await http.aclose()


@pytest.mark.anyio
@respx.mock
async def test_redirect_to_an_unknown_host_with_no_configured_leader_is_no_leader() -> None:
    respx.get(f"{M1}/master/slaves").mock(return_value=redirect_to("elsewhere:5050"))
    for server in MASTERS:
        respx.get(f"{server}/master/redirect").mock(return_value=httpx.Response(503))
    http = session()
    with pytest.raises(NoLeaderError):
        await http.request("GET", "/master/slaves")
    await http.aclose()


@pytest.mark.anyio
@respx.mock
async def test_redirect_loops_end_in_no_leader() -> None:
    respx.get(f"{M1}/master/slaves").mock(return_value=redirect_to("m2:5050"))
    respx.get(f"{M2}/master/slaves").mock(return_value=redirect_to("m1:5050"))
    http = session()
    with pytest.raises(NoLeaderError):
        await http.request("GET", "/master/slaves")
    assert len(respx.calls) <= 2 * len(MASTERS)
    await http.aclose()


@pytest.mark.anyio
@respx.mock
async def test_no_leader_elected_is_retried_a_bounded_number_of_times() -> None:
    routes = [
        respx.get(f"{server}/master/slaves").mock(
            return_value=httpx.Response(503, text="No leader elected")
        )
        for server in MASTERS
    ]
    http = session(read_retries=2)
    with pytest.raises(NoLeaderError) as caught:
        await http.request("GET", "/master/slaves")
    assert sum(route.call_count for route in routes) == 3
    assert caught.value.status == 503
    await http.aclose()


@pytest.mark.anyio
@respx.mock
async def test_connection_failure_fails_over_in_configured_order() -> None:
    down = respx.get(f"{M1}/master/slaves").mock(side_effect=httpx.ConnectError("refused"))
    also_down = respx.get(f"{M2}/master/slaves").mock(side_effect=httpx.ConnectError("refused"))
    up = respx.get(f"{M3}/master/slaves").mock(return_value=httpx.Response(200, json=SLAVES))
    http = session(read_retries=0)
    assert (await http.request("GET", "/master/slaves")).json() == SLAVES
    assert (down.call_count, also_down.call_count, up.call_count) == (1, 1, 1)
    assert http.pool.leader == 2
    assert down.calls.last.request.url.host == "m1"
    await http.aclose()


@pytest.mark.anyio
@respx.mock
async def test_all_servers_unreachable_spends_read_retries_then_is_unavailable() -> None:
    routes = [
        respx.get(f"{server}/master/slaves").mock(side_effect=httpx.ConnectError("refused"))
        for server in MASTERS
    ]
    http = session(read_retries=1)
    with pytest.raises(BackendUnavailableError) as caught:
        await http.request("GET", "/master/slaves")
    assert [route.call_count for route in routes] == [2, 2, 2]
    assert caught.value.status is None
    await http.aclose()


@pytest.mark.anyio
@respx.mock
async def test_read_timeouts_are_retried_with_backoff_then_raise(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    delays: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        delays.append(seconds)

    monkeypatch.setattr("asgard._http._async.asleep", fake_sleep)
    route = respx.get(f"{M1}/master/slaves").mock(side_effect=httpx.ReadTimeout("slow"))
    http = session([M1], read_retries=3, backoff_base=0.1)
    with pytest.raises(BackendTimeoutError):
        await http.request("GET", "/master/slaves")
    assert route.call_count == 4
    assert len(delays) == 3
    assert all(0.0 < delay <= 2.0 for delay in delays)
    assert delays[2] > 0.1  # the third wait may reach 0.4 s: the backoff grows
    await http.aclose()


@pytest.mark.anyio
@respx.mock
async def test_a_read_that_succeeds_on_retry_returns_the_answer() -> None:
    route = respx.get(f"{M1}/master/slaves").mock(
        side_effect=[httpx.ReadError("reset"), httpx.Response(200, json=SLAVES)]
    )
    http = session([M1])
    assert (await http.request("GET", "/master/slaves")).json() == SLAVES
    assert route.call_count == 2
    await http.aclose()


@pytest.mark.anyio
@respx.mock
@pytest.mark.parametrize(
    "exc",
    [httpx.ReadTimeout("t"), httpx.ReadError("r"), httpx.RemoteProtocolError("p")],
    ids=["timeout", "reset", "protocol"],
)
async def test_a_write_whose_reply_is_lost_is_sent_once(exc: Exception) -> None:
    first = respx.post(f"{MT1}/v2/apps").mock(side_effect=exc)
    second = respx.post(f"{MT2}/v2/apps").mock(return_value=httpx.Response(201, json={}))
    http = session([MT1, MT2], MARATHON, read_retries=5)
    with pytest.raises(WriteOutcomeUnknownError) as caught:
        await http.request("POST", "/v2/apps", json={"id": "/dev/web"})
    assert first.call_count == 1
    assert not second.called
    assert "read the object back" in str(caught.value)
    await http.aclose()


@pytest.mark.anyio
@respx.mock
@pytest.mark.parametrize("status", [500, 502, 504])
async def test_a_write_answered_by_an_ambiguous_5xx_is_outcome_unknown(status: int) -> None:
    route = respx.put(f"{MT1}/v2/apps/dev/web").mock(
        return_value=httpx.Response(status, text="upstream trouble")
    )
    other = respx.put(f"{MT2}/v2/apps/dev/web").mock(return_value=httpx.Response(200, json={}))
    http = session([MT1, MT2], MARATHON)
    with pytest.raises(WriteOutcomeUnknownError) as caught:
        await http.request("PUT", "/v2/apps/dev/web", json={"instances": 2})
    assert caught.value.status == status
    assert route.call_count == 1
    assert not other.called
    await http.aclose()


@pytest.mark.anyio
@respx.mock
async def test_a_write_that_could_not_connect_moves_to_the_next_server_once() -> None:
    down = respx.post(f"{MT1}/v2/apps").mock(side_effect=httpx.ConnectError("refused"))
    up = respx.post(f"{MT2}/v2/apps").mock(return_value=httpx.Response(201, json={"id": "x"}))
    http = session([MT1, MT2], MARATHON)
    reply = await http.request("POST", "/v2/apps", json={"id": "/dev/web"})
    assert reply.status == 201
    assert (down.call_count, up.call_count) == (1, 1)
    await http.aclose()


@pytest.mark.anyio
@respx.mock
async def test_a_write_redirected_by_a_standby_reaches_the_leader_once() -> None:
    standby = respx.post(f"{M1}/api/v1").mock(return_value=redirect_to("m2:5050", "/api/v1"))
    leader = respx.post(f"{M2}/api/v1").mock(return_value=httpx.Response(202))
    http = session(auth=TokenAuth("tok-123"))
    await http.request("POST", "/api/v1", json={"type": "DRAIN_AGENT"})
    assert (standby.call_count, leader.call_count) == (1, 1)
    assert leader.calls.last.request.headers["Authorization"] == "token=tok-123"
    assert leader.calls.last.request.content == standby.calls.last.request.content
    await http.aclose()


@pytest.mark.anyio
@respx.mock
async def test_a_write_refused_by_every_leaderless_standby_is_no_leader() -> None:
    routes = [
        respx.post(f"{server}/v2/apps").mock(
            return_value=httpx.Response(
                502, content=JETTY_502, headers={"Content-Type": "text/html"}
            )
        )
        for server in (MT1, MT2)
    ]
    http = session([MT1, MT2], MARATHON)
    with pytest.raises(NoLeaderError):
        await http.request("POST", "/v2/apps", json={"id": "/dev/web"})
    assert [route.call_count for route in routes] == [1, 1]
    await http.aclose()


@pytest.mark.anyio
@respx.mock
async def test_marathon_leader_header_is_remembered() -> None:
    respx.get(f"{MT1}/v2/info").mock(
        return_value=httpx.Response(200, json={}, headers={"X-Marathon-Leader": MT2})
    )
    http = session([MT1, MT2], MARATHON)
    await http.request("GET", "/v2/info")
    assert http.pool.leader == 1
    await http.aclose()


TRANSPORT_FAILURES = [
    httpx.ConnectError("c"),
    httpx.ConnectTimeout("c"),
    httpx.ReadTimeout("r"),
    httpx.WriteTimeout("w"),
    httpx.PoolTimeout("p"),
    httpx.ReadError("r"),
    httpx.WriteError("w"),
    httpx.RemoteProtocolError("p"),
    httpx.LocalProtocolError("p"),
    httpx.ProxyError("p"),
    httpx.DecodingError("d"),
]


@pytest.mark.anyio
@respx.mock
@pytest.mark.parametrize("exc", TRANSPORT_FAILURES, ids=lambda exc: type(exc).__name__)
@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_every_httpx_failure_becomes_an_asgard_error(exc: Exception, method: str) -> None:
    respx.route(host="m1").mock(side_effect=exc)
    http = session([M1], read_retries=1)
    with pytest.raises(AsgardError) as caught:
        await http.request(method, "/master/slaves")
    assert not isinstance(caught.value, httpx.HTTPError)
    assert isinstance(caught.value.__context__, httpx.HTTPError)
    await http.aclose()


@pytest.mark.anyio
@respx.mock
@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (400, "marathon/raml-inline/400-invalid-json.json", RequestRejectedError),
        (422, "marathon/raml-inline/422-object-not-valid.json", RequestRejectedError),
        (401, "marathon/raml-inline/401-unauthenticated.json", AuthenticationError),
        (403, "marathon/raml-inline/403-forbidden.json", PermissionDeniedError),
        (404, "marathon/raml-inline/404-app-not-found.json", NotFoundError),
        (409, "marathon/raml-inline/409-app-locked-by-deployment.json", ConflictError),
    ],
)
async def test_marathon_error_answers_are_mapped(
    status: int, body: str, expected: type[AsgardError]
) -> None:
    route = respx.get(f"{MT1}/v2/apps/dev/web").mock(
        return_value=httpx.Response(status, json=load_fixture(body))
    )
    http = session([MT1, MT2], MARATHON)
    with pytest.raises(expected) as caught:
        await http.request("GET", "/v2/apps/dev/web")
    assert route.call_count == 1
    if isinstance(caught.value, RequestRejectedError):
        assert caught.value.details
        assert caught.value.status == status
    if isinstance(caught.value, ConflictError):
        assert caught.value.deployment_ids == ("97c136bf-5a28-4821-9d94-480d9fbb01c8",)
    await http.aclose()


@pytest.mark.anyio
@respx.mock
async def test_too_many_deployments_is_its_own_error() -> None:
    respx.put(f"{MT1}/v2/apps/dev/web").mock(
        return_value=httpx.Response(
            403, json={"message": "Max number (100) of running deployments is achieved"}
        )
    )
    http = session([MT1], MARATHON)
    with pytest.raises(TooManyDeploymentsError):
        await http.request("PUT", "/v2/apps/dev/web", json={"instances": 1})
    await http.aclose()


@pytest.mark.anyio
@respx.mock
async def test_a_500_on_a_read_is_a_server_error_without_retry() -> None:
    route = respx.get(f"{MT1}/v2/apps").mock(
        return_value=httpx.Response(500, json={"message": "URI not found"})
    )
    http = session([MT1], MARATHON)
    with pytest.raises(ServerError, match="URI not found"):
        await http.request("GET", "/v2/apps")
    assert route.call_count == 1
    await http.aclose()


@pytest.mark.anyio
@respx.mock
async def test_an_html_answer_to_a_read_is_malformed_not_a_json_error() -> None:
    respx.get(f"{MT1}/v2/apps").mock(
        return_value=httpx.Response(
            200, text="<html>login</html>", headers={"Content-Type": "text/html"}
        )
    )
    http = session([MT1], MARATHON)
    reply = await http.request("GET", "/v2/apps")
    with pytest.raises(MalformedResponseError) as caught:
        reply.json()
    assert caught.value.url == f"{MT1}/v2/apps"
    assert caught.value.status == 200
    await http.aclose()


@pytest.mark.anyio
@respx.mock
async def test_agents_get_no_credentials_unless_given() -> None:
    agent = respx.get("http://agent-1:5051/containers").mock(
        return_value=httpx.Response(200, json=[])
    )
    http = session(auth=BasicAuth("ops", PASSWORD))
    await http.request("GET", "/containers", base_url="http://agent-1:5051", dialect=MESOS_AGENT)
    assert "Authorization" not in agent.calls.last.request.headers
    await http.request(
        "GET",
        "/containers",
        base_url="http://agent-1:5051",
        dialect=MESOS_AGENT,
        auth=BasicAuth("agent", "agent-pass"),
    )
    assert agent.calls.last.request.headers["Authorization"].startswith("Basic ")
    assert http.pool.leader is None
    await http.aclose()


@pytest.mark.anyio
@respx.mock
async def test_a_closed_session_sends_nothing() -> None:
    route = respx.get(f"{M1}/master/slaves").mock(return_value=httpx.Response(200, json=SLAVES))
    http = session()
    await http.aclose()
    await http.aclose()
    with pytest.raises(BackendUnavailableError, match="closed"):
        await http.request("GET", "/master/slaves")
    assert not route.called


@pytest.mark.anyio
@respx.mock
async def test_an_injected_client_is_not_closed_and_never_follows_redirects() -> None:
    respx.get(f"{M1}/master/slaves").mock(return_value=redirect_to("m2:5050"))
    respx.get(f"{M2}/master/slaves").mock(return_value=httpx.Response(200, json=SLAVES))
    client = httpx.AsyncClient(follow_redirects=True)
    http = session(client=client)
    await http.request("GET", "/master/slaves")
    assert http.pool.leader == 1  # asgard handled the 307 itself
    await http.aclose()
    assert not client.is_closed
    await client.aclose()


@pytest.mark.anyio
async def test_tls_options_reach_the_client(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}
    real = httpx.AsyncClient

    def spy(*args: Any, **kwargs: Any) -> httpx.AsyncClient:
        seen.update(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr("asgard._http._async.httpx.AsyncClient", spy)
    context = ssl.create_default_context()
    http = session(verify=context)
    assert seen["verify"] is context
    assert seen["follow_redirects"] is False
    await http.aclose()
    http = session(verify=False)
    assert isinstance(seen["verify"], ssl.SSLContext)
    assert seen["verify"].verify_mode == ssl.CERT_NONE
    await http.aclose()


@pytest.mark.anyio
@respx.mock
async def test_one_debug_line_per_request_and_no_secret_in_it(
    caplog: pytest.LogCaptureFixture,
) -> None:
    respx.get(f"{M1}/master/slaves").mock(return_value=redirect_to("m2:5050"))
    respx.get(f"{M2}/master/slaves").mock(return_value=httpx.Response(200, json=SLAVES))
    http = session(auth=BasicAuth("ops", PASSWORD))
    with caplog.at_level(logging.DEBUG, logger="asgard.http"):
        await http.request("GET", "/master/slaves")
    # one child logger per backend, under asgard.http
    lines = [r.getMessage() for r in caplog.records if r.name == "asgard.http.mesos"]
    assert len(lines) == 2
    assert "GET /master/slaves -> 307" in lines[0]
    assert "-> 200" in lines[1]
    assert "m2:5050" in lines[1]
    assert all(PASSWORD not in line and "Basic" not in line for line in lines)
    await http.aclose()


@pytest.mark.anyio
@respx.mock
async def test_one_backends_lines_can_be_turned_on_alone(
    caplog: pytest.LogCaptureFixture,
) -> None:
    respx.get(f"{M1}/master/slaves").mock(return_value=httpx.Response(200, json=SLAVES))
    http = session()
    with caplog.at_level(logging.DEBUG, logger="asgard.http.marathon"):
        await http.request("GET", "/master/slaves")  # a Mesos session: not logged
    assert [r for r in caplog.records if r.name.startswith("asgard.http")] == []
    with caplog.at_level(logging.DEBUG, logger="asgard.http.mesos"):
        await http.request("GET", "/master/slaves")
    assert [r.name for r in caplog.records] == ["asgard.http.mesos"]
    await http.aclose()
