"""The Mesos agents backend against respx: exact requests, tenancy, leaders, agents' API.

Written once; tests/_sync/test_mesos.py is generated from it. Agent host names are rewritten
to names under .test, so no request could ever leave the machine.
"""

from __future__ import annotations

import copy
import threading
from collections import Counter
from typing import Any

import httpx
import pytest
import respx

from asgard import Account
from asgard._acompat import asleep
from asgard.auth import BasicAuth
from asgard.backends import Capability
from asgard.errors import (
    BackendUnavailableError,
    InvalidInputError,
    MalformedResponseError,
    NoLeaderError,
    NotFoundError,
)
from asgard.mesos import AsyncMesosAgentsBackend
from tests.conftest import load_fixture

M1, M2 = "http://m1.test:5050", "http://m2.test:5050"
FW = "27b52920-3899-4b90-a1d6-bf83a87f3612-0000"
UUID = "b331f6c9-fb9e-11e7-ab4b-faf0633ea91f"
INFRA = Account(namespace="dev", owner="asgard-infra")
PASSWORD = "m4ster-pa55"


def slaves() -> dict[str, Any]:
    """The recorded 14-agent listing, hosts renamed agent-<n>.test."""
    payload: dict[str, Any] = copy.deepcopy(load_fixture("asgard-recorded/agents_multi_owner.json"))
    for number, agent in enumerate(payload["slaves"]):
        agent["hostname"] = f"agent-{number}.test"
        agent["pid"] = f"slave(1)@agent-{number}.pid.test:5052"
    return payload


SLAVES = slaves()
S0 = SLAVES["slaves"][0]["id"]  # owner asgard-infra
S10 = SLAVES["slaves"][3]["id"]  # owner asgard


def mesos_task(
    task_id: str, agent_id: str, state: str = "TASK_RUNNING", fw: str = FW
) -> dict[str, Any]:
    raw: dict[str, Any] = copy.deepcopy(
        load_fixture("asgard-recorded/api/tasks/one_task_json_namespace_dev.json")["tasks"][0]
    )
    raw.update(id=task_id, slave_id=agent_id, state=state, framework_id=fw)
    return raw


TASKS = [
    mesos_task(f"dev_infra_api.{UUID}", S0),
    mesos_task(f"sieve_portal_api.{UUID}", S0),  # another namespace on the same agent
    mesos_task(f"dev_web.{UUID}", S10),  # the namespace, but another owner's agent
    mesos_task(f"dev_old.{UUID}", S0, state="TASK_FINISHED"),
    mesos_task("ct:1526411520002:0:job:", S0, fw="chronos-fw"),
]
SUMMARY = {
    "hostname": "m1",
    "cluster": "test",
    "slaves": [],
    "frameworks": [{"id": FW, "name": "marathon"}, {"id": "chronos-fw", "name": "chronos"}],
}


def backend(account: Account = INFRA, **options: Any) -> AsyncMesosAgentsBackend:
    options.setdefault("read_retries", 0)
    return AsyncMesosAgentsBackend([M1, M2], account=account, **options)


def mock_master(tasks: list[dict[str, Any]] | None = None) -> dict[str, respx.Route]:
    return {
        "slaves": respx.get(f"{M1}/master/slaves").mock(
            return_value=httpx.Response(200, json=SLAVES)
        ),
        "tasks": respx.get(f"{M1}/master/tasks").mock(
            return_value=httpx.Response(200, json={"tasks": TASKS if tasks is None else tasks})
        ),
        "summary": respx.get(f"{M1}/master/state-summary").mock(
            return_value=httpx.Response(200, json=SUMMARY)
        ),
    }


@pytest.mark.anyio
@respx.mock
async def test_list_is_one_request_and_only_the_accounts_agents() -> None:
    routes = mock_master()
    async with backend() as agents:
        listed = await agents.list()
    assert [agent.attributes["owner"] for agent in listed] == ["asgard-infra"] * 4
    assert all(agent.tasks is None for agent in listed)
    assert routes["slaves"].call_count == 1
    assert not routes["tasks"].called
    assert routes["slaves"].calls.last.request.url.params == httpx.QueryParams()


@pytest.mark.anyio
@respx.mock
async def test_list_with_tasks_reads_the_master_never_the_agents() -> None:
    routes = mock_master()
    async with backend() as agents:
        listed = await agents.list(with_tasks=True)
    by_id = {agent.id: agent for agent in listed}
    s0_tasks = by_id[S0].tasks
    assert s0_tasks is not None
    assert [(task.id, task.app_id, task.host) for task in s0_tasks] == [
        (f"dev_infra_api.{UUID}", "/infra/api", "agent-0.test")
    ]
    assert all(agent.tasks == () for agent in listed if agent.id != S0)
    assert routes["tasks"].calls.last.request.url.params == httpx.QueryParams(
        {"limit": "2000", "offset": "0", "order": "asc"}
    )
    assert len(respx.calls) == 3  # slaves, one page of tasks, framework names
    assert all(call.request.url.host.startswith("m1") for call in respx.calls)


@pytest.mark.anyio
@respx.mock
async def test_tasks_are_paged_past_a_full_page() -> None:
    mock_master()
    full = [mesos_task(f"dev_infra_app{n}.{UUID}", S0) for n in range(2000)]
    last = [mesos_task(f"dev_infra_last.{UUID}", S0)]

    def page(request: httpx.Request) -> httpx.Response:
        offset = int(request.url.params["offset"])
        return httpx.Response(200, json={"tasks": full if offset == 0 else last})

    route = respx.get(f"{M1}/master/tasks").mock(side_effect=page)
    async with backend() as agents:
        tasks = await agents.tasks(S0)
    assert len(tasks) == 2001
    assert [call.request.url.params["offset"] for call in route.calls] == ["0", "2000"]


@pytest.mark.anyio
@respx.mock
async def test_framework_names_are_read_once_and_remembered() -> None:
    routes = mock_master()
    async with backend() as agents:
        await agents.tasks(S0)
        await agents.tasks(S0)
    assert routes["summary"].call_count == 1


class Overlap:
    """Answers the master's listings after a pause, noting which paths were in flight at once."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.in_flight: set[str] = set()
        self.widest: set[str] = set()

    async def answer(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        with self.lock:
            self.in_flight.add(path)
            if len(self.in_flight) > len(self.widest):
                self.widest = set(self.in_flight)
        await asleep(0.05)
        with self.lock:
            self.in_flight.discard(path)
        payload = {
            "/master/slaves": SLAVES,
            "/master/tasks": {"tasks": TASKS},
            "/master/state-summary": SUMMARY,
        }[path]
        return httpx.Response(200, json=payload)


@pytest.mark.anyio
@pytest.mark.parametrize(("bound", "widest"), [(8, 2), (1, 1)])
@respx.mock
async def test_a_sampler_reads_agents_and_framework_names_at_once_within_the_bound(
    bound: int, widest: int
) -> None:
    # The task listing waits for the agents (only their tasks are decoded); the framework
    # names, needed once, go out with the agent listing.
    overlap = Overlap()
    for path in ("slaves", "tasks", "state-summary"):
        respx.get(f"{M1}/master/{path}").mock(side_effect=overlap.answer)
    async with backend(max_concurrency=bound) as agents:
        first = await agents.usage_sampler([S0])
        again = await agents.usage_sampler([S0])  # framework names are known by now
    assert first.agent_ids == again.agent_ids == (S0,)
    assert len(overlap.widest) == widest
    paths = [call.request.url.path for call in respx.calls]
    # the second sampler reads the listings again, but not the framework names
    assert Counter(paths) == {"/master/slaves": 2, "/master/tasks": 2, "/master/state-summary": 1}


@pytest.mark.anyio
@respx.mock
async def test_get_asks_for_one_agent_and_checks_its_id() -> None:
    routes = mock_master()
    async with backend() as agents:
        agent = await agents.get(S0)
    assert agent.id == S0
    assert agent.tasks is not None
    assert [task.id for task in agent.tasks] == [f"dev_infra_api.{UUID}"]
    assert routes["slaves"].calls[0].request.url.params["slave_id"] == S0


@pytest.mark.anyio
@respx.mock
async def test_foreign_and_absent_agents_are_not_found() -> None:
    mock_master()
    async with backend() as agents:
        for agent_id in (S10, "no-such-agent-S99"):
            with pytest.raises(NotFoundError):
                await agents.get(agent_id)
            with pytest.raises(NotFoundError):
                await agents.tasks(agent_id)
            with pytest.raises(NotFoundError):
                await agents.usage(agent_id)


@pytest.mark.anyio
@respx.mock
async def test_bad_ids_are_refused_before_any_request() -> None:
    async with backend() as agents:
        for bad in ("", "a b", None):
            with pytest.raises(InvalidInputError):
                await agents.get(bad)  # type: ignore[arg-type]
        with pytest.raises(InvalidInputError):
            await agents.logs("t", stream="stdin")  # type: ignore[arg-type]
    assert not respx.calls


@pytest.mark.anyio
@respx.mock
async def test_usage_reads_the_agent_without_master_credentials() -> None:
    mock_master()
    containers = copy.deepcopy(
        load_fixture(
            "asgard-recorded/agents/ead07ffb-5a61-42c9-9386-21b680597e6c-S0/containers.json"
        )
    )
    containers[0]["executor_id"] = f"dev_infra_api.{UUID}"
    containers[1]["executor_id"] = f"sieve_portal_api.{UUID}"
    agent = respx.get("http://agent-0.test:5051/containers").mock(
        return_value=httpx.Response(200, json=containers)
    )
    async with backend(auth=BasicAuth("ops", PASSWORD)) as agents:
        samples = await agents.usage(S0)
    assert [(sample.task_id, sample.app_id) for sample in samples] == [
        (f"dev_infra_api.{UUID}", "/infra/api")
    ]
    assert samples[0].container_id == containers[0]["container_id"]
    assert "Authorization" not in agent.calls.last.request.headers
    master_call = respx.calls[0].request
    assert master_call.headers["Authorization"].startswith("Basic ")


@pytest.mark.anyio
@respx.mock
async def test_agent_options_choose_address_scheme_and_credentials() -> None:
    mock_master()
    agent = respx.get("https://agent-0.pid.test:5052/containers").mock(
        return_value=httpx.Response(200, json=[])
    )
    async with backend(
        agent_scheme="https", agent_address="pid", agent_auth=BasicAuth("agent", "agent-pass")
    ) as agents:
        assert await agents.usage(S0) == []
    assert agent.calls.last.request.headers["Authorization"].startswith("Basic ")


@pytest.mark.anyio
@respx.mock
async def test_usage_of_an_agent_without_the_accounts_tasks_asks_no_agent() -> None:
    mock_master(tasks=[])
    async with backend() as agents:
        assert await agents.usage(S0) == []
    assert {call.request.url.host for call in respx.calls} == {"m1.test"}


@pytest.mark.anyio
@respx.mock
async def test_an_unreachable_agent_is_a_typed_error() -> None:
    mock_master()
    respx.get("http://agent-0.test:5051/containers").mock(side_effect=httpx.ConnectError("down"))
    async with backend() as agents:
        # the message names the agent, not the configured masters, which answered
        with pytest.raises(BackendUnavailableError, match=r"^http://agent-0\.test:5051 could"):
            await agents.usage(S0)


@pytest.mark.anyio
@respx.mock
async def test_logs_page_through_the_files_api_from_the_end() -> None:
    mock_master()
    task_id = f"dev_infra_api.{UUID}"
    respx.get(f"{M1}/master/tasks", params={"task_id": task_id}).mock(
        return_value=httpx.Response(200, json={"tasks": [TASKS[0]]})
    )
    content = "".join(f"line {n}\n" for n in range(20000))  # 208,890 bytes

    def read(request: httpx.Request) -> httpx.Response:
        params = request.url.params
        assert params["path"] == f"/frameworks/{FW}/executors/{task_id}/runs/latest/stderr"
        offset = int(params["offset"])
        if offset == -1:
            return httpx.Response(200, json={"data": "", "offset": len(content)})
        length = min(int(params["length"]), 65536)
        return httpx.Response(
            200, json={"data": content[offset : offset + length], "offset": offset}
        )

    files = respx.get("http://agent-0.test:5051/files/read").mock(side_effect=read)
    async with backend() as agents:
        text = await agents.logs(task_id, stream="stderr", tail=150000)
    assert text == content[-150000:]
    assert [call.request.url.params["offset"] for call in files.calls] == [
        "-1",
        str(len(content) - 150000),
        str(len(content) - 150000 + 65536),
        str(len(content) - 150000 + 2 * 65536),
    ]


@pytest.mark.anyio
@respx.mock
async def test_logs_fall_back_to_the_sandbox_directory_of_the_agent_state() -> None:
    mock_master()
    task_id = f"dev_infra_api.{UUID}"
    respx.get(f"{M1}/master/tasks", params={"task_id": task_id}).mock(
        return_value=httpx.Response(200, json={"tasks": [TASKS[0]]})
    )
    state = {
        "frameworks": [{"id": FW, "executors": [{"id": task_id, "directory": "/var/sandbox/x"}]}]
    }
    respx.get("http://agent-0.test:5051/state").mock(return_value=httpx.Response(200, json=state))

    def read(request: httpx.Request) -> httpx.Response:
        if request.url.params["path"].startswith("/frameworks/"):
            return httpx.Response(404, text="Path not found")
        assert request.url.params["path"] == "/var/sandbox/x/stdout"
        if request.url.params["offset"] == "-1":
            return httpx.Response(200, json={"data": "", "offset": 5})
        return httpx.Response(200, json={"data": "hello", "offset": 0})

    respx.get("http://agent-0.test:5051/files/read").mock(side_effect=read)
    async with backend() as agents:
        assert await agents.logs(task_id) == "hello"


@pytest.mark.anyio
@respx.mock
async def test_logs_of_other_namespaces_and_agents_are_not_found() -> None:
    mock_master()
    for task in TASKS[1:3]:
        respx.get(f"{M1}/master/tasks", params={"task_id": task["id"]}).mock(
            return_value=httpx.Response(200, json={"tasks": [task]})
        )
    async with backend() as agents:
        for task in TASKS[1:3]:
            with pytest.raises(NotFoundError):
                await agents.logs(task["id"])
    assert all(call.request.url.host == "m1.test" for call in respx.calls)


@pytest.mark.anyio
@respx.mock
async def test_a_standby_redirect_is_followed_to_the_leader() -> None:
    standby = respx.get(f"{M1}/master/slaves").mock(
        return_value=httpx.Response(307, headers={"Location": "//m2.test:5050/master/slaves"})
    )
    leader = respx.get(f"{M2}/master/slaves").mock(return_value=httpx.Response(200, json=SLAVES))
    async with backend(auth=BasicAuth("ops", PASSWORD)) as agents:
        assert len(await agents.list()) == 4
        assert len(await agents.list()) == 4
    assert standby.call_count == 1
    assert leader.call_count == 2
    assert leader.calls.last.request.headers["Authorization"].startswith("Basic ")


@pytest.mark.anyio
@respx.mock
async def test_no_leader_anywhere_after_bounded_retries() -> None:
    routes = [
        respx.get(f"{server}/master/slaves").mock(
            return_value=httpx.Response(503, text="No leader elected")
        )
        for server in (M1, M2)
    ]
    async with backend(read_retries=2) as agents:
        with pytest.raises(NoLeaderError):
            await agents.list()
    assert sum(route.call_count for route in routes) == 3


@pytest.mark.anyio
@respx.mock
async def test_a_malformed_listing_is_a_typed_error_with_the_path() -> None:
    broken = copy.deepcopy(SLAVES)
    del broken["slaves"][2]["hostname"]
    respx.get(f"{M1}/master/slaves").mock(return_value=httpx.Response(200, json=broken))
    async with backend() as agents:
        with pytest.raises(MalformedResponseError) as caught:
            await agents.list()
    assert caught.value.path == "/slaves/2/hostname"


@pytest.mark.anyio
@respx.mock
async def test_info_names_the_leader_version_and_cluster() -> None:
    respx.get(f"{M1}/master/redirect").mock(
        return_value=httpx.Response(307, headers={"Location": "//m2.test:5050"})
    )
    version = respx.get(f"{M2}/version").mock(
        return_value=httpx.Response(200, json={"version": "1.11.0"})
    )
    respx.get(f"{M2}/master/flags").mock(
        return_value=httpx.Response(200, json={"flags": {"cluster": "prod"}})
    )
    async with backend() as agents:
        info = await agents.info()
    assert (info.leader, info.version, info.name) == (M2, "1.11.0", "prod")
    assert version.call_count == 1


@pytest.mark.anyio
@respx.mock
async def test_cluster_wide_sees_everything_and_scopes_views() -> None:
    mock_master()
    async with backend(Account.cluster_wide()) as everything:
        listed = await everything.list(with_tasks=True)
        assert len(listed) == len(SLAVES["slaves"])
        ids = {task.id: task.app_id for agent in listed for task in agent.tasks or ()}
        assert ids[f"dev_web.{UUID}"] == "/dev/web"
        assert ids["ct:1526411520002:0:job:"] is None
        asgard = everything.for_account(Account(namespace="dev", owner="asgard"))
        scoped = await asgard.list(with_tasks=True)
        assert {agent.attributes["owner"] for agent in scoped} == {"asgard"}
        web = next(agent for agent in scoped if agent.id == S10)
        assert [task.app_id for task in web.tasks or ()] == ["/web"]
        assert asgard.capabilities == frozenset({Capability.LOGS, Capability.USAGE})


def test_bad_options_are_refused() -> None:
    for options in (
        {"agent_scheme": "ftp"},
        {"agent_address": "ip"},
        {"agent_auth": ("u", "p")},
        {"task_naming": "marathon"},
    ):
        with pytest.raises(InvalidInputError):
            AsyncMesosAgentsBackend([M1], account=INFRA, **options)
