"""Bugs the chaos soak found, each replayed in its smallest form, fixed since."""

from __future__ import annotations

from asgard.marathon import MarathonAppsBackend
from asgard.models import AppPatch, AppSpec
from asgard.testing import FakeCluster
from tests.soak._harness import DEV


def test_patch_setting_cmd_and_clearing_args() -> None:
    # soak seed 7, step 57: the fake refused {"cmd": ..., "args": []} (it checked the key's
    # presence, where Marathon checks args.nonEmpty)
    cluster = FakeCluster(seed=3)
    cluster.add_agent(owner=DEV.owner, cpus=4, mem=4096)
    with cluster.serve() as served, MarathonAppsBackend(served.marathon, account=DEV) as apps:
        apps.create(AppSpec(id="/db", cpus=0.1, mem=32, args=["sleep", "100"]))
        cluster.advance(30)  # the deployment that starts it is over
        apps.patch("/db", AppPatch(cmd="sleep 200", args=None))
        app = apps.get("/db")
    assert (app.cmd, app.args) == ("sleep 200", None)
