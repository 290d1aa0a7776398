"""Shared fixtures: the recorded payloads in ../shared/fixtures and the anyio backend."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

_HERE = Path(__file__).resolve().parent
_CANDIDATES = [
    *(
        [Path(os.environ["ASGARD_SHARED_FIXTURES"])]
        if "ASGARD_SHARED_FIXTURES" in os.environ
        else []
    ),
    _HERE.parent.parent / "shared" / "fixtures",
]
SHARED_FIXTURES = next((path for path in _CANDIDATES if path.is_dir()), _CANDIDATES[-1])


def load_fixture(relative: str) -> Any:
    """Parse a recorded JSON payload from the shared fixtures folder."""
    return json.loads((SHARED_FIXTURES / relative).read_text(encoding="utf-8"))


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def shared_fixtures() -> Path:
    if not SHARED_FIXTURES.is_dir():
        pytest.fail(f"the shared fixtures are not at {SHARED_FIXTURES}")
    return SHARED_FIXTURES
