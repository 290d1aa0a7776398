"""FakeCluster construction, deterministic ids, servers, leaders, agents and apps."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from asgard.errors import ConflictError, InvalidInputError, NotFoundError
from asgard.models import AppSpec
from asgard.testing import (
    EPOCH,
    SUPPORTED_MARATHON_VERSIONS,
    SUPPORTED_MESOS_VERSIONS,
    ClusterControl,
    FakeCluster,
)

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"


def _ids(seed: int) -> list[str]:
    cluster = FakeCluster(seed=seed)
    return [
        cluster.framework_id,
        cluster.add_agent(owner="a", cpus=1, mem=1),
        cluster.add_agent(owner="b", cpus=1, mem=1),
    ]


def test_fake_cluster_satisfies_cluster_control() -> None:
    control: ClusterControl = FakeCluster()
    assert control.now == EPOCH


def test_defaults_give_three_masters_and_two_marathons() -> None:
    cluster = FakeCluster()
    assert cluster.mesos_urls == [
        "http://mesos-0.asgard.test:5050",
        "http://mesos-1.asgard.test:5050",
        "http://mesos-2.asgard.test:5050",
    ]
    assert cluster.marathon_urls == [
        "http://marathon-0.asgard.test:8080",
        "http://marathon-1.asgard.test:8080",
    ]
    assert cluster.agent_urls == []
    assert cluster.mesos_leader == 0
    assert cluster.marathon_leader == 0
    assert cluster.marathon_profile.version == "1.10"
    assert cluster.mesos_profile.version == "1.11"


def test_counts_and_versions_are_configurable() -> None:
    cluster = FakeCluster(masters=1, marathons=4, marathon_version="1.4", mesos_version="1.4")
    assert len(cluster.mesos_urls) == 1
    assert len(cluster.marathon_urls) == 4
    assert cluster.marathon_profile.no_leader_status == 503
    assert FakeCluster().marathon_profile.no_leader_status == 502
    assert set(SUPPORTED_MARATHON_VERSIONS) == {"1.4", "1.10"}
    assert set(SUPPORTED_MESOS_VERSIONS) == {"1.4", "1.11"}


@pytest.mark.parametrize(
    "kwargs",
    [
        {"masters": 0},
        {"marathons": 0},
        {"masters": -1},
        {"masters": True},
        {"masters": 2.0},
        {"marathon_version": "1.5"},
        {"marathon_version": "1.10.0"},
        {"mesos_version": "1.12"},
        {"mesos_version": 1.4},
        {"seed": "1"},
        {"seed": None},
    ],
)
def test_bad_construction_is_invalid_input(kwargs: dict[str, Any]) -> None:
    with pytest.raises(InvalidInputError):
        FakeCluster(**kwargs)


def test_ids_are_deterministic_per_seed() -> None:
    assert _ids(7) == _ids(7)
    assert _ids(7) != _ids(8)


def test_ids_follow_the_mesos_formats() -> None:
    framework_id, first, second = _ids(3)
    assert re.fullmatch(rf"{UUID}-0000", framework_id)
    assert re.fullmatch(rf"{UUID}-S0", first)
    assert re.fullmatch(rf"{UUID}-S1", second)
    assert first.removesuffix("-S0") == framework_id.removesuffix("-0000")


def test_repr_names_the_configuration() -> None:
    assert repr(FakeCluster(seed=4, masters=1)) == (
        "FakeCluster(seed=4, masters=1, marathons=2, marathon_version='1.10', mesos_version='1.11')"
    )


# -- leaders --------------------------------------------------------------------------------


def test_set_leader_moves_both_services_by_default() -> None:
    cluster = FakeCluster()
    cluster.set_leader(1)
    assert (cluster.mesos_leader, cluster.marathon_leader) == (1, 1)


def test_set_leader_for_one_service_leaves_the_other() -> None:
    cluster = FakeCluster()
    cluster.set_leader(2, service="mesos")
    assert (cluster.mesos_leader, cluster.marathon_leader) == (2, 0)
    cluster.set_leader(1, service="marathon")
    assert (cluster.mesos_leader, cluster.marathon_leader) == (2, 1)


def test_set_leader_out_of_range_changes_nothing() -> None:
    cluster = FakeCluster(masters=3, marathons=2)
    with pytest.raises(InvalidInputError):
        cluster.set_leader(2)  # a master has index 2, no Marathon does
    assert (cluster.mesos_leader, cluster.marathon_leader) == (0, 0)
    with pytest.raises(InvalidInputError):
        cluster.set_leader(-1, service="mesos")
    with pytest.raises(InvalidInputError):
        cluster.set_leader(3, service="mesos")
    cluster.set_leader(2, service="mesos")
    assert cluster.mesos_leader == 2


@pytest.mark.parametrize("index", [True, 1.0, "1", None])
def test_set_leader_needs_an_integer(index: Any) -> None:
    with pytest.raises(InvalidInputError):
        FakeCluster().set_leader(index)


@pytest.mark.parametrize("service", ["zookeeper", "Mesos", ""])
def test_unknown_service_is_invalid_input(service: Any) -> None:
    cluster = FakeCluster()
    with pytest.raises(InvalidInputError):
        cluster.set_leader(0, service=service)
    with pytest.raises(InvalidInputError):
        cluster.no_leader(service=service)


def test_no_leader_per_service_and_back() -> None:
    cluster = FakeCluster()
    cluster.no_leader(service="marathon")
    assert (cluster.mesos_leader, cluster.marathon_leader) == (0, None)
    cluster.no_leader()
    assert (cluster.mesos_leader, cluster.marathon_leader) == (None, None)
    cluster.set_leader(1, service="mesos")
    assert (cluster.mesos_leader, cluster.marathon_leader) == (1, None)


# -- agents ---------------------------------------------------------------------------------


def test_add_agent_records_owner_resources_and_time() -> None:
    cluster = FakeCluster()
    cluster.advance(30)
    agent_id = cluster.add_agent(
        owner="dev-team", cpus=4, mem=8192, disk=1000, attributes={"rack": "r1", "zone": 2}
    )
    agent = cluster.agents[agent_id]
    assert agent.id == agent_id
    assert agent.owner == "dev-team"
    assert dict(agent.attributes) == {"rack": "r1", "zone": 2.0, "owner": "dev-team"}
    assert (agent.total.cpus, agent.total.mem, agent.total.disk) == (4.0, 8192.0, 1000.0)
    assert (agent.allocated.cpus, agent.allocated.mem, agent.allocated.disk) == (0, 0, 0)
    assert agent.registered_at == cluster.now
    assert agent.active is True
    assert agent.hostname == "agent-0.asgard.test"
    assert cluster.agent_urls == ["http://agent-0.asgard.test:5051"]
    assert cluster.servers["http://agent-0.asgard.test:5051"].agent_id == agent_id


def test_add_agent_with_hostname_and_without_owner() -> None:
    cluster = FakeCluster()
    agent_id = cluster.add_agent(owner=None, cpus=1, mem=1, hostname="Node-7.example.org")
    agent = cluster.agent(agent_id)
    assert agent.owner is None
    assert "owner" not in agent.attributes
    assert agent.url == "http://node-7.example.org:5051"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"owner": ""},
        {"owner": 3},
        {"cpus": -1},
        {"cpus": float("nan")},
        {"mem": "1"},
        {"disk": True},
        {"attributes": {"owner": "x"}},
        {"attributes": {"rack": None}},
        {"attributes": {"": "x"}},
        {"attributes": ["rack"]},
        {"hostname": "bad host"},
        {"hostname": "-leading.dash"},
        {"hostname": "mesos-0.asgard.test"},
    ],
)
def test_bad_agents_are_invalid_input(kwargs: dict[str, Any]) -> None:
    arguments: dict[str, Any] = {"owner": "dev", "cpus": 1, "mem": 1, **kwargs}
    cluster = FakeCluster()
    with pytest.raises(InvalidInputError):
        cluster.add_agent(**arguments)
    assert cluster.agents == {}


def test_two_agents_cannot_share_a_hostname() -> None:
    cluster = FakeCluster()
    cluster.add_agent(owner="a", cpus=1, mem=1, hostname="box.example.org")
    with pytest.raises(InvalidInputError):
        cluster.add_agent(owner="b", cpus=1, mem=1, hostname="BOX.example.org")


def test_remove_agent_forgets_it_and_its_server() -> None:
    cluster = FakeCluster()
    kept = cluster.add_agent(owner="a", cpus=1, mem=1)
    gone = cluster.add_agent(owner="a", cpus=1, mem=1)
    gone_url = cluster.agent(gone).url
    cluster.remove_agent(gone)
    assert list(cluster.agents) == [kept]
    assert gone_url not in cluster.servers
    with pytest.raises(NotFoundError):
        cluster.remove_agent(gone)
    with pytest.raises(NotFoundError):
        cluster.agent(gone)
    # numbering goes on: ids are never reused
    assert cluster.add_agent(owner="a", cpus=1, mem=1).endswith("-S2")


def test_agents_view_is_a_read_only_snapshot() -> None:
    cluster = FakeCluster()
    cluster.add_agent(owner="a", cpus=1, mem=1)
    view = cluster.agents
    with pytest.raises(TypeError):
        view["x"] = view[next(iter(view))]  # type: ignore[index]
    cluster.add_agent(owner="b", cpus=1, mem=1)
    assert len(view) == 1
    assert len(cluster.agents) == 2


# -- apps -----------------------------------------------------------------------------------


def test_add_app_stores_the_spec_under_its_absolute_id() -> None:
    cluster = FakeCluster()
    cluster.advance(5)
    spec = AppSpec(id="web", cpus=0.5, mem=128, cmd="sleep 1000")
    assert cluster.add_app("/dev/web", spec) == "/dev/web"
    assert cluster.add_app("ops/db", spec) == "/ops/db"
    record = cluster.apps["/dev/web"]
    assert record.spec is spec
    assert record.created_at == record.version == cluster.now
    assert list(cluster.apps) == ["/dev/web", "/ops/db"]


def test_add_app_refuses_bad_and_duplicate_ids() -> None:
    cluster = FakeCluster()
    spec = AppSpec(id="web", cpus=0.5, mem=128, cmd="sleep 1000")
    cluster.add_app("/dev/web", spec)
    with pytest.raises(ConflictError):
        cluster.add_app("/dev/web", spec)
    with pytest.raises(InvalidInputError):
        cluster.add_app("/dev/Web", spec)
    with pytest.raises(InvalidInputError):
        cluster.add_app("/dev/../web", spec)
    assert list(cluster.apps) == ["/dev/web"]


def test_mesos_redirect_names_the_leader_from_every_master() -> None:
    cluster = FakeCluster(masters=3)
    cluster.set_leader(1, service="mesos")
    with httpx.Client(transport=cluster.transport()) as client:
        for url in cluster.mesos_urls:
            answer = client.get(url + "/master/redirect")
            assert answer.status_code == 307
            assert answer.headers["Location"] == "//mesos-1.asgard.test:5050"
        cluster.no_leader(service="mesos")
        answer = client.get(cluster.mesos_urls[0] + "/master/redirect")
        assert answer.status_code == 503
        assert answer.text == "No leader elected"


@pytest.mark.parametrize(
    ("option", "bad"),
    [
        (option, bad)
        for option in ("event_stream_idle_timeout", "event_stream_keep_alive", "time_scale")
        for bad in (0, -1.0, float("nan"), float("inf"), True, "30")
    ],
)
def test_fake_cluster_durations_are_positive_numbers_or_none(option: str, bad: object) -> None:
    with pytest.raises(InvalidInputError, match=option):
        FakeCluster(**{option: bad})  # type: ignore[arg-type]
