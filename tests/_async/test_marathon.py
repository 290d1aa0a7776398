"""The Marathon apps backend against respx: every method's exact request and result, errors,
writes sent once, tenancy, waiting and events.

Written once; tests/_sync/test_marathon.py is generated from it.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
import respx

from asgard import Account
from asgard.auth import BasicAuth
from asgard.backends import Capability
from asgard.errors import (
    BackendUnavailableError,
    ConflictError,
    DeploymentFailedError,
    DeploymentSupersededError,
    InvalidInputError,
    MalformedResponseError,
    NoLeaderError,
    NotFoundError,
    RequestRejectedError,
    TenancyViolationError,
    TooManyDeploymentsError,
    WaitTimeoutError,
    WriteOutcomeUnknownError,
)
from asgard.marathon import AsyncMarathonAppsBackend
from asgard.models import (
    AppPatch,
    AppSpec,
    Deployment,
    DeploymentSucceeded,
    Event,
    StreamReconnected,
    TaskStatusChanged,
)
from tests.conftest import load_fixture

MT1, MT2 = "http://mt1.test:8080", "http://mt2.test:8080"
DEV = Account(namespace="dev", owner="dev-team")
V1, V2, V3 = "2026-01-01T00:00:00.000Z", "2026-01-02T00:00:00.000Z", "2026-01-03T00:00:00.000Z"
DEPLOYMENT = "5ed4c0c5-9ff8-4a6f-a0cd-f57f59a34b43"
PIN = ["owner", "LIKE", "dev-team"]
PASSWORD = "marathon-pa55"
UUID = "b331f6c9-fb9e-11e7-ab4b-faf0633ea91f"


def app_json(app_id: str = "/dev/web", version: str = V1, **fields: Any) -> dict[str, Any]:
    app: dict[str, Any] = {
        "id": app_id,
        "instances": 2,
        "cpus": 0.5,
        "mem": 128,
        "cmd": "python -m http.server",
        "constraints": [PIN],
        "env": {"DB_PASSWORD": "hunter2"},
        "version": version,
        "tasksRunning": 2,
        "tasksStaged": 0,
        "tasksHealthy": 0,
        "tasksUnhealthy": 0,
        "deployments": [],
    }
    app.update(fields)
    return app


def written(version: str = V2) -> httpx.Response:
    return httpx.Response(
        200,
        json={"deploymentId": DEPLOYMENT, "version": version},
        headers={"Marathon-Deployment-Id": DEPLOYMENT},
    )


def backend(account: Account = DEV, **options: Any) -> AsyncMarathonAppsBackend:
    options.setdefault("read_retries", 0)
    return AsyncMarathonAppsBackend([MT1, MT2], account=account, **options)


def body(route: respx.Route) -> Any:
    return json.loads(route.calls.last.request.content)


# -- reads ---------------------------------------------------------------------------------------


@pytest.mark.anyio
@respx.mock
async def test_list_is_one_request_on_the_namespace_group() -> None:
    route = respx.get(f"{MT1}/v2/apps/dev/*").mock(
        return_value=httpx.Response(200, json={"*": [app_json(), app_json("/dev/api/v1")]})
    )
    async with backend() as apps:
        listed = await apps.list(with_tasks=True)
    assert [app.id for app in listed] == ["/web", "/api/v1"]
    params = route.calls.last.request.url.params
    assert sorted(params.get_list("embed")) == sorted(
        ["apps.counts", "apps.deployments", "apps.lastTaskFailure", "apps.tasks"]
    )
    assert "id" not in params  # never the substring filter
    assert len(respx.calls) == 1


@pytest.mark.anyio
@respx.mock
async def test_an_absent_namespace_lists_nothing() -> None:
    respx.get(f"{MT1}/v2/apps/dev/*").mock(
        return_value=httpx.Response(404, json={"message": "Group '/dev' does not exist"})
    )
    async with backend() as apps:
        assert await apps.list() == []


@pytest.mark.anyio
@respx.mock
@pytest.mark.parametrize(
    ("answer", "said"),
    [
        (
            httpx.Response(
                404,
                text="<html><head><title>404 Not Found</title></head><body>nginx</body></html>",
                headers={"content-type": "text/html"},
            ),
            "404 Not Found",
        ),
        (httpx.Response(404, json={"message": "HTTP 404 Not Found"}), "HTTP 404 Not Found"),
        (httpx.Response(404), "no message"),
    ],
    ids=["proxy-html", "unrouted-path", "empty"],
)
async def test_a_404_that_does_not_say_the_namespace_is_absent_is_not_an_empty_list(
    answer: httpx.Response, said: str
) -> None:
    # A proxy's page (or a base URL that misses Marathon) must not read as "no apps".
    route = respx.get(f"{MT1}/v2/apps/dev/*").mock(return_value=answer)
    async with backend() as apps:
        with pytest.raises(MalformedResponseError) as caught:
            await apps.list()
    assert caught.value.status == 404
    assert said in str(caught.value)
    assert route.call_count == 1


@pytest.mark.anyio
@respx.mock
async def test_a_404_keeps_what_marathon_said() -> None:
    respx.get(f"{MT1}/v2/apps/dev/web").mock(
        return_value=httpx.Response(
            404, json=load_fixture("marathon/raml-inline/404-app-not-found.json")
        )
    )
    async with backend() as apps:
        with pytest.raises(NotFoundError) as caught:
            await apps.get("web")
    assert str(caught.value) == "app '/web' not found"
    assert caught.value.server_message == "App '/not_existent' does not exist"


@pytest.mark.anyio
@respx.mock
async def test_a_missing_version_keeps_what_marathon_said() -> None:
    said = {"message": f"App '/dev/web' does not exist in version {V1}"}
    respx.get(f"{MT1}/v2/apps/dev/web/versions/{V1}").mock(
        return_value=httpx.Response(404, json=said)
    )
    async with backend() as apps:
        with pytest.raises(NotFoundError) as caught:
            await apps.get_version("web", V1)
    assert caught.value.server_message == said["message"]


@pytest.mark.anyio
@respx.mock
async def test_a_reply_holding_another_namespaces_app_is_a_tenancy_violation() -> None:
    respx.get(f"{MT1}/v2/apps/dev/*").mock(
        return_value=httpx.Response(200, json={"*": [app_json(), app_json("/devx/web")]})
    )
    async with backend() as apps:
        with pytest.raises(TenancyViolationError):
            await apps.list()


@pytest.mark.anyio
@respx.mock
async def test_cluster_wide_lists_every_app_with_absolute_ids() -> None:
    payload = load_fixture("asgard-recorded/requests/get-v2apps-all-apps.json")
    respx.get(f"{MT1}/v2/apps").mock(return_value=httpx.Response(200, json=payload))
    async with backend(Account.cluster_wide()) as apps:
        listed = await apps.list()
    assert [app.id for app in listed] == [raw["id"] for raw in payload["apps"]]


@pytest.mark.anyio
@respx.mock
async def test_get_tasks_versions_and_a_version() -> None:
    respx.get(f"{MT1}/v2/apps/dev/web").mock(
        return_value=httpx.Response(200, json={"app": app_json()})
    )
    tasks = load_fixture("asgard-recorded/tasks/get_single_namespace.json")
    respx.get(f"{MT1}/v2/apps/dev/web/tasks").mock(
        return_value=httpx.Response(
            200, json={"tasks": [dict(t, appId="/dev/web") for t in tasks["tasks"]]}
        )
    )
    respx.get(f"{MT1}/v2/apps/dev/web/versions").mock(
        return_value=httpx.Response(200, json={"versions": [V2, V1]})
    )
    respx.get(f"{MT1}/v2/apps/dev/web/versions/{V1}").mock(
        return_value=httpx.Response(200, json=app_json(instances=5))
    )
    async with backend() as apps:
        app = await apps.get("web")
        assert (app.id, app.instances, app.version) == ("/web", 2, V1)
        assert "hunter2" not in repr(app)
        listed = await apps.tasks("/web")
        assert listed
        assert all(task.app_id == "/web" for task in listed)
        assert await apps.versions("web") == [V2, V1]
        assert (await apps.get_version("web", V1)).instances == 5


@pytest.mark.anyio
@respx.mock
async def test_absent_apps_are_not_found_in_the_accounts_words() -> None:
    respx.get(f"{MT1}/v2/apps/dev/nope").mock(
        return_value=httpx.Response(404, json={"message": "App '/dev/nope' does not exist"})
    )
    async with backend() as apps:
        with pytest.raises(NotFoundError, match="'/nope'"):
            await apps.get("nope")


@pytest.mark.anyio
@respx.mock
async def test_hostile_ids_never_reach_marathon() -> None:
    async with backend() as apps:
        for bad in ("../prod/web", "/web/restart", "Web", "a//b", "web?x=1", ""):
            with pytest.raises(InvalidInputError):
                await apps.get(bad)
            with pytest.raises(InvalidInputError):
                await apps.delete(bad)
        with pytest.raises(InvalidInputError):
            await apps.create({"id": "/web"})  # type: ignore[arg-type]
        with pytest.raises(InvalidInputError):
            await apps.kill_tasks("web", [])
        with pytest.raises(InvalidInputError) as foreign:
            await apps.kill_tasks("web", [f"dev_other.{UUID}"])
    assert not respx.calls
    assert str(foreign.value).endswith("is not a task of app '/web'")  # the id the caller knows


@pytest.mark.anyio
@respx.mock
async def test_deployments_show_only_the_accounts_apps() -> None:
    listing = [
        {
            "id": "d-mine",
            "version": V2,
            "affectedApps": ["/dev/web"],
            "steps": [{"actions": [{"action": "ScaleApplication", "app": "/dev/web"}]}],
            "currentActions": [{"action": "ScaleApplication", "app": "/dev/web"}],
            "currentStep": 1,
            "totalSteps": 1,
        },
        {"id": "d-theirs", "version": V2, "affectedApps": ["/ops/web"], "steps": []},
        {"id": "d-mixed", "version": V2, "affectedApps": ["/dev/api", "/ops/db"], "steps": []},
    ]
    respx.get(f"{MT1}/v2/deployments").mock(return_value=httpx.Response(200, json=listing))
    async with backend() as apps:
        deployments = await apps.deployments()
        assert [(d.id, d.app_ids) for d in deployments] == [
            ("d-mine", ("/web",)),
            ("d-mixed", ("/api",)),
        ]
        assert deployments[0].current_step == 1
        for foreign in ("d-theirs", "d-mixed", "d-unknown"):
            with pytest.raises(NotFoundError):
                await apps.cancel(foreign)
    assert all(call.request.method == "GET" for call in respx.calls)


@pytest.mark.anyio
@respx.mock
async def test_queue_and_info() -> None:
    queue = load_fixture("asgard-recorded/queue/get.json")
    for entry in queue["queue"]:
        entry["app"]["id"] = "/dev" + entry["app"]["id"]
    respx.get(f"{MT1}/v2/queue").mock(return_value=httpx.Response(200, json=queue))
    respx.get(f"{MT1}/v2/info").mock(
        return_value=httpx.Response(
            200,
            json=load_fixture("marathon/api-examples/info.json"),
            headers={"X-Marathon-Leader": MT2},
        )
    )
    async with backend() as apps:
        entries = await apps.queue()
        assert entries
        assert all(entry.app_id.startswith("/") for entry in entries)
        info = await apps.info()
    assert info.leader == MT2
    assert info.version


# -- writes ----------------------------------------------------------------------------------


@pytest.mark.anyio
@respx.mock
async def test_create_sends_the_definition_with_the_owner_pin_once() -> None:
    route = respx.post(f"{MT1}/v2/apps").mock(
        return_value=httpx.Response(
            201,
            json=app_json(version=V2, deployments=[{"id": DEPLOYMENT}]),
            headers={"Marathon-Deployment-Id": DEPLOYMENT},
        )
    )
    spec = AppSpec(id="web", instances=2, cpus=0.5, mem=128, image="nginx:1.27", env={"K": "v"})
    async with backend() as apps:
        deployment = await apps.create(spec)
    assert (deployment.id, deployment.app_ids, deployment.version) == (DEPLOYMENT, ("/web",), V2)
    sent = body(route)
    assert sent["id"] == "/dev/web"
    assert sent["constraints"] == [PIN]
    assert sent["container"]["docker"]["image"] == "nginx:1.27"
    assert "version" not in sent
    assert route.call_count == 1


@pytest.mark.anyio
@respx.mock
async def test_create_of_an_existing_app_is_a_conflict() -> None:
    respx.post(f"{MT1}/v2/apps").mock(
        return_value=httpx.Response(
            409, json=load_fixture("marathon/raml-inline/409-app-already-exists.json")
        )
    )
    async with backend() as apps:
        with pytest.raises(ConflictError):
            await apps.create(AppSpec(id="web", cpus=1, mem=64, cmd="true"))


@pytest.mark.anyio
@respx.mock
async def test_update_is_a_full_replacement_of_an_existing_app() -> None:
    respx.get(f"{MT1}/v2/apps/dev/web").mock(
        return_value=httpx.Response(200, json={"app": app_json()})
    )
    route = respx.put(f"{MT1}/v2/apps/dev/web").mock(return_value=written())
    async with backend() as apps:
        current = await apps.get("web")
        spec = current.to_spec()
        deployment = await apps.update(spec, force=True)
    assert deployment.app_ids == ("/web",)
    params = route.calls.last.request.url.params
    assert (params["partialUpdate"], params["force"]) == ("false", "true")
    sent = body(route)
    assert sent["constraints"] == [PIN]
    assert sent["env"] == {"DB_PASSWORD": "hunter2"}
    assert not {"version", "tasksRunning", "deployments"} & set(sent)


@pytest.mark.anyio
@respx.mock
async def test_update_of_a_missing_app_is_not_found_and_never_creates_it() -> None:
    respx.get(f"{MT1}/v2/apps/dev/web").mock(
        return_value=httpx.Response(404, json={"message": "App '/dev/web' does not exist"})
    )
    put = respx.put(f"{MT1}/v2/apps/dev/web").mock(return_value=written())
    async with backend() as apps:
        with pytest.raises(NotFoundError):
            await apps.update(AppSpec(id="web", cpus=1, mem=64, cmd="true"))
    assert not put.called


@pytest.mark.anyio
@respx.mock
async def test_patch_scale_restart_delete_send_exactly_what_they_say() -> None:
    patch = respx.patch(f"{MT1}/v2/apps/dev/web").mock(return_value=written())
    restart = respx.post(f"{MT1}/v2/apps/dev/web/restart").mock(return_value=written())
    delete = respx.delete(f"{MT1}/v2/apps/dev/web").mock(return_value=written())
    async with backend() as apps:
        await apps.patch("web", AppPatch(mem=256, labels={"team": "a"}))
        assert body(patch) == {"mem": 256, "labels": {"team": "a"}}
        await apps.scale("web", 5)
        assert body(patch) == {"instances": 5}
        assert patch.calls.last.request.url.params["force"] == "false"
        await apps.restart("/web", force=True)
        assert restart.calls.last.request.url.params["force"] == "true"
        await apps.delete("web")
        assert delete.calls.last.request.url.params["force"] == "false"
        with pytest.raises(InvalidInputError):
            await apps.scale("web", -1)
    assert (patch.call_count, restart.call_count, delete.call_count) == (2, 1, 1)


@pytest.mark.anyio
@respx.mock
async def test_a_locked_app_is_a_conflict_with_the_deployments() -> None:
    respx.patch(f"{MT1}/v2/apps/dev/web").mock(
        return_value=httpx.Response(
            409, json=load_fixture("marathon/raml-inline/409-app-locked-by-deployment.json")
        )
    )
    async with backend() as apps:
        with pytest.raises(ConflictError) as caught:
            await apps.scale("web", 3)
    assert caught.value.deployment_ids == ("97c136bf-5a28-4821-9d94-480d9fbb01c8",)


@pytest.mark.anyio
@respx.mock
@pytest.mark.parametrize(
    ("status", "payload", "error"),
    [
        (422, "marathon/raml-inline/422-object-not-valid.json", RequestRejectedError),
        (400, "marathon/raml-inline/400-invalid-json.json", RequestRejectedError),
        (403, None, TooManyDeploymentsError),
    ],
)
async def test_refused_writes_are_typed(
    status: int, payload: str | None, error: type[Exception]
) -> None:
    answer = (
        load_fixture(payload)
        if payload
        else {"message": "Max number (1) of running deployments is achieved"}
    )
    respx.post(f"{MT1}/v2/apps").mock(return_value=httpx.Response(status, json=answer))
    async with backend() as apps:
        with pytest.raises(error):
            await apps.create(AppSpec(id="web", cpus=1, mem=64, cmd="true"))


@pytest.mark.anyio
@respx.mock
async def test_a_write_whose_reply_is_lost_is_never_sent_again() -> None:
    first = respx.post(f"{MT1}/v2/apps/dev/web/restart").mock(side_effect=httpx.ReadTimeout("lost"))
    second = respx.post(f"{MT2}/v2/apps/dev/web/restart").mock(return_value=written())
    async with backend(read_retries=5) as apps:
        with pytest.raises(WriteOutcomeUnknownError):
            await apps.restart("web")
    assert (first.call_count, second.called) == (1, False)


@pytest.mark.anyio
@respx.mock
@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(
            200, text="<html><body>OK</body></html>", headers={"content-type": "text/html"}
        ),
        httpx.Response(
            200, content=b'{"deploymentId": "5ed4', headers={"content-type": "application/json"}
        ),
        httpx.Response(200, json={"version": V2}),  # no deployment id, no header
    ],
    ids=["html", "truncated", "missing-field"],
)
@pytest.mark.parametrize("write", ["restart", "scale", "delete"])
async def test_an_accepted_write_with_an_unreadable_answer_is_an_unknown_outcome(
    answer: httpx.Response, write: str
) -> None:
    method, path = {
        "restart": ("POST", "/v2/apps/dev/web/restart"),
        "scale": ("PATCH", "/v2/apps/dev/web"),
        "delete": ("DELETE", "/v2/apps/dev/web"),
    }[write]
    first = respx.route(method=method, url=f"{MT1}{path}").mock(return_value=answer)
    second = respx.route(method=method, url=f"{MT2}{path}").mock(return_value=written())
    async with backend(read_retries=5) as apps:
        args = ("web", 3) if write == "scale" else ("web",)
        with pytest.raises(WriteOutcomeUnknownError) as caught:
            await getattr(apps, write)(*args)
    # applied, so neither re-sent nor a MalformedResponseError a caller might retry on
    assert (first.call_count, second.called) == (1, False)
    assert not isinstance(caught.value, MalformedResponseError)
    assert caught.value.status == 200
    assert isinstance(caught.value.__cause__, MalformedResponseError)
    assert "accepted (status 200)" in str(caught.value)


@pytest.mark.anyio
@respx.mock
async def test_writes_move_past_a_leaderless_standby_and_credentials_follow() -> None:
    standby = respx.post(f"{MT1}/v2/apps/dev/web/restart").mock(
        return_value=httpx.Response(
            502,
            content=b"<html><title>Error 502</title><pre>Could not determine the current leader"
            b"</pre></html>",
            headers={"Content-Type": "text/html"},
        )
    )
    leader = respx.post(f"{MT2}/v2/apps/dev/web/restart").mock(return_value=written())
    async with backend(auth=BasicAuth("ops", PASSWORD)) as apps:
        await apps.restart("web")
    assert (standby.call_count, leader.call_count) == (1, 1)
    assert leader.calls.last.request.headers["Authorization"].startswith("Basic ")


@pytest.mark.anyio
@respx.mock
async def test_no_leader_on_a_read_after_retries() -> None:
    for server in (MT1, MT2):
        respx.get(f"{server}/v2/apps/dev/*").mock(
            return_value=httpx.Response(
                503, text="<html><pre>Could not determine the current leader</pre></html>"
            )
        )
    async with backend(read_retries=1) as apps:
        with pytest.raises(NoLeaderError):
            await apps.list()
    assert len(respx.calls) == 2


@pytest.mark.anyio
@respx.mock
async def test_kill_tasks_one_and_many_with_scale() -> None:
    one = f"dev_web.{UUID}"
    two = f"dev_web.instance-{UUID}._app.1"
    single = respx.delete(f"{MT1}/v2/apps/dev/web/tasks/{one}").mock(
        return_value=httpx.Response(200, json={"task": {"id": one}})
    )
    bulk = respx.post(f"{MT1}/v2/tasks/delete").mock(return_value=written())
    on_host = respx.delete(f"{MT1}/v2/apps/dev/web/tasks").mock(
        return_value=httpx.Response(200, json={"tasks": []})
    )
    async with backend() as apps:
        assert await apps.kill_tasks("web", [one]) is None
        deployment = await apps.kill_tasks("web", [one, two], scale=True)
        assert deployment is not None
        assert deployment.id == DEPLOYMENT
        assert await apps.kill_tasks_on_host("web", "agent-1.test") is None
        with pytest.raises(InvalidInputError):
            await apps.kill_tasks("web", [one], scale=True, wipe=True)
    assert body(bulk) == {"ids": [one, two]}
    assert bulk.calls.last.request.url.params["scale"] == "true"
    assert single.call_count == 1
    assert on_host.calls.last.request.url.params["host"] == "agent-1.test"


@pytest.mark.anyio
@respx.mock
async def test_rollback_keeps_the_pin_either_way() -> None:
    put = respx.put(f"{MT1}/v2/apps/dev/web").mock(return_value=written())
    patch = respx.patch(f"{MT1}/v2/apps/dev/web").mock(return_value=written())
    respx.get(f"{MT1}/v2/apps/dev/web/versions/{V1}").mock(
        return_value=httpx.Response(200, json=app_json())
    )
    respx.get(f"{MT1}/v2/apps/dev/web/versions/{V2}").mock(
        return_value=httpx.Response(200, json=app_json(version=V2, constraints=[]))
    )
    async with backend() as apps:
        await apps.rollback("web", V1)
        assert body(patch) == {"version": V1}
        await apps.rollback("web", V2)
        assert body(put)["constraints"] == [PIN]


@pytest.mark.anyio
@respx.mock
async def test_cancel_and_reset_delay() -> None:
    respx.get(f"{MT1}/v2/deployments").mock(
        return_value=httpx.Response(
            200, json=[{"id": DEPLOYMENT, "version": V2, "affectedApps": ["/dev/web"], "steps": []}]
        )
    )
    cancel = respx.delete(f"{MT1}/v2/deployments/{DEPLOYMENT}").mock(
        side_effect=[written(V3), httpx.Response(202)]
    )
    delay = respx.delete(f"{MT1}/v2/queue/dev/web/delay").mock(return_value=httpx.Response(204))
    async with backend() as apps:
        rolled_back = await apps.cancel(DEPLOYMENT)
        assert rolled_back is not None
        assert rolled_back.app_ids == ("/web",)
        assert await apps.cancel(Deployment(id=DEPLOYMENT, version=V2), rollback=False) is None
        await apps.reset_delay("web")
    assert [call.request.url.params["force"] for call in cancel.calls] == ["false", "true"]
    assert delay.called


# -- waiting ----------------------------------------------------------------------------------


class Clock:
    """Stands in for time: sleeping advances it, and the servers change as it goes."""

    def __init__(self) -> None:
        self.now = 0.0

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr("asgard.marathon._async.monotonic", fake.monotonic)
    monkeypatch.setattr("asgard.marathon._async.asleep", fake.sleep)
    return fake


def listing(step: int) -> list[dict[str, Any]]:
    return [
        {
            "id": DEPLOYMENT,
            "version": V2,
            "affectedApps": ["/dev/web"],
            "steps": [{"actions": []}, {"actions": []}],
            "currentActions": [],
            "currentStep": step,
            "totalSteps": 2,
        }
    ]


@pytest.mark.anyio
@respx.mock
async def test_wait_reports_each_step_and_succeeds_from_the_apps(clock: Clock) -> None:
    respx.get(f"{MT1}/v2/deployments").mock(
        side_effect=[
            httpx.Response(200, json=listing(1)),
            httpx.Response(200, json=listing(1)),
            httpx.Response(200, json=listing(2)),
            httpx.Response(200, json=[]),
            httpx.Response(200, json=[]),
        ]
    )
    respx.get(f"{MT1}/v2/apps/dev/web").mock(
        side_effect=[
            httpx.Response(200, json={"app": app_json(version=V2, tasksRunning=1)}),
            httpx.Response(200, json={"app": app_json(version=V2, tasksRunning=2)}),
        ]
    )
    seen: list[tuple[int | None, int | None]] = []
    async with backend() as apps:
        done = await apps.wait(
            Deployment(id=DEPLOYMENT, app_ids=("/web",), version=V2),
            poll_interval=2,
            on_progress=lambda d: seen.append((d.current_step, d.total_steps)),
        )
    assert done.id == DEPLOYMENT
    assert seen == [(1, 2), (2, 2)]
    assert clock.now == 8


@pytest.mark.anyio
@respx.mock
async def test_a_deployment_gone_before_the_first_poll_is_a_success(clock: Clock) -> None:
    respx.get(f"{MT1}/v2/deployments").mock(return_value=httpx.Response(200, json=[]))
    respx.get(f"{MT1}/v2/apps/dev/web").mock(
        return_value=httpx.Response(200, json={"app": app_json(version=V2)})
    )
    seen: list[Deployment] = []
    async with backend() as apps:
        target = Deployment(id=DEPLOYMENT, app_ids=("/web",), version=V2)
        assert await apps.wait(target, on_progress=seen.append) == target
    assert seen == [target]
    assert clock.now == 0


@pytest.mark.anyio
@respx.mock
async def test_a_write_that_changed_nothing_is_done(clock: Clock) -> None:
    # Marathon keeps the app's version when a write leaves its definition as it was (a scale
    # to the same count); the deployment's version is newer. Seen in the docs' examples.
    respx.get(f"{MT1}/v2/deployments").mock(return_value=httpx.Response(200, json=[]))
    respx.get(f"{MT1}/v2/apps/dev/web").mock(
        return_value=httpx.Response(200, json={"app": app_json(version=V1)})
    )
    target = Deployment(id=DEPLOYMENT, app_ids=("/web",), version=V2)
    async with backend() as apps:
        assert await apps.wait(target) == target


@pytest.mark.anyio
@respx.mock
@pytest.mark.parametrize(
    ("now", "error"),
    [
        # Marathon stamps the rollback of a cancelled deployment with a new version (V3):
        # back to V1's definition (1 instance), not V2's (3): rolled back.
        ({"instances": 1}, DeploymentFailedError),
        # Someone else's change: a definition neither V1 nor V2 had.
        ({"instances": 5}, DeploymentSupersededError),
        # V2's definition again under a newer version (a restart after it): replaced.
        ({"instances": 3}, DeploymentSupersededError),
    ],
)
async def test_wait_tells_a_rollback_from_a_newer_deployment_by_definition(
    clock: Clock, now: dict[str, Any], error: type[Exception]
) -> None:
    respx.get(f"{MT1}/v2/deployments").mock(return_value=httpx.Response(200, json=[]))
    respx.get(f"{MT1}/v2/apps/dev/web").mock(
        return_value=httpx.Response(200, json={"app": app_json(version=V3, **now)})
    )
    listed = respx.get(f"{MT1}/v2/apps/dev/web/versions").mock(
        return_value=httpx.Response(200, json={"versions": [V3, V2, V1]})
    )
    at_v1 = respx.get(f"{MT1}/v2/apps/dev/web/versions/{V1}").mock(
        return_value=httpx.Response(200, json=app_json(version=V1, instances=1))
    )
    at_v2 = respx.get(f"{MT1}/v2/apps/dev/web/versions/{V2}").mock(
        return_value=httpx.Response(200, json=app_json(version=V2, instances=3))
    )
    async with backend() as apps:
        with pytest.raises(DeploymentFailedError) as caught:
            await apps.wait(Deployment(id=DEPLOYMENT, app_ids=("/web",), version=V2))
    assert type(caught.value) is error
    assert caught.value.deployment.id == DEPLOYMENT
    assert (listed.call_count, at_v1.call_count, at_v2.call_count) == (1, 1, 1)


@pytest.mark.anyio
@respx.mock
async def test_wait_reads_a_newer_version_with_no_earlier_one_as_superseded(
    clock: Clock,
) -> None:
    # The deployment created the app (no version before it); a newer one replaced it.
    respx.get(f"{MT1}/v2/deployments").mock(return_value=httpx.Response(200, json=[]))
    respx.get(f"{MT1}/v2/apps/dev/web").mock(
        return_value=httpx.Response(200, json={"app": app_json(version=V3)})
    )
    respx.get(f"{MT1}/v2/apps/dev/web/versions").mock(
        return_value=httpx.Response(200, json={"versions": [V3, V2]})
    )
    respx.get(f"{MT1}/v2/apps/dev/web/versions/{V2}").mock(
        return_value=httpx.Response(200, json=app_json(version=V2, instances=3))
    )
    async with backend() as apps:
        with pytest.raises(DeploymentSupersededError):
            await apps.wait(Deployment(id=DEPLOYMENT, app_ids=("/web",), version=V2))


@pytest.mark.anyio
@respx.mock
async def test_wait_times_out_with_the_queue_entry(clock: Clock) -> None:
    respx.get(f"{MT1}/v2/deployments").mock(return_value=httpx.Response(200, json=listing(1)))
    queue = load_fixture("asgard-recorded/queue/get.json")
    queue["queue"][0]["app"]["id"] = "/dev/web"
    respx.get(f"{MT1}/v2/queue").mock(return_value=httpx.Response(200, json=queue))
    async with backend() as apps:
        with pytest.raises(WaitTimeoutError) as caught:
            await apps.wait(DEPLOYMENT, timeout=10, poll_interval=3)
    assert caught.value.queue_entry is not None
    assert caught.value.queue_entry.app_id == "/web"
    assert clock.now == 12


@pytest.mark.anyio
@respx.mock
async def test_waiting_for_a_deleted_app(clock: Clock) -> None:
    respx.delete(f"{MT1}/v2/apps/dev/web").mock(return_value=written())
    respx.get(f"{MT1}/v2/deployments").mock(return_value=httpx.Response(200, json=[]))
    respx.get(f"{MT1}/v2/apps/dev/web").mock(
        return_value=httpx.Response(404, json={"message": "App '/dev/web' does not exist"})
    )
    async with backend() as apps:
        deployment = await apps.delete("web")
        assert (await apps.wait(deployment)).id == DEPLOYMENT
        with pytest.raises(InvalidInputError):
            await apps.wait(deployment, timeout=0)


# -- events ------------------------------------------------------------------------------------


def sse(*events: tuple[str, dict[str, Any]]) -> bytes:
    return b"".join(
        f"event: {kind}\ndata: {json.dumps(data)}\n\n".encode() for kind, data in events
    )


STATUS = {
    "eventType": "status_update_event",
    "taskId": f"dev_web.{UUID}",
    "taskStatus": "TASK_RUNNING",
    "appId": "/dev/web",
    "host": "agent-1.test",
    "slaveId": "S1",
    "ports": [],
    "version": V2,
    "timestamp": V2,
}
FOREIGN = dict(STATUS, appId="/ops/web", taskId=f"ops_web.{UUID}")
SUCCESS = {
    "eventType": "deployment_success",
    "id": DEPLOYMENT,
    "timestamp": V2,
    "plan": {
        "id": DEPLOYMENT,
        "steps": [{"actions": [{"action": "ScaleApplication", "app": "/dev/web"}]}],
    },
}


async def collect(stream: Any, count: int) -> list[Event]:
    found: list[Event] = []
    async for event in stream:
        found.append(event)
        if len(found) == count:
            break
    return found


@pytest.mark.anyio
@respx.mock
async def test_events_are_the_accounts_only_and_reconnects_are_announced(clock: Clock) -> None:
    route = respx.get(f"{MT1}/v2/events").mock(
        side_effect=[
            httpx.Response(
                200,
                content=sse(("status_update_event", STATUS), ("status_update_event", FOREIGN))
                + b'event: status_update_event\ndata: {"cut',
                headers={"Content-Type": "text/event-stream"},
            ),
            httpx.Response(
                200,
                content=sse(("deployment_success", SUCCESS)),
                headers={"Content-Type": "text/event-stream"},
            ),
        ]
    )
    async with backend(auth=BasicAuth("ops", PASSWORD)) as apps:
        async with apps.events() as stream:
            events = await collect(stream, 3)
    assert isinstance(events[0], TaskStatusChanged)
    assert events[0].app_id == "/web"
    assert isinstance(events[1], StreamReconnected)
    assert isinstance(events[2], DeploymentSucceeded)
    assert events[2].app_ids == ("/web",)
    request = route.calls.last.request
    assert request.headers["Accept"] == "text/event-stream"
    assert request.headers["Authorization"].startswith("Basic ")


@pytest.mark.anyio
@respx.mock
async def test_a_standby_redirecting_the_stream_is_resolved_to_the_configured_leader(
    clock: Clock,
) -> None:
    respx.get(f"{MT1}/v2/events").mock(
        return_value=httpx.Response(302, headers={"Location": "http://10.0.0.9:8080/v2/events"})
    )
    stranger = respx.route(host="10.0.0.9").mock(return_value=httpx.Response(200))
    respx.get(f"{MT1}/v2/leader").mock(
        return_value=httpx.Response(200, json={"leader": "mt2.test:8080"})
    )
    leader = respx.get(f"{MT2}/v2/events").mock(
        return_value=httpx.Response(200, content=sse(("status_update_event", STATUS)))
    )
    async with backend(auth=BasicAuth("ops", PASSWORD)) as apps:
        async with apps.events(types=[TaskStatusChanged]) as stream:
            (event,) = await collect(stream, 1)
    assert isinstance(event, TaskStatusChanged)
    assert not stranger.called
    params = leader.calls.last.request.url.params
    assert params.get_list("event_type") == ["status_update_event"]


@pytest.mark.anyio
@respx.mock
async def test_a_stream_that_keeps_closing_at_once_backs_off_then_fails(clock: Clock) -> None:
    route = respx.get(f"{MT1}/v2/events").mock(
        return_value=httpx.Response(200, headers={"Content-Type": "text/event-stream"})
    )
    seen: list[Event] = []

    async def drain(apps: AsyncMarathonAppsBackend) -> None:
        async with apps.events() as stream:
            async for event in stream:
                seen.append(event)

    async with backend(read_retries=2) as apps:
        with pytest.raises(BackendUnavailableError, match="as soon as it opened, 4 times"):
            await drain(apps)
    # the first stream, then four that ended at once, waiting 0.2, 0.4 and 0.8 s in between
    assert route.call_count == 5
    assert clock.now == pytest.approx(1.4)
    assert [type(event) for event in seen] == [StreamReconnected] * 4


@pytest.mark.anyio
@respx.mock
async def test_an_unreachable_event_stream_is_a_typed_error() -> None:
    respx.get(f"{MT1}/v2/events").mock(side_effect=httpx.ConnectError("down"))
    respx.get(f"{MT2}/v2/events").mock(side_effect=httpx.ConnectError("down"))
    async with backend() as apps:
        with pytest.raises(BackendUnavailableError):
            async with apps.events() as stream:
                await collect(stream, 1)
        with pytest.raises(InvalidInputError):
            apps.events(types=[dict])  # type: ignore[list-item]


@pytest.mark.anyio
@respx.mock
async def test_a_malformed_event_is_a_typed_error() -> None:
    respx.get(f"{MT1}/v2/events").mock(
        return_value=httpx.Response(200, content=b"event: status_update_event\ndata: [1]\n\n")
    )
    async with backend() as apps:
        with pytest.raises(MalformedResponseError):
            async with apps.events() as stream:
                await collect(stream, 1)


def test_capabilities_and_options() -> None:
    apps = backend()
    assert Capability.EVENTS in apps.capabilities
    assert Capability.QUEUE in apps.capabilities
    with pytest.raises(InvalidInputError):
        AsyncMarathonAppsBackend([MT1], account=DEV, auth=("u", "p"))  # type: ignore[arg-type]
