"""Every Marathon parser, on arbitrary JSON and on mutated recorded payloads, for two accounts.

Allowed outcomes: a result, :class:`~asgard.errors.MalformedResponseError`, and
:class:`~asgard.errors.TenancyViolationError` only for the parsers whose docstring says so
(apps, app definitions, groups, tasks). The payload must come out unchanged, and every app id
in a result must be canonical (``/a/b``: no empty, ``.`` or ``..`` segment), which for a scoped
account means it maps inside the namespace.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from asgard import Account
from asgard.errors import InvalidInputError, MalformedResponseError
from asgard.marathon import _parse
from asgard.models import App, Deployment, QueueEntry, Task
from tests import fixture_sets as fs
from tests.fuzz._support import (
    HUGE_INTS,
    Json,
    fewer,
    fixture,
    into_namespace,
    is_canonical_for,
    json_values,
    mutated,
    outcome,
    strings,
    update_at,
)

DEV = Account(namespace="dev", owner="dev-team")
CLUSTER = Account.cluster_wide()
ACCOUNTS = st.sampled_from([DEV, CLUSTER])
VERSION = "2020-01-01T00:00:00.000Z"

APP_LISTINGS = fs.MARATHON_APP_LISTINGS
GROUPS = [*fs.MARATHON_GROUPS, fs.TRIMMED_GROUP]
GROUP_DEFINITIONS = fs.MARATHON_GROUP_DEFINITIONS
APP_DEFINITIONS = [*fs.MARATHON_APP_DEFINITIONS, fs.NEW_FORMAT_APP]
TASK_LISTINGS = fs.MARATHON_TASK_LISTINGS
ONE_TASK = ["marathon/api-examples/app_task.json"]
DEPLOYMENTS = ["marathon/api-examples/deployments.json"]
QUEUES = fs.MARATHON_QUEUES
VERSIONS = [
    "marathon/raml-inline/200-app-versions.json",
    "marathon/raml-inline/200-group-versions.json",
]
INFOS = [
    "marathon/api-examples/info.json",
    "marathon/api-examples-v1.4/info.json",
    "marathon/raml-inline/200-leader.json",
    "marathon/raml-inline/404-no-leader.json",
]
WRITE_RESULTS = [
    "marathon/api-examples/deployments_result.json",
    "marathon/api-examples/app_tasks.json",
    "marathon/api-examples/app_task.json",
    "marathon/api-examples/app.json",
]
EVERYTHING = sorted(
    {
        *APP_LISTINGS,
        *GROUPS,
        *GROUP_DEFINITIONS,
        *APP_DEFINITIONS,
        *TASK_LISTINGS,
        *ONE_TASK,
        *DEPLOYMENTS,
        *QUEUES,
        *VERSIONS,
        *INFOS,
    }
)
IN_DEV = into_namespace("dev")


def first_app(payload: Json) -> Json:
    return {"app": payload["apps"][0]}


def first_app_in_dev(payload: Json) -> Json:
    return first_app(IN_DEV(payload))


def star_listing_in_dev(payload: Json) -> Json:
    return {"*": IN_DEV(payload)["apps"]}


def payloads(names: list[str], account: Account, **options: Any) -> st.SearchStrategy[Json]:
    """Mutations of the payloads, moved under /dev first for the scoped account."""
    if account.is_cluster_wide:
        return mutated(names, **options)
    return mutated(names, transform=IN_DEV, **options)


def check_app_ids(account: Account, ids: list[str | None]) -> None:
    """Every id a result carries is canonical, hence inside the account's namespace."""
    for app_id in ids:
        if app_id is not None:
            assert is_canonical_for(account, app_id), app_id
            assert account.owns_marathon_id(account.marathon_group.rstrip("/") + app_id)


def check_apps(account: Account, apps: list[App] | None) -> None:
    for app in apps or []:
        check_app_ids(account, [app.id, *app.dependencies])
        check_tasks(account, list(app.tasks or ()))


def check_tasks(account: Account, tasks: list[Task] | None) -> None:
    for task in tasks or []:
        assert task.app_id is not None or account.is_cluster_wide
        check_app_ids(account, [task.app_id])


# -- arbitrary JSON --------------------------------------------------------------------------

PARSERS: dict[str, tuple[Callable[[Json, Account], object], bool]] = {
    # name: (parser, may raise TenancyViolationError)
    "apps_from": (lambda p, a: _parse.apps_from(p, a, with_tasks=True), True),
    "app_from": (lambda p, a: _parse.app_from(p, a, with_tasks=True), True),
    "app_definition_from": (_parse.app_definition_from, True),
    "app_definition_from_default": (
        lambda p, a: _parse.app_definition_from(p, a, default_version=VERSION),
        True,
    ),
    "apps_from_group": (lambda p, a: _parse.apps_from_group(p, a, with_tasks=True), True),
    "tasks_from": (_parse.tasks_from, True),
    "tasks_from_app": (lambda p, a: _parse.tasks_from(p, a, app_id=a.marathon_app_id("/w")), True),
    "task_from": (_parse.task_from, True),
    "deployments_from": (_parse.deployments_from, False),
    "queue_from": (_parse.queue_from, False),
    "versions_from": (lambda p, _a: _parse.versions_from(p), False),
    "cluster_info": (lambda p, _a: _parse.cluster_info(p), False),
    "leader_from": (lambda p, _a: _parse.leader_from(p), False),
    "write_result": (lambda p, _a: _parse.write_result(p, app_ids=["/w"], header="h"), False),
    "write_result_no_header": (lambda p, _a: _parse.write_result(p), False),
    "kill_result": (lambda p, _a: _parse.kill_result(p, app_ids=["/w"]), False),
    "cancel_result": (lambda p, _a: _parse.cancel_result(p, app_ids=["/w"]), False),
}


@given(payload=json_values(), account=ACCOUNTS)
def test_any_json_gives_a_result_or_an_allowed_error(payload: Json, account: Account) -> None:
    for parse, tenancy in PARSERS.values():
        outcome(functools.partial(parse, payload, account), payload, tenancy=tenancy)


@given(payload=mutated(EVERYTHING), account=ACCOUNTS)
def test_any_recorded_payload_to_any_parser(payload: Json, account: Account) -> None:
    for parse, tenancy in PARSERS.values():
        outcome(functools.partial(parse, payload, account), payload, tenancy=tenancy)


# -- apps --------------------------------------------------------------------------------------


@given(data=st.data(), account=ACCOUNTS, with_tasks=st.booleans())
def test_mutated_app_listings(data: st.DataObject, account: Account, with_tasks: bool) -> None:
    if account.is_cluster_wide:
        payload = data.draw(mutated(APP_LISTINGS))
    else:
        payload = data.draw(
            st.one_of(
                mutated(APP_LISTINGS, transform=IN_DEV),
                mutated(APP_LISTINGS, transform=star_listing_in_dev),
            )
        )
    apps = outcome(
        lambda: _parse.apps_from(payload, account, with_tasks=with_tasks), payload, tenancy=True
    )
    check_apps(account, apps)
    if apps is not None and with_tasks is False:
        assert all(app.tasks is None for app in apps)


@given(data=st.data(), account=ACCOUNTS, with_tasks=st.booleans())
def test_mutated_apps(data: st.DataObject, account: Account, with_tasks: bool) -> None:
    transform = first_app if account.is_cluster_wide else first_app_in_dev
    payload = data.draw(mutated(APP_LISTINGS, transform=transform))
    app = outcome(
        lambda: _parse.app_from(payload, account, with_tasks=with_tasks), payload, tenancy=True
    )
    check_apps(account, [] if app is None else [app])
    if app is not None:
        try:
            spec = app.to_spec()
        except InvalidInputError:  # documented: a definition AppSpec refuses
            return
        assert spec.id == app.id


@given(data=st.data(), account=ACCOUNTS, default=st.sampled_from([None, VERSION]))
def test_mutated_app_definitions(
    data: st.DataObject, account: Account, default: str | None
) -> None:
    payload = data.draw(payloads(APP_DEFINITIONS, account))
    app = outcome(
        lambda: _parse.app_definition_from(payload, account, default_version=default),
        payload,
        tenancy=True,
    )
    check_apps(account, [] if app is None else [app])


@given(data=st.data(), account=ACCOUNTS, with_tasks=st.booleans())
def test_mutated_groups(data: st.DataObject, account: Account, with_tasks: bool) -> None:
    payload = data.draw(payloads(GROUPS, account))
    apps = outcome(
        lambda: _parse.apps_from_group(payload, account, with_tasks=with_tasks),
        payload,
        tenancy=True,
    )
    check_apps(account, apps)


@given(data=st.data(), account=ACCOUNTS)
def test_mutated_group_definitions(data: st.DataObject, account: Account) -> None:
    payload = data.draw(payloads(GROUP_DEFINITIONS, account))
    apps = outcome(
        lambda: _parse.apps_from_group(payload, account, default_version=VERSION),
        payload,
        tenancy=True,
    )
    check_apps(account, apps)


# -- tasks -------------------------------------------------------------------------------------


@given(data=st.data(), account=ACCOUNTS, app=st.sampled_from([None, "/minecraft/survival-world"]))
def test_mutated_task_listings(data: st.DataObject, account: Account, app: str | None) -> None:
    payload = data.draw(payloads(TASK_LISTINGS, account))
    app_id = None if app is None else account.marathon_app_id(app)
    tasks = outcome(
        lambda: _parse.tasks_from(payload, account, app_id=app_id), payload, tenancy=True
    )
    check_tasks(account, tasks)
    if tasks is not None:
        assert len(tasks) == len(payload["tasks"])


@given(data=st.data(), account=ACCOUNTS)
def test_mutated_single_tasks(data: st.DataObject, account: Account) -> None:
    payload = data.draw(payloads(ONE_TASK, account))
    task = outcome(lambda: _parse.task_from(payload, account), payload, tenancy=True)
    check_tasks(account, None if task is None else [task])
    kill = outcome(lambda: _parse.kill_result(payload, app_ids=["/w"]), payload)
    assert kill is None


# -- deployments -------------------------------------------------------------------------------


def check_deployments(account: Account, visible: list[_parse.VisibleDeployment] | None) -> None:
    for deployment, fully_owned, *_ in visible or []:
        check_app_ids(account, list(deployment.app_ids))
        assert account.is_cluster_wide or deployment.app_ids, "an invisible deployment listed"
        if account.is_cluster_wide:
            assert fully_owned
        for action in deployment.current_actions or ():
            check_app_ids(account, [action.app_id])
            assert action.app_id is None or action.app_id in deployment.app_ids
        found = _parse.find_deployment(visible or [], deployment.id)
        assert found is not None


@given(data=st.data(), account=ACCOUNTS)
def test_mutated_deployment_listings(data: st.DataObject, account: Account) -> None:
    payload = data.draw(payloads(DEPLOYMENTS, account))
    visible = outcome(lambda: _parse.deployments_from(payload, account), payload)
    check_deployments(account, visible)


OWNED_APP = st.sampled_from(["/dev/web", "/dev/a/b", "/dev/api.v1"])
FOREIGN_APP = st.sampled_from(["/ops/web", "/devx/web", "/", "/dev", "/web"])


@st.composite
def deployment_listings(draw: st.DrawFn, app_ids: st.SearchStrategy[str]) -> Json:
    """Deployments touching apps of several namespaces, in the step and action shapes."""

    def action() -> Json:
        name = draw(st.sampled_from(["ScaleApplication", "StartApplication", "StopApplication"]))
        if draw(st.booleans()):
            return {"action": name, "app": draw(app_ids)}
        return {"action": "ScalePod", "pod": draw(app_ids)}

    listing = []
    for index in range(draw(st.integers(min_value=1, max_value=3))):
        listing.append(
            {
                "id": f"deployment-{index}",
                "version": VERSION,
                "affectedApps": draw(st.lists(app_ids, max_size=3)),
                "affectedPods": draw(st.lists(app_ids, max_size=2)),
                "steps": [
                    {"actions": [action() for _ in range(draw(st.integers(0, 2)))]}
                    for _ in range(draw(st.integers(0, 2)))
                ],
                "currentActions": [action() for _ in range(draw(st.integers(0, 3)))],
                "currentStep": 1,
                "totalSteps": 2,
            }
        )
    return listing


@given(listing=deployment_listings(st.one_of(OWNED_APP, FOREIGN_APP)))
def test_deployments_of_several_namespaces(listing: Json) -> None:
    visible = outcome(lambda: _parse.deployments_from(listing, DEV), listing)
    assert visible is not None
    check_deployments(DEV, visible)
    for deployment, fully_owned, *_ in visible:
        (raw,) = [item for item in listing if item["id"] == deployment.id]
        touched = [
            *raw["affectedApps"],
            *raw["affectedPods"],
            *(a.get("app") or a.get("pod") for s in raw["steps"] for a in s["actions"]),
            *(a.get("app") or a.get("pod") for a in raw["currentActions"]),
        ]
        assert fully_owned == all(DEV.owns_marathon_id(app) for app in touched)


# Regression test of a bug this fuzzing found (fixed since): deployments_from (DEV) raises
# TenancyViolationError, or lists a non-canonical app id in current_actions, for a currentActions
# app id with '..', '.' or '//' (_visible_actions passes the raw id, not canonical_id(app), to
# relative_app_id)
@fewer(4)
@given(
    listing=deployment_listings(
        st.one_of(
            OWNED_APP,
            FOREIGN_APP,
            st.sampled_from(["/x/../dev/web", "/dev/a/b/..", "/dev//web", "/dev/./web", "dev/web"]),
        )
    )
)
@example(
    listing=[
        {
            "id": "d",
            "version": VERSION,
            "currentActions": [{"action": "ScaleApplication", "app": "/x/../dev/web"}],
        }
    ]
)
@example(
    listing=[
        {
            "id": "d",
            "version": VERSION,
            "currentActions": [{"action": "ScaleApplication", "app": "/dev//web"}],
        }
    ]
)
def test_deployments_with_non_canonical_action_ids(listing: Json) -> None:
    visible = outcome(lambda: _parse.deployments_from(listing, DEV), listing)
    check_deployments(DEV, visible)


@given(data=st.data(), account=ACCOUNTS, header=st.none() | strings())
def test_mutated_write_results(data: st.DataObject, account: Account, header: str | None) -> None:
    payload = data.draw(payloads(WRITE_RESULTS, account))
    written = outcome(lambda: _parse.write_result(payload, app_ids=["/w"], header=header), payload)
    if written is not None:
        assert isinstance(written, Deployment)
        assert written.id
        assert written.app_ids == ("/w",)
    killed = outcome(lambda: _parse.kill_result(payload, header=header), payload)
    assert killed is None or isinstance(killed, Deployment)
    cancelled = outcome(lambda: _parse.cancel_result(payload), payload)
    assert cancelled is None or isinstance(cancelled, Deployment)


# -- queue, versions, cluster ------------------------------------------------------------------


@given(data=st.data(), account=ACCOUNTS)
def test_mutated_queues(data: st.DataObject, account: Account) -> None:
    payload = data.draw(payloads(QUEUES, account))
    entries: list[QueueEntry] | None = outcome(lambda: _parse.queue_from(payload, account), payload)
    for entry in entries or []:
        check_app_ids(account, [entry.app_id])
        assert all(count > 0 for count in entry.declined.values())


@given(payload=mutated(VERSIONS))
def test_mutated_version_listings(payload: Json) -> None:
    versions = outcome(lambda: _parse.versions_from(payload), payload)
    if versions is not None:
        assert sorted(versions) == sorted(payload["versions"])


@given(
    payload=mutated(INFOS), leader=st.none() | strings(), scheme=st.sampled_from(["http", "https"])
)
def test_mutated_infos(payload: Json, leader: str | None, scheme: str) -> None:
    outcome(lambda: _parse.cluster_info(payload, leader_url=leader, scheme=scheme), payload)
    leader_found = outcome(lambda: _parse.leader_from(payload), payload)
    assert leader_found is None or isinstance(leader_found, str)


# -- known bugs --------------------------------------------------------------------------------

NUMERIC_APP_FIELDS = ["cpus", "mem", "disk"]


# Regression test of a bug this fuzzing found (fixed since): an app's cpus/mem/disk too large for a
# float (10**400) raises OverflowError (asgard._json.req_float: math.isfinite), not
# MalformedResponseError
@fewer(4)
@given(field=st.sampled_from(NUMERIC_APP_FIELDS), value=st.sampled_from(HUGE_INTS))
@example(field="cpus", value=10**400)
def test_huge_numbers_in_apps_are_malformed(field: str, value: int) -> None:
    payload = update_at(fixture("marathon/api-examples/app.json"), (field,), lambda _old: value)
    outcome(lambda: _parse.app_definition_from(payload, CLUSTER, default_version=VERSION), payload)


# Regression test of a bug this fuzzing found (fixed since): a launch queue delay too large for a
# float raises OverflowError (asgard._json.req_float), not MalformedResponseError
@fewer(4)
@given(payload=mutated(QUEUES, huge=True))
@example(
    payload={"queue": [{"app": {"id": "/a"}, "count": 1, "delay": {"timeLeftSeconds": 10**400}}]}
)
def test_mutated_queues_with_huge_numbers(payload: Json) -> None:
    outcome(lambda: _parse.queue_from(payload, CLUSTER), payload)


def test_malformed_is_the_error_for_a_huge_number_elsewhere() -> None:
    """Where a huge integer is read as an int, it is refused cleanly (the contrast)."""
    payload = {"deploymentId": "d", "version": VERSION}
    assert _parse.write_result(payload).id == "d"
    with pytest.raises(MalformedResponseError):
        _parse.write_result({"deploymentId": 10**400, "version": VERSION})
