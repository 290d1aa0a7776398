"""The Mesos implementation of the agents backend.

:class:`MesosAgentsBackend` and :class:`AsyncMesosAgentsBackend` read the leading master's
HTTP API and, for usage samples and logs, each agent's own API. Which app a task belongs to is
decided by a task-naming rule; :func:`marathon_task_naming` is the default.
"""

from __future__ import annotations

from asgard.mesos._async import AsyncMesosAgentsBackend
from asgard.mesos._naming import TaskNamingRule, marathon_task_naming
from asgard.mesos._sync import MesosAgentsBackend

__all__ = [
    "AsyncMesosAgentsBackend",
    "MesosAgentsBackend",
    "TaskNamingRule",
    "marathon_task_naming",
]
