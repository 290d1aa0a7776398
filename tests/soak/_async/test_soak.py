"""The seeded chaos soak: random operations of two accounts against a served FakeCluster.

Each step is either an operation of one account (through its own async backends, over the
loopback sockets of ``cluster.serve()``), possibly under injected faults and leader changes, or a
change of the cluster itself (time, leaders, agents, deployments). ``tests/soak/_harness.py``
plans the steps from the seed and checks the invariants after each one. Written once;
tests/soak/_sync/test_soak.py is generated from it by scripts/unasync.py.

Replay a run (the failure message prints the command)::

    ASGARD_SOAK_SEED=7 ASGARD_SOAK_OPS=300 pytest tests/soak
    pytest tests/soak --soak-seed=random --soak-ops=3000 -s
"""

from __future__ import annotations

import pytest

from tests.soak import _harness as h
from tests.soak._async.driver import soak_run


@pytest.mark.anyio
async def test_chaos_soak(soak_settings: h.Settings, soak_reports: list[str]) -> None:
    soak = await soak_run(soak_settings)
    report = soak.report()
    print(report)
    soak_reports.append(report)
