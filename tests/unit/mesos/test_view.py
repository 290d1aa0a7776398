"""Tenancy and joins of the Mesos backend, on the recorded payloads."""

from __future__ import annotations

import copy

import pytest

from asgard import Account
from asgard.errors import InvalidInputError
from asgard.mesos import _parse, marathon_task_naming
from asgard.mesos._parse import MesosAgent, MesosTask
from asgard.mesos._view import (
    agent_url,
    attach_tasks,
    check_agent_address,
    check_id,
    check_logs_args,
    owned_agents,
    read_plan,
    usage_samples,
    visible_tasks,
)
from asgard.models import Agent, Resources, TaskState
from tests.conftest import load_fixture

MARATHON_FW = "27b52920-3899-4b90-a1d6-bf83a87f3612-0000"
FRAMEWORKS = {MARATHON_FW: "marathon", "chronos-fw": "chronos"}
S0 = "ead07ffb-5a61-42c9-9386-21b680597e6c-S0"
UUID = "b331f6c9-fb9e-11e7-ab4b-faf0633ea91f"


@pytest.mark.parametrize(
    ("framework", "task_id", "app_id"),
    [
        ("marathon", f"dev_infra_mysql.{UUID}", "/dev/infra/mysql"),
        ("marathon", f"dev_mongo.db.{UUID}", "/dev/mongo.db"),
        ("marathon", f"dev_web.instance-{UUID}._app.1", "/dev/web"),
        ("marathon", f"dev_web.instance-{UUID}._app.12", "/dev/web"),
        ("marathon", f"web.{UUID}", "/web"),
        ("marathon", "ct:1526411520002:0:afiliados-sleep-10:", None),
        ("marathon", "dev_web", None),
        ("marathon", f"Dev_Web.{UUID}", None),
        ("marathon", f"dev__web.{UUID}", None),
        ("marathon", f"dev_web_restart.{UUID}", None),
        ("marathon", f".{UUID}", None),
        ("chronos", f"dev_web.{UUID}", None),
        ("", f"dev_web.{UUID}", None),
    ],
)
def test_the_default_task_naming_rule(framework: str, task_id: str, app_id: str | None) -> None:
    assert marathon_task_naming(framework, task_id) == app_id


def agents(name: str) -> list[MesosAgent]:
    return _parse.agents_from_slaves(load_fixture(name))


def test_agents_are_the_accounts_by_exact_owner() -> None:
    listed = agents("asgard-recorded/agents_multi_owner.json")
    infra = owned_agents(listed, Account(namespace="dev", owner="asgard-infra"))
    assert len(infra) == 4
    assert {found.agent.attributes["owner"] for found in infra} == {"asgard-infra"}
    assert len(owned_agents(listed, Account(namespace="dev", owner="asgard"))) == 4
    assert owned_agents(listed, Account(namespace="dev", owner="asgard-i")) == []
    assert len(owned_agents(listed, Account.cluster_wide())) == len(listed)


def task(
    task_id: str,
    *,
    agent: str = "A1",
    state: str = "TASK_RUNNING",
    fw: str = MARATHON_FW,
    executor: str = "",
) -> MesosTask:
    return MesosTask(
        id=task_id,
        framework_id=fw,
        executor_id=executor,
        agent_id=agent,
        state=TaskState.parse(state),
        ports=(),
        staged_at=None,
        started_at=None,
        healthy=None,
        container_id=None,
    )


AGENT_A1 = Agent(
    id="A1",
    hostname="h1",
    port=5051,
    active=True,
    total=Resources(cpus=1, mem=1),
    allocated=Resources(cpus=0, mem=0),
)
AGENT_A2 = Agent(
    id="A2",
    hostname="h2",
    port=5051,
    active=True,
    total=Resources(cpus=1, mem=1),
    allocated=Resources(cpus=0, mem=0),
)


def see(
    account: Account, tasks: list[MesosTask], on: dict[str, Agent]
) -> list[tuple[str, str | None]]:
    found = visible_tasks(
        tasks, frameworks=FRAMEWORKS, rule=marathon_task_naming, account=account, agents=on
    )
    return [(model.id, model.app_id) for _, model in found]


def test_a_scoped_account_sees_only_its_namespaces_live_tasks_on_its_agents() -> None:
    dev = Account(namespace="dev", owner="o")
    tasks = [
        task(f"dev_web.{UUID}"),
        task(f"devx_web.{UUID}"),  # another namespace sharing a prefix
        task(f"prod_web.{UUID}"),  # another namespace on the account's agent
        task(f"dev_api.{UUID}", state="TASK_FINISHED"),  # terminal
        task(f"dev_db.{UUID}", agent="A2"),  # on an agent that is not the account's
        task(f"dev_chron.{UUID}", fw="chronos-fw"),  # another framework
        task("ct:1:0:job:", fw="chronos-fw"),
        task(f"dev_x.{UUID}", fw="unknown-fw"),  # a framework of unknown name
    ]
    assert see(dev, tasks, {"A1": AGENT_A1}) == [(f"dev_web.{UUID}", "/web")]


def test_cluster_wide_sees_every_live_task_with_absolute_or_no_app() -> None:
    tasks = [task(f"dev_web.{UUID}"), task("ct:1:0:job:", fw="chronos-fw", agent="A9")]
    assert see(Account.cluster_wide(), tasks, {"A1": AGENT_A1}) == [
        (f"dev_web.{UUID}", "/dev/web"),
        ("ct:1:0:job:", None),
    ]


def test_duplicates_keep_the_live_copy() -> None:
    tid = f"dev_web.{UUID}"
    tasks = [task(tid, state="TASK_KILLED"), task(tid), task(tid)]
    assert see(Account(namespace="dev", owner="o"), tasks, {"A1": AGENT_A1}) == [(tid, "/web")]


def test_the_recorded_multi_namespace_tasks() -> None:
    recorded = _parse.tasks_from(
        load_fixture("mesos/asgard-plugin-mesos-metrics/master-tasks-multiple-namespaces.json")
    )
    on = {recorded[0].agent_id: AGENT_A1}
    assert see(Account(namespace="sieve", owner="o"), recorded, on) == [
        ("sieve_captura_kirby_feeder.8e6d44ba-6daf-11e8-968e-1a7b324ca876", "/captura/kirby/feeder")
    ]
    assert see(Account(namespace="infra", owner="o"), recorded, on) == []  # only failed ones


def test_usage_shows_only_the_accounts_containers() -> None:
    containers = _parse.containers_from(
        load_fixture(f"asgard-recorded/agents/{S0}/containers.json")
    )
    on = {S0: AGENT_A1}
    mesos_tasks = [task(container.executor_id, agent=S0) for container in containers]
    dev = visible_tasks(
        mesos_tasks,
        frameworks=FRAMEWORKS,
        rule=marathon_task_naming,
        account=Account(namespace="dev", owner="asgard-infra"),
        agents=on,
    )
    samples = usage_samples(containers, dev, S0)
    assert [sample.app_id for sample in samples] == ["/infra/asgard/api", "/infra/asgard/api"]
    assert len({sample.container_id for sample in samples}) == 2
    first = samples[0]
    assert first.agent_id == S0
    assert first.cpus_limit == 0.7
    assert first.cpu_time_secs == pytest.approx(6.98 + 0.6)
    assert first.cpus_nr_throttled == 14
    sieve = visible_tasks(
        mesos_tasks,
        frameworks=FRAMEWORKS,
        rule=marathon_task_naming,
        account=Account(namespace="sieve", owner="asgard-infra"),
        agents=on,
    )
    assert len(usage_samples(containers, sieve, S0)) == 4


def test_containers_of_other_executors_or_without_statistics_give_no_sample() -> None:
    containers = _parse.containers_from(
        copy.deepcopy(load_fixture(f"asgard-recorded/agents/{S0}/containers.json"))
    )
    raw = load_fixture(f"asgard-recorded/agents/{S0}/containers.json")
    raw = copy.deepcopy(raw)
    raw[0].pop("statistics")
    containers = _parse.containers_from(raw)
    tasks = visible_tasks(
        [task(raw[0]["executor_id"], agent=S0)],
        frameworks=FRAMEWORKS,
        rule=marathon_task_naming,
        account=Account.cluster_wide(),
        agents={S0: AGENT_A1},
    )
    assert usage_samples(containers, tasks, S0) == []


def test_a_task_with_its_own_executor_is_matched_by_executor_id() -> None:
    containers = _parse.containers_from(
        load_fixture(f"asgard-recorded/agents/{S0}/containers.json")
    )
    executor = containers[0].executor_id
    tasks = visible_tasks(
        [task(f"dev_other.{UUID}", agent=S0, executor=executor)],
        frameworks=FRAMEWORKS,
        rule=marathon_task_naming,
        account=Account.cluster_wide(),
        agents={S0: AGENT_A1},
    )
    (sample,) = usage_samples(containers, tasks, S0)
    assert sample.task_id == f"dev_other.{UUID}"


def test_attach_tasks() -> None:
    found = visible_tasks(
        [task(f"dev_web.{UUID}")],
        frameworks=FRAMEWORKS,
        rule=marathon_task_naming,
        account=Account.cluster_wide(),
        agents={"A1": AGENT_A1},
    )
    a1, a2 = attach_tasks([AGENT_A1, AGENT_A2], [model for _, model in found])
    assert a1.tasks is not None
    assert [t.id for t in a1.tasks] == [f"dev_web.{UUID}"]
    assert a1.tasks[0].host == "h1"
    assert a2.tasks == ()


def test_agent_urls() -> None:
    (found,) = agents("asgard-recorded/agents_list_raw_fields.json")
    assert agent_url(found, scheme="http", address="hostname") == "http://10.168.200.94:5051"
    named = MesosAgent(agent=AGENT_A1, pid="slave(1)@10.0.0.7:5052")
    assert agent_url(named, scheme="https", address="hostname") == "https://h1:5051"
    assert agent_url(named, scheme="https", address="pid") == "https://10.0.0.7:5052"
    assert agent_url(MesosAgent(agent=AGENT_A1), scheme="http", address="pid") == "http://h1:5051"


def test_read_plans() -> None:
    assert read_plan(0, 100, 64) == []
    assert read_plan(50, 100, 64) == [(0, 50)]
    assert read_plan(300, 100, 64) == [(200, 64), (264, 36)]
    assert read_plan(300, 0, 64) == []


@pytest.mark.parametrize("bad", ["", " ", "a b", "a\nb", None, 5])
def test_ids_that_cannot_be_ids(bad: object) -> None:
    with pytest.raises(InvalidInputError):
        check_id(bad, "agent_id")


def test_option_and_argument_checks() -> None:
    check_logs_args("stderr", 0)
    for stream, tail in [("stdin", 1), ("stdout", -1), ("stdout", True), ("stdout", 1.5)]:
        with pytest.raises(InvalidInputError):
            check_logs_args(stream, tail)
    check_agent_address("https", "pid")
    with pytest.raises(InvalidInputError):
        check_agent_address("ftp", "hostname")
    with pytest.raises(InvalidInputError):
        check_agent_address("http", "ip")
