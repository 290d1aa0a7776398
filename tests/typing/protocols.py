"""Static checks across the twins (checked by mypy, never run by pytest).

A sync backend is not an async one, and agents and apps backends are not interchangeable: each
ignore below would be unused, which ``--strict`` reports, if the assignment type-checked.
"""

from __future__ import annotations

from asgard.account import Account
from asgard.backends import AgentsBackend, AppsBackend, AsyncAgentsBackend
from tests.typing._async import AsyncToyApps
from tests.typing._sync import ToyAgents, ToyApps

_ACCOUNT = Account(namespace="dev", owner="dev-team")

wrong_async_agents: AsyncAgentsBackend = ToyAgents(_ACCOUNT)  # type: ignore[assignment]
wrong_apps: AppsBackend = AsyncToyApps(_ACCOUNT)  # type: ignore[assignment]
wrong_kind: AgentsBackend = ToyApps(_ACCOUNT)  # type: ignore[assignment]
