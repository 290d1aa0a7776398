"""Options and fixtures of the chaos soak: ``--soak-seed`` and ``--soak-ops``, and its report."""

from __future__ import annotations

import pytest

from tests.soak._harness import OPS_ENV, SEED_ENV, Settings, settings_from

REPORTS: list[str] = []


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("soak", "asgard's chaos soak (tests/soak)")
    group.addoption(
        "--soak-seed",
        default=None,
        help=f"the soak's seed, or 'random' (default: ${SEED_ENV}, else a fixed seed)",
    )
    group.addoption(
        "--soak-ops",
        default=None,
        help=f"how many account operations the soak runs (default: ${OPS_ENV}, else 250)",
    )


@pytest.fixture
def soak_settings(request: pytest.FixtureRequest) -> Settings:
    """The seed and length of the run; the options win over the environment."""
    config = request.config
    return settings_from(
        config.getoption("soak_seed", default=None), config.getoption("soak_ops", default=None)
    )


@pytest.fixture
def soak_reports() -> list[str]:
    """Where each run leaves its summary line, shown at the end of the session."""
    return REPORTS


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if REPORTS:
        terminalreporter.section("chaos soak")
        for line in REPORTS:
            terminalreporter.write_line(line)
