"""The demo's walk-through of the product (``_sync.py`` is generated from it).

It wires the backends for one account exactly as a user would, over the FakeCluster's
transport instead of the network, and uses only the public API; the cluster's control API
plays the other tenant and the operator's scripted failures.
"""

from __future__ import annotations

import httpx

from asgard import AsyncOrchestrator
from asgard._demo._output import Terminal, describe_event, pct, short
from asgard._demo._scenario import Scenario, pinned
from asgard.errors import DeploymentFailedError, NotFoundError, WaitTimeoutError
from asgard.marathon import AsyncMarathonAppsBackend
from asgard.mesos import AsyncMesosAgentsBackend
from asgard.models import App, AppPatch, AppSpec, Deployment, DeploymentSucceeded, Event

__all__ = ["walk_through"]

WAIT_TIMEOUT = 30.0
"""Seconds a wait may take before the demo gives up (it takes a fraction of one)."""

POLL_INTERVAL = 0.05
"""Seconds between two polls of a wait (2.5 s of the cluster's fake time)."""

STUCK_TIMEOUT = 0.5
"""Seconds the demo waits for the deployment that cannot finish (25 s of fake time)."""

TOO_BIG = 65536.0
"""MiB per task no agent of the account has: a deployment that waits for offers forever."""

STATS_INTERVAL = 0.2
"""Seconds between the two usage samples of the stats (10 s of the cluster's fake time)."""

WEB = AppSpec(id="web", instances=3, cpus=0.5, mem=256, image="nginx:1.27")
"""The app the demo deploys."""

APP = WEB.id
"""Its id, relative to the account's namespace (``/web`` is Marathon's ``/dev/web``)."""


async def walk_through(scenario: Scenario, terminal: Terminal) -> None:
    """Run every section of the demo against the scenario's cluster."""
    cluster = scenario.cluster
    account = scenario.account
    async with httpx.AsyncClient(transport=cluster.async_transport()) as client:
        agents = AsyncMesosAgentsBackend(cluster.mesos_urls, account=account, client=client)
        apps = AsyncMarathonAppsBackend(cluster.marathon_urls, account=account, client=client)
        async with AsyncOrchestrator(agents=agents, apps=apps) as orch:
            hosts = await _agents(orch, scenario, terminal)
            await _deploy(orch, terminal)
            await _scale_and_restart(orch, terminal)
            await _stats(orch, terminal, hosts)
            await _failed_deployment(orch, terminal)
            await _rollback(orch, terminal)
            seen = await _events(orch, scenario, terminal)
            await _tenancy(orch, scenario, terminal, seen)
            await _leader(orch, scenario, terminal)


async def _wait(
    orch: AsyncOrchestrator,
    deployment: Deployment | str,
    terminal: Terminal,
    label: str,
    *,
    app_id: str = APP,
) -> App:
    """Wait for a deployment with a progress line; the app as it ended up."""
    with terminal.progress(label) as progress:
        await orch.apps.wait(
            deployment, timeout=WAIT_TIMEOUT, poll_interval=POLL_INTERVAL, on_progress=progress
        )
        app = await orch.apps.get(app_id)
        progress.done(
            f"{label}: finished, {app.tasks_running}/{app.instances} tasks running "
            f"(version {app.version})"
        )
    return app


# -- 1. agents ---------------------------------------------------------------------------------


async def _agents(
    orch: AsyncOrchestrator, scenario: Scenario, terminal: Terminal
) -> dict[str, str]:
    terminal.section(1, f"The agents of {orch.account!r}, with resources and allocation:")
    rows = [
        ("agent", "hostname", "owner", "rack", "cpus", "alloc", "cpu %", "mem MiB", "alloc", "apps")
    ]
    hosts: dict[str, str] = {}
    for agent in await orch.agents.list(with_tasks=True):
        hosts[agent.id] = agent.hostname
        apps = sorted({task.app_id or "?" for task in agent.tasks or ()})
        rows.append(
            (
                short(agent.id),
                agent.hostname,
                str(agent.attributes.get("owner", "-")),
                str(agent.attributes.get("rack", "-")),
                f"{agent.total.cpus:g}",
                f"{agent.allocated.cpus:g}",
                f"{agent.allocated_pct.cpus:.0f}",
                f"{agent.total.mem:g}",
                f"{agent.allocated.mem:g}",
                ", ".join(apps) or "-",
            )
        )
    terminal.table(rows, align="llllrrrrrl")
    terminal.line(
        f"({len(scenario.other_agents)} agents of another owner are in the cluster, not here)"
    )
    return hosts


# -- 2, 3. deploy, scale, restart --------------------------------------------------------------


async def _deploy(orch: AsyncOrchestrator, terminal: Terminal) -> None:
    terminal.section(2, f"Deploy {APP} ({WEB.image}, {WEB.instances} instances) and wait for it:")
    deployment = await orch.apps.create(WEB)
    await _wait(orch, deployment, terminal, f"deploy {APP}")


async def _scale_and_restart(orch: AsyncOrchestrator, terminal: Terminal) -> None:
    terminal.section(3, "Scale it to 5 instances, then restart it, waiting each time:")
    deployment = await orch.apps.scale(APP, 5)
    await _wait(orch, deployment, terminal, f"scale {APP} to 5")
    deployment = await orch.apps.restart(APP)
    await _wait(orch, deployment, terminal, f"restart {APP}")


# -- 4. stats ------------------------------------------------------------------------------------


async def _stats(orch: AsyncOrchestrator, terminal: Terminal, hosts: dict[str, str]) -> None:
    terminal.section(
        4, f"App stats: two usage samples {STATS_INTERVAL:g} s apart on every agent it runs on:"
    )
    stats = await orch.app_stats(APP, interval=STATS_INTERVAL)
    rows = [("task", "agent", "cpu %", "ram %", "throttled %")]
    for task in sorted(stats.tasks, key=lambda task: hosts.get(task.agent_id, task.agent_id)):
        rows.append(
            (
                short(task.task_id),
                hosts.get(task.agent_id, short(task.agent_id)),
                pct(task.cpu_pct),
                pct(task.ram_pct),
                pct(task.cpu_thr_pct),
            )
        )
    total = (
        f"app {stats.app_id}",
        f"{len(stats.tasks)} tasks",
        pct(stats.cpu_pct),
        pct(stats.ram_pct),
        pct(stats.cpu_thr_pct),
    )
    terminal.table(rows, align="llrrr", footer=total)
    for task_id, reason in stats.errors.items():
        terminal.line(f"not measured: {short(task_id)}: {reason}")
    usage = await orch.usage(interval=STATS_INTERVAL)
    terminal.line(
        f"the account's agents: {usage.total.cpus:g} CPUs, {usage.allocated.cpus:g} allocated, "
        f"{usage.used.cpus:.2f} in use; by app:"
    )
    for app in usage.apps:
        terminal.line(
            f"  {app.app_id}: {app.allocated.cpus:g} CPUs allocated, {app.used.cpus:.2f} in use"
        )


# -- 5, 6. a failed deployment, a rollback -----------------------------------------------------


async def _failed_deployment(orch: AsyncOrchestrator, terminal: Terminal) -> None:
    terminal.section(5, "A deployment that cannot finish, cancelled and rolled back:")
    # No agent of the account has 64 GiB: Marathon waits for offers that never come.
    deployment = await orch.apps.patch(APP, AppPatch(mem=TOO_BIG))
    terminal.line(f"patch(mem={TOO_BIG:g}) started deployment {short(deployment.id)}")
    try:
        await orch.apps.wait(deployment, timeout=STUCK_TIMEOUT, poll_interval=POLL_INTERVAL)
    except WaitTimeoutError as exc:
        entry = exc.queue_entry
        declined = ", ".join(
            f"{reason} {n}" for reason, n in (entry.declined if entry else {}).items()
        )
        terminal.line(
            f"caught WaitTimeoutError after {STUCK_TIMEOUT:g} s: "
            f"{entry.count if entry else '?'} task(s) wait for offers"
            + (f", declined: {declined}" if declined else "")
        )
    rollback = await orch.apps.cancel(deployment)
    assert rollback is not None  # cancel(rollback=True) starts one
    terminal.line(f"cancel() started rollback {short(rollback.id)}")
    try:
        await _wait(orch, deployment, terminal, f"patch {APP}")
    except DeploymentFailedError as exc:
        terminal.line(f"caught DeploymentFailedError: {exc}")
    app = await _wait(orch, rollback, terminal, f"rollback {short(rollback.id)}")
    terminal.line(f"{APP} runs with mem {app.mem:g} MiB again")


async def _rollback(orch: AsyncOrchestrator, terminal: Terminal) -> None:
    terminal.section(6, "Roll back to the first version:")
    versions = await orch.apps.versions(APP)
    first = versions[-1]
    terminal.line(f"{len(versions)} versions stored, newest first; the first is {first}")
    deployment = await orch.apps.rollback(APP, first)
    app = await _wait(orch, deployment, terminal, f"rollback {APP} to {first}")
    terminal.line(
        f"rolled back: {APP} has {app.instances} instances of {app.mem:g} MiB, "
        f"image {app.image}, as first deployed"
    )


# -- 7. events -----------------------------------------------------------------------------------


async def _events(
    orch: AsyncOrchestrator, scenario: Scenario, terminal: Terminal
) -> tuple[list[Event], int, int]:
    """Returns the events received, how many the cluster published, how many the other's."""
    terminal.section(7, "Events: the stream opens before a change, and buffers what happens:")
    cluster = scenario.cluster
    published = cluster.events.published
    received: list[Event] = []
    async with orch.apps.events() as stream:
        # Meanwhile the other tenant deploys an app of its own, on its own agents.
        cluster.add_app(
            f"/{scenario.other.namespace}/cron",
            AppSpec(id="cron", cpus=0.1, mem=64, cmd="./cron", constraints=pinned(scenario.other)),
        )
        cluster.advance(10)
        others = cluster.events.published - published
        terminal.line(f"(the other tenant deployed /{scenario.other.namespace}/cron meanwhile)")
        deployment = await orch.apps.scale(APP, 4)
        await _wait(orch, deployment, terminal, f"scale {APP} to 4")
        async for event in stream:
            received.append(event)
            if isinstance(event, DeploymentSucceeded) and event.deployment_id == deployment.id:
                break
    rows = [("#", "event", "app", "deployment", "detail")]
    rows += [(str(number), *describe_event(event)) for number, event in enumerate(received, 1)]
    terminal.table(rows, align="r")
    terminal.line(
        f"stopped at the DeploymentSucceeded of {short(deployment.id)}: "
        f"{len(received)} events received"
    )
    return received, cluster.events.published - published, others


# -- 8. tenancy ----------------------------------------------------------------------------------


async def _tenancy(
    orch: AsyncOrchestrator,
    scenario: Scenario,
    terminal: Terminal,
    seen: tuple[list[Event], int, int],
) -> None:
    other = scenario.other
    terminal.section(8, f"The other tenant, {other!r}, stays invisible:")
    cluster_apps = ", ".join(sorted(scenario.cluster.apps))
    listed = ", ".join(app.id for app in await orch.apps.list())
    terminal.line(f"{'(the cluster runs':20}    {cluster_apps})")
    terminal.line(f"{'apps.list()':20} -> {listed}")
    foreign_agent = scenario.other_agents[0]
    try:
        await orch.agents.get(foreign_agent)
        terminal.line(_shown("agents.get", foreign_agent, None))
    except NotFoundError as exc:
        terminal.line(_shown("agents.get", foreign_agent, exc))
    try:
        await orch.agent_apps(foreign_agent)
        terminal.line(_shown("agent_apps", foreign_agent, None))
    except NotFoundError as exc:
        terminal.line(_shown("agent_apps", foreign_agent, exc))
    # Ids are relative to the account's namespace: this one is /dev/ops/web, which is absent.
    foreign_app = f"/{other.namespace}/web"
    try:
        await orch.apps.get(foreign_app)
        terminal.line(_shown("apps.get", foreign_app, None))
    except NotFoundError as exc:
        terminal.line(_shown("apps.get", foreign_app, exc))
    received, published, others = seen
    named = sorted({app_id for event in received for app_id in _apps_of(event)})
    terminal.line(
        f"events: while the stream was open the cluster published {published}, {others} of "
        f"them about /{other.namespace}/cron; the account received {len(received)}, naming "
        f"only {', '.join(named)}"
    )
    terminal.line(
        "(Marathon event kinds asgard does not model, such as api_post_event, reach "
        "cluster-wide accounts only)"
    )


def _apps_of(event: Event) -> tuple[str, ...]:
    app_ids: tuple[str, ...] = getattr(event, "app_ids", ())
    app_id: str | None = getattr(event, "app_id", None)
    return app_ids if app_id is None else (*app_ids, app_id)


def _shown(name: str, argument: str, error: NotFoundError | None) -> str:
    call = f"{name}({short(argument)!r})".ljust(20)
    if error is None:  # pragma: no cover - tenancy holds
        return f"{call} -> found: tenancy is broken"
    return f"{call} -> NotFoundError: {error}"


# -- 9. leader -----------------------------------------------------------------------------------


async def _leader(orch: AsyncOrchestrator, scenario: Scenario, terminal: Terminal) -> None:
    cluster = scenario.cluster
    terminal.section(9, "The leaders move (Mesos master 1, Marathon 1); the next calls still work:")
    cluster.set_leader(1)
    cluster.requests.clear()
    agents = await orch.agents.list()
    apps = await orch.apps.list()
    await orch.agents.list()
    requests = list(cluster.requests)
    leaders = {(await orch.agents.info()).leader, (await orch.apps.info()).leader}
    for request in requests:
        role = "leader" if request.server in leaders else "standby"
        terminal.line(f"{request.method} {request.server}{request.path}  ({role})")
    terminal.line(
        f"-> {len(agents)} agents and {len(apps)} apps as before; the new Mesos leader is "
        "remembered, and the Marathon standby proxies to its leader"
    )
