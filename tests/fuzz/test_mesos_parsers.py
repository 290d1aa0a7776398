"""Every Mesos parser, on arbitrary JSON and on mutated recorded payloads.

Allowed outcomes: a result, or :class:`~asgard.errors.MalformedResponseError` (with a path);
anything else is a bug. The payload must come out unchanged.
"""

from __future__ import annotations

import functools
from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st

from asgard.mesos import _parse
from tests import fixture_sets as fs
from tests.fuzz._support import (
    HUGE_INTS,
    Json,
    fewer,
    fixture,
    fixture_names,
    json_values,
    mutated,
    outcome,
    steps_around_known_bugs,
    strings,
    update_at,
)

SLAVE_LISTINGS = fs.MESOS_SLAVE_LISTINGS
AGENT_INFOS = fixture_names("asgard-recorded/agents", "*/info.json")
TASK_LISTINGS = fs.MESOS_TASK_LISTINGS
CONTAINERS = [
    *fixture_names("asgard-recorded/agents", "*/containers.json"),
    "mesos/mesosphere-mesos-cli/agent-monitor-statistics.json",
]
STATES = [*fs.MESOS_STATES, "mesos/datadog-integrations-core/master-state-summary.json"]
AGENT_STATES = fs.MESOS_AGENT_STATES
FILE_READS = ["asgard-recorded/api/tasks/task_file_read_response.json"]
EVERYTHING = sorted(
    {*SLAVE_LISTINGS, *AGENT_INFOS, *TASK_LISTINGS, *CONTAINERS, *AGENT_STATES, *FILE_READS}
)


def wrapped_agent(raw: Json) -> Json:
    return {"slaves": [raw]}


def _ids_in(payload: Json, key: str) -> list[str]:
    found: list[str] = []
    if isinstance(payload, dict):
        for name, value in payload.items():
            if name == key and isinstance(value, str):
                found.append(value)
            found.extend(_ids_in(value, key))
    elif isinstance(payload, list):
        for item in payload:
            found.extend(_ids_in(item, key))
    return found


SLAVE_IDS = sorted({i for name in TASK_LISTINGS for i in _ids_in(fixture(name), "slave_id")})
FRAMEWORK_IDS = sorted({i for name in AGENT_STATES for i in _ids_in(fixture(name), "id")})


# -- arbitrary JSON --------------------------------------------------------------------------


PARSERS: dict[str, Any] = {
    "agents_from_slaves": _parse.agents_from_slaves,
    "task_page": _parse.task_page,
    "task_page_filtered": lambda payload: _parse.task_page(payload, SLAVE_IDS[:2]),
    "tasks_from": _parse.tasks_from,
    "containers_from": _parse.containers_from,
    "framework_names": _parse.framework_names,
    "file_read": _parse.file_read,
    "sandbox_directory": lambda payload: _parse.sandbox_directory(payload, "f", "e"),
    "cluster_name": _parse.cluster_name,
    "version_of": _parse.version_of,
}


@given(payload=json_values())
def test_any_json_gives_a_result_or_a_malformed_response(payload: Json) -> None:
    for name, parser in PARSERS.items():
        if not steps_around_known_bugs(name, payload):
            outcome(functools.partial(parser, payload), payload)


# -- mutated recorded payloads ---------------------------------------------------------------


@given(
    payload=st.one_of(
        mutated(SLAVE_LISTINGS), mutated(AGENT_INFOS, transform=wrapped_agent, max_mutations=2)
    )
)
def test_mutated_agent_listings(payload: Json) -> None:
    if steps_around_known_bugs("agents_from_slaves", payload):
        return
    agents = outcome(lambda: _parse.agents_from_slaves(payload), payload)
    if agents is not None:
        listed = len(payload["slaves"]) + len(payload.get("recovered_slaves") or [])
        assert len(agents) == listed
        for found in agents:
            assert isinstance(found.agent.id, str)
            assert isinstance(found.agent.port, int)


@given(
    payload=mutated(TASK_LISTINGS),
    agent_ids=st.none() | st.lists(st.sampled_from(SLAVE_IDS), max_size=3),
)
def test_mutated_task_pages(payload: Json, agent_ids: list[str] | None) -> None:
    page = outcome(lambda: _parse.task_page(payload, agent_ids), payload)
    if page is not None:
        tasks, count = page
        assert count == len(payload["tasks"])
        assert len(tasks) <= count
        if agent_ids is not None:
            assert all(task.agent_id in agent_ids for task in tasks)
    listed = outcome(lambda: _parse.tasks_from(payload), payload)
    if listed is not None:
        assert len(listed) == len(payload["tasks"])


@given(payload=mutated(CONTAINERS))
def test_mutated_container_listings(payload: Json) -> None:
    containers = outcome(lambda: _parse.containers_from(payload), payload)
    if containers is not None:
        assert len(containers) == len(payload)


@given(payload=mutated(STATES))
def test_mutated_master_states(payload: Json) -> None:
    names = outcome(lambda: _parse.framework_names(payload), payload)
    if names is not None:
        assert all(isinstance(value, str) for value in names.values())
    outcome(lambda: _parse.cluster_name(payload), payload)
    outcome(lambda: _parse.version_of(payload), payload)
    if not steps_around_known_bugs("agents_from_slaves", payload):
        outcome(lambda: _parse.agents_from_slaves(payload), payload)


@given(
    payload=mutated(AGENT_STATES),
    framework_id=st.sampled_from(FRAMEWORK_IDS) | strings(),
    executor_id=st.sampled_from(FRAMEWORK_IDS) | strings(),
)
def test_mutated_agent_states(payload: Json, framework_id: str, executor_id: str) -> None:
    directory = outcome(
        lambda: _parse.sandbox_directory(payload, framework_id, executor_id), payload
    )
    assert directory is None or isinstance(directory, str)


@given(payload=mutated(FILE_READS))
def test_mutated_file_reads(payload: Json) -> None:
    read = outcome(lambda: _parse.file_read(payload), payload)
    if read is not None:
        assert read == (payload["data"], int(payload["offset"]))


@given(payload=mutated(EVERYTHING))
def test_any_recorded_payload_to_any_parser(payload: Json) -> None:
    for name, parser in PARSERS.items():
        if not steps_around_known_bugs(name, payload):
            outcome(functools.partial(parser, payload), payload)


# -- range strings ---------------------------------------------------------------------------

RANGE_PARTS = st.one_of(
    st.integers(min_value=0, max_value=70000).map(str),
    st.sampled_from(["", " ", "-", ",", "[", "]", "0", "00", "\u0661", "\uff11", "9" * 30]),
)


@given(
    text=st.one_of(
        st.none(),
        strings(),
        st.lists(RANGE_PARTS, max_size=8).map(lambda parts: "[" + "".join(parts) + "]"),
        st.lists(
            st.tuples(RANGE_PARTS, RANGE_PARTS).map(lambda pair: f"{pair[0]}-{pair[1]}"),
            max_size=4,
        ).map(lambda ranges: "[" + ", ".join(ranges) + "]"),
    )
)
def test_parse_ports_gives_ports_or_value_error(text: str | None) -> None:
    try:
        ports = _parse.parse_ports(text)
    except ValueError:
        return
    assert isinstance(ports, tuple)
    assert len(ports) <= 65536
    assert all(type(port) is int and port >= 0 for port in ports)


# -- known bugs ------------------------------------------------------------------------------


NUMERIC_AGENT_FIELDS = [
    ("resources", "cpus"),
    ("resources", "mem"),
    ("resources", "disk"),
    ("used_resources", "cpus"),
]


# Regression test of a bug this fuzzing found (fixed since): a number too large for a float
# (10**400) raises OverflowError in asgard._json.req_float (math.isfinite), not
# MalformedResponseError
@fewer(4)
@given(
    name=st.sampled_from(AGENT_INFOS),
    field=st.sampled_from(NUMERIC_AGENT_FIELDS),
    value=st.sampled_from(HUGE_INTS),
)
@example(
    name=AGENT_INFOS[0],
    field=("resources", "cpus"),
    value=10**400,
)
def test_huge_numbers_in_agents_are_malformed(
    name: str, field: tuple[str, str], value: int
) -> None:
    payload = wrapped_agent(update_at(fixture(name), field, lambda _old: value))
    outcome(lambda: _parse.agents_from_slaves(payload), payload)


# Regression test of a bug this fuzzing found (fixed since): a status timestamp too large for a
# float raises OverflowError (asgard._json.req_float) in mesos _parse._task
@fewer(4)
@given(payload=mutated(TASK_LISTINGS, huge=True))
@example(payload={"tasks": [{"statuses": [{"timestamp": 10**400}]}]})
def test_mutated_task_pages_with_huge_numbers(payload: Json) -> None:
    outcome(lambda: _parse.tasks_from(payload), payload)


@fewer(4)
@given(
    name=st.sampled_from(AGENT_INFOS),
    value=st.sampled_from(HUGE_INTS),
    key=st.sampled_from(["owner", "rack", "number"]),
)
@example(name=AGENT_INFOS[0], value=10**400, key="number")
def test_a_huge_integer_attribute_is_read_or_malformed(name: str, value: int, key: str) -> None:
    agent = dict(fixture(name))
    agent["attributes"] = {**agent["attributes"], key: value}
    payload = wrapped_agent(agent)
    outcome(lambda: _parse.agents_from_slaves(payload), payload)
