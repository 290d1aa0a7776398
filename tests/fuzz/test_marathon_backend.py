"""A Marathon backend against mutated recorded replies, and against mutated event streams.

Every read must give a result or raise an :class:`~asgard.errors.AsgardError`; a scoped
account's results carry only canonical app ids (inside its namespace). The event stream,
whatever its bytes and however they are chunked, yields exactly what the pure pipeline (the
SSE decoder, then the translator) makes of the whole stream, or raises an asgard error.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import httpx
from hypothesis import given
from hypothesis import strategies as st

from asgard import Account
from asgard.errors import AsgardError, MalformedResponseError
from asgard.marathon import MarathonAppsBackend
from asgard.marathon._events import EventTranslator
from asgard.marathon._sse import SseDecoder
from asgard.models import App, Deployment, Event, QueueEntry, StreamReconnected, Task
from tests.fuzz._support import (
    Json,
    app_ids_of,
    fixture,
    into_namespace,
    is_canonical_for,
    mutated,
)

MT = "http://mt1.test:8080"
DEV = Account(namespace="dev", owner="dev-team")
CLUSTER = Account.cluster_wide()
IN_DEV = into_namespace("dev")


def _star(payload: Json) -> Json:
    return {"*": IN_DEV(payload)["apps"]}


def _one_app(payload: Json) -> Json:
    return {"app": IN_DEV(payload)["apps"][0]}


ROUTES: dict[str, st.SearchStrategy[Json]] = {
    "list": mutated(
        [
            "marathon/api-examples/app_list.json",
            "asgard-recorded/requests/get-v2apps-all-apps.json",
        ],
        transform=_star,
    ),
    "get": mutated(["marathon/api-examples/app_list.json"], transform=_one_app),
    "tasks": mutated(
        ["marathon/api-examples/app_tasks.json", "asgard-recorded/tasks/get_single_namespace.json"],
        transform=IN_DEV,
    ),
    "versions": mutated(["marathon/raml-inline/200-app-versions.json"]),
    "deployments": mutated(["marathon/api-examples/deployments.json"], transform=IN_DEV),
    "queue": mutated(["marathon/api-examples/queue.json"], transform=IN_DEV),
    "info": mutated(["marathon/api-examples/info.json"]),
}
CALLS: dict[str, Callable[[MarathonAppsBackend], object]] = {
    "list": lambda apps: apps.list(with_tasks=True),
    "get": lambda apps: apps.get("minecraft/survival-world", with_tasks=True),
    "tasks": lambda apps: apps.tasks("minecraft/survival-world"),
    "versions": lambda apps: apps.versions("minecraft/survival-world"),
    "deployments": lambda apps: apps.deployments(),
    "queue": lambda apps: apps.queue(),
    "info": lambda apps: apps.info(),
}


def json_reply(payload: Json) -> httpx.Response:
    # json.dumps writes NaN and Infinity, as a broken server could; httpx's json= refuses.
    content = json.dumps(payload).encode()
    return httpx.Response(200, content=content, headers={"content-type": "application/json"})


def app_ids_in(result: object) -> list[str | None]:
    items = result if isinstance(result, list) else [result]
    found: list[str | None] = []
    for item in items:
        if isinstance(item, App):
            found += [item.id, *item.dependencies, *(task.app_id for task in item.tasks or ())]
        elif isinstance(item, Task | QueueEntry):
            found.append(item.app_id)
        elif isinstance(item, Deployment):
            found += [*item.app_ids, *(a.app_id for a in item.current_actions or ())]
    return found


@given(data=st.data(), name=st.sampled_from(sorted(CALLS)))
def test_any_mutated_reply_gives_a_result_or_an_asgard_error(
    data: st.DataObject, name: str
) -> None:
    payload = data.draw(ROUTES[name])
    client = httpx.Client(transport=httpx.MockTransport(lambda _request: json_reply(payload)))
    with MarathonAppsBackend([MT], account=DEV, client=client, read_retries=0) as apps:
        try:
            result = CALLS[name](apps)
        except AsgardError:
            return
    for app_id in app_ids_in(result):
        assert app_id is None or is_canonical_for(DEV, app_id), app_id


# -- the event stream ------------------------------------------------------------------------

EXAMPLES = fixture("marathon/events/event-bus-examples.json")


def _sse(payload: Json, event_type: str | None) -> bytes:
    head = f"event: {event_type}\n" if event_type is not None else ""
    return (head + f"data: {json.dumps(payload)}\n\n").encode()


@st.composite
def streams(draw: st.DrawFn, account: Account) -> bytes:
    """SSE streams of mutated example events (moved under /dev for the scoped account)."""
    parts: list[bytes] = [b":ok\n\n"]
    for _ in range(draw(st.integers(min_value=0, max_value=4))):
        names = ["marathon/events/event-bus-examples.json"]
        index = draw(st.integers(min_value=0, max_value=len(EXAMPLES) - 1))
        event = draw(mutated(names, transform=_NTH[(index, account.is_cluster_wide)]))
        named = event.get("eventType") if isinstance(event, dict) else None
        event_type = draw(st.sampled_from([None, named if isinstance(named, str) else None]))
        parts.append(_sse(event, event_type))
        if draw(st.booleans()):
            parts.append(
                draw(st.sampled_from([b": keep-alive\n", b"\n", b"retry: 10\n", b"id: 7\n"]))
            )
    if draw(st.booleans()):
        parts.append(b'data: {"eventType": "unfinished')
    return b"".join(parts)


def _nth(index: int, cluster_wide: bool) -> Callable[[Json], Json]:
    if cluster_wide:
        return lambda payload: payload[index]
    return lambda payload: IN_DEV(payload)[index]


_NTH = {(i, wide): _nth(i, wide) for i in range(len(EXAMPLES)) for wide in (True, False)}


def expected_events(stream: bytes, account: Account) -> tuple[list[Event], bool]:
    """What the pure pipeline makes of the whole stream, and whether it stops with an error."""
    translator = EventTranslator(account)
    found: list[Event] = []
    for message in SseDecoder().feed(stream):
        try:
            event = translator.translate(message.type, message.data)
        except MalformedResponseError:
            return found, True
        if event is not None:
            found.append(event)
    return found, False


def chunked(stream: bytes, cuts: list[int]) -> Iterator[bytes]:
    start = 0
    for cut in [*sorted(set(cuts)), len(stream)]:
        yield stream[start:cut]
        start = cut


@given(data=st.data(), account=st.sampled_from([DEV, CLUSTER]))
def test_any_event_stream_yields_the_pure_pipelines_events(
    data: st.DataObject, account: Account
) -> None:
    stream = data.draw(streams(account))
    cuts = data.draw(st.lists(st.integers(min_value=0, max_value=len(stream)), max_size=6))

    def handle(_request: httpx.Request) -> httpx.Response:
        headers = {"content-type": "text/event-stream"}
        return httpx.Response(200, headers=headers, content=chunked(stream, cuts))

    expected, stops = expected_events(stream, account)
    found: list[Event] = []
    error: AsgardError | None = None
    client = httpx.Client(transport=httpx.MockTransport(handle))
    with MarathonAppsBackend([MT], account=account, client=client, read_retries=0) as apps:
        try:
            with apps.events() as events:
                for event in events:
                    if isinstance(event, StreamReconnected):
                        break  # the first stream is over: the backend reconnected
                    found.append(event)
        except AsgardError as exc:
            error = exc
    assert found == expected
    assert isinstance(error, MalformedResponseError) == stops, error
    for event in found:
        for app_id in app_ids_of(event):
            assert app_id is None or is_canonical_for(account, app_id), app_id


def test_the_event_examples_translate() -> None:
    stream = b"".join(_sse(event, event.get("eventType")) for event in EXAMPLES)
    found, stops = expected_events(stream, CLUSTER)
    assert not stops
    assert len(found) == len(EXAMPLES)


def test_routes_cover_every_call() -> None:
    assert set(ROUTES) == set(CALLS)
