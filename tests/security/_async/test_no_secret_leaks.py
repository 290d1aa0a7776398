"""No password, token or env value in logs, reprs or errors, whatever the SDK does.

One test drives every public method of both backends and of the Orchestrator on a FakeCluster
whose apps carry secret env values, with Basic auth on Mesos, token auth on Marathon and agents,
DEBUG logging on (pytest's capture and a root handler as ``logging.basicConfig`` sets up), and
makes every error class happen; then it scans what was logged, the repr of every object it met
and every error with its chain. Written once for async; the sync twin is generated.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from contextlib import contextmanager

import attrs
import httpx
import pytest

from asgard import Account, AsyncOrchestrator
from asgard.auth import BasicAuth, Secret, TokenAuth
from asgard.errors import (
    AsgardError,
    AuthenticationError,
    BackendTimeoutError,
    BackendUnavailableError,
    ConflictError,
    DeploymentFailedError,
    DeploymentSupersededError,
    InvalidInputError,
    MalformedResponseError,
    NoLeaderError,
    NotFoundError,
    PermissionDeniedError,
    RequestRejectedError,
    ServerError,
    TenancyViolationError,
    TooManyDeploymentsError,
    WaitTimeoutError,
    WriteOutcomeUnknownError,
)
from asgard.marathon import AsyncMarathonAppsBackend
from asgard.mesos import AsyncMesosAgentsBackend
from asgard.models import AppPatch, AppSpec, UnknownEvent
from asgard.testing import FakeCluster
from tests.security._async._support import RecordingTransport, events_until_success
from tests.security._common import (
    AGENT_TOKEN,
    ENV_VALUE,
    PASSWORD,
    SECRETS,
    TOKEN,
    USER,
    error_texts,
    model_reprs,
)

DEV = Account(namespace="dev", owner="dev-team")
OPS = Account(namespace="ops", owner="ops-team")
MOST_EVENTS = 500


def secret_spec(app_id: str, instances: int = 1, **env: str) -> AppSpec:
    return AppSpec(
        id=app_id,
        instances=instances,
        cpus=0.1,
        mem=32,
        cmd="sleep 1000",
        env={"DB_PASSWORD": ENV_VALUE, "API_TOKEN": TOKEN, **env},
        labels={"team": "dev"},
    )


class Collected:
    """Everything the run met: results, errors and the objects whose repr must stay clean."""

    def __init__(self) -> None:
        self.results: list[object] = []
        self.errors: list[BaseException] = []

    def keep(self, *values: object) -> None:
        self.results.extend(values)

    @contextmanager
    def expect(self, kind: type[AsgardError]) -> Iterator[None]:
        """Run the block, which must raise exactly ``kind``; keep the error."""
        with pytest.raises(kind) as caught:
            yield
        assert type(caught.value) is kind, f"{type(caught.value).__name__} is not {kind.__name__}"
        self.errors.append(caught.value)

    @property
    def kinds(self) -> set[type[BaseException]]:
        return {type(error) for error in self.errors}


async def drive_every_method_and_error(out: Collected) -> list[object]:
    """Call every public method and trigger every error; return the objects to repr."""
    cluster = FakeCluster(seed=5, time_scale=2000.0)
    mine = [cluster.add_agent(owner="dev-team", cpus=2, mem=4096) for _ in range(2)]
    cluster.add_agent(owner="ops-team", cpus=2, mem=4096)
    transport = RecordingTransport(cluster.async_transport())
    client = httpx.AsyncClient(transport=transport)
    mesos_auth = BasicAuth(USER, Secret(PASSWORD))
    marathon_auth = TokenAuth(TOKEN)
    agent_auth = TokenAuth(Secret(AGENT_TOKEN))
    agents = AsyncMesosAgentsBackend(
        cluster.mesos_urls,
        account=DEV,
        auth=mesos_auth,
        agent_auth=agent_auth,
        client=client,
        read_retries=1,
    )
    apps = AsyncMarathonAppsBackend(
        cluster.marathon_urls, account=DEV, auth=marathon_auth, client=client, read_retries=1
    )
    wide_apps = AsyncMarathonAppsBackend(
        cluster.marathon_urls, account=Account.cluster_wide(), auth=marathon_auth, client=client
    )
    own_client = AsyncMarathonAppsBackend(
        cluster.marathon_urls, account=DEV, auth=BasicAuth(USER, PASSWORD)
    )
    orchestrator = AsyncOrchestrator(agents=agents, apps=apps)
    keep = out.keep
    expect = out.expect
    async with client, wide_apps, own_client, orchestrator:
        # -- the apps backend, every method -------------------------------------------------
        async with apps.events() as stream, wide_apps.events() as wide_stream:
            created = await apps.create(secret_spec("web", instances=2))
            keep(created, await apps.wait(created, timeout=20, poll_interval=0.005))
            keep(*await events_until_success(stream, created.id, most=MOST_EVENTS))
            wide_events = await events_until_success(wide_stream, created.id, most=MOST_EVENTS)
        keep(*wide_events)
        # the cluster-wide stream carried the api_post_event, env values and all
        assert any(isinstance(event, UnknownEvent) for event in wide_events)
        updated = await apps.update(secret_spec("web", instances=2, EXTRA=ENV_VALUE + "-2"))
        keep(updated, await apps.wait(updated, timeout=20, poll_interval=0.005))
        patched = await apps.patch("web", AppPatch(env={"DB_PASSWORD": ENV_VALUE + "-3"}))
        keep(patched, await apps.wait(patched, timeout=20, poll_interval=0.005))
        scaled = await apps.scale("web", 3)
        keep(scaled, await apps.wait(scaled, timeout=20, poll_interval=0.005))
        restarted = await apps.restart("web")
        keep(restarted, await apps.wait(restarted, timeout=20, poll_interval=0.005))
        tasks = await apps.tasks("web")
        keep(tasks)
        keep(await apps.kill_tasks("web", [tasks[0].id]))
        assert tasks[1].host is not None
        keep(await apps.kill_tasks_on_host("web", tasks[1].host))
        versions = await apps.versions("web")
        keep(versions, await apps.get_version("web", versions[-1]))
        rolled = await apps.rollback("web", versions[-1], force=True)
        keep(rolled, await apps.wait(rolled, timeout=20, poll_interval=0.005))
        keep(await apps.list(with_tasks=True), await apps.get("web", with_tasks=True))
        keep(await apps.info(), await wide_apps.list())
        # a deployment that cannot finish: too big for the account's agents
        stuck = await apps.scale("web", 40, force=True)
        with expect(WaitTimeoutError):
            await apps.wait(stuck, timeout=0.05, poll_interval=0.01)
        keep(await apps.deployments(), await apps.queue())
        await apps.reset_delay("web")
        rollback = await apps.cancel(stuck)
        assert rollback is not None
        keep(rollback, await apps.wait(rollback, timeout=20, poll_interval=0.005))
        # superseded: a forced deployment replaces one still running (with a definition
        # neither had: forcing the previous one back would read as a rollback)
        first = await apps.scale("web", 40, force=True)
        second = await apps.scale("web", 3, force=True)
        with expect(DeploymentSupersededError):
            await apps.wait(first, timeout=20, poll_interval=0.005)
        keep(await apps.wait(second, timeout=20, poll_interval=0.005))
        # failed: the deployment is rolled back under us
        doomed = await apps.scale("web", 40)
        cluster.fail_deployment(doomed.id)
        with expect(DeploymentFailedError):
            await apps.wait(doomed, timeout=20, poll_interval=0.005)

        # -- the agents backend, every method -----------------------------------------------
        task_id = tasks[2].id
        cluster.write_log(task_id, "stdout", "hello\n")
        keep(await agents.list(with_tasks=True), await agents.get(mine[0]))
        keep(await agents.tasks(mine[0]), await agents.usage(mine[0]), await agents.usage_all())
        sampler = await agents.usage_sampler()
        keep(sampler, await sampler.sample(), await agents.info())
        assert await agents.logs(task_id) == "hello\n"

        # -- the orchestrator, every method -------------------------------------------------
        keep(await orchestrator.agent_apps(mine[0]), await orchestrator.app_tasks("web"))
        keep(await orchestrator.app_stats("web", interval=0.01))
        keep(await orchestrator.usage(interval=0.01))

        # -- every error class --------------------------------------------------------------
        with expect(NotFoundError):
            await apps.get("missing")
        with expect(NotFoundError):
            await apps.get_version("web", "2020-01-01T00:00:00.000Z")
        with expect(NotFoundError):
            await agents.get("missing-agent-S9")
        with expect(NotFoundError):
            await agents.logs("missing-task")
        with expect(NotFoundError):
            await orchestrator.agent_apps("missing-agent-S9")
        with expect(ConflictError):
            await apps.create(secret_spec("web"))
        cluster.faults.inject("locked", path="/v2/apps/dev/web", times=1)
        with expect(ConflictError):
            await apps.scale("web", 1)
        blocker = await apps.scale("web", 40, force=True)
        cluster.set_max_running_deployments(1)
        with expect(TooManyDeploymentsError):
            await apps.create(secret_spec("one-too-many"))
        cluster.set_max_running_deployments(None)
        unblocked = await apps.cancel(blocker)
        assert unblocked is not None
        keep(await apps.wait(unblocked.id, timeout=20, poll_interval=0.005))
        transport.script(
            "GET",
            cluster.marathon_urls[0] + "/v2/queue",
            httpx.Response(403, json={"message": "Not Authorized to perform this action!"}),
        )
        with expect(PermissionDeniedError):
            await apps.queue()
        transport.script(
            "GET",
            cluster.mesos_urls[0] + "/master/slaves",
            httpx.Response(401, text="Unauthorized", headers={"WWW-Authenticate": "Basic"}),
        )
        with expect(AuthenticationError):
            await agents.list()
        with expect(RequestRejectedError):
            await apps.create(
                AppSpec(
                    id="refused",
                    cpus=0.1,
                    mem=32,
                    cmd="sleep 1",
                    env={"DB_PASSWORD": ENV_VALUE, "VAULT": {"secret": "vault-ref"}},
                    constraints=[("rack", "LIKE", "[")],  # not a regular expression: 422
                )
            )
        cluster.faults.inject("wrong_content_type", path="/v2/apps/dev/web", times=1)
        with expect(MalformedResponseError):
            await apps.get("web")
        cluster.faults.inject("truncated_body", path="/master/slaves", times=1)
        with expect(MalformedResponseError):
            await agents.list()
        cluster.faults.inject("server_error_html", path="/v2/info", times=1)
        with expect(ServerError):
            await apps.info()
        cluster.faults.inject("connection_refused", path="/v2/apps*", times=None)
        with expect(BackendUnavailableError):
            await apps.list()
        cluster.faults.clear()
        cluster.no_leader(service="mesos")
        with expect(NoLeaderError):
            await agents.list()
        cluster.set_leader(0, service="mesos")
        cluster.faults.inject("timeout", path="/v2/deployments", times=None)
        with expect(BackendTimeoutError):
            await apps.deployments()
        cluster.faults.clear()
        cluster.faults.inject("timeout", path="/v2/apps", times=1)  # the next create's POST
        with expect(WriteOutcomeUnknownError):
            await apps.create(secret_spec("lost"))
        cluster.faults.inject("agent_unreachable", times=None)
        failed_samples = await agents.usage_all()
        cluster.faults.clear()
        assert all(isinstance(found, BackendUnavailableError) for found in failed_samples.values())
        out.errors.extend(e for e in failed_samples.values() if isinstance(e, BaseException))
        with expect(InvalidInputError):
            await apps.get("../etc")
        with expect(InvalidInputError):
            secret_spec("web", instances=-1)
        with expect(InvalidInputError):
            AppSpec(id="x", cpus=1, mem=1, cmd="x", env={"K": {"secret": ENV_VALUE, "k": "v"}})
        with expect(InvalidInputError):
            await apps.kill_tasks("web", ["not-a-task-of-web"])
        with expect(InvalidInputError):
            await agents.logs(task_id, tail=-1)
        with expect(InvalidInputError):
            AsyncOrchestrator(agents=agents, apps=wide_apps)
        with expect(InvalidInputError):
            AsyncMarathonAppsBackend(
                [f"http://{USER}:{PASSWORD}@marathon.example:8080"], account=DEV
            )
        with expect(InvalidInputError):
            AsyncMarathonAppsBackend(
                cluster.marathon_urls,
                account=DEV,
                auth=(USER, PASSWORD),  # type: ignore[arg-type]
            )
        with expect(TenancyViolationError):
            apps.for_account(OPS)
        cluster.add_app(
            "/ops/db", AppSpec(id="db", cpus=0.1, mem=32, cmd="sleep 1", env={"OPS": ENV_VALUE})
        )
        foreign = await client.get(
            cluster.marathon_urls[0] + "/v2/apps/ops/db",
            headers={"Authorization": f"token={TOKEN}"},
        )
        transport.script(
            "GET",
            cluster.marathon_urls[0] + "/v2/apps/dev/web",
            httpx.Response(200, content=foreign.content, headers=foreign.headers),
        )
        with expect(TenancyViolationError):
            await apps.get("web")
        deleted = await apps.delete("web")
        keep(deleted, await apps.wait(deleted, timeout=20, poll_interval=0.005))
    # -- a closed backend ---------------------------------------------------------------------
    with expect(BackendUnavailableError):
        await apps.list()
    with expect(BackendUnavailableError):
        await agents.info()
    auths = [mesos_auth, marathon_auth, agent_auth, Secret(PASSWORD)]
    return [agents, apps, wide_apps, own_client, orchestrator, sampler, *auths]


@pytest.mark.anyio
async def test_no_secret_in_logs_reprs_or_errors_of_every_method_and_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    root = logging.getLogger()
    written = io.StringIO()
    handler = logging.StreamHandler(written)
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s %(args)s")
    )
    handler.setLevel(logging.DEBUG)
    previous_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="asgard")
    out = Collected()
    try:
        objects = await drive_every_method_and_error(out)
    finally:
        root.removeHandler(handler)
        root.setLevel(previous_level)

    # every error class of the tree was met (UnsupportedOperationError needs a backend that
    # lacks a capability, and both of these have them all)
    assert out.kinds >= {
        NotFoundError,
        ConflictError,
        TooManyDeploymentsError,
        PermissionDeniedError,
        AuthenticationError,
        RequestRejectedError,
        MalformedResponseError,
        ServerError,
        BackendUnavailableError,
        NoLeaderError,
        BackendTimeoutError,
        WriteOutcomeUnknownError,
        InvalidInputError,
        TenancyViolationError,
        WaitTimeoutError,
        DeploymentFailedError,
        DeploymentSupersededError,
    }
    asgard_lines = [r for r in caplog.records if r.name.startswith("asgard")]
    assert len(asgard_lines) > 100  # one DEBUG line per request
    texts: list[str] = [written.getvalue()]
    for record in caplog.records:
        texts.append(record.getMessage())
        texts.append(repr(record.args))
        texts.append(repr(record.msg))
        if record.exc_info and record.exc_info[1] is not None:
            texts.extend(error_texts(record.exc_info[1]))
    texts.extend(model_reprs(out.results))
    texts.extend(model_reprs(objects))
    texts.extend(str(thing) for thing in objects)  # backends, samplers, auth, secrets
    for error in out.errors:
        texts.extend(error_texts(error))
    assert sum(1 for text in texts if text) > 500
    leaks = [(secret, text[:200]) for text in texts for secret in SECRETS if secret in text]
    assert leaks == []


def test_the_scan_would_see_a_leak() -> None:
    """The scanners render what they are given: a secret in a message is found."""
    error = NotFoundError(f"app with {ENV_VALUE}")
    chained = ServerError("outer")
    chained.__context__ = error
    assert any(ENV_VALUE in text for text in error_texts(chained))

    @attrs.frozen
    class Holder:
        value: str

    assert any(PASSWORD in text for text in model_reprs([{"k": (Holder(PASSWORD),)}]))


@pytest.mark.anyio
async def test_waiting_for_the_rollback_deployment_that_cancel_returns_succeeds() -> None:
    cluster = FakeCluster(seed=5, time_scale=2000.0)
    cluster.add_agent(owner="dev-team", cpus=2, mem=4096)
    client = httpx.AsyncClient(transport=cluster.async_transport())
    apps = AsyncMarathonAppsBackend(cluster.marathon_urls, account=DEV, client=client)
    async with client, apps:
        created = await apps.create(secret_spec("web"))
        await apps.wait(created, timeout=20, poll_interval=0.005)
        stuck = await apps.scale("web", 40)  # more than the agents can hold
        rollback = await apps.cancel(stuck)
        assert rollback is not None
        with pytest.raises(DeploymentFailedError) as caught:  # judged after the rollback
            await apps.wait(stuck, timeout=20, poll_interval=0.005)
        done = await apps.wait(rollback, timeout=20, poll_interval=0.005)
        app = await apps.get("web")
    assert type(caught.value) is DeploymentFailedError  # rolled back, not superseded
    assert done.id == rollback.id
    # Marathon stamps the restored definition with the rollback's new version
    assert app.version == rollback.version != created.version
    assert app.instances == 1


@pytest.mark.anyio
async def test_no_secret_in_debug_logs_over_loopback_sockets() -> None:
    """The real transport stack (httpcore's own DEBUG traces included) logs no secret either."""
    cluster = FakeCluster(seed=6, time_scale=2000.0)
    agent_id = cluster.add_agent(owner="dev-team", cpus=2, mem=4096)
    root = logging.getLogger()
    written = io.StringIO()
    handler = logging.StreamHandler(written)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    previous_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        with cluster.serve() as served:
            agents = AsyncMesosAgentsBackend(
                served.mesos_masters,
                account=DEV,
                auth=BasicAuth(USER, PASSWORD),
                agent_auth=TokenAuth(AGENT_TOKEN),
            )
            apps = AsyncMarathonAppsBackend(served.marathon, account=DEV, auth=TokenAuth(TOKEN))
            async with agents, apps:
                created = await apps.create(secret_spec("web"))
                await apps.wait(created, timeout=20, poll_interval=0.005)
                app = await apps.get("web", with_tasks=True)
                samples = await agents.usage(agent_id)
    finally:
        root.removeHandler(handler)
        root.setLevel(previous_level)
    log = written.getvalue()
    assert app.env["DB_PASSWORD"] == ENV_VALUE
    assert len(samples) == 1
    assert "asgard.http" in log
    assert "httpcore" in log  # the transport's own traces were captured too
    assert [secret for secret in SECRETS if secret in log] == []


@pytest.mark.parametrize(
    "server",
    [
        f"http://{USER}:{PASSWORD}@marathon.example:8080",
        f"http://{USER}:{PASSWORD}@marathon.example:notaport",
        f"http://{USER}:{PASSWORD}@marathon.example:99999",
        f"ftp://{USER}:{PASSWORD}@marathon.example",
        f"http://{USER}:{PASSWORD}@/v2",
    ],
)
def test_a_server_url_with_credentials_is_refused_without_echoing_them(server: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        AsyncMarathonAppsBackend([server], account=DEV)
    assert [t for t in error_texts(caught.value) if PASSWORD in t] == []


def test_a_malformed_server_url_with_credentials_is_invalid_input() -> None:
    with pytest.raises(InvalidInputError) as caught:
        AsyncMarathonAppsBackend([f"http://[{USER}:{PASSWORD}@marathon.example"], account=DEV)
    assert [t for t in error_texts(caught.value) if PASSWORD in t] == []


@pytest.mark.parametrize(
    "server",
    [f"http://marathon.example:8080/?access_token={TOKEN}", f"http://marathon.example/#{TOKEN}"],
)
def test_a_token_in_a_refused_server_url_is_not_echoed(server: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        AsyncMarathonAppsBackend([server], account=DEV)
    assert [t for t in error_texts(caught.value) if TOKEN in t] == []
