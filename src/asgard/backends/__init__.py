"""The backend protocols and the optional capabilities a backend may have.

:class:`AgentsBackend` / :class:`AsyncAgentsBackend` describe the machines of a cluster and
what runs on them (implemented by ``asgard.mesos``); :class:`AppsBackend` /
:class:`AsyncAppsBackend` describe the apps of an account (implemented by
``asgard.marathon``). They are :class:`typing.Protocol` classes: an implementation, a
third-party one or a test double conforms by having the methods, not by inheriting.
"""

from __future__ import annotations

__all__ = [
    "AgentsBackend",
    "AppsBackend",
    "AsyncAgentsBackend",
    "AsyncAppsBackend",
    "AsyncBackend",
    "AsyncUsageSampler",
    "Backend",
    "Capability",
    "UsageSampler",
]


from asgard.backends._async import (
    AsyncAgentsBackend,
    AsyncAppsBackend,
    AsyncBackend,
    AsyncUsageSampler,
)
from asgard.backends._capability import Capability
from asgard.backends._sync import AgentsBackend, AppsBackend, Backend, UsageSampler
