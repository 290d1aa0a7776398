"""TLS end to end: verification on by default, CA bundles, host names and client certificates.

Each test runs a real HTTPS server on 127.0.0.1 (the standard library's ``ssl``, certificates
from a throwaway trustme CA) in front of a FakeCluster server, and records what it could
decrypt. Written once for async; the sync twin is generated.
"""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest

from asgard import Account
from asgard.auth import BasicAuth, TokenAuth
from asgard.errors import (
    BackendError,
    BackendUnavailableError,
    InvalidInputError,
)
from asgard.marathon import AsyncMarathonAppsBackend
from asgard.mesos import AsyncMesosAgentsBackend
from asgard.models import AppSpec
from asgard.testing import FakeCluster
from tests.security._common import (
    ENV_VALUE,
    PASSWORD,
    SECRETS,
    TOKEN,
    USER,
    TlsServer,
    basic_header,
    error_texts,
)
from tests.security.conftest import Pki

DEV = Account(namespace="dev", owner="dev-team")
SPEC = AppSpec(id="web", cpus=0.1, mem=32, cmd="sleep 100", env={"DB_PASSWORD": ENV_VALUE})


def assert_no_secret(error: BaseException) -> None:
    for text in error_texts(error):
        for secret in SECRETS:
            assert secret not in text


@pytest.mark.anyio
async def test_verification_is_on_by_default_and_an_unknown_ca_fails_before_anything_is_sent(
    pki: Pki,
) -> None:
    cluster = FakeCluster(seed=1)
    with TlsServer(cluster, cluster.marathon_urls[0], certfile=pki.server_unknown_ca) as server:
        apps = AsyncMarathonAppsBackend(
            [server.url], account=DEV, auth=BasicAuth(USER, PASSWORD), read_retries=0
        )
        async with apps:
            with pytest.raises(BackendUnavailableError) as read:
                await apps.info()
            with pytest.raises(BackendUnavailableError) as write:
                await apps.create(SPEC)
    # the handshake failed on both connections: no request, header or body was decrypted
    assert server.requests == []
    assert len(server.handshake_failures) == 2
    assert all(failure.startswith("SSL") for failure in server.handshake_failures)
    assert "/dev/web" not in cluster.apps
    assert read.value.url == f"{server.url}/v2/info"
    assert write.value.method == "POST"
    # the message says it is TLS, and why, not only that the server could not be reached
    assert "TLS: certificate verify failed: unable to get local issuer certificate" in str(
        read.value
    )
    assert_no_secret(read.value)
    assert_no_secret(write.value)


@pytest.mark.anyio
async def test_a_ca_bundle_path_given_as_verify_trusts_the_server(pki: Pki) -> None:
    cluster = FakeCluster(seed=1)
    with TlsServer(cluster, cluster.marathon_urls[0], certfile=pki.server) as server:
        as_str = AsyncMarathonAppsBackend(
            [server.url], account=DEV, auth=BasicAuth(USER, PASSWORD), verify=pki.ca
        )
        as_path = AsyncMarathonAppsBackend(
            [server.url], account=DEV, auth=TokenAuth(TOKEN), verify=Path(pki.ca)
        )
        async with as_str, as_path:
            info = await as_str.info()
            created = await as_str.create(SPEC)
            app = await as_path.get("web")
    assert info.name == "marathon"
    assert created.app_ids == ("/web",)
    assert app.env == {"DB_PASSWORD": ENV_VALUE}
    assert [(seen.method, seen.path) for seen in server.requests] == [
        ("GET", "/v2/info"),
        ("POST", "/v2/apps"),
        ("GET", "/v2/apps/dev/web"),
    ]
    assert [seen.headers.get("authorization") for seen in server.requests] == [
        basic_header(USER, PASSWORD),
        basic_header(USER, PASSWORD),
        f"token={TOKEN}",
    ]
    assert ENV_VALUE.encode() in server.requests[1].body  # the body went, encrypted, here only
    assert server.handshake_failures == []


@pytest.mark.anyio
@pytest.mark.parametrize("case", ["bundle of another CA", "certificate for another host"])
async def test_a_server_the_bundle_does_not_vouch_for_is_refused(pki: Pki, case: str) -> None:
    cluster = FakeCluster(seed=1)
    if case == "bundle of another CA":
        certfile, bundle = pki.server, pki.other_ca
    else:
        certfile, bundle = pki.server_wrong_host, pki.ca
    with TlsServer(cluster, cluster.marathon_urls[0], certfile=certfile) as server:
        apps = AsyncMarathonAppsBackend(
            [server.url], account=DEV, auth=TokenAuth(TOKEN), verify=bundle, read_retries=0
        )
        async with apps:
            with pytest.raises(BackendUnavailableError) as caught:
                await apps.create(SPEC)
    assert server.requests == []
    assert "/dev/web" not in cluster.apps
    assert "TLS: certificate verify failed" in str(caught.value)
    assert_no_secret(caught.value)


@pytest.mark.anyio
async def test_verify_false_is_an_explicit_opt_out(pki: Pki) -> None:
    cluster = FakeCluster(seed=1)
    with TlsServer(cluster, cluster.marathon_urls[0], certfile=pki.server_unknown_ca) as server:
        async with AsyncMarathonAppsBackend([server.url], account=DEV, verify=False) as apps:
            info = await apps.info()
    assert info.name == "marathon"
    assert len(server.requests) == 1


@pytest.mark.anyio
@pytest.mark.parametrize("form", ["cert and key files", "one combined file", "ssl context"])
async def test_a_client_certificate_is_presented_to_a_server_that_requires_one(
    pki: Pki, form: str
) -> None:
    cluster = FakeCluster(seed=1)
    agent_id = cluster.add_agent(owner="dev-team", cpus=2, mem=2048)
    options: dict[str, object]
    if form == "cert and key files":
        options = {"verify": pki.ca, "cert": (pki.client_cert, pki.client_key)}
    elif form == "one combined file":
        options = {"verify": pki.ca, "cert": pki.client_combined}
    else:
        context = ssl.create_default_context(cafile=pki.ca)
        context.load_cert_chain(pki.client_combined)
        options = {"verify": context}
    with (
        TlsServer(
            cluster, cluster.marathon_urls[0], certfile=pki.server, client_ca=pki.ca
        ) as marathon,
        TlsServer(cluster, cluster.mesos_urls[0], certfile=pki.server, client_ca=pki.ca) as mesos,
    ):
        apps = AsyncMarathonAppsBackend(
            [marathon.url],
            account=DEV,
            auth=TokenAuth(TOKEN),
            **options,  # type: ignore[arg-type]
        )
        agents = AsyncMesosAgentsBackend(
            [mesos.url],
            account=DEV,
            auth=BasicAuth(USER, PASSWORD),
            **options,  # type: ignore[arg-type]
        )
        async with apps, agents:
            created = await apps.create(SPEC)
            listed = await agents.list()
    assert created.app_ids == ("/web",)
    assert [agent.id for agent in listed] == [agent_id]
    seen = marathon.requests + mesos.requests
    assert seen
    assert {request.client_subject for request in seen} == {"asgard-client"}
    assert marathon.handshake_failures == []
    assert mesos.handshake_failures == []


@pytest.mark.anyio
@pytest.mark.parametrize("client", ["no certificate", "certificate of another CA"])
async def test_a_server_that_requires_a_client_certificate_refuses_a_read_without_one(
    pki: Pki, client: str
) -> None:
    cluster = FakeCluster(seed=1)
    cert = None if client == "no certificate" else pki.rogue_client
    with TlsServer(
        cluster, cluster.marathon_urls[0], certfile=pki.server, client_ca=pki.ca
    ) as server:
        apps = AsyncMarathonAppsBackend(
            [server.url],
            account=DEV,
            auth=TokenAuth(TOKEN),
            verify=pki.ca,
            cert=cert,
            read_retries=0,
        )
        async with apps:
            with pytest.raises(BackendUnavailableError) as caught:
                await apps.info()
    assert server.requests == []
    assert len(server.handshake_failures) == 1
    assert "CERTIFICATE" in server.handshake_failures[0].upper()
    assert_no_secret(caught.value)


@pytest.mark.anyio
@pytest.mark.parametrize(
    "tls",
    [
        pytest.param(ssl.TLSVersion.TLSv1_2, id="TLS 1.2"),
        pytest.param(ssl.TLSVersion.TLSv1_3, id="TLS 1.3"),
    ],
)
async def test_a_write_refused_for_lack_of_a_client_certificate_is_not_applied(
    pki: Pki, tls: ssl.TLSVersion
) -> None:
    cluster = FakeCluster(seed=1)
    with TlsServer(
        cluster,
        cluster.marathon_urls[0],
        certfile=pki.server,
        client_ca=pki.ca,
        maximum_version=tls,
    ) as server:
        apps = AsyncMarathonAppsBackend(
            [server.url], account=DEV, auth=TokenAuth(TOKEN), verify=pki.ca
        )
        async with apps:
            with pytest.raises(BackendError) as caught:
                await apps.create(SPEC)
    assert server.requests == []
    assert len(server.handshake_failures) == 1
    assert "/dev/web" not in cluster.apps
    assert_no_secret(caught.value)


@pytest.mark.anyio
async def test_a_write_refused_at_a_tls_1_2_handshake_is_reported_as_not_sent(pki: Pki) -> None:
    cluster = FakeCluster(seed=1)
    with TlsServer(
        cluster,
        cluster.marathon_urls[0],
        certfile=pki.server,
        client_ca=pki.ca,
        maximum_version=ssl.TLSVersion.TLSv1_2,
    ) as server:
        apps = AsyncMarathonAppsBackend(
            [server.url], account=DEV, auth=TokenAuth(TOKEN), verify=pki.ca
        )
        async with apps:
            with pytest.raises(BackendError) as caught:
                await apps.create(SPEC)
    assert server.requests == []
    assert type(caught.value) is BackendUnavailableError


@pytest.mark.anyio
async def test_a_write_refused_at_a_tls_1_3_handshake_is_reported_as_not_sent(pki: Pki) -> None:
    cluster = FakeCluster(seed=1)
    with TlsServer(
        cluster,
        cluster.marathon_urls[0],
        certfile=pki.server,
        client_ca=pki.ca,
        maximum_version=ssl.TLSVersion.TLSv1_3,
    ) as server:
        apps = AsyncMarathonAppsBackend(
            [server.url], account=DEV, auth=TokenAuth(TOKEN), verify=pki.ca
        )
        async with apps:
            with pytest.raises(BackendError) as caught:
                await apps.create(SPEC)
    assert server.requests == []
    # As over TLS 1.2 (the test above) and with an unknown CA: nothing reached the server, so
    # the error must say so, not "it may have been applied: read the object back".
    assert type(caught.value) is BackendUnavailableError


@pytest.mark.parametrize(
    ("option", "value"),
    [("verify", "/nonexistent/ca.pem"), ("cert", "/nonexistent/client.pem")],
)
def test_tls_files_that_cannot_be_loaded_are_invalid_input_before_any_request(
    option: str, value: str
) -> None:
    with pytest.raises(InvalidInputError) as caught:
        AsyncMarathonAppsBackend(
            ["https://127.0.0.1:1"],
            account=DEV,
            auth=BasicAuth(USER, PASSWORD),
            **{option: value},  # type: ignore[arg-type]
        )
    assert "TLS options could not be loaded" in str(caught.value)
    assert_no_secret(caught.value)
