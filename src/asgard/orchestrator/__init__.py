"""The Orchestrator: one account's agents backend and apps backend, and what needs both.

:class:`Orchestrator` (sync) and :class:`AsyncOrchestrator` place an app's tasks on their
agents, list the apps on an agent, and measure an app's CPU, memory and throttling, or the whole
account's use, from two usage samples.
"""

from __future__ import annotations

from asgard.orchestrator._async import AsyncOrchestrator
from asgard.orchestrator._sync import Orchestrator

__all__ = ["AsyncOrchestrator", "Orchestrator"]
