"""The FakeCluster's Mesos agent endpoints, driven through an httpx client."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from asgard.testing import FakeCluster

MIB = 1024 * 1024


class Bench:
    """One agent with a Marathon task, a Chronos task, and a task on another agent."""

    def __init__(self) -> None:
        self.cluster = FakeCluster(seed=9)
        self.agent = self.cluster.add_agent(owner="dev", cpus=8, mem=16384)
        self.other_agent = self.cluster.add_agent(owner="ops", cpus=8, mem=16384)
        self.web = self.cluster.add_task(
            agent_id=self.agent, app_id="/dev/web", cpus=0.6, mem=1536, load=0.5
        )
        self.busy = self.cluster.add_task(
            agent_id=self.agent, app_id="/dev/busy", cpus=1, mem=100, load=2.0
        )
        self.job = self.cluster.add_task(agent_id=self.agent, framework="chronos", app_id="etl")
        self.elsewhere = self.cluster.add_task(agent_id=self.other_agent, app_id="/ops/web")
        self.client = httpx.Client(transport=self.cluster.transport())

    def get(self, endpoint: str, **params: Any) -> httpx.Response:
        return self.client.get(self.cluster.agent_url(self.agent) + endpoint, params=params)

    def json(self, endpoint: str, **params: Any) -> Any:
        response = self.get(endpoint, **params)
        assert response.status_code == 200, response.text
        return response.json()

    def containers(self, **params: Any) -> dict[str, Any]:
        return {entry["executor_id"]: entry for entry in self.json("/containers", **params)}


@pytest.fixture
def bench() -> Iterator[Bench]:
    made = Bench()
    yield made
    made.client.close()


# -- /containers and /monitor/statistics -------------------------------------------------------


def test_containers_list_this_agents_running_executors(bench: Bench) -> None:
    entries = bench.containers()
    assert set(entries) == {bench.web, bench.busy, bench.job}
    web = entries[bench.web]
    task = bench.cluster.task(bench.web)
    assert web["container_id"] == task.container_id
    assert web["source"] == bench.web
    assert web["framework_id"] == bench.cluster.framework_id
    assert web["executor_name"].startswith(f"Command Executor (Task: {bench.web})")
    assert web["status"]["container_id"] == {"value": task.container_id}
    assert isinstance(web["status"]["executor_pid"], int)
    assert entries[bench.job]["framework_id"] == bench.cluster.task(bench.job).framework_id


def test_container_limits_include_the_executor_overhead(bench: Bench) -> None:
    stats = bench.containers()[bench.web]["statistics"]
    assert stats["cpus_limit"] == 0.7
    assert stats["mem_limit_bytes"] == 1_644_167_168  # (1536 + 32) MiB, as recorded
    assert 0 < stats["mem_rss_bytes"] < 1536 * MIB
    assert stats["processes"] >= 1
    assert stats["threads"] >= stats["processes"]


def test_counters_grow_with_the_clock(bench: Bench) -> None:
    before = bench.containers()
    bench.cluster.advance(10)
    after = bench.containers()
    web0, web1 = before[bench.web]["statistics"], after[bench.web]["statistics"]
    assert web1["timestamp"] - web0["timestamp"] == 10
    # load 0.5 of 0.6 CPUs for 10 s: 3 CPU seconds, 80 % user
    assert web1["cpus_user_time_secs"] - web0["cpus_user_time_secs"] == pytest.approx(2.4)
    assert web1["cpus_system_time_secs"] - web0["cpus_system_time_secs"] == pytest.approx(0.6)
    assert web1["cpus_nr_periods"] - web0["cpus_nr_periods"] == 100
    assert web1["cpus_nr_throttled"] == web0["cpus_nr_throttled"] == 0
    assert web1["mem_rss_bytes"] == web0["mem_rss_bytes"]
    busy = after[bench.busy]["statistics"]
    # demand 2 CPUs, limit 1.1 (1 + the executor's 0.1): CFS gives 1.1 CPUs and throttles the
    # 45 % of the demand it could not serve
    assert busy["cpus_user_time_secs"] + busy["cpus_system_time_secs"] == pytest.approx(11)
    assert busy["cpus_nr_throttled"] == pytest.approx(45, abs=1)  # rendered as an integer
    assert busy["cpus_throttled_time_secs"] == pytest.approx(4.5)


def test_terminal_tasks_leave_containers_and_stop_counting(bench: Bench) -> None:
    bench.cluster.set_task_state(bench.busy, "TASK_KILLED")
    bench.cluster.advance(10)
    assert set(bench.containers()) == {bench.web, bench.job}
    assert bench.cluster.task(bench.busy).usage.cpus_user_time_secs == 0


def test_a_launching_container_has_no_status_or_statistics(bench: Bench) -> None:
    staging = bench.cluster.add_task(agent_id=bench.agent, app_id="/dev/new", state="TASK_STAGING")
    entry = bench.containers()[staging]
    assert set(entry) == {"container_id", "executor_id", "executor_name", "framework_id", "source"}
    assert staging not in {item["executor_id"] for item in bench.json("/monitor/statistics")}
    bench.cluster.set_task_state(staging, "TASK_RUNNING")
    assert "statistics" in bench.containers()[staging]


def test_container_id_filter(bench: Bench) -> None:
    wanted = bench.cluster.task(bench.job).container_id
    assert list(bench.containers(container_id=wanted)) == [bench.job]
    assert bench.json("/containers", container_id="nope") == []


def test_monitor_statistics_match_containers_without_ids(bench: Bench) -> None:
    bench.cluster.advance(3)
    containers = bench.containers()
    entries = bench.json("/monitor/statistics")
    assert {entry["executor_id"] for entry in entries} == set(containers)
    for entry in entries:
        assert set(entry) == {
            "executor_id",
            "executor_name",
            "framework_id",
            "source",
            "statistics",
        }
        assert entry["statistics"] == containers[entry["executor_id"]]["statistics"]


# -- /state ------------------------------------------------------------------------------------


def test_state_shows_executors_with_sandboxes(bench: Bench) -> None:
    bench.cluster.set_task_state(bench.job, "TASK_FINISHED")
    body = bench.json("/state")
    assert body["id"] == bench.agent
    assert body["pid"] == "slave(1)@agent-0.asgard.test:5051"
    assert body["master_hostname"] == "mesos-0.asgard.test"
    marathon, chronos = body["frameworks"]
    assert marathon["id"] == bench.cluster.framework_id
    web = next(ex for ex in marathon["executors"] if ex["id"] == bench.web)
    task = bench.cluster.task(bench.web)
    assert web["directory"] == (
        f"/var/lib/mesos/slaves/{bench.agent}/frameworks/{bench.cluster.framework_id}"
        f"/executors/{bench.web}/runs/{task.container_id}"
    )
    assert web["container"] == task.container_id
    assert web["resources"] == {"cpus": 0.7, "mem": 1568, "disk": 0, "gpus": 0}
    assert [t["id"] for t in web["tasks"]] == [bench.web]
    assert web["tasks"][0]["executor_id"] == ""
    assert chronos["executors"] == []
    (done,) = chronos["completed_executors"]
    assert done["resources"] == {"cpus": 0.1, "mem": 32, "disk": 0, "gpus": 0}
    assert done["tasks"] == []
    assert [t["state"] for t in done["completed_tasks"]] == ["TASK_FINISHED"]
    assert body["unreserved_resources_allocated"]["cpus"] == 1.8
    assert bench.elsewhere not in str(body)


@pytest.mark.parametrize("path", ["/state", "/containers", "/version", "/metrics/snapshot"])
def test_a_removed_agent_stops_answering(bench: Bench, path: str) -> None:
    url = bench.cluster.agent_url(bench.agent)
    assert bench.get(path).status_code == 200
    bench.cluster.remove_agent(bench.agent)
    with pytest.raises(httpx.ConnectError):
        bench.client.get(url + path)
    assert bench.cluster.task(bench.web).state == "TASK_LOST"


# -- /files ------------------------------------------------------------------------------------


def _sandbox(bench: Bench) -> str:
    return bench.cluster.task(bench.web).sandbox_directory


def _latest(bench: Bench) -> str:
    fw = bench.cluster.framework_id
    return f"/frameworks/{fw}/executors/{bench.web}/runs/latest"


def test_browse_lists_the_sandbox_under_both_paths(bench: Bench) -> None:
    bench.cluster.advance(7)
    bench.cluster.write_log(bench.web, "stderr", "boom\n")
    for base in (_sandbox(bench), _latest(bench), _latest(bench) + "/"):
        listing = bench.json("/files/browse", path=base)
        root = base.rstrip("/")
        assert [entry["path"] for entry in listing] == [f"{root}/stderr", f"{root}/stdout"]
        stderr = listing[0]
        assert (stderr["size"], stderr["mode"], stderr["nlink"]) == (5, "-rw-r--r--", 1)
        assert stderr["mtime"] == int(bench.cluster.now.timestamp())
    (single,) = bench.json("/files/browse", path=_latest(bench) + "/stdout")
    assert single["size"] == 0


def test_files_errors(bench: Bench) -> None:
    assert bench.get("/files/browse").status_code == 400
    assert bench.get("/files/browse", path="/nowhere").status_code == 404
    other = bench.cluster.task(bench.elsewhere).sandbox_directory
    assert bench.get("/files/browse", path=other).status_code == 404  # another agent's
    assert bench.get("/files/read", path=_sandbox(bench)).status_code == 400  # a directory
    assert bench.get("/files/read", path=_sandbox(bench) + "/secret").status_code == 404
    missing = bench.get("/files/read")
    assert missing.status_code == 400
    assert missing.text == "Expecting 'path=value' in query.\n"
    assert missing.headers["Content-Type"].startswith("text/plain")


def test_read_pages_and_probes_the_size(bench: Bench) -> None:
    data = "".join(f"line {number:06d}\n" for number in range(10_000))  # 120 000 bytes
    bench.cluster.write_log(bench.web, "stdout", data)
    path = _latest(bench) + "/stdout"
    assert bench.json("/files/read", path=path) == {"data": "", "offset": len(data)}
    assert bench.json("/files/read", path=path, offset=-1) == {"data": "", "offset": len(data)}
    first = bench.json("/files/read", path=path, offset=0)
    assert (first["offset"], len(first["data"])) == (0, 65536)
    rest = bench.json("/files/read", path=path, offset=65536, length=100_000)
    assert rest["data"] == data[65536:]
    assert first["data"] + rest["data"] == data
    tail = bench.json("/files/read", path=path, offset=len(data) - 12, length=12)
    assert tail == {"data": "line 009999\n", "offset": len(data) - 12}
    beyond = bench.json("/files/read", path=path, offset=len(data) + 50)
    assert beyond == {"data": "", "offset": len(data)}
    assert bench.json("/files/read", path=path, offset=3, length=0) == {"data": "", "offset": 3}


@pytest.mark.parametrize(
    "params", [{"offset": -2}, {"offset": "ten"}, {"length": -5}, {"length": "1.5"}]
)
def test_read_refuses_bad_numbers(bench: Bench, params: dict[str, Any]) -> None:
    answer = bench.get("/files/read", path=_latest(bench) + "/stdout", **params)
    assert answer.status_code == 400
    assert answer.headers["Content-Type"].startswith("text/plain")


def test_download_gives_the_raw_bytes(bench: Bench) -> None:
    bench.cluster.write_log(bench.web, "stderr", b"\x00\xffraw")
    answer = bench.get("/files/download", path=_sandbox(bench) + "/stderr")
    assert answer.status_code == 200
    assert answer.content == b"\x00\xffraw"
    assert answer.headers["Content-Type"] == "application/octet-stream"
    assert answer.headers["Content-Disposition"] == "attachment; filename=stderr"
    assert bench.get("/files/download", path=_sandbox(bench)).status_code == 400


def test_sandboxes_stay_readable_after_the_task_ends(bench: Bench) -> None:
    bench.cluster.write_log(bench.web, "stdout", "bye\n")
    bench.cluster.set_task_state(bench.web, "TASK_FINISHED")
    assert bench.json("/files/read", path=_latest(bench) + "/stdout", offset=0)["data"] == "bye\n"


# -- local process endpoints -------------------------------------------------------------------


def test_agent_metrics_and_health(bench: Bench) -> None:
    metrics = bench.json("/metrics/snapshot")
    assert metrics["slave/registered"] == 1
    assert metrics["slave/tasks_running"] == 3
    assert metrics["slave/cpus_used"] == pytest.approx(0.6 + 1 + 0.1 + 0.3)
    assert bench.get("/health").status_code == 200
    assert bench.get("/metrics/snapshot", timeout="never").status_code == 400
