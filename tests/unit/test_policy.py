from __future__ import annotations

import random
import ssl
from pathlib import Path
from typing import Any

import httpx
import pytest

from asgard._http._dialect import MARATHON, MESOS, MESOS_AGENT, html_text
from asgard._http._policy import (
    Done,
    Failure,
    HttpConfig,
    Plan,
    Probe,
    Reply,
    Send,
    ServerPool,
    build_ssl_context,
    error_for_reply,
    failure_of,
    normalize_server,
    redact_url,
)
from asgard.errors import (
    BackendTimeoutError,
    BackendUnavailableError,
    ConflictError,
    InvalidInputError,
    NoLeaderError,
    NotFoundError,
    PermissionDeniedError,
    RequestRejectedError,
    ServerError,
    TooManyDeploymentsError,
    WriteOutcomeUnknownError,
)

SERVERS = ["http://m1:5050", "http://m2:5050", "http://m3:5050"]


def config(read_retries: int = 2, servers: list[str] | None = None) -> HttpConfig:
    return HttpConfig.build("mesos", servers or SERVERS, read_retries=read_retries)


def reply(status: int, body: bytes = b"", server: str = SERVERS[0], **headers: str) -> Reply:
    return Reply(
        status=status,
        headers={key.replace("_", "-").lower(): value for key, value in headers.items()},
        content=body,
        method="GET",
        url=server + "/master/slaves",
        server=server,
        backend="mesos",
    )


def plan(method: str = "GET", read_retries: int = 2, pool: ServerPool | None = None) -> Plan:
    return Plan(
        config(read_retries),
        pool or ServerPool(SERVERS),
        MESOS,
        method,
        "/master/slaves",
        rng=random.Random(1),
    )


# -- servers -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("http://M1:5050/", "http://m1:5050"),
        ("https://dcos.example.com/service/marathon/", "https://dcos.example.com/service/marathon"),
        (" http://[::1]:8080 ", "http://[::1]:8080"),
    ],
)
def test_servers_are_normalized(given: str, expected: str) -> None:
    assert normalize_server(given) == expected


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "m1:5050",
        "ftp://m1",
        "http://",
        "http://m1:99999",
        "http://m1/?a=1",
        "http://m1/#x",
        None,
        5,
    ],
)
def test_bad_servers_are_invalid_input(bad: object) -> None:
    with pytest.raises(InvalidInputError):
        normalize_server(bad)


def test_a_server_url_with_credentials_is_refused_without_echoing_them() -> None:
    with pytest.raises(InvalidInputError) as caught:
        normalize_server("http://ops:hunter2@m1:5050")
    assert "hunter2" not in str(caught.value)


def test_redact_url_strips_user_info_only() -> None:
    assert redact_url("http://u:p@h:1/a?b=1") == "http://h:1/a?b=1"
    assert redact_url("http://h:1/a") == "http://h:1/a"
    assert redact_url(httpx.URL("https://u@h/x")) == "https://h/x"


def test_pool_orders_from_the_leader_and_maps_locations() -> None:
    pool = ServerPool(SERVERS)
    assert pool.order() == [0, 1, 2]
    pool.leader = 2
    assert pool.order() == [2, 0, 1]
    assert pool.index_of("//m2:5050/master/slaves?x=1", scheme="http") == 1
    assert pool.index_of("http://M3:5050", scheme="http") == 2
    assert pool.index_of("m1:5050", scheme="http") == 0
    assert pool.index_of("//m1:5051", scheme="http") is None
    assert pool.index_of("//elsewhere:5050", scheme="http") is None
    assert pool.index_of("https://m1:5050", scheme="http") == 0  # same host and port
    assert ServerPool(["https://a"]).index_of("a:443", scheme="https") == 0
    assert pool.index_of("//[bad", scheme="http") is None


# -- config ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "words"),
    [
        ({"servers": []}, "at least one"),
        ({"servers": "http://m1:5050"}, "list"),
        ({"servers": ["http://m1", "http://m1/"]}, "twice"),
        ({"timeout": 0}, "timeout"),
        ({"timeout": True}, "timeout"),
        ({"timeout": "10"}, "timeout"),
        ({"max_concurrency": 0}, "max_concurrency"),
        ({"max_concurrency": 2.5}, "max_concurrency"),
        ({"read_retries": -1}, "read_retries"),
        ({"verify": "/does/not/exist.pem"}, "TLS"),
        ({"verify": 3}, "verify"),
        ({"cert": "/does/not/exist.pem"}, "TLS"),
        ({"cert": 3}, "cert"),
        # asgard would ignore these: the injected client's own TLS applies
        ({"injected_client": True, "verify": False}, "with client="),
        ({"injected_client": True, "cert": "/some/client.pem"}, "with client="),
        # asgard does not load a certificate into a context it was given
        ({"verify": ssl.create_default_context(), "cert": "/some/client.pem"}, "load_cert_chain"),
    ],
)
def test_bad_options_are_invalid_input(options: dict[str, Any], words: str) -> None:
    servers = options.pop("servers", SERVERS)
    with pytest.raises(InvalidInputError, match=words):
        HttpConfig.build("mesos", servers, **options)


def test_defaults() -> None:
    built = config()
    assert built.timeout == httpx.Timeout(10.0)
    assert built.max_concurrency == 32
    assert built.read_retries == 2
    assert isinstance(built.ssl_context, ssl.SSLContext)
    assert built.ssl_context.verify_mode == ssl.CERT_REQUIRED
    injected = HttpConfig.build("mesos", SERVERS, injected_client=True)
    assert injected.timeout is None
    assert injected.ssl_context is None


def test_tls_contexts(tmp_path: Path) -> None:
    insecure = build_ssl_context(False, None)
    assert insecure.verify_mode == ssl.CERT_NONE
    assert not insecure.check_hostname
    mine = ssl.create_default_context()
    assert build_ssl_context(mine, None) is mine
    (tmp_path / "empty.pem").write_text("not a certificate")
    with pytest.raises(InvalidInputError):
        build_ssl_context(tmp_path / "empty.pem", None)
    capath = build_ssl_context(tmp_path, None)  # a directory is a CA path
    assert capath.verify_mode == ssl.CERT_REQUIRED


# -- failures ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("exc", "failure"),
    [
        (httpx.ConnectError("x"), Failure.UNREACHED),
        (httpx.ConnectTimeout("x"), Failure.UNREACHED),
        (httpx.PoolTimeout("x"), Failure.LOCAL),
        (httpx.ReadTimeout("x"), Failure.TIMEOUT),
        (httpx.WriteTimeout("x"), Failure.TIMEOUT),
        (httpx.ReadError("x"), Failure.BROKEN),
        (httpx.RemoteProtocolError("x"), Failure.BROKEN),
    ],
)
def test_failures_are_classified_by_whether_the_request_was_sent(
    exc: httpx.TransportError, failure: Failure
) -> None:
    assert failure_of(exc) is failure


# -- the plan: reads -----------------------------------------------------------------------------


def test_read_fails_over_on_connection_errors_without_spending_attempts() -> None:
    p = plan(read_retries=0)
    assert p.first() == Send(0)
    assert p.failed(0, Failure.UNREACHED) == Send(1)
    assert p.failed(1, Failure.UNREACHED) == Send(2)
    with pytest.raises(BackendUnavailableError):
        p.failed(2, Failure.UNREACHED)


def test_read_rounds_of_unreachable_servers_spend_attempts_with_backoff() -> None:
    p = plan(read_retries=1)
    p.failed(0, Failure.UNREACHED)
    p.failed(1, Failure.UNREACHED)
    step = p.failed(2, Failure.UNREACHED)
    assert step.index == 0
    assert 0.05 <= step.delay <= 0.1
    p.failed(0, Failure.UNREACHED)
    p.failed(1, Failure.UNREACHED)
    with pytest.raises(BackendUnavailableError):
        p.failed(2, Failure.UNREACHED)


def test_read_timeouts_spend_attempts_and_end_as_timeouts() -> None:
    p = plan(read_retries=2)
    first = p.failed(0, Failure.TIMEOUT)
    second = p.failed(first.index, Failure.TIMEOUT)
    assert second.delay > 0
    with pytest.raises(BackendTimeoutError):
        p.failed(second.index, Failure.TIMEOUT)


def test_a_broken_read_connection_ends_as_unavailable() -> None:
    p = plan(read_retries=0)
    with pytest.raises(BackendUnavailableError):
        p.failed(0, Failure.BROKEN)


def test_a_local_pool_timeout_is_a_timeout_and_not_retried() -> None:
    with pytest.raises(BackendTimeoutError, match="not sent"):
        plan(read_retries=5).failed(0, Failure.LOCAL)


def test_backoff_grows_and_is_capped() -> None:
    p = plan(read_retries=10)
    delays = []
    index = 0
    for _ in range(8):
        step = p.failed(index, Failure.TIMEOUT)
        delays.append(step.delay)
        index = step.index
    assert delays[0] <= 0.1
    assert delays[3] > 0.1 * 2
    assert max(delays) <= 2.0


def test_success_remembers_the_leader_unreachable_forgets_it() -> None:
    pool = ServerPool(SERVERS)
    p = plan(pool=pool)
    assert isinstance(p.answered(1, reply(200, b"{}")), Done)
    assert pool.leader == 1
    p2 = plan(pool=pool)
    assert p2.first() == Send(1)
    p2.failed(1, Failure.UNREACHED)
    assert pool.leader is None


def test_redirect_to_a_configured_server_is_followed_by_hand() -> None:
    pool = ServerPool(SERVERS)
    p = plan(pool=pool)
    assert p.answered(0, reply(307, location="//m3:5050/master/slaves")) == Send(2)
    assert pool.leader == 2


def test_redirect_to_an_unknown_server_asks_for_a_probe() -> None:
    p = plan()
    assert p.answered(0, reply(307, location="//10.1.1.1:5050/master/slaves")) == Probe()
    assert p.probed(1) == Send(1)
    with pytest.raises(NoLeaderError):
        plan().probed(None)


def test_no_leader_reads_are_retried_then_raise_no_leader() -> None:
    p = plan(read_retries=1)
    step = p.answered(0, reply(503, b"No leader elected"))
    assert isinstance(step, Send)
    assert step.index == 1
    with pytest.raises(NoLeaderError):
        p.answered(1, reply(503, b"No leader elected"))


def test_gateway_errors_on_reads_retry_then_become_server_errors() -> None:
    p = Plan(config(1), ServerPool(SERVERS), MARATHON, "GET", "/v2/apps", rng=random.Random(0))
    assert isinstance(
        p.answered(
            0, reply(504, b"<html><title>Error 504 Connection to leader timed out</title></html>")
        ),
        Send,
    )
    with pytest.raises(ServerError):
        p.answered(1, reply(502, b"bad gateway"))


def test_client_errors_end_the_call_at_once() -> None:
    assert isinstance(plan().answered(0, reply(404, b"")), Done)
    assert isinstance(plan().answered(0, reply(500, b"")), Done)


# -- the plan: writes ----------------------------------------------------------------------------


def test_write_moves_on_only_when_it_surely_did_not_reach_a_leader() -> None:
    p = plan("POST")
    assert p.failed(0, Failure.UNREACHED) == Send(1)
    assert p.answered(1, reply(307, location="//m3:5050/api/v1")) == Send(2)
    # m1 is down, m3 knows no leader: m2 (which only redirected) is asked again
    assert p.answered(2, reply(503, b"No leader elected")) == Send(1)
    with pytest.raises(WriteOutcomeUnknownError):
        p.failed(1, Failure.TIMEOUT)


@pytest.mark.parametrize("failure", [Failure.TIMEOUT, Failure.BROKEN])
def test_write_whose_reply_was_lost_is_never_resent(failure: Failure) -> None:
    with pytest.raises(WriteOutcomeUnknownError) as caught:
        plan("PUT", read_retries=9).failed(0, failure)
    assert caught.value.method == "PUT"
    assert caught.value.url == "http://m1:5050/master/slaves"


@pytest.mark.parametrize("status", [500, 502, 504])
def test_write_with_an_ambiguous_5xx_is_outcome_unknown(status: int) -> None:
    p = Plan(config(), ServerPool(SERVERS), MARATHON, "POST", "/v2/apps")
    with pytest.raises(WriteOutcomeUnknownError) as caught:
        p.answered(0, reply(status, b"proxy error"))
    assert caught.value.status == status


def test_write_refused_everywhere_is_no_leader() -> None:
    p = plan("POST")
    p.answered(0, reply(503))
    p.failed(1, Failure.UNREACHED)
    with pytest.raises(NoLeaderError):
        p.answered(2, reply(503))


def test_write_all_unreachable_is_unavailable_without_retries() -> None:
    p = plan("DELETE", read_retries=5)
    p.failed(0, Failure.UNREACHED)
    p.failed(1, Failure.UNREACHED)
    with pytest.raises(BackendUnavailableError):
        p.failed(2, Failure.UNREACHED)


def test_write_override_makes_a_get_a_write() -> None:
    p = Plan(config(), ServerPool(SERVERS), MESOS, "GET", "/x", write=True)
    with pytest.raises(WriteOutcomeUnknownError):
        p.failed(0, Failure.TIMEOUT)


def test_marathon_overload_is_a_refusal_that_moves_a_write() -> None:
    p = Plan(config(), ServerPool(SERVERS[:2]), MARATHON, "POST", "/v2/apps")
    busy = reply(503, b'{"message": "Too many concurrent requests! Allowed: 10."}')
    assert p.answered(0, busy) == Send(1)
    with pytest.raises(ServerError, match="overloaded"):
        p.answered(1, busy)


# -- dialects and errors ------------------------------------------------------------------------


def test_html_text_reads_jetty_pages(shared_fixtures: Path) -> None:
    page = (shared_fixtures / "marathon/raml-inline/405-events-wrong-accept.html").read_bytes()
    assert html_text(page) == "HTTP method GET is not supported by this URL"
    assert html_text(b"<html><title>Error 502 Bad</title></html>") == "Error 502 Bad"
    assert html_text(b"plain") is None


@pytest.mark.parametrize(
    "name",
    [
        "400-invalid-json.json",
        "400-kill-unknown-task.json",
        "400-pod-id-mismatch.json",
        "401-unauthenticated.json",
        "403-forbidden.json",
        "404-app-not-found.json",
        "404-deployment-not-found.json",
        "404-no-leader.json",
        "409-app-already-exists.json",
        "409-app-locked-by-deployment.json",
        "409-group-already-created.json",
        "422-group-app-not-child.json",
        "422-object-not-valid.json",
        "405-events-wrong-accept.html",
    ],
)
def test_every_recorded_marathon_error_body_reads(shared_fixtures: Path, name: str) -> None:
    content = (shared_fixtures / "marathon/raml-inline" / name).read_bytes()
    status = int(name[:3])
    kind = "text/html" if name.endswith(".html") else "application/json"
    body = MARATHON.error_body(status, kind, content)
    assert body.message
    error = error_for_reply(
        Reply(
            status=status,
            headers={"content-type": kind},
            content=content,
            method="GET",
            url="http://mt1:8080/v2/x",
            server="http://mt1:8080",
            backend="marathon",
        ),
        MARATHON,
    )
    assert body.message[:20] in str(error)


def test_marathon_details_in_both_formats() -> None:
    listed = MARATHON.error_body(
        422,
        "application/json",
        b'{"message": "Object is not valid", "details": [{"path": "/mem", "errors": ["a", "b"]},'
        b' {"path": "/mem", "errors": ["c"]}, {"errors": ["whole"]}, 3]}',
    )
    assert listed.details == {"/mem": ("a", "b", "c"), "": ("whole",)}
    text = MARATHON.error_body(
        400, "application/json", b'{"message": "Invalid JSON", "details": "Unexpected end"}'
    )
    assert text.details == {"": ("Unexpected end",)}
    dcos = MARATHON.error_body(400, "application/json", b'{"errors": [{"error": "bad id"}]}')
    assert dcos.message == "bad id"
    assert dcos.details == {"": ("bad id",)}
    for junk in (
        b"",
        b"[1]",
        b"null",
        b"{not json",
        b'{"message": 5, "details": {}, "deployments": "x"}',
    ):
        assert MARATHON.error_body(400, "application/json", junk).details == {}


def test_mesos_error_bodies_are_plain_text() -> None:
    assert MESOS.error_body(400, "text/plain", b"Expecting 'path=value' in query.\n").message == (
        "Expecting 'path=value' in query."
    )
    assert MESOS_AGENT.error_body(500, "", b"").message is None


def test_probes() -> None:
    assert MESOS.probe(307, {"location": "//m2:5050"}, b"") == "//m2:5050"
    assert MESOS.probe(503, {}, b"No leader elected") is None
    assert MARATHON.probe(200, {}, b'{"leader": "mt2:8080"}') == "mt2:8080"
    assert MARATHON.probe(404, {}, b'{"message": "There is no leader"}') is None
    assert MARATHON.probe(200, {}, b"garbage") is None
    assert MESOS_AGENT.probe(200, {}, b"") is None


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (400, b"bad", RequestRejectedError),
        (405, b"", RequestRejectedError),
        (403, b'{"message": "no"}', PermissionDeniedError),
        (
            403,
            b'{"message": "Max number (5) of running deployments is achieved"}',
            TooManyDeploymentsError,
        ),
        (404, b"", NotFoundError),
        (409, b'{"message": "exists"}', ConflictError),
        (500, b"<html><title>oops</title></html>", ServerError),
    ],
)
def test_status_translation(status: int, body: bytes, expected: type[Exception]) -> None:
    error = error_for_reply(
        Reply(
            status=status,
            headers={"content-type": "application/json"},
            content=body,
            method="PUT",
            url="http://mt1:8080/v2/apps/dev/web",
            server="http://mt1:8080",
            backend="marathon",
        ),
        MARATHON,
    )
    assert type(error) is expected


def test_long_server_messages_are_shortened() -> None:
    error = error_for_reply(reply(500, b"x" * 5000), MESOS)
    assert len(str(error)) < 500


def test_local_answers_do_not_teach_the_leader() -> None:
    pool = ServerPool(SERVERS)
    pool.leader = 2
    p = Plan(config(), pool, MESOS, "GET", "/version", local=True)
    assert isinstance(p.answered(0, reply(200, b"{}")), Done)
    assert pool.leader == 2
