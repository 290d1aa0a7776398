"""Fuzzed ids through a Marathon backend: refused before any request, or sent inside ``/dev``.

The backend runs against an ``httpx.MockTransport`` that records every request. For any id
(and version, host, task id, deployment id): an :class:`~asgard.errors.InvalidInputError`
means nothing was sent; whatever was sent has a path that a server, after percent-decoding
and resolving dot segments, still reads under ``/v2/apps/dev/`` (or ``/v2/queue/dev/``,
``/v2/deployments``, ``/v2/tasks/delete``), with the app id exactly ``/dev`` + the normalized
id, and a query that carries only the parameters asgard means to send.
"""

from __future__ import annotations

import contextlib
import json
import posixpath
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, unquote

import httpx
from hypothesis import example, given
from hypothesis import strategies as st

from asgard import Account
from asgard.errors import AsgardError, InvalidInputError
from asgard.marathon import MarathonAppsBackend
from asgard.models import AppPatch, AppSpec
from tests.fuzz._ids import APP_IDS, VALID_IDS, oracle_segments
from tests.fuzz._support import UUID, fewer, strings

MT = "http://mt1.test:8080"
DEV = Account(namespace="dev", owner="dev-team")
VERSION = "2015-09-29T15:59:51.164Z"
DEPLOYMENT = "97c136bf-5a28-4821-9d94-480d9fbb01c8"
APP_SUFFIXES = ("", "/tasks", "/versions", "/restart")
QUERY_KEYS = frozenset({"embed", "force", "partialUpdate", "scale", "wipe", "host"})


class Recorder:
    """A Marathon that records requests; it knows one deployment and no app."""

    def __init__(self, deployment_id: str = DEPLOYMENT) -> None:
        self.requests: list[httpx.Request] = []
        self.deployment_id = deployment_id

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.method == "GET" and request.url.raw_path == b"/v2/deployments":
            listing = [
                {
                    "id": self.deployment_id,
                    "version": VERSION,
                    "affectedApps": ["/dev/web"],
                    "steps": [],
                    "currentActions": [],
                }
            ]
            return httpx.Response(200, json=listing)
        return httpx.Response(404, json={"message": "not found"})


def run(recorder: Recorder, call: Callable[[MarathonAppsBackend], object]) -> BaseException | None:
    client = httpx.Client(transport=httpx.MockTransport(recorder))
    with MarathonAppsBackend([MT], account=DEV, client=client, read_retries=0) as apps:
        try:
            call(apps)
        except AsgardError as error:
            return error
    return None


def server_view(raw_path: bytes) -> tuple[str, list[str]]:
    """The path as a server reads it (decoded, dot segments resolved), and its raw segments."""
    text = raw_path.decode("ascii")
    decoded = unquote(text)
    view = posixpath.normpath(decoded)
    return view, text.split("/")


def check_request(request: httpx.Request, app_id: str, extra: dict[str, str]) -> None:
    """One sent request lies inside the account, with exactly the expected app path."""
    raw_path, _, raw_query = request.url.raw_path.partition(b"?")
    view, raw_segments = server_view(raw_path)
    decoded = unquote(raw_path.decode("ascii"))
    assert view == decoded, f"dot or empty segments reach the server: {raw_path!r}"
    assert all(segment not in {"", ".", ".."} for segment in raw_segments[1:]), raw_path
    for key, _value in parse_qsl(raw_query.decode("ascii"), keep_blank_values=True):
        assert key in QUERY_KEYS, f"unexpected query parameter {key!r} in {raw_query!r}"
    if decoded in ("/v2/deployments", "/v2/tasks/delete"):
        return
    if decoded.startswith("/v2/deployments/"):
        segment = raw_path.decode("ascii")[len("/v2/deployments/") :]
        assert "/" not in segment
        assert unquote(segment) == extra["deployment"]
        return
    full = DEV.marathon_app_id(app_id)  # the id was accepted: it must be valid
    assert full.startswith("/dev/")
    body = json.loads(request.content) if request.content else None
    if isinstance(body, dict) and "id" in body:
        assert body["id"] == full, body["id"]
    if decoded == "/v2/apps":
        assert request.method == "POST"
        assert isinstance(body, dict)
        assert body["id"] == full
        return
    if decoded.startswith("/v2/queue/"):
        assert decoded == f"/v2/queue{full}/delay"
        return
    assert decoded.startswith("/v2/apps/dev/"), decoded
    rest = decoded[len("/v2/apps") :]
    assert rest.startswith(full)
    suffix = rest[len(full) :]
    allowed = {
        *APP_SUFFIXES,
        f"/versions/{extra.get('version', '')}",
        f"/tasks/{extra.get('task', '')}",
    }
    assert suffix in allowed, f"{decoded!r} is not a path of {full!r}"


def check_call(
    app_id: str,
    call: Callable[[MarathonAppsBackend], object],
    extra: dict[str, str] | None = None,
    *,
    recorder: Recorder | None = None,
) -> BaseException | None:
    recorder = recorder or Recorder()
    extra = extra or {}
    error = run(recorder, call)
    if isinstance(error, InvalidInputError):
        assert recorder.requests == [], f"{app_id!r} was refused after a request was sent"
        return error
    for request in recorder.requests:
        check_request(request, app_id, extra)
    if oracle_segments(app_id) is None:
        assert recorder.requests == [], f"{app_id!r} breaks the rules and was sent"
    return error


APP_CALLS: dict[str, Callable[[str], Callable[[MarathonAppsBackend], object]]] = {
    "get": lambda i: lambda apps: apps.get(i, with_tasks=True),
    "tasks": lambda i: lambda apps: apps.tasks(i),
    "versions": lambda i: lambda apps: apps.versions(i),
    "scale": lambda i: lambda apps: apps.scale(i, 2),
    "restart": lambda i: lambda apps: apps.restart(i, force=True),
    "delete": lambda i: lambda apps: apps.delete(i),
    "reset_delay": lambda i: lambda apps: apps.reset_delay(i),
    "patch": lambda i: lambda apps: apps.patch(i, AppPatch(instances=3)),
    "patch_replace": lambda i: lambda apps: apps.patch(i, AppPatch(cmd=None, image="nginx")),
    "update": lambda i: lambda apps: apps.update(AppSpec(id=i, cpus=0.1, mem=32, cmd="sleep 1")),
    "create": lambda i: lambda apps: apps.create(AppSpec(id=i, cpus=0.1, mem=32, cmd="sleep 1")),
}


@given(app_id=APP_IDS, name=st.sampled_from(sorted(APP_CALLS)))
@example(app_id="../ops/web", name="get")
@example(app_id="%2e%2e/ops/web", name="delete")
@example(app_id="web/../../ops/web", name="scale")
@example(app_id="web?embed=x", name="get")
@example(app_id="web#x", name="restart")
@example(app_id="web%2f..%2f..%2fops", name="tasks")
@example(app_id="//ops/web", name="versions")
@example(app_id="\uff57\uff45\uff42", name="update")
def test_any_app_id_is_refused_before_sending_or_sent_inside(app_id: str, name: str) -> None:
    call = APP_CALLS[name](app_id)
    # InvalidInputError out of check_call: raised building the AppSpec, before the backend.
    with contextlib.suppress(InvalidInputError):
        check_call(app_id, call)


VERSIONS = st.one_of(
    st.sampled_from(
        [
            VERSION,
            "2015-09-29T15:59:51Z",
            "2015-09-29T15:59:51.164+02:00",
            "2015-09-29T15:59:51.164Z/../../x",
            "2015-09-29T15:59:51.164Z?x=1",
            "2015-09-29T15:59:51.164Z#x",
            "2015-09-29T15:59:51%2e164Z",
            " 2015-09-29T15:59:51.164Z",
            "\uff12\uff10\uff11\uff15-09-29T15:59:51.164Z",
            "..",
            "",
        ]
    ),
    strings(),
)


@given(app_id=st.one_of(VALID_IDS, APP_IDS), version=VERSIONS)
@example(app_id="web", version="2015-09-29T15:59:51.164Z/../../x")
def test_any_version_is_refused_before_sending_or_sent_inside(app_id: str, version: str) -> None:
    extra = {"version": version}
    check_call(app_id, lambda apps: apps.get_version(app_id, version), extra)
    check_call(app_id, lambda apps: apps.rollback(app_id, version), extra)


@st.composite
def task_ids(draw: st.DrawFn, app_id: str) -> str:
    """Task ids of the app (both formats), of other apps, and junk."""
    name = "dev_" + app_id.strip("/").replace("/", "_")
    return draw(
        st.one_of(
            st.sampled_from(
                [
                    f"{name}.{UUID}",
                    f"{name}.instance-{UUID}._app.1",
                    f"{name}.instance-{UUID}._app.1/../../x",
                    f"ops_web.{UUID}",
                    f"{name}.{UUID}/../../x",
                    f"{name}.{UUID}?wipe=true",
                    f"{name}.{UUID}#x",
                    f"{name}%2F..%2F..%2Fops.{UUID}",
                    f"{name}_...{UUID}",
                    f" {name}.{UUID}",
                    "..",
                ]
            ),
            strings(),
        )
    )


@given(data=st.data(), app_id=st.one_of(VALID_IDS, APP_IDS), scale=st.booleans())
@example(data=None, app_id="web", scale=False)
def test_any_task_id_is_refused_before_sending_or_sent_inside(
    data: st.DataObject | None, app_id: str, scale: bool
) -> None:
    if data is None:
        tasks = [f"dev_web.{UUID}/../../ops_web.{UUID}"]
    else:
        tasks = data.draw(st.lists(task_ids(app_id), min_size=1, max_size=3))
    extra = {"task": tasks[0]} if len(set(tasks)) == 1 else {}
    check_call(app_id, lambda apps: apps.kill_tasks(app_id, tasks, scale=scale), extra)


# Regression test of a bug this fuzzing found (fixed since): kill_tasks accepts a task id with '/'
# ('dev/web.<uuid>', '/dev/web.<uuid>', 'dev_a/b.<uuid>') as a task of /dev/web
# (mesos._naming._app_id maps '_' to '/' but never refuses a '/' already there); Marathon task ids
# never hold '/', and the id is sent as %2F inside the DELETE path
@fewer(4)
@given(
    app_id=VALID_IDS.filter(lambda text: oracle_segments(text) is not None),
    spelling=st.sampled_from(["slashes", "leading", "mixed"]),
)
@example(app_id="web", spelling="slashes")
def test_a_task_id_with_a_slash_is_refused(app_id: str, spelling: str) -> None:
    full = DEV.marathon_app_id(app_id)  # /dev/...
    if spelling == "slashes":
        task = f"{full[1:]}.{UUID}"
    elif spelling == "leading":
        task = f"{full}.{UUID}"
    else:
        task = f"{full[1:].replace('/', '_', 1)}.{UUID}"
    if "/" not in task:
        task = f"{full}.{UUID}"
    recorder = Recorder()
    error = run(recorder, lambda apps: apps.kill_tasks(app_id, [task]))
    assert isinstance(error, InvalidInputError), f"{task!r} accepted as a task of {full!r}"
    assert recorder.requests == []


@given(app_id=st.one_of(VALID_IDS, APP_IDS), host=st.one_of(strings(), st.just("agent1.test")))
def test_any_host_is_refused_before_sending_or_sent_inside(app_id: str, host: str) -> None:
    recorder = Recorder()
    check_call(app_id, lambda apps: apps.kill_tasks_on_host(app_id, host), recorder=recorder)
    for request in recorder.requests:
        params = request.url.params
        assert params.get_list("host") == [host]


DEPLOYMENT_IDS = st.one_of(
    st.sampled_from([DEPLOYMENT, "..", ".", "%2e%2e", "a/../b", "a?x=1", "a#b", " a", "a%2fb"]),
    strings(),
)


def cancel_and_check(deployment_id: str, rollback: bool, listed: str) -> None:
    recorder = Recorder(listed)
    error = run(recorder, lambda apps: apps.cancel(deployment_id, rollback=rollback))
    if isinstance(error, InvalidInputError):
        assert recorder.requests == [], f"{deployment_id!r} was refused after a request"
        return
    for request in recorder.requests:
        check_request(request, "/web", {"deployment": deployment_id})


@given(deployment_id=DEPLOYMENT_IDS, rollback=st.booleans(), listed=st.booleans())
@example(deployment_id="%2e%2e", rollback=True, listed=True)
@example(deployment_id="a/../b", rollback=True, listed=True)
def test_any_deployment_id_is_refused_before_sending_or_sent_inside(
    deployment_id: str, rollback: bool, listed: bool
) -> None:
    cancel_and_check(deployment_id, rollback, deployment_id if listed else DEPLOYMENT)


# Regression test of a bug this fuzzing found (fixed since): cancel('..') (or '.', ' a', 'a ')
# passes check_deployment, lists GET /v2/deployments, then _requests.cancel_deployment (_segment)
# raises InvalidInputError: refused after a request, and only when the server lists the id
# (NotFoundError otherwise)
@fewer(4)
@given(
    deployment_id=st.sampled_from(["..", ".", " a", "a ", "a\t"]) | strings(),
    rollback=st.booleans(),
)
@example(deployment_id="..", rollback=True)
def test_a_deployment_id_refused_by_the_path_builder_is_refused_first(
    deployment_id: str, rollback: bool
) -> None:
    cancel_and_check(deployment_id, rollback, deployment_id)


# -- replies to a scoped account -----------------------------------------------------------------


def answering(payload: Any) -> Callable[[httpx.Request], httpx.Response]:
    def handle(_request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=payload)

    return handle


# Regression test of a bug this fuzzing found (fixed since): MarathonAppsBackend.tasks(id) passes
# the RELATIVE id ('/web') as tasks_from(app_id=...), documented as the ABSOLUTE id ('/dev/web'): a
# scoped account's task without appId raises TenancyViolationError ('/web' outside 'dev')
@fewer(4)
@given(app_id=VALID_IDS.filter(lambda text: oracle_segments(text) is not None))
@example(app_id="web")
def test_tasks_without_app_id_belong_to_the_app_asked_for(app_id: str) -> None:
    reply = {"tasks": [{"id": "not-a-marathon-task-id", "host": "agent1.test"}]}
    client = httpx.Client(transport=httpx.MockTransport(answering(reply)))
    with MarathonAppsBackend([MT], account=DEV, client=client, read_retries=0) as apps:
        (task,) = apps.tasks(app_id)
    assert task.app_id == DEV.normalize_app_id(app_id)
