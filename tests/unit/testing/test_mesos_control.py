"""The FakeCluster's control API for Mesos frameworks, tasks and agent operations."""

from __future__ import annotations

import re
from typing import Any

import pytest

from asgard.errors import ConflictError, InvalidInputError, NotFoundError
from asgard.testing import (
    EXECUTOR_CPUS,
    EXECUTOR_MEM,
    TASK_STATES,
    ClusterControl,
    FakeCluster,
)

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def _cluster(**kwargs: Any) -> tuple[FakeCluster, str]:
    cluster = FakeCluster(**kwargs)
    return cluster, cluster.add_agent(owner="dev", cpus=8, mem=16384)


def test_the_fake_cluster_is_a_cluster_control() -> None:
    control: ClusterControl = FakeCluster()
    agent = control.add_agent(owner="dev", cpus=1, mem=1)
    task = control.add_task(agent_id=agent, app_id="/dev/web")
    assert control.tasks[task].agent_id == agent
    assert control.agent_url(agent) == "http://agent-0.asgard.test:5051"


# -- frameworks --------------------------------------------------------------------------------


def test_marathon_is_registered_from_the_start() -> None:
    cluster = FakeCluster()
    (marathon,) = cluster.frameworks.values()
    assert (marathon.id, marathon.name) == (cluster.framework_id, "marathon")
    assert marathon.webui_url == "http://marathon-0.asgard.test:8080"


def test_add_framework_counts_ids_or_takes_one() -> None:
    cluster = FakeCluster()
    prefix = cluster.framework_id.removesuffix("-0000")
    assert cluster.add_framework("chronos") == f"{prefix}-0001"
    assert cluster.add_framework("spark", framework_id="spark-fw-1") == "spark-fw-1"
    assert cluster.add_framework("aurora") == f"{prefix}-0002"
    assert [fw.name for fw in cluster.frameworks.values()] == [
        "marathon",
        "chronos",
        "spark",
        "aurora",
    ]


@pytest.mark.parametrize(
    ("name", "framework_id", "error"),
    [
        ("", None, InvalidInputError),
        (3, None, InvalidInputError),
        ("marathon", None, InvalidInputError),
        ("x", "bad id", InvalidInputError),
        ("x", "", InvalidInputError),
    ],
)
def test_add_framework_refuses(name: Any, framework_id: Any, error: type[Exception]) -> None:
    cluster = FakeCluster()
    with pytest.raises(error):
        cluster.add_framework(name, framework_id=framework_id)
    assert len(cluster.frameworks) == 1


def test_add_framework_refuses_a_taken_id() -> None:
    cluster = FakeCluster()
    with pytest.raises(ConflictError):
        cluster.add_framework("other", framework_id=cluster.framework_id)


# -- task ids and names ------------------------------------------------------------------------


def test_marathon_1_4_task_ids() -> None:
    cluster, agent = _cluster(marathon_version="1.4")
    task_id = cluster.add_task(agent_id=agent, app_id="/dev/infra/web")
    assert re.fullmatch(rf"dev_infra_web\.{UUID}", task_id)
    assert cluster.task(task_id).name == "web.infra.dev"
    assert cluster.task(task_id).app_id == "/dev/infra/web"


def test_marathon_1_10_task_ids() -> None:
    cluster, agent = _cluster(marathon_version="1.10")
    task_id = cluster.add_task(agent_id=agent, app_id="dev/infra/web")
    assert re.fullmatch(rf"dev_infra_web\.instance-{UUID}\._app\.1", task_id)


def test_other_frameworks_get_chronos_ids_and_register_on_first_use() -> None:
    cluster, agent = _cluster()
    cluster.advance(1.5)
    first = cluster.add_task(agent_id=agent, framework="chronos", app_id="etl")
    second = cluster.add_task(agent_id=agent, framework="chronos", app_id="etl")
    anonymous = cluster.add_task(agent_id=agent, framework="chronos")
    millis = int(cluster.now.timestamp() * 1000)
    assert (first, second) == (f"ct:{millis}:0:etl:", f"ct:{millis}:1:etl:")
    assert anonymous == f"ct:{millis}:0:job:"
    assert cluster.task(first).name == "ChronosTask:etl"
    assert [fw.name for fw in cluster.frameworks.values()] == ["marathon", "chronos"]
    assert cluster.task(first).framework_id == cluster.task(second).framework_id


def test_explicit_task_ids_and_framework_ids() -> None:
    cluster, agent = _cluster()
    spark = cluster.add_framework("spark")
    task_id = cluster.add_task(agent_id=agent, task_id="driver-1", framework=spark)
    assert cluster.task(task_id).framework_id == spark
    assert cluster.task(task_id).name == "driver-1"


def test_ids_are_deterministic_per_seed() -> None:
    def build(seed: int) -> list[Any]:
        cluster, agent = _cluster(seed=seed)
        task_id = cluster.add_task(agent_id=agent, app_id="/dev/web")
        task = cluster.task(task_id)
        return [task_id, task.container_id, task.mem_rss_bytes, task.threads]

    assert build(3) == build(3)
    assert build(3) != build(4)


# -- add_task validation -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"agent_id": "nope-S1"}, NotFoundError),
        ({"app_id": None}, InvalidInputError),
        ({"app_id": "/Dev/Web"}, InvalidInputError),
        ({"app_id": 5}, InvalidInputError),
        ({"state": "RUNNING"}, InvalidInputError),
        ({"cpus": -1}, InvalidInputError),
        ({"mem": float("inf")}, InvalidInputError),
        ({"disk": "1"}, InvalidInputError),
        ({"load": True}, InvalidInputError),
        ({"ports": (80,)}, InvalidInputError),
        ({"ports": (31000, 31000)}, InvalidInputError),
        ({"ports": "31000"}, InvalidInputError),
        ({"ports": (31000.0,)}, InvalidInputError),
        ({"healthy": "yes"}, InvalidInputError),
        ({"labels": {"a": 1}}, InvalidInputError),
        ({"task_id": "a/b"}, InvalidInputError),
        ({"task_id": ""}, InvalidInputError),
        ({"framework": ""}, InvalidInputError),
        ({"framework": "chronos", "app_id": "a:b"}, InvalidInputError),
    ],
)
def test_add_task_refuses(kwargs: dict[str, Any], error: type[Exception]) -> None:
    cluster, agent = _cluster()
    arguments: dict[str, Any] = {"agent_id": agent, "app_id": "/dev/web", **kwargs}
    with pytest.raises(error):
        cluster.add_task(**arguments)
    assert cluster.tasks == {}
    assert len(cluster.frameworks) == 1


def test_ports_are_exclusive_while_a_task_holds_them() -> None:
    cluster, agent = _cluster()
    holder = cluster.add_task(agent_id=agent, app_id="/dev/web", ports=(31000,))
    with pytest.raises(InvalidInputError):
        cluster.add_task(agent_id=agent, app_id="/dev/api", ports=(31000,))
    cluster.set_task_state(holder, "TASK_FINISHED")
    cluster.add_task(agent_id=agent, app_id="/dev/api", ports=(31000,))


def test_a_task_id_is_taken_once() -> None:
    cluster, agent = _cluster()
    cluster.add_task(agent_id=agent, task_id="t1", app_id="/dev/web")
    with pytest.raises(ConflictError):
        cluster.add_task(agent_id=agent, task_id="t1", app_id="/dev/web")


@pytest.mark.parametrize("operation", ["deactivate_agent", "drain_agent"])
def test_no_tasks_on_a_deactivated_agent(operation: str) -> None:
    cluster, agent = _cluster()
    getattr(cluster, operation)(agent)
    with pytest.raises(InvalidInputError):
        cluster.add_task(agent_id=agent, app_id="/dev/web")
    cluster.reactivate_agent(agent)
    cluster.add_task(agent_id=agent, app_id="/dev/web")


@pytest.mark.parametrize("operation", ["deactivate_agent", "drain_agent", "reactivate_agent"])
def test_agent_operations_need_a_known_agent(operation: str) -> None:
    with pytest.raises(NotFoundError):
        getattr(FakeCluster(), operation)("nope-S0")


def test_drain_validates_its_config() -> None:
    cluster, agent = _cluster()
    with pytest.raises(InvalidInputError):
        cluster.drain_agent(agent, mark_gone="yes")  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError):
        cluster.drain_agent(agent, max_grace_period=-1)
    assert cluster.agent(agent).drain is None


# -- states, allocation, logs ------------------------------------------------------------------


def test_a_new_task_and_its_allocation() -> None:
    cluster, agent = _cluster()
    cluster.advance(4)
    task_id = cluster.add_task(
        agent_id=agent, app_id="/dev/web", cpus=1, mem=100, disk=5, labels={"team": "a"}
    )
    task = cluster.task(task_id)
    assert task.state == "TASK_RUNNING"
    assert task.executor_id == ""
    assert task.sandbox_executor_id == task_id
    assert [(s.state, s.timestamp) for s in task.statuses] == [("TASK_RUNNING", cluster.now)]
    assert dict(task.labels) == {"team": "a"}
    assert set(task.files) == {"stdout", "stderr"}
    allocated = cluster.agent(agent).allocated
    assert (allocated.cpus, allocated.mem, allocated.disk) == (
        1 + EXECUTOR_CPUS,
        100 + EXECUTOR_MEM,
        5,
    )


def test_a_staging_task_has_no_status_yet_but_holds_resources() -> None:
    cluster, agent = _cluster()
    task_id = cluster.add_task(agent_id=agent, app_id="/dev/web", state="TASK_STAGING")
    assert cluster.task(task_id).statuses == ()
    assert cluster.agent(agent).allocated.cpus == pytest.approx(0.2)


def test_set_task_state_appends_statuses_and_frees_on_terminal_states() -> None:
    cluster, agent = _cluster()
    task_id = cluster.add_task(agent_id=agent, app_id="/dev/web", healthy=True)
    cluster.advance(2)
    cluster.set_task_state(task_id, "TASK_RUNNING", healthy=False)
    cluster.advance(2)
    cluster.set_task_state(task_id, "TASK_KILLING")
    cluster.set_task_state(task_id, "TASK_KILLED")
    task = cluster.task(task_id)
    assert [s.state for s in task.statuses] == [
        "TASK_RUNNING",
        "TASK_RUNNING",
        "TASK_KILLING",
        "TASK_KILLED",
    ]
    assert [s.healthy for s in task.statuses] == [True, False, None, None]
    assert cluster.agent(agent).allocated.cpus == 0
    with pytest.raises(InvalidInputError):
        cluster.set_task_state(task_id, "TASK_RUNNING")
    with pytest.raises(InvalidInputError):
        cluster.set_task_state(task_id, "DEAD")  # type: ignore[arg-type]
    with pytest.raises(NotFoundError):
        cluster.set_task_state("nope", "TASK_KILLED")


def test_every_mesos_state_is_accepted_at_launch() -> None:
    cluster, agent = _cluster()
    for state in TASK_STATES:
        cluster.add_task(agent_id=agent, app_id="/dev/web", state=state)
    assert [task.state for task in cluster.tasks.values()] == list(TASK_STATES)
    # only staging, starting, running and killing tasks hold resources
    assert cluster.agent(agent).allocated.cpus == pytest.approx(0.8)


def test_remove_task_forgets_it() -> None:
    cluster, agent = _cluster()
    task_id = cluster.add_task(agent_id=agent, app_id="/dev/web")
    cluster.remove_task(task_id)
    assert task_id not in cluster.tasks
    assert cluster.agent(agent).allocated.cpus == 0
    with pytest.raises(NotFoundError):
        cluster.remove_task(task_id)


def test_write_log_appends_text_and_bytes() -> None:
    cluster, agent = _cluster()
    task_id = cluster.add_task(agent_id=agent, app_id="/dev/web")
    cluster.advance(3)
    cluster.write_log(task_id, "stdout", "héllo\n")
    cluster.write_log(task_id, "stdout", b"\x00")
    stdout = cluster.task(task_id).files["stdout"]
    assert stdout.data == "héllo\n".encode() + b"\x00"
    assert stdout.mtime == cluster.now
    with pytest.raises(InvalidInputError):
        cluster.write_log(task_id, "stdlog", "x")
    with pytest.raises(InvalidInputError):
        cluster.write_log(task_id, "stderr", 42)  # type: ignore[arg-type]
    with pytest.raises(NotFoundError):
        cluster.write_log("nope", "stdout", "x")


def test_tasks_view_is_a_read_only_snapshot() -> None:
    cluster, agent = _cluster()
    cluster.add_task(agent_id=agent, app_id="/dev/web")
    view = cluster.tasks
    with pytest.raises(TypeError):
        view["x"] = next(iter(view.values()))  # type: ignore[index]
    cluster.add_task(agent_id=agent, app_id="/dev/web")
    assert (len(view), len(cluster.tasks)) == (1, 2)


def test_removing_an_agent_loses_its_running_tasks() -> None:
    cluster, agent = _cluster()
    running = cluster.add_task(agent_id=agent, app_id="/dev/web")
    done = cluster.add_task(agent_id=agent, app_id="/dev/web", state="TASK_FINISHED")
    cluster.remove_agent(agent)
    assert cluster.task(running).state == "TASK_LOST"
    assert cluster.task(done).state == "TASK_FINISHED"
