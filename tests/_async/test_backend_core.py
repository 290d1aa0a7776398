"""What every backend shares, on a toy backend over the FakeCluster transport and respx.

Written once; tests/_sync/test_backend_core.py is generated from it.
"""

from __future__ import annotations

from typing import Any, ClassVar

import httpx
import pytest
import respx

from asgard import Account
from asgard._backend._async import AsyncBackendCore
from asgard._http._dialect import MESOS, Dialect
from asgard.auth import BasicAuth
from asgard.errors import (
    BackendUnavailableError,
    InvalidInputError,
    NoLeaderError,
    NotFoundError,
    TenancyViolationError,
    WriteOutcomeUnknownError,
)
from asgard.testing import FakeCluster, Server
from asgard.testing._mesos_api import leader_only

DEV = Account(namespace="dev", owner="dev-team")
OPS = Account(namespace="ops", owner="ops-team")
PASSWORD = "pa55-w0rd-xyz"


class AsyncToyAgents(AsyncBackendCore):
    """A backend with one read and one write, enough to drive the shared machinery."""

    backend_name: ClassVar[str] = "mesos"
    dialect: ClassVar[Dialect] = MESOS

    async def slaves(self) -> Any:
        return (await self._session.request("GET", "/master/slaves")).json()

    async def drain(self) -> int:
        return (await self._session.request("POST", "/api/v1", json={"type": "DRAIN"})).status


def slaves(cluster: FakeCluster, server: Server, request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={"slaves": [], "served_by": server.index})


def fake_cluster() -> FakeCluster:
    cluster = FakeCluster(seed=3)
    cluster.router.register("mesos_master", "GET", "/master/slaves", leader_only(slaves))
    cluster.router.register("mesos_master", "POST", "/api/v1", leader_only(slaves))
    return cluster


def toy(cluster: FakeCluster, account: Account = DEV, **options: Any) -> AsyncToyAgents:
    client = httpx.AsyncClient(transport=cluster.async_transport())
    return AsyncToyAgents(cluster.mesos_urls, account=account, client=client, **options)


@pytest.mark.anyio
async def test_the_leader_is_found_through_standby_redirects_and_remembered() -> None:
    cluster = fake_cluster()
    cluster.set_leader(2, service="mesos")
    backend = toy(cluster)
    assert (await backend.slaves())["served_by"] == 2
    assert (await backend.slaves())["served_by"] == 2
    served = [(request.server, request.path) for request in cluster.requests]
    assert served == [
        (cluster.mesos_urls[0], "/master/slaves"),
        (cluster.mesos_urls[2], "/master/slaves"),
        (cluster.mesos_urls[2], "/master/slaves"),
    ]
    await backend.aclose()


@pytest.mark.anyio
async def test_leader_moves_between_calls_are_followed() -> None:
    cluster = fake_cluster()
    backend = toy(cluster)
    assert (await backend.slaves())["served_by"] == 0
    cluster.set_leader(1, service="mesos")
    assert (await backend.slaves())["served_by"] == 1
    await backend.aclose()


@pytest.mark.anyio
async def test_a_dead_master_is_skipped() -> None:
    cluster = fake_cluster()
    cluster.set_leader(1, service="mesos")
    cluster.faults.inject("connection_refused", server=cluster.mesos_urls[0], times=None)
    backend = toy(cluster)
    assert (await backend.slaves())["served_by"] == 1
    await backend.aclose()


@pytest.mark.anyio
async def test_no_leader_anywhere_is_no_leader_error() -> None:
    cluster = fake_cluster()
    cluster.no_leader(service="mesos")
    backend = toy(cluster, read_retries=1)
    with pytest.raises(NoLeaderError):
        await backend.slaves()
    assert len(cluster.requests) == 2
    await backend.aclose()


@pytest.mark.anyio
async def test_a_write_applied_whose_reply_is_lost_is_not_sent_again() -> None:
    cluster = fake_cluster()
    cluster.faults.inject("timeout", path="/api/v1")
    backend = toy(cluster, read_retries=5)
    with pytest.raises(WriteOutcomeUnknownError):
        await backend.drain()
    assert len(cluster.requests_to(path="/api/v1")) == 1
    await backend.aclose()


@pytest.mark.anyio
async def test_a_missing_endpoint_is_not_found() -> None:
    cluster = fake_cluster()
    backend = toy(cluster)
    with pytest.raises(NotFoundError):
        await backend._session.request("GET", "/master/nothing-here")
    await backend.aclose()


@pytest.mark.anyio
async def test_for_account_shares_the_pool_and_only_the_owner_closes_it() -> None:
    cluster = fake_cluster()
    owner = toy(cluster, Account.cluster_wide(), max_concurrency=7)
    dev = owner.for_account(DEV)
    assert dev.account == DEV
    assert owner.account.is_cluster_wide
    assert dev._session is owner._session
    assert dev._session.limiter is owner._session.limiter
    assert dev._session.limiter.limit == 7
    await dev.aclose()
    assert not owner.closed
    assert (await dev.slaves())["served_by"] == 0
    await owner.aclose()
    assert dev.closed
    with pytest.raises(BackendUnavailableError, match="closed"):
        await dev.slaves()


@pytest.mark.anyio
async def test_scoped_code_cannot_widen_its_scope() -> None:
    backend = toy(fake_cluster())
    with pytest.raises(TenancyViolationError):
        backend.for_account(OPS)
    with pytest.raises(TenancyViolationError):
        backend.for_account(Account.cluster_wide())
    with pytest.raises(InvalidInputError):
        toy(fake_cluster(), Account.cluster_wide()).for_account("dev")  # type: ignore[arg-type]
    await backend.aclose()


@pytest.mark.anyio
async def test_context_manager_closes_what_it_created_but_not_an_injected_client() -> None:
    cluster = fake_cluster()
    client = httpx.AsyncClient(transport=cluster.async_transport())
    async with AsyncToyAgents(cluster.mesos_urls, account=DEV, client=client) as backend:
        await backend.slaves()
    assert backend.closed
    assert not client.is_closed
    await client.aclose()
    async with AsyncToyAgents(cluster.mesos_urls, account=DEV) as own:
        created = own._session._client
    assert created.is_closed


@pytest.mark.parametrize(
    ("options", "words"),
    [
        ({"account": "dev"}, "account"),
        ({"account": None}, "account"),
        ({"auth": ("user", "password")}, "auth"),
        ({"client": object()}, "client"),
        ({"max_concurrency": 0}, "max_concurrency"),
    ],
)
def test_bad_options_fail_before_anything_exists(options: dict[str, Any], words: str) -> None:
    options.setdefault("account", DEV)
    with pytest.raises(InvalidInputError, match=words):
        AsyncToyAgents(["http://m1:5050"], **options)


@pytest.mark.anyio
@respx.mock
async def test_repr_and_errors_never_show_the_password() -> None:
    respx.get("http://m1:5050/master/slaves").mock(side_effect=httpx.ConnectError("down"))
    backend = AsyncToyAgents(
        ["http://m1:5050"], account=DEV, auth=BasicAuth("ops", PASSWORD), read_retries=0
    )
    assert PASSWORD not in repr(backend)
    assert "dev-team" in repr(backend)
    with pytest.raises(BackendUnavailableError) as caught:
        await backend.slaves()
    assert PASSWORD not in str(caught.value)
    assert PASSWORD not in repr(caught.value)
    await backend.aclose()
