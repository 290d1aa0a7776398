"""The soak's invariants are live: each deliberate breakage makes a short run fail with its own.

Sync backends only (the async driver is the same code, generated the other way round).
"""

from __future__ import annotations

import pytest

from tests.soak import _harness as h
from tests.soak._sync.driver import soak_run

SETTINGS = h.Settings(seed=7, ops=120, seed_source="given")


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("double_write", "a write reached a leader 2 times"),
        ("leak", "the other account's id was shown"),
        ("cross_success", "an attempt on the other account's object succeeded"),
        ("foreign_error", "raised KeyError, not an AsgardError"),
        ("tenancy", "the other account changed"),
        ("hide_lost_reply", "not WriteOutcomeUnknownError"),
        ("garbled_as_malformed", "answer was garbled raised MalformedResponseError"),
    ],
)
def test_a_broken_run_fails_with_a_replayable_message(kind: h.SabotageKind, message: str) -> None:
    with pytest.raises(h.SoakInvariantError) as failure:
        soak_run(SETTINGS, h.Sabotage(kind))
    text = str(failure.value)
    assert message in text
    assert "seed 7" in text
    assert "replay: ASGARD_SOAK_SEED=7 ASGARD_SOAK_OPS=120 pytest tests/soak/_sync" in text
