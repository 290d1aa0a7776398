from __future__ import annotations

import copy
import pickle

import pytest

from asgard import Account
from asgard.account import normalize_app_id
from asgard.errors import InvalidInputError, TenancyViolationError

DEV = Account(namespace="dev", owner="dev-team")


@pytest.mark.parametrize("namespace", ["dev", "a", "a1-b2", "0", "x" * 63])
def test_valid_namespaces(namespace: str) -> None:
    assert Account(namespace=namespace, owner="o").namespace == namespace


@pytest.mark.parametrize(
    "namespace", ["", "Dev", "-dev", "dev-", "d_v", "d.v", "x" * 64, "dev/x", " dev", 3, None]
)
def test_invalid_namespaces(namespace: object) -> None:
    with pytest.raises(InvalidInputError, match="DNS-1123"):
        Account(namespace=namespace, owner="o")  # type: ignore[arg-type]


@pytest.mark.parametrize("owner", ["dev-team", "a", "A_b.c-d", "team1", "1a"])
def test_valid_owners(owner: str) -> None:
    assert Account(namespace="dev", owner=owner).owner == owner


@pytest.mark.parametrize("owner", ["", "a b", "a/b", "a*", "é", None])
def test_invalid_owner_characters(owner: object) -> None:
    with pytest.raises(InvalidInputError, match="letters, digits"):
        Account(namespace="dev", owner=owner)  # type: ignore[arg-type]


@pytest.mark.parametrize("owner", ["123", "1.5", "1e5", "inf", "nan", "-1", "0"])
def test_owners_that_parse_as_numbers_are_refused(owner: str) -> None:
    with pytest.raises(InvalidInputError, match="number"):
        Account(namespace="dev", owner=owner)


def test_cluster_wide_is_a_singleton_that_survives_copies() -> None:
    everything = Account.cluster_wide()
    assert everything is Account.cluster_wide()
    assert everything.is_cluster_wide
    assert not DEV.is_cluster_wide
    assert repr(everything) == "Account.cluster_wide()"
    assert pickle.loads(pickle.dumps(everything)).is_cluster_wide
    assert copy.deepcopy(everything) == everything
    assert hash(everything) == hash(copy.copy(everything))


def test_cluster_wide_cannot_be_forged_through_the_constructor() -> None:
    with pytest.raises(InvalidInputError):
        Account(namespace="", owner="")


def test_accounts_are_frozen_values() -> None:
    assert Account(namespace="dev", owner="dev-team") == DEV
    assert Account(namespace="dev", owner="other") != DEV
    with pytest.raises(AttributeError):
        DEV.namespace = "prod"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("given", "relative", "marathon"),
    [
        ("web", "/web", "/dev/web"),
        ("/web", "/web", "/dev/web"),
        ("/infra/mongo.db-1", "/infra/mongo.db-1", "/dev/infra/mongo.db-1"),
        ("a/b/c", "/a/b/c", "/dev/a/b/c"),
    ],
)
def test_app_ids_are_relative_to_the_namespace(given: str, relative: str, marathon: str) -> None:
    assert DEV.normalize_app_id(given) == relative
    assert DEV.marathon_app_id(given) == marathon
    assert DEV.relative_app_id(marathon) == relative


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "/",
        "..",
        "/../prod/web",
        "web/..",
        "./web",
        "a//b",
        "web/",
        "Web",
        "we b",
        "web\t",
        "web%2F..",
        "web?x=1",
        "web#x",
        "-web",
        "web-",
        "web_1",
        "a.-b",
        "/web/restart",
        "tasks",
        "/a/versions",
        "\u0430pp",
    ],
)
def test_hostile_or_refused_app_ids_raise_before_anything_is_sent(bad: str) -> None:
    with pytest.raises(InvalidInputError):
        DEV.marathon_app_id(bad)
    with pytest.raises(InvalidInputError):
        normalize_app_id(bad)


def test_reserved_words_are_fine_inside_an_id() -> None:
    assert DEV.marathon_app_id("/restart/web") == "/dev/restart/web"


@pytest.mark.parametrize("not_a_string", [None, 1, b"web", ["web"]])
def test_non_string_app_ids_are_invalid_input(not_a_string: object) -> None:
    with pytest.raises(InvalidInputError):
        DEV.normalize_app_id(not_a_string)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "outside", ["/prod/web", "/dev", "/dev/", "/devx/web", "/web", "dev2/web", "/"]
)
def test_ids_outside_the_namespace_are_a_tenancy_violation(outside: str) -> None:
    assert not DEV.owns_marathon_id(outside)
    with pytest.raises(TenancyViolationError):
        DEV.relative_app_id(outside)


def test_cluster_wide_ids_are_absolute() -> None:
    everything = Account.cluster_wide()
    assert everything.marathon_app_id("prod/web") == "/prod/web"
    assert everything.relative_app_id("/prod/web") == "/prod/web"
    assert everything.owns_marathon_id("/anything")
    assert everything.marathon_group == "/"
    assert DEV.marathon_group == "/dev"


def test_agents_belong_by_exact_owner_attribute() -> None:
    assert DEV.owns_agent({"owner": "dev-team", "rack": "r1"})
    assert not DEV.owns_agent({"owner": "dev-team2"})
    assert not DEV.owns_agent({"owner": "Dev-team"})
    assert not DEV.owns_agent({"owner": 12.0})
    assert not DEV.owns_agent({})
    assert Account.cluster_wide().owns_agent({})


def test_owner_constraint_escapes_the_owner_as_a_regex() -> None:
    assert DEV.owner_constraint == ("owner", "LIKE", "dev-team")
    assert Account(namespace="dev", owner="a.b").owner_constraint == ("owner", "LIKE", "a\\.b")
    with pytest.raises(TenancyViolationError):
        _ = Account.cluster_wide().owner_constraint
