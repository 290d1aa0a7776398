"""Marathon event translation on arbitrary and mutated event payloads, for two accounts.

Allowed outcomes: an event, None, or :class:`~asgard.errors.MalformedResponseError`. A scoped
account's events carry only canonical app ids (inside its namespace) and are never
:class:`~asgard.models.UnknownEvent`. Events read no float, so huge integers are drawn here.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable

from hypothesis import given
from hypothesis import strategies as st

from asgard import Account
from asgard.marathon._events import EventTranslator
from asgard.models import Deployment, DeploymentStepChanged, Event, UnknownEvent
from tests.fuzz._support import (
    Json,
    app_ids_of,
    fixture,
    into_namespace,
    is_canonical_for,
    json_values,
    mutated,
    outcome,
    strings,
)

DEV = Account(namespace="dev", owner="dev-team")
CLUSTER = Account.cluster_wide()
ACCOUNTS = st.sampled_from([DEV, CLUSTER])
EXAMPLES = "marathon/events/event-bus-examples.json"
COUNT = len(fixture(EXAMPLES))
EVENT_TYPES = sorted({example["eventType"] for example in fixture(EXAMPLES)})
IN_DEV = into_namespace("dev")


def _nth(index: int, account: Account) -> Callable[[Json], Json]:
    if account.is_cluster_wide:
        return lambda payload: payload[index]
    return lambda payload: IN_DEV(payload)[index]


# One transform object per (example, account): the mutation engine caches by transform.
TRANSFORMS = {
    (index, account): _nth(index, account) for index in range(COUNT) for account in (DEV, CLUSTER)
}


@st.composite
def events(draw: st.DrawFn, account: Account) -> tuple[str, Json]:
    """A mutated example event and the type to translate it as."""
    index = draw(st.integers(min_value=0, max_value=COUNT - 1))
    payload = draw(mutated([EXAMPLES], transform=TRANSFORMS[(index, account)], huge=True))
    named = payload.get("eventType") if isinstance(payload, dict) else None
    event_type = draw(
        st.one_of(
            st.just(named if isinstance(named, str) else ""),
            st.sampled_from(["", "message", *EVENT_TYPES]),
            strings(),
        )
    )
    return event_type, payload


def check_event(account: Account, event: Event | None) -> None:
    if event is None:
        return
    if not account.is_cluster_wide:
        assert not isinstance(event, UnknownEvent)
    for app_id in app_ids_of(event):
        if app_id is not None:
            assert is_canonical_for(account, app_id), app_id
    if isinstance(event, DeploymentStepChanged):
        assert all(action.app_id in event.app_ids for action in event.actions)
        if not account.is_cluster_wide:
            assert event.app_ids


@given(data=st.data(), account=ACCOUNTS)
def test_mutated_events(data: st.DataObject, account: Account) -> None:
    event_type, payload = data.draw(events(account))
    translator = EventTranslator(account)
    event = outcome(lambda: translator.translate_payload(event_type, payload), payload)
    check_event(account, event)


@given(data=st.data(), account=ACCOUNTS, count=st.integers(min_value=1, max_value=6))
def test_a_stream_of_mutated_events(data: st.DataObject, account: Account, count: int) -> None:
    """One translator across a stream: what it remembers never breaks a later event."""
    translator = EventTranslator(account, memory=2)
    translator.remember(Deployment(id="d1", app_ids=("/web",), version="v"))
    for _ in range(count):
        event_type, payload = data.draw(events(account))
        translate = functools.partial(translator.translate_payload, event_type, payload)
        check_event(account, outcome(translate, payload))


@given(
    payload=json_values(huge=True),
    event_type=st.sampled_from(["", "message", *EVENT_TYPES]) | strings(),
    account=ACCOUNTS,
)
def test_any_json_event(payload: Json, event_type: str, account: Account) -> None:
    translator = EventTranslator(account)
    event = outcome(lambda: translator.translate_payload(event_type, payload), payload)
    check_event(account, event)


@given(
    data=st.one_of(
        st.text(max_size=40),
        json_values(huge=True).map(json.dumps),
        st.sampled_from(['{"eventType": "deployment_info"', "[" * 5000, '{"a": ' * 3000]),
    ),
    event_type=st.sampled_from(["", "message", *EVENT_TYPES]),
    account=ACCOUNTS,
)
def test_any_event_data_text(data: str, event_type: str, account: Account) -> None:
    translator = EventTranslator(account)
    event = outcome(lambda: translator.translate(event_type, data), data)
    check_event(account, event)


STEP_APPS = st.sampled_from(
    ["/dev/web", "/dev/a/b", "/ops/web", "/dev/../ops/web", "/x/../dev/web", "/dev//web", "dev/web"]
)


@st.composite
def plans(draw: st.DrawFn) -> Json:
    def action() -> Json:
        key = draw(st.sampled_from(["action", "type"]))
        return {key: "ScaleApplication", "app": draw(STEP_APPS)}

    steps = [
        {"actions": [action() for _ in range(draw(st.integers(0, 2)))]}
        for _ in range(draw(st.integers(0, 3)))
    ]
    return {"id": "d1", "steps": steps, "version": "2020-01-01T00:00:00.000Z"}


@given(
    plan=plans(),
    event_type=st.sampled_from(
        [
            "deployment_info",
            "deployment_step_success",
            "deployment_step_failure",
            "deployment_success",
            "deployment_failed",
        ]
    ),
    current=st.integers(min_value=-1, max_value=3),
    account=ACCOUNTS,
)
def test_deployment_events_with_any_app_ids(
    plan: Json, event_type: str, current: int, account: Account
) -> None:
    steps = plan["steps"]
    payload: Json = {"eventType": event_type, "plan": plan, "id": "d1"}
    if 0 <= current < len(steps):
        payload["currentStep"] = steps[current]
    translator = EventTranslator(account)
    event = outcome(lambda: translator.translate_payload(event_type, payload), payload)
    check_event(account, event)
