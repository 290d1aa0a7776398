"""The fault matrix: named Mesos and Marathon failures, each run against the FakeCluster.

Every scenario states the exact outcome (the asgard error type, or the result), how many
requests each server got (the cluster's request log, plus answers a hook gave in a server's
or a proxy's place), how many writes were sent, and what the cluster holds afterwards (stored
versions per app, running deployments), so a write applied twice, or not at all, shows.

Written once; tests/faults/_sync/test_matrix.py is generated from it.
"""

from __future__ import annotations

import builtins
from collections import Counter
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any, Protocol

import attrs
import httpx
import pytest

from asgard import AsyncOrchestrator
from asgard.errors import (
    AsgardError,
    AuthenticationError,
    BackendTimeoutError,
    BackendUnavailableError,
    ConflictError,
    DeploymentFailedError,
    DeploymentSupersededError,
    MalformedResponseError,
    NoLeaderError,
    PermissionDeniedError,
    ServerError,
    TooManyDeploymentsError,
    WaitTimeoutError,
    WriteOutcomeUnknownError,
)
from asgard.marathon import AsyncMarathonAppsBackend
from asgard.mesos import AsyncMesosAgentsBackend
from asgard.models import (
    Agent,
    App,
    AppSpec,
    AppStats,
    ClusterInfo,
    Deployment,
    Event,
    StreamReconnected,
    TaskState,
    TaskStatusChanged,
)
from tests.faults._common import (
    DEV,
    Hooks,
    corrupt_gzip,
    edit_json,
    jetty_page,
    json_answer,
    label,
    labels_of,
    login_page,
    proxy_502,
    status_event,
    strip_statistics,
    text_answer,
    world,
)

API = AppSpec(id="api", instances=1, cpus=0.25, mem=128, cmd="serve")
HUGE = AppSpec(id="huge", instances=1, cpus=64, mem=128, cmd="serve")  # fits no agent

# server labels and paths
M0, M1 = "marathon-0", "marathon-1"
MESOS0, MESOS1, MESOS2 = "mesos-0", "mesos-1", "mesos-2"
APPS_OF_DEV = "/v2/apps/dev/*"
WEB = "/v2/apps/dev/web"


# -- the bench: one cluster, its hooked transport, the backends ------------------------------


class HookedTransport(httpx.AsyncBaseTransport):
    """The FakeCluster's transport with the scenario's hooks around each request."""

    def __init__(self, inner: httpx.AsyncBaseTransport, hooks: Hooks) -> None:
        self.inner = inner
        self.hooks = hooks

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        hooks = self.hooks.take(request)
        for hook in hooks:
            if hook.before is not None:
                hook.before()
        answer = self.hooks.answer_for(request, hooks)
        if answer is not None:
            return answer
        response = await self.inner.handle_async_request(request)
        for hook in hooks:
            if hook.after is not None:
                hook.after()
            if hook.rewrite is not None:
                await response.aread()
                response = hook.rewrite(response)
            if hook.cut_after_events is not None:
                response = httpx.Response(
                    response.status_code,
                    headers=response.headers,
                    content=cut_mid_event(response, hook.cut_after_events),
                )
        return response


async def cut_mid_event(response: httpx.Response, whole: int) -> AsyncIterator[bytes]:
    """A live event stream passed on for ``whole`` events, then cut inside the next one."""
    try:
        async for chunk in response.aiter_bytes():
            if whole <= 0:
                yield chunk[: len(chunk) // 2]
                raise httpx.ReadError("[Errno 104] Connection reset by peer")
            whole -= chunk.count(b"\n\n")
            yield chunk
    finally:
        await response.aclose()


class Bench:
    """What one scenario runs on: the world, its hooks, the dev account's backends."""

    def __init__(self, scenario: Scenario, monkeypatch: pytest.MonkeyPatch) -> None:
        self.cluster = world(marathon_version=scenario.marathon_version)
        self.monkeypatch = monkeypatch
        self.hooks = Hooks()
        self.client = httpx.AsyncClient(
            transport=HookedTransport(self.cluster.async_transport(), self.hooks)
        )
        options: dict[str, Any] = {
            "account": DEV,
            "client": self.client,
            "read_retries": scenario.read_retries,
            "max_concurrency": scenario.max_concurrency,
            "timeout": scenario.timeout,
        }
        self.agents = AsyncMesosAgentsBackend(
            self.cluster.mesos_urls[: scenario.masters], **options
        )
        self.apps = AsyncMarathonAppsBackend(self.cluster.marathon_urls, **options)
        self.orchestrator = AsyncOrchestrator(agents=self.agents, apps=self.apps)
        agents = list(self.cluster.agents.values())
        self.dev_agents = [agent.id for agent in agents if agent.owner == "dev-team"]
        by_agent = {task.agent_id: task.id for task in self.cluster.tasks.values()}
        self.web_tasks = [by_agent[agent_id] for agent_id in self.dev_agents[:2]]

    async def aclose(self) -> None:
        await self.orchestrator.aclose()
        await self.client.aclose()

    # what the servers saw

    def seen(self) -> dict[str, int]:
        """Requests per server label: what the cluster received, and what hooks answered."""
        counted = labels_of(self.cluster.requests)
        counted.update(Counter(who for who, _ in self.hooks.answered))
        return dict(counted)

    def unreached(self) -> dict[str, int]:
        """Requests per server label that never reached it (refused, unknown host)."""
        return dict(labels_of(self.cluster.requests.unreached))

    def writes(self) -> int:
        """Requests other than GET that a server (or a proxy) received."""
        received = sum(1 for record in self.cluster.requests if record.method != "GET")
        return received + sum(1 for _, method in self.hooks.answered if method != "GET")

    def versions(self, app: str) -> int:
        """How many versions Marathon stored for ``/dev/<app>`` (0: it never existed)."""
        return len(self.cluster.marathon_state.versions.get(f"/dev/{app}", []))

    # helpers for scenarios

    def marathon_leader(self, index: int) -> Callable[[], None]:
        return lambda: self.cluster.set_leader(index, service="marathon")

    def mesos_leader(self, index: int) -> Callable[[], None]:
        return lambda: self.cluster.set_leader(index, service="mesos")

    def fake_wait_clock(self) -> None:
        """``wait()`` polls on the cluster's clock: each poll interval advances the cluster."""
        now = [0.0]

        async def sleep(seconds: float) -> None:
            now[0] += seconds
            self.cluster.advance(seconds)

        self.monkeypatch.setattr("asgard.marathon._async.monotonic", lambda: now[0])
        self.monkeypatch.setattr("asgard.marathon._async.asleep", sleep)

    def publish(self, task_id: str, state: str = "TASK_RUNNING") -> None:
        event = status_event(self.cluster, task_id, state)
        self.cluster.events.publish("status_update_event", event)


class Act(Protocol):
    """What a scenario does with the backends (returns its result, or raises)."""

    async def __call__(self, b: Bench) -> object: ...


def _nothing(b: Bench) -> None:
    return None


def _no_check(b: Bench, outcome: Any) -> None:
    return None


@attrs.frozen(kw_only=True, repr=False)
class Scenario:
    """One row of the matrix.

    Attributes:
        id: its name (the pytest id).
        act: the calls.
        seen: requests per server label (``"proxy"`` for answers from a proxy in between).
        raises: the exact asgard error ``act`` raises; None when it returns.
        unreached: connection attempts per server label that reached nothing.
        writes: requests other than GET received in all.
        versions: stored Marathon versions per app of ``/dev`` afterwards.
        deployments: running deployments afterwards.
        arrange: faults, hooks and cluster changes before ``act``.
        then: more checks on the result (or the error).
        marathon_version, masters, max_concurrency, read_retries, timeout: the world and
            backend options.
        bug: set when asgard misbehaves here (the scenario is then a strict xfail).
    """

    id: str
    act: Act
    seen: Mapping[str, int]
    raises: type[AsgardError] | None = None
    unreached: Mapping[str, int] = attrs.field(factory=dict)
    writes: int = 0
    versions: Mapping[str, int] = attrs.field(factory=lambda: {"web": 1, "api": 0})
    deployments: int = 0
    arrange: Callable[[Bench], object] = _nothing
    then: Callable[[Bench, Any], object] = _no_check
    marathon_version: str = "1.10"
    masters: int = 3
    max_concurrency: int = 32
    read_retries: int = 2
    timeout: float | None = None
    bug: str | None = None

    def __repr__(self) -> str:
        return f"<Scenario {self.id}>"


# -- acts --------------------------------------------------------------------------------------


async def list_apps(b: Bench) -> builtins.list[App]:
    return await b.apps.list()


async def get_web(b: Bench) -> App:
    return await b.apps.get("web", with_tasks=True)


async def create_api(b: Bench) -> Deployment:
    return await b.apps.create(API)


async def scale_web(b: Bench) -> Deployment:
    return await b.apps.scale("web", 3)


async def scale_api(b: Bench) -> Deployment:
    return await b.apps.scale("api", 3)


async def force_scale_api(b: Bench) -> Deployment:
    return await b.apps.scale("api", 3, force=True)


async def delete_web(b: Bench) -> Deployment:
    return await b.apps.delete("web")


async def list_apps_thrice_across_a_leader_move(b: Bench) -> builtins.list[builtins.list[App]]:
    first = await b.apps.list()
    b.cluster.set_leader(1, service="marathon")
    return [first, await b.apps.list(), await b.apps.list()]


async def create_api_then_read_it(b: Bench) -> App:
    await b.apps.create(API)
    return await b.apps.get("api")


async def create_api_then_ask_info(b: Bench) -> ClusterInfo:
    await b.apps.create(API)
    return await b.apps.info()


async def update_web(b: Bench) -> Deployment:
    return await b.apps.update(AppSpec(id="web", instances=2, cpus=0.5, mem=512, cmd="run"))


async def scale_web_and_wait(b: Bench) -> Deployment:
    b.fake_wait_clock()
    return await b.apps.wait(await b.apps.scale("web", 3), timeout=60, poll_interval=1)


async def scale_web_fail_it_and_wait(b: Bench) -> Deployment:
    b.fake_wait_clock()
    deployment = await b.apps.scale("web", 3)
    b.cluster.fail_deployment(deployment.id)
    return await b.apps.wait(deployment, timeout=60, poll_interval=1)


async def create_unplaceable_and_wait(b: Bench) -> Deployment:
    b.fake_wait_clock()
    return await b.apps.wait(await b.apps.create(HUGE), timeout=10, poll_interval=3)


async def get_web_plain_then_from_a_newer_marathon(b: Bench) -> builtins.list[App]:
    return [await b.apps.get("web", with_tasks=True), await b.apps.get("web", with_tasks=True)]


async def one_status_event(b: Bench) -> builtins.list[Event]:
    async with b.apps.events(types=[TaskStatusChanged]) as stream:
        b.publish(b.web_tasks[0])
        async for event in stream:
            return [event]
    return []


async def status_events_across_a_cut(b: Bench) -> builtins.list[Event]:
    """A (whole), B (cut in half), then, once reconnected, C."""
    found: builtins.list[Event] = []
    async with b.apps.events(types=[TaskStatusChanged]) as stream:
        b.publish(b.web_tasks[0])
        b.publish(b.web_tasks[1])
        async for event in stream:
            found.append(event)
            if isinstance(event, StreamReconnected):
                b.publish(b.web_tasks[1], "TASK_KILLING")
            if len(found) == 3:
                break
    return found


async def events_until_five(b: Bench) -> builtins.list[Event]:
    found: builtins.list[Event] = []
    async with b.apps.events() as stream:
        async for event in stream:
            found.append(event)
            if len(found) == 5:
                break
    return found


async def status_events_across_a_leader_move(b: Bench) -> builtins.list[Event]:
    found: builtins.list[Event] = []
    async with b.apps.events(types=[TaskStatusChanged]) as stream:
        b.publish(b.web_tasks[0])
        async for event in stream:
            found.append(event)
            if len(found) == 1:
                b.cluster.set_leader(1, service="marathon")  # the leader's streams end
            if isinstance(event, StreamReconnected):
                b.publish(b.web_tasks[1])
            if len(found) == 3:
                break
    return found


async def events_while_the_leader_is_lost(b: Bench) -> builtins.list[Event]:
    found: builtins.list[Event] = []
    async with b.apps.events(types=[TaskStatusChanged]) as stream:
        b.cluster.no_leader(service="marathon")
        async for event in stream:
            found.append(event)
    return found


async def scale_web_force_over_it_and_wait(b: Bench) -> Deployment:
    b.fake_wait_clock()
    first = await b.apps.scale("web", 3)
    await b.apps.scale("web", 1, force=True)
    return await b.apps.wait(first, timeout=60, poll_interval=1)


async def kill_one_web_task_and_scale(b: Bench) -> Deployment | None:
    return await b.apps.kill_tasks("web", [b.web_tasks[0]], scale=True)


async def scale_web_then_cancel_it(b: Bench) -> Deployment | None:
    return await b.apps.cancel(await b.apps.scale("web", 3))


async def wait_for_an_unplaceable_app(b: Bench) -> Deployment:
    b.fake_wait_clock()
    (deployment_id,) = b.cluster.deployments
    return await b.apps.wait(deployment_id, timeout=3, poll_interval=1)


async def list_agents(b: Bench) -> builtins.list[Agent]:
    return await b.agents.list()


async def list_agents_twice(b: Bench) -> builtins.list[builtins.list[Agent]]:
    return [await b.agents.list(), await b.agents.list()]


async def list_agents_across_a_leader_move(b: Bench) -> builtins.list[builtins.list[Agent]]:
    first = await b.agents.list()
    b.cluster.set_leader(1, service="mesos")
    return [first, await b.agents.list()]


async def list_agents_with_tasks(b: Bench) -> builtins.list[Agent]:
    return await b.agents.list(with_tasks=True)


async def list_agents_plain_then_from_a_newer_mesos(
    b: Bench,
) -> builtins.list[builtins.list[Agent]]:
    return [await b.agents.list(), await b.agents.list()]


async def mesos_info(b: Bench) -> ClusterInfo:
    return await b.agents.info()


async def logs_of_first_web_task(b: Bench) -> str:
    return await b.agents.logs(b.web_tasks[0])


async def usage_of_first_agent(b: Bench) -> object:
    return await b.agents.usage(b.dev_agents[0])


async def usage_of_all_agents(b: Bench) -> object:
    return await b.agents.usage_all()


async def web_stats(b: Bench) -> AppStats:
    async def advance(seconds: float) -> None:
        b.cluster.advance(seconds)

    b.monkeypatch.setattr("asgard.orchestrator._async.asleep", advance)
    return await b.orchestrator.app_stats("web", interval=10)


async def web_stats_while_an_agent_vanishes(b: Bench) -> AppStats:
    victim = b.dev_agents[0]

    async def vanish_between_samples(seconds: float) -> None:
        b.cluster.remove_agent(victim)
        b.cluster.advance(seconds)

    b.monkeypatch.setattr("asgard.orchestrator._async.asleep", vanish_between_samples)
    return await b.orchestrator.app_stats("web", interval=10)


# -- arrangements and checks -------------------------------------------------------------------


def no_marathon_leader(b: Bench) -> None:
    b.cluster.no_leader(service="marathon")


def no_mesos_leader(b: Bench) -> None:
    b.cluster.no_leader(service="mesos")


def leader_abdicates_while_creating(b: Bench) -> None:
    """marathon-0 hands leadership to marathon-1 while it holds the POST, and drops it."""
    b.hooks.add(server=M0, method="POST", path="/v2/apps", before=b.marathon_leader(1))
    b.cluster.faults.inject("connection_reset", server=b.cluster.marathon_urls[0], path="/v2/apps")


def standby_overloaded(b: Bench) -> None:
    """marathon-0 is a standby over its ``--http_max_concurrent_requests``."""
    b.cluster.set_leader(1, service="marathon")
    b.hooks.add(
        server=M0,
        method="POST",
        answer=lambda _: jetty_page(503, "Too many concurrent requests! Allowed: 64."),
    )


def standby_cut_off_from_the_leader(b: Bench) -> None:
    """marathon-0 lost ZooKeeper: it answers 502 (1.7+) while marathon-1 leads."""
    b.cluster.set_leader(1, service="marathon")
    b.hooks.add(
        server=M0,
        times=None,
        answer=lambda _: jetty_page(502, "Could not determine the current leader"),
    )


def standby_proxy_times_out(b: Bench) -> None:
    """marathon-0 is a standby: it proxies the write, the leader applies it, the proxy gives up."""
    b.cluster.set_leader(1, service="marathon")
    b.hooks.add(
        server=M0,
        method="POST",
        rewrite=lambda _: jetty_page(504, "Connection to leader timed out."),
    )


def election_between_two_attempts(b: Bench) -> None:
    """mesos-0 loses the lead (503) as the read arrives; mesos-1 is elected before the retry."""
    b.hooks.add(
        server=MESOS0, path="/master/slaves", before=lambda: b.cluster.no_leader(service="mesos")
    )
    b.hooks.add(server=MESOS1, path="/master/slaves", before=b.mesos_leader(1))


def api_deploying(b: Bench) -> None:
    """``/dev/api`` exists, and its first deployment still runs (it locks the app)."""
    b.cluster.add_app("/dev/api", AppSpec(id="/dev/api", cpus=0.25, mem=128, cmd="serve"))


def huge_deploying_and_queue_failing(b: Bench) -> None:
    """``/dev/huge`` waits for offers no agent can make; ``/v2/queue`` answers Jetty's 500."""
    b.cluster.add_app("/dev/huge", AppSpec(id="/dev/huge", cpus=64, mem=128, cmd="serve"))
    b.cluster.faults.inject("server_error_html", path="/v2/queue", times=None)


def api_deploying_at_the_limit(b: Bench) -> None:
    b.cluster.set_max_running_deployments(1)
    api_deploying(b)


def is_web(b: Bench, outcome: Any) -> None:
    assert [app.id for app in outcome] == ["/web"]
    assert outcome[0].instances == 2


def all_web(b: Bench, outcome: Any) -> None:
    for listed in outcome:
        is_web(b, listed)


def deployment_of_api(b: Bench, outcome: Any) -> None:
    assert isinstance(outcome, Deployment)
    assert outcome.app_ids == ("/api",)
    assert list(b.cluster.deployments) == [outcome.id]


def deployment_of_web(b: Bench, outcome: Any) -> None:
    assert isinstance(outcome, Deployment)
    assert outcome.app_ids == ("/web",)
    assert list(b.cluster.deployments) == [outcome.id]


def scaled_to_three(b: Bench, outcome: Any) -> None:
    assert b.cluster.apps["/dev/web"].instances == 3


def api_read_from_the_new_leader(b: Bench, outcome: Any) -> None:
    assert isinstance(outcome, App)
    assert (outcome.id, outcome.instances) == ("/api", 1)
    assert [label(r.server) for r in b.cluster.requests] == ["marathon-0", "marathon-1"]


def info_names_the_new_leader(b: Bench, outcome: Any) -> None:
    assert isinstance(outcome, ClusterInfo)
    assert outcome.leader == b.cluster.marathon_urls[1]


def updated_through_the_new_leader(b: Bench, outcome: Any) -> None:
    deployment_of_web(b, outcome)
    assert b.cluster.apps["/dev/web"].definition["mem"] == 512
    put = b.cluster.requests_to(method="PUT")
    assert [label(r.server) for r in put] == ["marathon-0"]


def waited_through_a_leader_move(b: Bench, outcome: Any) -> None:
    assert isinstance(outcome, Deployment)
    assert outcome.app_ids == ("/web",)
    running = [
        t for t in b.cluster.tasks.values() if t.app_id == "/dev/web" and t.state == "TASK_RUNNING"
    ]
    assert len(running) == 3
    polls = b.cluster.requests_to(path="/v2/deployments")
    assert [label(r.server) for r in polls] == ["marathon-0", "marathon-1"]
    assert polls[1].at > polls[0].at  # the deployment ran one poll interval


def rolled_back(b: Bench, outcome: Any) -> None:
    assert type(outcome) is DeploymentFailedError  # not superseded: a rollback, newer or not
    assert outcome.deployment.app_ids == ("/web",)
    assert b.cluster.apps["/dev/web"].instances == 2


def timed_out_without_the_queue_entry(b: Bench, outcome: Any) -> None:
    assert isinstance(outcome, WaitTimeoutError)
    assert list(b.cluster.deployments) == [outcome.deployment.id]
    assert outcome.queue_entry is None


def one_task_killed_and_scaled_down(b: Bench, outcome: Any) -> None:
    assert b.cluster.apps["/dev/web"].instances == 1
    assert b.cluster.task(b.web_tasks[0]).state == "TASK_KILLED"


def timed_out_waiting_for_offers(b: Bench, outcome: Any) -> None:
    assert isinstance(outcome, WaitTimeoutError)
    assert list(b.cluster.deployments) == [outcome.deployment.id]
    assert outcome.queue_entry is not None
    assert outcome.queue_entry.app_id == "/huge"
    assert len(b.cluster.requests_to(path="/v2/deployments")) == 5  # at 0, 3, 6, 9 and 12 s


def jetty_reason_not_html(b: Bench, outcome: Any) -> None:
    assert outcome.status == 500
    assert "Server Error" in str(outcome)
    assert "<" not in str(outcome)


def no_leader_502(b: Bench, outcome: Any) -> None:
    assert outcome.status == 502


def no_leader_503(b: Bench, outcome: Any) -> None:
    assert outcome.status == 503


def accepted_but_unreadable(b: Bench, outcome: Any) -> None:
    assert outcome.status == 201
    assert "was accepted (status 201)" in str(outcome)
    assert isinstance(outcome.__cause__, MalformedResponseError)


def whole_body(b: Bench, outcome: Any) -> None:
    assert outcome.path == ""


def path_is(path: str) -> Callable[[Bench, Any], None]:
    def check(b: Bench, outcome: Any) -> None:
        assert isinstance(outcome, MalformedResponseError)
        assert outcome.path == path

    return check


def locked_by_the_api_deployment(b: Bench, outcome: Any) -> None:
    assert isinstance(outcome, ConflictError)
    assert outcome.deployment_ids == tuple(b.cluster.deployments)
    assert b.cluster.apps["/dev/api"].instances == 1


def forced_over_the_api_deployment(b: Bench, outcome: Any) -> None:
    deployment_of_api(b, outcome)
    assert b.cluster.apps["/dev/api"].instances == 3
    (patch,) = b.cluster.requests_to(method="PATCH")
    assert patch.param("force") == "true"


def locked_by_one_deployment(b: Bench, outcome: Any) -> None:
    assert isinstance(outcome, ConflictError)
    assert len(outcome.deployment_ids) == 1
    assert "/dev/web" in b.cluster.apps


def newer_fields_ignored(b: Bench, outcome: Any) -> None:
    plain, newer = outcome
    assert attrs.evolve(newer, extra=plain.extra) == plain
    assert newer.tasks is not None
    assert len(newer.tasks) == 2


def newer_mesos_fields_ignored(b: Bench, outcome: Any) -> None:
    plain, newer = outcome
    assert newer == plain
    assert [agent.id for agent in newer] == b.dev_agents


def one_event_from_the_leader(b: Bench, outcome: Any) -> None:
    (event,) = outcome
    assert isinstance(event, TaskStatusChanged)
    assert (event.app_id, event.task_id) == ("/web", b.web_tasks[0])
    assert [label(r.server) for r in b.cluster.requests] == ["marathon-0", "marathon-1"]


def nothing_lost_but_the_cut_event_nothing_twice(b: Bench, outcome: Any) -> None:
    first, reconnected, last = outcome
    assert isinstance(first, TaskStatusChanged)
    assert (first.task_id, first.state) == (b.web_tasks[0], TaskState.TASK_RUNNING)
    assert isinstance(reconnected, StreamReconnected)
    assert isinstance(last, TaskStatusChanged)
    assert (last.task_id, last.state) == (b.web_tasks[1], TaskState.TASK_KILLING)


def reconnected_at_the_new_leader(b: Bench, outcome: Any) -> None:
    first, reconnected, last = outcome
    assert isinstance(reconnected, StreamReconnected)
    assert [(e.task_id, e.state) for e in (first, last)] == [
        (task, TaskState.TASK_RUNNING) for task in b.web_tasks
    ]
    assert [label(r.server) for r in b.cluster.requests] == [M0, M0, M1]  # 302 to the leader


def superseded_by_the_forced_one(b: Bench, outcome: Any) -> None:
    assert b.cluster.apps["/dev/web"].instances == 1
    (running,) = b.cluster.deployments.values()
    assert outcome.deployment.id != running.id


def proxied_stream(b: Bench, outcome: Any) -> None:
    one_event = outcome[0]
    assert isinstance(one_event, TaskStatusChanged)
    assert one_event.task_id == b.web_tasks[0]
    (request,) = b.cluster.requests
    assert request.path == "/v2/events"


def first_agent_unreadable(b: Bench, outcome: Any) -> None:
    first, second, third = b.dev_agents
    assert set(outcome) == {first, second, third}
    assert type(outcome[first]) is MalformedResponseError
    assert outcome[first].path == "/0/container_id"
    assert [sample.task_id for sample in outcome[second]] == [b.web_tasks[1]]
    assert outcome[third] == []  # no task of the account: not even asked


def container_without_statistics(b: Bench, outcome: Any) -> None:
    assert isinstance(outcome, AppStats)
    unmeasured, measured = b.web_tasks
    assert [task.task_id for task in outcome.tasks] == [measured]
    assert set(outcome.errors) == {unmeasured}
    assert "no sample" in outcome.errors[unmeasured]


def the_dev_agents(b: Bench, outcome: Any) -> None:
    assert [agent.id for agent in outcome] == b.dev_agents


def the_dev_agents_each_time(b: Bench, outcome: Any) -> None:
    for listed in outcome:
        the_dev_agents(b, listed)


def agents_with_their_tasks(b: Bench, outcome: Any) -> None:
    the_dev_agents(b, outcome)
    assert [[task.id for task in agent.tasks or ()] for agent in outcome] == [
        *([task] for task in b.web_tasks),
        [],
    ]


def flags_hidden(b: Bench, outcome: Any) -> None:
    assert outcome == ClusterInfo(name=None, version="1.11.0", leader=b.cluster.mesos_urls[0])


def other_agent_still_measured(b: Bench, outcome: Any) -> None:
    assert isinstance(outcome, AppStats)
    lost, kept = b.web_tasks
    assert [task.task_id for task in outcome.tasks] == [kept]
    assert set(outcome.errors) == {lost}
    assert "could not be sampled" in outcome.errors[lost]
    assert outcome.cpu_pct == pytest.approx(0.25 / 0.6 * 100)


# -- the matrix --------------------------------------------------------------------------------


MARATHON_LEADERS = [
    Scenario(
        id="marathon-leader-moves-between-calls",
        act=list_apps_thrice_across_a_leader_move,
        seen={M0: 2, M1: 1},  # the old leader proxies once and names the new one
        then=all_web,
    ),
    Scenario(
        id="marathon-standby-proxies-a-write",
        arrange=lambda b: b.cluster.set_leader(1, service="marathon"),
        act=create_api_then_read_it,
        seen={M0: 1, M1: 1},
        writes=1,
        versions={"api": 1},
        deployments=1,
        then=api_read_from_the_new_leader,
    ),
    Scenario(
        id="marathon-leader-moves-during-create",
        arrange=lambda b: b.hooks.add(
            server=M0, method="POST", path="/v2/apps", before=b.marathon_leader(1)
        ),
        act=create_api_then_ask_info,
        seen={M0: 1, M1: 1},
        writes=1,
        versions={"api": 1},
        deployments=1,
        then=info_names_the_new_leader,
    ),
    Scenario(
        id="marathon-leader-dies-during-create",
        arrange=leader_abdicates_while_creating,
        act=create_api,
        raises=WriteOutcomeUnknownError,
        seen={M0: 1},
        writes=1,
        versions={"api": 1},
        deployments=1,
    ),
    Scenario(
        id="marathon-leader-moves-during-update",
        arrange=lambda b: b.hooks.add(
            server=M0, method="GET", path=WEB, after=b.marathon_leader(1)
        ),
        act=update_web,
        seen={M0: 2},
        writes=1,
        versions={"web": 2},
        deployments=1,
        then=updated_through_the_new_leader,
    ),
    Scenario(
        id="marathon-leader-moves-during-wait",
        arrange=lambda b: b.hooks.add(
            method="GET", path="/v2/deployments", before=b.marathon_leader(1)
        ),
        act=scale_web_and_wait,
        seen={M0: 2, M1: 2},  # the scale and a proxied poll; a poll and the app at the new one
        writes=1,
        versions={"web": 2},
        then=waited_through_a_leader_move,
    ),
    Scenario(
        id="marathon-standby-redirects-the-event-stream",
        arrange=lambda b: b.cluster.set_leader(1, service="marathon"),
        act=one_status_event,
        seen={M0: 1, M1: 1},
        then=one_event_from_the_leader,
    ),
    Scenario(
        id="marathon-no-leader-on-a-read-502",
        arrange=no_marathon_leader,
        act=list_apps,
        raises=NoLeaderError,
        seen={M0: 2, M1: 1},  # read_retries=2: three attempts, alternating
        then=no_leader_502,
    ),
    Scenario(
        id="marathon-1.4-no-leader-on-a-write-503",
        marathon_version="1.4",
        arrange=no_marathon_leader,
        act=create_api,
        raises=NoLeaderError,
        seen={M0: 1, M1: 1},  # refused by each: safe to move on, never applied
        writes=2,
        then=no_leader_503,
    ),
    Scenario(
        id="marathon-standby-overloaded-on-a-write-moves-on",
        arrange=standby_overloaded,
        act=create_api,
        seen={M0: 1, M1: 1},  # refused before Marathon did anything: safe to send elsewhere
        writes=2,
        versions={"api": 1},
        deployments=1,
        then=deployment_of_api,
    ),
    Scenario(
        id="marathon-standby-without-a-leader-on-a-write-moves-on",
        arrange=standby_cut_off_from_the_leader,
        act=create_api_then_read_it,
        seen={M0: 1, M1: 2},  # refused, then the leader (remembered for the read)
        writes=2,
        versions={"api": 1},
        deployments=1,
    ),
    Scenario(
        id="marathon-standby-504-on-a-write-it-proxied",
        arrange=standby_proxy_times_out,
        act=create_api,
        raises=WriteOutcomeUnknownError,
        seen={M0: 1},
        writes=1,
        versions={"api": 1},
        deployments=1,
    ),
]

MARATHON_FAILURES = [
    Scenario(
        id="marathon-jetty-500-html-on-a-read",
        arrange=lambda b: b.cluster.faults.inject("server_error_html", path=APPS_OF_DEV),
        act=list_apps,
        raises=ServerError,
        seen={M0: 1},  # a 500 is final for a read
        then=jetty_reason_not_html,
    ),
    Scenario(
        id="marathon-jetty-500-html-on-a-write",
        arrange=lambda b: b.cluster.faults.inject("server_error_html", path="/v2/apps"),
        act=create_api,
        raises=WriteOutcomeUnknownError,
        seen={M0: 1},
        writes=1,
    ),
    Scenario(
        id="proxy-502-html-on-a-read",
        arrange=lambda b: b.hooks.add(
            server=M0, path=APPS_OF_DEV, answer=proxy_502, answered_by="proxy"
        ),
        act=list_apps,
        seen={"proxy": 1, M1: 1},
        then=is_web,
    ),
    Scenario(
        id="proxy-502-html-on-a-write-it-forwarded",
        arrange=lambda b: b.hooks.add(server=M0, method="POST", rewrite=proxy_502),
        act=create_api,
        raises=WriteOutcomeUnknownError,
        seen={M0: 1},
        writes=1,
        versions={"api": 1},
        deployments=1,
    ),
    Scenario(
        id="marathon-read-timeouts-are-retried-and-bounded",
        arrange=lambda b: b.cluster.faults.inject("timeout", path=APPS_OF_DEV, times=None),
        act=list_apps,
        raises=BackendTimeoutError,
        seen={M0: 2, M1: 1},
    ),
    Scenario(
        id="marathon-read-timeout-once-then-answered",
        arrange=lambda b: b.cluster.faults.inject(
            "timeout", server=b.cluster.marathon_urls[0], path=APPS_OF_DEV
        ),
        act=list_apps,
        seen={M0: 1, M1: 1},
        then=is_web,
    ),
    Scenario(
        id="marathon-write-timeout-is-sent-once",
        arrange=lambda b: b.cluster.faults.inject("timeout", path="/v2/apps", times=None),
        act=create_api,
        raises=WriteOutcomeUnknownError,
        seen={M0: 1},
        writes=1,
        versions={"api": 1},
        deployments=1,
    ),
    Scenario(
        id="marathon-slow-scale-beyond-the-client-timeout",
        timeout=0.05,
        arrange=lambda b: b.cluster.faults.inject("latency", path=WEB, seconds=0.5, times=None),
        act=scale_web,
        raises=WriteOutcomeUnknownError,
        seen={M0: 1},
        writes=1,
        versions={"web": 2},
        deployments=1,
        then=scaled_to_three,
    ),
    Scenario(
        id="marathon-refused-connection-on-a-read",
        arrange=lambda b: b.cluster.faults.inject(
            "connection_refused", server=b.cluster.marathon_urls[0], times=None
        ),
        act=list_apps,
        seen={M1: 1},
        unreached={M0: 1},
        then=is_web,
    ),
    Scenario(
        id="marathon-refused-connection-on-a-write-moves-on",
        arrange=lambda b: b.cluster.faults.inject(
            "connection_refused", server=b.cluster.marathon_urls[0], times=None
        ),
        act=create_api,
        seen={M1: 1},
        unreached={M0: 1},
        writes=1,
        versions={"api": 1},
        deployments=1,
        then=deployment_of_api,
    ),
    Scenario(
        id="marathon-refused-everywhere-on-a-write",
        arrange=lambda b: [
            b.cluster.faults.inject("connection_refused", server=url, times=None)
            for url in b.cluster.marathon_urls
        ],
        act=scale_web,
        raises=BackendUnavailableError,
        seen={},
        unreached={M0: 1, M1: 1},  # one round only: a write is never retried
    ),
    Scenario(
        id="marathon-reset-connection-on-a-kill-and-scale",
        arrange=lambda b: b.cluster.faults.inject("connection_reset", path=WEB + "/tasks/*"),
        act=kill_one_web_task_and_scale,
        raises=WriteOutcomeUnknownError,
        seen={M0: 1},
        writes=1,
        versions={"web": 2},
        deployments=1,
        then=one_task_killed_and_scaled_down,
    ),
    Scenario(
        id="marathon-reset-connection-on-a-cancel",
        arrange=lambda b: b.cluster.faults.inject("connection_reset", path="/v2/deployments/*"),
        act=scale_web_then_cancel_it,
        raises=WriteOutcomeUnknownError,
        seen={M0: 3},  # the scale, the listing that finds the deployment, the DELETE
        writes=2,
        versions={"web": 3},  # the scale's, then the rollback's (Marathon stamps it anew)
        deployments=1,  # the rollback the cancel started
    ),
    Scenario(
        id="marathon-reset-connection-on-a-read",
        arrange=lambda b: b.cluster.faults.inject("connection_reset", path=WEB),
        act=get_web,
        seen={M0: 1, M1: 1},
        then=lambda b, app: is_web(b, [app]),
    ),
    Scenario(
        id="marathon-reset-connection-on-a-scale",
        arrange=lambda b: b.cluster.faults.inject("connection_reset", path=WEB, times=None),
        act=scale_web,
        raises=WriteOutcomeUnknownError,
        seen={M0: 1},
        writes=1,
        versions={"web": 2},
        deployments=1,
        then=scaled_to_three,
    ),
]

MARATHON_BODIES = [
    Scenario(
        id="proxy-corrupt-gzip-body-on-a-read",
        arrange=lambda b: b.hooks.add(
            server=M0, path=APPS_OF_DEV, answer=corrupt_gzip, answered_by="proxy"
        ),
        act=list_apps,
        seen={"proxy": 1, M1: 1},  # a broken answer to a read: retried elsewhere
        then=is_web,
    ),
    Scenario(
        id="proxy-corrupt-gzip-body-on-a-write",
        arrange=lambda b: b.hooks.add(method="POST", rewrite=corrupt_gzip),
        act=create_api,
        raises=WriteOutcomeUnknownError,
        seen={M0: 1},
        writes=1,
        versions={"api": 1},
        deployments=1,
    ),
    Scenario(
        id="marathon-empty-200-body",
        arrange=lambda b: b.hooks.add(
            path=APPS_OF_DEV,
            rewrite=lambda r: httpx.Response(200, headers={"Content-Type": "application/json"}),
        ),
        act=list_apps,
        raises=MalformedResponseError,
        seen={M0: 1},
        then=whole_body,
    ),
    Scenario(
        id="marathon-json-array-instead-of-an-object",
        arrange=lambda b: b.hooks.add(
            path=APPS_OF_DEV, rewrite=lambda r: httpx.Response(200, json=[])
        ),
        act=list_apps,
        raises=MalformedResponseError,
        seen={M0: 1},
        then=whole_body,
    ),
    Scenario(
        id="marathon-truncated-body-on-a-read",
        arrange=lambda b: b.cluster.faults.inject("truncated_body", path=WEB),
        act=get_web,
        raises=MalformedResponseError,
        seen={M0: 1},
        then=whole_body,
    ),
    Scenario(
        id="marathon-truncated-body-on-a-create",
        arrange=lambda b: b.cluster.faults.inject("truncated_body", path="/v2/apps"),
        act=create_api,
        # applied (201) but unreadable: what it started is unknown, and it is not re-sent
        raises=WriteOutcomeUnknownError,
        seen={M0: 1},
        writes=1,
        versions={"api": 1},
        deployments=1,
        then=accepted_but_unreadable,
    ),
    Scenario(
        id="marathon-html-content-type-on-a-read",
        arrange=lambda b: b.cluster.faults.inject("wrong_content_type", path=APPS_OF_DEV),
        act=list_apps,
        raises=MalformedResponseError,
        seen={M0: 1},
        then=whole_body,
    ),
    Scenario(
        id="marathon-missing-field",
        arrange=lambda b: b.hooks.add(
            path=WEB, rewrite=edit_json(lambda payload: payload["app"].pop("version"))
        ),
        act=get_web,
        raises=MalformedResponseError,
        seen={M0: 1},
        then=path_is("/app/version"),
    ),
    Scenario(
        id="marathon-ill-typed-field",
        arrange=lambda b: b.hooks.add(
            path=WEB,
            rewrite=edit_json(lambda payload: payload["app"].update(instances="three")),
        ),
        act=get_web,
        raises=MalformedResponseError,
        seen={M0: 1},
        then=path_is("/app/instances"),
    ),
    Scenario(
        id="marathon-ill-typed-task-field",
        arrange=lambda b: b.hooks.add(
            path=WEB,
            rewrite=edit_json(lambda payload: payload["app"]["tasks"][1].update(host=["x"])),
        ),
        act=get_web,
        raises=MalformedResponseError,
        seen={M0: 1},
        then=path_is("/app/tasks/1/host"),
    ),
    Scenario(
        id="marathon-fields-from-a-newer-version-are-ignored",
        arrange=lambda b: b.hooks.add(
            path=WEB,
            skip=1,
            rewrite=edit_json(
                lambda payload: (
                    payload["app"].update(quota2030={"gpuSeconds": 12}, tasksLost=0),
                    [task.update(zoneAffinity={"z": 1}) for task in payload["app"]["tasks"]],
                    payload.update(servedBy="marathon 2.0"),
                )
            ),
        ),
        act=get_web_plain_then_from_a_newer_marathon,
        seen={M0: 2},
        then=newer_fields_ignored,
    ),
]

MARATHON_REFUSALS = [
    Scenario(
        id="marathon-401-is-not-retried",
        arrange=lambda b: b.hooks.add(
            server=M0,
            answer=lambda _: json_answer(
                401, {"message": "Unauthorized"}, {"WWW-Authenticate": 'Basic realm="marathon"'}
            ),
        ),
        act=list_apps,
        raises=AuthenticationError,
        seen={M0: 1},
    ),
    Scenario(
        id="marathon-403-on-a-write",
        arrange=lambda b: b.hooks.add(
            method="POST",
            answer=lambda _: json_answer(
                403, {"message": "Not Authorized to perform this action!"}
            ),
        ),
        act=create_api,
        raises=PermissionDeniedError,
        seen={M0: 1},
        writes=1,
    ),
    Scenario(
        id="marathon-403-too-many-deployments",
        arrange=api_deploying_at_the_limit,
        act=scale_web,
        raises=TooManyDeploymentsError,
        seen={M0: 1},
        writes=1,
        versions={"web": 1, "api": 1},
        deployments=1,
    ),
    Scenario(
        id="marathon-409-deployment-in-progress",
        arrange=api_deploying,
        act=scale_api,
        raises=ConflictError,
        seen={M0: 1},
        writes=1,
        versions={"web": 1, "api": 1},
        deployments=1,
        then=locked_by_the_api_deployment,
    ),
    Scenario(
        id="marathon-409-overridden-with-force",
        arrange=api_deploying,
        act=force_scale_api,
        seen={M0: 1},
        writes=1,
        versions={"web": 1, "api": 2},
        deployments=1,  # the forced one replaced the running one
        then=forced_over_the_api_deployment,
    ),
    Scenario(
        id="marathon-409-locked-delete",
        arrange=lambda b: b.cluster.faults.inject("locked", path=WEB, times=None),
        act=delete_web,
        raises=ConflictError,
        seen={M0: 1},
        writes=1,
        then=locked_by_one_deployment,
    ),
]

MARATHON_WAITS_AND_EVENTS = [
    Scenario(
        id="marathon-force-supersedes-a-waited-deployment",
        act=scale_web_force_over_it_and_wait,
        raises=DeploymentSupersededError,
        seen={M0: 7},  # two scales, one poll, the app, its versions and two of them
        writes=2,
        versions={"web": 3},
        deployments=1,
        then=superseded_by_the_forced_one,
    ),
    Scenario(
        id="marathon-deployment-never-finishes",
        act=create_unplaceable_and_wait,
        raises=WaitTimeoutError,
        seen={M0: 7},  # the create, five polls, the queue
        writes=1,
        versions={"web": 1, "huge": 1},
        deployments=1,
        then=timed_out_waiting_for_offers,
    ),
    Scenario(
        id="marathon-deployment-never-finishes-and-the-queue-fails",
        arrange=huge_deploying_and_queue_failing,
        act=wait_for_an_unplaceable_app,
        raises=WaitTimeoutError,
        seen={M0: 5},  # polls at 0, 1, 2 and 3 s, then the queue (a 500: not retried)
        versions={"web": 1, "huge": 1},
        deployments=1,
        then=timed_out_without_the_queue_entry,
    ),
    Scenario(
        id="marathon-deployment-rolled-back-while-waiting",
        act=scale_web_fail_it_and_wait,
        raises=DeploymentFailedError,
        seen={M0: 6},  # the scale, one poll, the app, its versions and two of them
        writes=1,
        versions={"web": 3},  # Marathon stamps the restored definition with a new version
        deployments=1,  # the rollback
        then=rolled_back,
    ),
    Scenario(
        id="marathon-event-stream-cut-mid-event",
        arrange=lambda b: b.hooks.add(server=M0, path="/v2/events", cut_after_events=2),
        act=status_events_across_a_cut,
        seen={M0: 2},
        then=nothing_lost_but_the_cut_event_nothing_twice,
    ),
    Scenario(
        id="marathon-leader-moves-during-the-event-stream",
        act=status_events_across_a_leader_move,
        seen={M0: 2, M1: 1},
        then=reconnected_at_the_new_leader,
    ),
    Scenario(
        id="marathon-1.4-standby-proxies-the-event-stream",
        marathon_version="1.4",
        arrange=lambda b: b.cluster.set_leader(1, service="marathon"),
        act=one_status_event,
        seen={M0: 1},
        then=proxied_stream,
    ),
    Scenario(
        id="marathon-event-stream-loses-its-leader-for-good",
        read_retries=0,
        act=events_while_the_leader_is_lost,
        raises=NoLeaderError,
        seen={M0: 3},  # the stream, then two reopenings refused: bounded
        then=no_leader_502,
    ),
    Scenario(
        id="proxy-answers-the-event-stream-with-a-login-page",
        arrange=lambda b: b.hooks.add(
            path="/v2/events", times=None, answer=login_page, answered_by="proxy"
        ),
        act=events_until_five,
        raises=MalformedResponseError,
        seen={"proxy": 1},
    ),
]

MESOS = [
    Scenario(
        id="mesos-standby-307-to-the-leader",
        arrange=lambda b: b.cluster.set_leader(2, service="mesos"),
        act=list_agents_twice,
        seen={MESOS0: 1, MESOS2: 2},
        then=the_dev_agents_each_time,
    ),
    Scenario(
        id="mesos-leader-moves-between-calls",
        act=list_agents_across_a_leader_move,
        seen={MESOS0: 2, MESOS1: 1},
        then=the_dev_agents_each_time,
    ),
    Scenario(
        id="mesos-leader-moves-during-a-call",
        max_concurrency=1,  # the task listing, then the framework names: in a known order
        arrange=lambda b: b.hooks.add(path="/master/slaves", after=b.mesos_leader(1)),
        act=list_agents_with_tasks,
        seen={MESOS0: 2, MESOS1: 2},  # agents; tasks: 307, the new leader; framework names
        then=agents_with_their_tasks,
    ),
    Scenario(
        id="mesos-election-during-a-call",
        arrange=election_between_two_attempts,
        act=list_agents,
        seen={MESOS0: 1, MESOS1: 1},
        then=the_dev_agents,
    ),
    Scenario(
        id="mesos-no-leader-anywhere",
        arrange=no_mesos_leader,
        act=list_agents,
        raises=NoLeaderError,
        seen={MESOS0: 1, MESOS1: 1, MESOS2: 1},
        then=no_leader_503,
    ),
    Scenario(
        id="mesos-307-to-a-leader-not-configured",
        masters=2,
        arrange=lambda b: b.cluster.set_leader(2, service="mesos"),
        act=list_agents,
        raises=NoLeaderError,
        seen={MESOS0: 2, MESOS1: 1},  # the 307, then /master/redirect on each configured one
    ),
    Scenario(
        id="mesos-read-timeouts-are-retried-and-bounded",
        arrange=lambda b: b.cluster.faults.inject("timeout", path="/master/slaves", times=None),
        act=list_agents,
        raises=BackendTimeoutError,
        seen={MESOS0: 1, MESOS1: 1, MESOS2: 1},
    ),
    Scenario(
        id="mesos-refused-everywhere",
        arrange=lambda b: [
            b.cluster.faults.inject("connection_refused", server=url, times=None)
            for url in b.cluster.mesos_urls
        ],
        act=list_agents,
        raises=BackendUnavailableError,
        seen={},
        unreached={MESOS0: 3, MESOS1: 3, MESOS2: 3},  # three rounds: read_retries=2
    ),
    Scenario(
        id="mesos-reset-connection-then-a-standby-307",
        arrange=lambda b: b.cluster.faults.inject("connection_reset", path="/master/slaves"),
        act=list_agents,
        seen={MESOS0: 2, MESOS1: 1},
        then=the_dev_agents,
    ),
    Scenario(
        id="mesos-truncated-body",
        arrange=lambda b: b.cluster.faults.inject("truncated_body", path="/master/slaves"),
        act=list_agents,
        raises=MalformedResponseError,
        seen={MESOS0: 1},
        then=whole_body,
    ),
    Scenario(
        id="mesos-html-content-type",
        arrange=lambda b: b.cluster.faults.inject("wrong_content_type", path="/master/slaves"),
        act=list_agents,
        raises=MalformedResponseError,
        seen={MESOS0: 1},
        then=whole_body,
    ),
    Scenario(
        id="mesos-missing-field",
        arrange=lambda b: b.hooks.add(
            path="/master/slaves",
            rewrite=edit_json(lambda payload: payload["slaves"][1].pop("hostname")),
        ),
        act=list_agents,
        raises=MalformedResponseError,
        seen={MESOS0: 1},
        then=path_is("/slaves/1/hostname"),
    ),
    Scenario(
        id="mesos-ill-typed-field",
        arrange=lambda b: b.hooks.add(
            path="/master/slaves",
            rewrite=edit_json(lambda payload: payload["slaves"][0]["resources"].update(cpus="4")),
        ),
        act=list_agents,
        raises=MalformedResponseError,
        seen={MESOS0: 1},
        then=path_is("/slaves/0/resources/cpus"),
    ),
    Scenario(
        id="mesos-fields-from-a-newer-version-are-ignored",
        arrange=lambda b: b.hooks.add(
            path="/master/slaves",
            skip=1,
            rewrite=edit_json(
                lambda payload: (
                    payload.update(gone_slaves=[]),
                    [
                        agent.update(fencing={"epoch": 3}, resources_v2={"cpus": {"value": 4}})
                        for agent in payload["slaves"]
                    ],
                )
            ),
        ),
        act=list_agents_plain_then_from_a_newer_mesos,
        seen={MESOS0: 2},
        then=newer_mesos_fields_ignored,
    ),
    Scenario(
        id="mesos-truncated-task-listing-during-a-join",
        arrange=lambda b: b.cluster.faults.inject("truncated_body", path="/master/tasks"),
        act=list_agents_with_tasks,
        raises=MalformedResponseError,
        seen={MESOS0: 3},
        then=whole_body,
    ),
    Scenario(
        id="mesos-401-is-not-retried",
        arrange=lambda b: b.hooks.add(
            path="/master/slaves",
            answer=lambda _: text_answer(401, "", {"WWW-Authenticate": 'Basic realm="mesos"'}),
        ),
        act=list_agents,
        raises=AuthenticationError,
        seen={MESOS0: 1},
    ),
    Scenario(
        id="mesos-403-on-flags-hides-only-the-cluster-name",
        arrange=lambda b: b.hooks.add(
            path="/master/flags", answer=lambda _: text_answer(403, "Forbidden")
        ),
        act=mesos_info,
        seen={MESOS0: 3},  # /master/redirect, /version, /master/flags
        then=flags_hidden,
    ),
    Scenario(
        id="mesos-info-with-no-leader",
        arrange=no_mesos_leader,
        act=mesos_info,
        raises=NoLeaderError,
        seen={MESOS0: 1, MESOS1: 1, MESOS2: 1},  # /master/redirect on each
    ),
    Scenario(
        id="agent-unreachable-is-retried-and-bounded",
        arrange=lambda b: b.cluster.faults.inject("agent_unreachable", times=None),
        act=usage_of_first_agent,
        raises=BackendUnavailableError,
        seen={MESOS0: 3},  # the agent, the tasks, the framework names
        unreached={"agent-0": 3},
    ),
    Scenario(
        id="agent-file-read-timeouts-are-retried-and-bounded",
        arrange=lambda b: b.cluster.faults.inject("timeout", path="/files/read", times=None),
        act=logs_of_first_web_task,
        raises=BackendTimeoutError,
        seen={MESOS0: 3, "agent-0": 3},  # the task, its framework, its agent; three reads
    ),
    Scenario(
        id="agent-503-while-recovering",
        arrange=lambda b: b.hooks.add(
            path="/containers",
            times=None,
            answer=lambda _: text_answer(503, "Agent has not finished recovery"),
        ),
        act=usage_of_first_agent,
        raises=ServerError,
        seen={MESOS0: 3, "agent-0": 3},
    ),
    Scenario(
        id="agent-answers-an-ill-typed-container",
        arrange=lambda b: b.hooks.add(
            server="agent-0",
            path="/containers",
            rewrite=edit_json(lambda payload: payload[0].update(container_id=5)),
        ),
        act=usage_of_all_agents,
        seen={MESOS0: 3, "agent-0": 1, "agent-1": 1},
        then=first_agent_unreadable,
    ),
    Scenario(
        id="agent-container-without-statistics",
        arrange=lambda b: b.hooks.add(
            server="agent-0", path="/containers", rewrite=edit_json(strip_statistics)
        ),
        act=web_stats,
        seen={M0: 1, MESOS0: 3, "agent-0": 2, "agent-1": 2},
        then=container_without_statistics,
    ),
    Scenario(
        id="agent-vanishes-between-two-stats-samples",
        act=web_stats_while_an_agent_vanishes,
        seen={M0: 1, MESOS0: 3, "agent-0": 1, "agent-1": 2},
        unreached={"agent-0": 3},
        then=other_agent_still_measured,
    ),
]

MATRIX = [
    *MARATHON_LEADERS,
    *MARATHON_FAILURES,
    *MARATHON_BODIES,
    *MARATHON_REFUSALS,
    *MARATHON_WAITS_AND_EVENTS,
    *MESOS,
]


def _param(scenario: Scenario) -> Any:
    marks = [] if scenario.bug is None else [pytest.mark.xfail(strict=True, reason=scenario.bug)]
    return pytest.param(scenario, id=scenario.id, marks=marks)


def test_the_matrix_is_named_and_large() -> None:
    names = [scenario.id for scenario in MATRIX]
    assert len(names) == len(set(names))
    assert len(names) >= 30


@pytest.mark.anyio
@pytest.mark.parametrize("scenario", [_param(scenario) for scenario in MATRIX])
async def test_matrix(scenario: Scenario, monkeypatch: pytest.MonkeyPatch) -> None:
    bench = Bench(scenario, monkeypatch)
    scenario.arrange(bench)
    outcome: object
    try:
        if scenario.raises is None:
            outcome = await scenario.act(bench)
        else:
            with pytest.raises(AsgardError) as caught:
                await scenario.act(bench)
            outcome = caught.value
    finally:
        await bench.aclose()
    if scenario.raises is not None:
        assert type(outcome) is scenario.raises, f"{type(outcome).__name__}: {outcome}"
    assert bench.seen() == dict(scenario.seen)
    assert bench.unreached() == dict(scenario.unreached)
    assert bench.writes() == scenario.writes
    assert {app: bench.versions(app) for app in scenario.versions} == dict(scenario.versions)
    assert len(bench.cluster.deployments) == scenario.deployments
    scenario.then(bench, outcome)
