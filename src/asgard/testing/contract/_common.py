"""What every contract class shares, sync and async: the accounts it plays and its fixtures."""

from __future__ import annotations

import pytest

from asgard.account import Account
from asgard.backends import Capability

__all__ = ["DEV", "OPS", "ContractBase", "requires"]

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


def requires(backend: object, capability: Capability) -> None:
    """Skip the running test when ``backend`` does not declare ``capability``.

    A backend without a capability is held instead to refusing its calls with
    :class:`~asgard.errors.UnsupportedOperationError` (each contract's
    ``test_undeclared_capabilities_are_refused``).
    """
    if capability not in getattr(backend, "capabilities", frozenset()):
        pytest.skip(f"the backend does not declare {capability.name}")
