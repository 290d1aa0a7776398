"""A Mesos backend against a small cluster built from the recorded payloads, then mutated.

Every reply (master listing, task pages, framework names, an agent's ``/containers``,
``/state`` and ``/files/read``) comes from one coherent cluster, mutated anywhere. Every call
must give a result or raise an :class:`~asgard.errors.AsgardError`, and a scoped account must
see only its own agents, and tasks of apps inside its namespace.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from typing import Any

import httpx
from hypothesis import example, given
from hypothesis import strategies as st

from asgard import Account
from asgard.errors import AsgardError
from asgard.mesos import MesosAgentsBackend
from asgard.models import Agent, Task, UsageSample
from tests.fuzz._support import (
    UUID,
    Json,
    fewer,
    fixture,
    is_canonical_for,
    mutations_of,
    steps_around_known_bugs,
)

MASTER = "http://m1.test:5050"
DEV = Account(namespace="dev", owner="dev-team")
CLUSTER = Account.cluster_wide()
FRAMEWORK = "27b52920-3899-4b90-a1d6-bf83a87f3612-0000"
AGENT_INFO = "asgard-recorded/agents/ead07ffb-5a61-42c9-9386-21b680597e6c-S0/info.json"
CONTAINERS = "asgard-recorded/agents/ead07ffb-5a61-42c9-9386-21b680597e6c-S0/containers.json"
TASK_TEMPLATE = fixture("mesos/asgard-plugin-mesos-metrics/master-tasks.json")["tasks"][0]
WEB = f"dev_web.{UUID}"
API = f"dev_infra_api.{UUID}"
OTHER = f"ops_web.{UUID}"


def _agent(agent_id: str, owner: str, hostname: str, pid: str | None) -> Json:
    agent = copy.deepcopy(fixture(AGENT_INFO))
    agent.update(id=agent_id, hostname=hostname)
    agent["attributes"]["owner"] = owner
    if pid is not None:
        agent["pid"] = pid
    return agent


def _task(task_id: str, agent_id: str, state: str) -> Json:
    task = copy.deepcopy(TASK_TEMPLATE)
    task.update(id=task_id, slave_id=agent_id, state=state, framework_id=FRAMEWORK)
    task["resources"]["ports"] = "[31000-31001]"
    task["statuses"][0]["state"] = "TASK_RUNNING"
    return task


def _container(task_id: str) -> Json:
    container = copy.deepcopy(fixture(CONTAINERS)[0])
    container.update(executor_id=task_id, source=task_id, framework_id=FRAMEWORK)
    return container


CLUSTER_JSON: Json = {
    "slaves": {
        "slaves": [
            _agent("S1", "dev-team", "agent1.test", "slave(1)@10.0.0.5:5051"),
            _agent("S2", "ops-team", "agent2.test", None),
            _agent("S3", "dev-team", "10.0.0.7", None),
        ]
    },
    "tasks": {
        "tasks": [
            _task(WEB, "S1", "TASK_RUNNING"),
            _task(API, "S3", "TASK_STAGING"),
            _task(OTHER, "S2", "TASK_RUNNING"),
            _task(f"dev_old.{UUID}", "S1", "TASK_FINISHED"),
            _task(f"dev_stray.{UUID}", "S2", "TASK_RUNNING"),  # dev's app on ops' agent
        ]
    },
    "summary": {
        "frameworks": [{"id": FRAMEWORK, "name": "marathon"}],
        "completed_frameworks": [],
    },
    "containers": [_container(WEB), _container(API), _container(OTHER)],
    "state": {
        "frameworks": [
            {
                "id": FRAMEWORK,
                "executors": [{"id": WEB, "directory": "/var/lib/mesos/slaves/S1/runs/1"}],
                "completed_executors": [],
            }
        ]
    },
    "size": {"data": "", "offset": 70000},
    "read": {"data": "a log line\n", "offset": 0},
    "version": {"version": "1.11.0"},
    "flags": {"flags": {"cluster": "fuzz"}},
}


KNOWN_BUG_PID_DIGITS = False  # fixed
"""BUG: an agent pid whose port has more than 4300 digits raises ValueError (see the xfail test
below); the broad test steps around such pids."""
_LONG_DIGITS = re.compile(r"\d{4300}")


def steps_around_open_bugs(cluster: Json) -> bool:
    """Whether the cluster holds a trigger of an open bug (each has its xfail test)."""
    if steps_around_known_bugs("agents_from_slaves", cluster):
        return True
    return KNOWN_BUG_PID_DIGITS and _LONG_DIGITS.search(json.dumps(cluster)) is not None


def serve(cluster: Json) -> Callable[[httpx.Request], httpx.Response]:
    def part(name: str) -> Any:
        return cluster.get(name) if isinstance(cluster, dict) else None

    def answer(payload: Json) -> httpx.Response:
        # json.dumps writes NaN and Infinity, as a broken server could; httpx's json= refuses.
        content = json.dumps(payload).encode()
        return httpx.Response(200, content=content, headers={"content-type": "application/json"})

    def handle(request: httpx.Request) -> httpx.Response:
        path, params = request.url.path, request.url.params
        routes = {
            "/master/slaves": "slaves",
            "/master/state-summary": "summary",
            "/containers": "containers",
            "/state": "state",
            "/version": "version",
            "/master/flags": "flags",
        }
        if path in routes:
            return answer(part(routes[path]))
        if path == "/master/tasks":
            first = params.get("offset") in (None, "0")
            return answer(part("tasks") if first else {"tasks": []})
        if path == "/files/read":
            return answer(part("size" if params.get("offset") == "-1" else "read"))
        if path == "/master/redirect":
            return httpx.Response(307, headers={"location": "//m1.test:5050/master/redirect"})
        return httpx.Response(404, json={"message": "no such route"})

    return handle


CALLS: dict[str, Callable[[MesosAgentsBackend], object]] = {
    "list": lambda agents: agents.list(),
    "list_with_tasks": lambda agents: agents.list(with_tasks=True),
    "get": lambda agents: agents.get("S1"),
    "tasks": lambda agents: agents.tasks("S3"),
    "usage": lambda agents: agents.usage("S1"),
    "usage_all": lambda agents: agents.usage_all(),
    "logs": lambda agents: agents.logs(WEB, tail=100_000),
    "info": lambda agents: agents.info(),
}


def check_result(account: Account, result: object) -> None:
    items = result if isinstance(result, list) else [result]
    if isinstance(result, dict):
        items = []
        for value in result.values():
            assert isinstance(value, (list, AsgardError)), value
            items.extend(value if isinstance(value, list) else [])
    for item in items:
        if isinstance(item, Agent):
            if not account.is_cluster_wide:
                assert item.attributes.get("owner") == account.owner
            items.extend(item.tasks or ())
    for item in items:
        if isinstance(item, (Task, UsageSample)) and not account.is_cluster_wide:
            assert item.app_id is not None
            assert is_canonical_for(account, item.app_id), item.app_id
            assert item.agent_id in ("S1", "S3"), item.agent_id


def call_backend(cluster: Json, account: Account, name: str, **options: Any) -> object:
    client = httpx.Client(transport=httpx.MockTransport(serve(cluster)))
    with MesosAgentsBackend(
        [MASTER], account=account, client=client, read_retries=0, **options
    ) as agents:
        try:
            return CALLS[name](agents)
        except AsgardError:
            return None


@given(
    cluster=mutations_of(CLUSTER_JSON),
    account=st.sampled_from([DEV, CLUSTER]),
    name=st.sampled_from(sorted(CALLS)),
    address=st.sampled_from(["hostname", "pid"]),
)
def test_any_mutated_cluster_gives_results_or_asgard_errors(
    cluster: Json, account: Account, name: str, address: str
) -> None:
    if steps_around_open_bugs(cluster):
        return
    result = call_backend(cluster, account, name, agent_address=address)
    check_result(account, result)


def test_the_unmutated_cluster_is_read_whole() -> None:
    agents = call_backend(CLUSTER_JSON, DEV, "list_with_tasks")
    assert isinstance(agents, list)
    assert [agent.id for agent in agents] == ["S1", "S3"]
    assert [task.app_id for agent in agents for task in agent.tasks or ()] == ["/web", "/infra/api"]
    samples = call_backend(CLUSTER_JSON, DEV, "usage")
    assert isinstance(samples, list)
    assert [sample.task_id for sample in samples] == [WEB]
    assert call_backend(CLUSTER_JSON, DEV, "logs") == "a log line\n"


def with_address(field: str, value: object) -> Json:
    cluster = copy.deepcopy(CLUSTER_JSON)
    cluster["slaves"]["slaves"][0][field] = value
    return cluster


# Regression test of a bug this fuzzing found (fixed since): an agent port outside 0..65535 in
# /master/slaves (-1, 65536) makes usage() and logs() raise a bare ValueError (agent_url builds
# 'http://host:-1'; ServerPool's urlsplit(...).port raises in _policy.py:280), not
# MalformedResponseError
@fewer(4)
@given(
    port=st.sampled_from([-1, 65536, 99999, 10**20]),
    name=st.sampled_from(["usage", "logs", "usage_all"]),
)
@example(port=-1, name="usage")
def test_an_agent_port_out_of_range_is_a_malformed_response(port: int, name: str) -> None:
    check_unusable_address(with_address("port", port), name)


# Regression test of a bug this fuzzing found (fixed since): an agent hostname that is no host
# ('h:1', '[::1', 'a]b') in /master/slaves makes usage() and logs() raise a bare ValueError
# (agent_url brackets it as IPv6, or urlsplit refuses it, in ServerPool), not
# MalformedResponseError
@fewer(4)
@given(
    hostname=st.sampled_from(["h:1", "[::1", "[", "a]b", "h:x"]),
    name=st.sampled_from(["usage", "logs", "usage_all"]),
)
@example(hostname="h:1", name="usage")
def test_an_agent_hostname_that_is_no_host_is_a_malformed_response(
    hostname: str, name: str
) -> None:
    check_unusable_address(with_address("hostname", hostname), name)


def check_unusable_address(cluster: Json, name: str) -> None:
    result = call_backend(cluster, DEV, name)
    if isinstance(result, dict):  # usage_all reports each agent's error as a value
        for outcome in result.values():
            if isinstance(outcome, Exception) and not isinstance(outcome, AsgardError):
                raise outcome


@fewer(4)
@given(digits=st.integers(min_value=4301, max_value=6000), name=st.sampled_from(["usage", "logs"]))
@example(digits=5000, name="usage")
def test_an_agent_pid_with_a_huge_port_is_a_malformed_response(digits: int, name: str) -> None:
    cluster = with_address("pid", "slave(1)@10.0.0.5:" + "9" * digits)
    call_backend(cluster, DEV, name, agent_address="pid")
