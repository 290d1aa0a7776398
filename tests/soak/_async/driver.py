"""The chaos soak's driver: runs the planned operations with asgard's async backends.

``tests/soak/_harness.py`` plans the steps from the seed and checks the invariants after each
one; this module opens each account's backends on the served cluster, runs each operation and
closes everything. Written once; tests/soak/_sync/driver.py is generated from it by
scripts/unasync.py.
"""

from __future__ import annotations

from pathlib import Path

import attrs

from asgard import Account, AsyncOrchestrator
from asgard.marathon import AsyncMarathonAppsBackend
from asgard.mesos import AsyncMesosAgentsBackend
from asgard.testing import ServedCluster
from tests.soak import _harness as h

VARIANT = Path(__file__).parent.name.lstrip("_")
ADMIN_EVERY = 25  # operations between two looks through the cluster-wide account


@attrs.define
class Tenant:
    """One account's backends, and the orchestrator over them."""

    account: Account
    agents: AsyncMesosAgentsBackend
    apps: AsyncMarathonAppsBackend
    orchestrator: AsyncOrchestrator

    @property
    def closed(self) -> bool:
        return self.agents.closed and self.apps.closed


def open_tenant(served: ServedCluster, account: Account) -> Tenant:
    options = h.BACKEND_OPTIONS[account.namespace]
    agents = AsyncMesosAgentsBackend(
        served.mesos_masters,
        account=account,
        timeout=options.timeout,
        read_retries=options.read_retries,
    )
    apps = AsyncMarathonAppsBackend(
        served.marathon,
        account=account,
        timeout=options.timeout,
        read_retries=options.read_retries,
    )
    return Tenant(
        account=account,
        agents=agents,
        apps=apps,
        orchestrator=AsyncOrchestrator(agents=agents, apps=apps),
    )


async def run(tenant: Tenant, op: h.Op) -> object:
    """Run one planned operation; what it returns is checked for leaks."""
    p = op.params
    apps, agents, orchestrator = tenant.apps, tenant.agents, tenant.orchestrator
    kind = op.kind
    # apps: reads
    if kind == "apps.list":
        return await apps.list(with_tasks=p["with_tasks"])
    if kind == "apps.get":
        return await apps.get(p["app_id"], with_tasks=True)
    if kind == "apps.tasks":
        return await apps.tasks(p["app_id"])
    if kind == "apps.versions":
        return await apps.versions(p["app_id"])
    if kind == "apps.deployments":
        return await apps.deployments()
    if kind == "apps.queue":
        return await apps.queue()
    if kind == "apps.info":
        return await apps.info()
    if kind == "apps.wait":
        return await apps.wait(
            p["deployment_id"], timeout=h.WAIT_TIMEOUT, poll_interval=h.WAIT_POLL
        )
    # apps: writes
    if kind == "apps.create":
        return await apps.create(p["spec"])
    if kind == "apps.update":
        current = await apps.get(p["app_id"])
        spec = attrs.evolve(current.to_spec(), mem=p["mem"])
        return await apps.update(spec, force=p["force"])
    if kind == "apps.patch":
        return await apps.patch(p["app_id"], p["changes"], force=p["force"])
    if kind == "apps.scale":
        return await apps.scale(p["app_id"], p["instances"], force=p["force"])
    if kind == "apps.restart":
        return await apps.restart(p["app_id"], force=p["force"])
    if kind == "apps.delete":
        return await apps.delete(p["app_id"], force=p["force"])
    if kind == "apps.kill_tasks":
        return await apps.kill_tasks(p["app_id"], p["task_ids"], scale=p["scale"], wipe=p["wipe"])
    if kind == "apps.cancel":
        return await apps.cancel(p["deployment_id"], rollback=p["rollback"])
    if kind == "apps.rollback":
        return await apps.rollback(p["app_id"], p["version"], force=p["force"])
    # agents
    if kind == "agents.list":
        return await agents.list(with_tasks=p["with_tasks"])
    if kind == "agents.get":
        return await agents.get(p["agent_id"])
    if kind == "agents.tasks":
        return await agents.tasks(p["agent_id"])
    if kind == "agents.usage":
        return await agents.usage(p["agent_id"])
    if kind == "agents.usage_all":
        return await agents.usage_all(p["agent_ids"])
    if kind == "agents.logs":
        return await agents.logs(p["task_id"], stream=p["stream"])
    if kind == "agents.info":
        return await agents.info()
    # the orchestrator
    if kind == "orch.app_stats":
        return await orchestrator.app_stats(p["app_id"], interval=h.APP_STATS_INTERVAL)
    if kind == "orch.app_tasks":
        return await orchestrator.app_tasks(p["app_id"])
    if kind == "orch.agent_apps":
        return await orchestrator.agent_apps(p["agent_id"])
    # the other account's objects, by their ids: every one must be refused
    if kind == "cross.get":
        return await apps.get(p["app_id"])
    if kind == "cross.scale":
        return await apps.scale(p["app_id"], p["instances"])
    if kind == "cross.delete":
        return await apps.delete(p["app_id"])
    if kind == "cross.stats":
        return await orchestrator.app_stats(p["app_id"], interval=h.APP_STATS_INTERVAL)
    if kind == "cross.kill":
        return await apps.kill_tasks(p["app_id"], p["task_ids"])
    if kind == "cross.logs":
        return await agents.logs(p["task_id"])
    if kind == "cross.cancel":
        return await apps.cancel(p["deployment_id"])
    if kind in {"cross.agent", "cross.usage"}:
        how = p["how"]
        if how == "get":
            return await agents.get(p["agent_id"])
        if how == "tasks":
            return await agents.tasks(p["agent_id"])
        if how == "usage":
            return await agents.usage(p["agent_id"])
        return await agents.usage_all([p["agent_id"]])
    raise AssertionError(f"the driver does not know {kind}")


async def look_as_admin(soak: h.Soak, admin: Tenant) -> None:
    """The cluster-wide account sees exactly the fake's apps, agents and deployments."""
    if not soak.leaders_present:
        return
    try:
        apps = await admin.apps.list()
        agents = await admin.agents.list()
        deployments = await admin.apps.deployments()
    except Exception as exc:
        raise soak.fail(f"the cluster-wide account could not look: {exc!r}") from exc
    soak.check_admin(
        [app.id for app in apps], [agent.id for agent in agents], [d.id for d in deployments]
    )


async def soak_run(settings: h.Settings, sabotage: h.Sabotage | None = None) -> h.Soak:
    """Run a whole soak and check the end state: every backend, connection and thread closed.

    ``sabotage`` breaks the run on purpose (tests/soak/test_invariants_catch.py).

    Raises:
        SoakInvariantError: when an invariant broke; the message says how to replay the run.
    """
    baseline = h.Baseline.take()
    soak = h.Soak(settings, VARIANT, baseline)
    print(f"chaos soak [{VARIANT}]: seed {settings.seed} ({settings.seed_source})")
    tenants: list[Tenant] = []
    with soak.cluster.serve(timeout_hold=h.TIMEOUT_HOLD) as served:
        try:
            tenants += [open_tenant(served, account) for account in (*h.TENANTS, h.ADMIN)]
            admin = tenants[-1]
            for step in soak.steps():
                if isinstance(step, h.Chaos):
                    soak.apply(step)
                    continue
                soak.before(step)
                try:
                    result = await run_sabotaged(tenants[step.tenant], step, soak, sabotage)
                except Exception as exc:
                    soak.after(step, None, exc)
                else:
                    soak.after(step, result, None)
                if step.number % ADMIN_EVERY == 0:
                    await look_as_admin(soak, admin)
            soak.restore_leaders()
            await look_as_admin(soak, admin)
        finally:
            for tenant in tenants:
                await tenant.orchestrator.aclose()
        still_open = h.wait_for_connections_to_close()
        soak.counters.connections = served.connections_accepted()
        soak.counters.requests = len(soak.cluster.requests)
    if not all(tenant.closed for tenant in tenants):
        raise soak.fail("a backend is still open")
    if still_open:
        raise soak.fail("connections left open after every backend closed", still_open)
    pending = baseline.pending_tasks()
    if pending:
        raise soak.fail("tasks left pending", pending)
    leftovers = baseline.leftovers()
    if leftovers:
        raise soak.fail("resources left over after the run", leftovers)
    return soak


async def run_sabotaged(
    tenant: Tenant, op: h.Op, soak: h.Soak, sabotage: h.Sabotage | None
) -> object:
    """Run an operation, or break it as ``sabotage`` says."""
    if sabotage is None:
        return await run(tenant, op)
    sabotage.before(soak, op)
    if sabotage.skip(op):
        return None
    result: object = None
    for _ in range(sabotage.repeat(op)):
        try:
            result = await run(tenant, op)
        except Exception as exc:
            if not sabotage.swallows(exc):
                raise sabotage.translate(exc) from None
            result = None
    return sabotage.after(soak, op, result)
