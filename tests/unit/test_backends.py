"""The protocols carry design.md's methods with its exact parameters and defaults.

mypy proves that implementations conform (tests/typing); it cannot see default values, which
are part of the contract too, so they are checked here.
"""

from __future__ import annotations

import inspect
from typing import Any

import pytest

from asgard.backends import (
    AgentsBackend,
    AppsBackend,
    AsyncAgentsBackend,
    AsyncAppsBackend,
    Capability,
)

COMMON = {"for_account": "(self, account)"}

AGENTS = {
    "list": "(self, *, with_tasks=False)",
    "get": "(self, agent_id)",
    "tasks": "(self, agent_id)",
    "usage": "(self, agent_id)",
    "usage_all": "(self, agent_ids=None)",
    "usage_sampler": "(self, agent_ids=None)",
    "logs": "(self, task_id, *, stream='stdout', tail=65536)",
    "info": "(self)",
}

APPS = {
    "list": "(self, *, with_tasks=False)",
    "get": "(self, app_id, *, with_tasks=False)",
    "create": "(self, spec)",
    "update": "(self, spec, *, force=False)",
    "patch": "(self, app_id, changes, *, force=False)",
    "scale": "(self, app_id, instances, *, force=False)",
    "restart": "(self, app_id, *, force=False)",
    "delete": "(self, app_id, *, force=False)",
    "tasks": "(self, app_id)",
    "kill_tasks": "(self, app_id, task_ids, *, scale=False, wipe=False)",
    "kill_tasks_on_host": "(self, app_id, host, *, scale=False)",
    "deployments": "(self)",
    "cancel": "(self, deployment, *, rollback=True)",
    "wait": "(self, deployment, *, timeout=600, poll_interval=1.0, on_progress=None)",
    "versions": "(self, app_id)",
    "get_version": "(self, app_id, version)",
    "rollback": "(self, app_id, version, *, force=False)",
    "queue": "(self)",
    "reset_delay": "(self, app_id)",
    "events": "(self, *, types=None)",
    "info": "(self)",
}


def shape(function: Any) -> str:
    signature = inspect.signature(function)
    parameters = [
        parameter.replace(annotation=inspect.Parameter.empty)
        for parameter in signature.parameters.values()
    ]
    return str(signature.replace(parameters=parameters, return_annotation=inspect.Signature.empty))


@pytest.mark.parametrize(
    ("protocol", "methods", "closer"),
    [
        (AgentsBackend, AGENTS, "close"),
        (AsyncAgentsBackend, AGENTS, "aclose"),
        (AppsBackend, APPS, "close"),
        (AsyncAppsBackend, APPS, "aclose"),
    ],
    ids=["AgentsBackend", "AsyncAgentsBackend", "AppsBackend", "AsyncAppsBackend"],
)
def test_protocol_methods_match_the_design(
    protocol: type, methods: dict[str, str], closer: str
) -> None:
    for name, expected in {**COMMON, **methods, closer: "(self)"}.items():
        assert shape(getattr(protocol, name)) == expected, name
    assert isinstance(inspect.getattr_static(protocol, "account"), property)
    assert isinstance(inspect.getattr_static(protocol, "capabilities"), property)


@pytest.mark.parametrize(
    ("sync", "async_"), [(AgentsBackend, AsyncAgentsBackend), (AppsBackend, AsyncAppsBackend)]
)
def test_sync_and_async_twins_differ_only_in_being_async(sync: type, async_: type) -> None:
    for name in {**AGENTS, **APPS}:
        if not hasattr(sync, name):
            continue
        sync_method, async_method = getattr(sync, name), getattr(async_, name)
        assert shape(sync_method) == shape(async_method)
        if name not in {"events", "for_account"}:
            assert inspect.iscoroutinefunction(async_method), name
            assert not inspect.iscoroutinefunction(sync_method), name


def test_capabilities_are_distinct_and_documented() -> None:
    values = [capability.value for capability in Capability]
    assert len(values) == len(set(values))
    assert {"QUEUE", "EVENTS", "KILL_AND_SCALE", "WIPE"} <= set(Capability.__members__)
