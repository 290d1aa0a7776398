"""What every contract class shares, sync and async: the accounts it plays and its fixtures."""

from __future__ import annotations

import pytest

from asgard.account import Account

__all__ = ["DEV", "OPS", "ContractBase"]

DEV = Account(namespace="dev", owner="dev-team")
"""The account under test."""
OPS = Account(namespace="ops", owner="ops-team")
"""The other tenant, whose agents, apps and events must stay invisible."""


class ContractBase:
    """The fixtures every contract class has."""

    @pytest.fixture
    def anyio_backend(self) -> str:
        """The async tests run on asyncio (the sync tests do not use it)."""
        return "asyncio"
