"""asgard: a typed, sync and async SDK for Mesos and Marathon clusters, scoped to accounts.

Wire one :class:`~asgard.backends.AgentsBackend` (Mesos) and one
:class:`~asgard.backends.AppsBackend` (Marathon) for an :class:`Account`, and use them directly
or through an ``Orchestrator``. Every name here is typed; every error derives from
:class:`asgard.errors.AsgardError`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from asgard import errors
from asgard.account import Account

if TYPE_CHECKING:
    from asgard.orchestrator import AsyncOrchestrator, Orchestrator

    __version__: str

__all__ = ["Account", "AsyncOrchestrator", "Orchestrator", "__version__", "errors"]


def __getattr__(name: str) -> Any:
    # Read on first use, as stamina does, so importing asgard stays cheap.
    if name == "__version__":
        from asgard._version import __version__  # noqa: PLC0415

        return __version__
    if name in ("Orchestrator", "AsyncOrchestrator"):
        from asgard import orchestrator  # noqa: PLC0415

        return getattr(orchestrator, name)
    msg = f"module 'asgard' has no attribute {name!r}"
    raise AttributeError(msg)
