"""``python -m asgard demo``: each section shows its evidence, sync and async alike."""

from __future__ import annotations

import contextlib
import io
import re
import subprocess
import sys
import time

import pytest

from asgard.__main__ import main
from asgard._demo._output import Terminal
from asgard.models import Deployment, DeploymentAction

OWN_HOSTS = {f"agent-{index}.asgard.test" for index in range(12) if index % 3}
VERSION = r"\d{4}-\d\d-\d\dT[\d:.]+Z"


def sections(out: str) -> dict[int, str]:
    """The demo's output by section number (the header under 0)."""
    found: dict[int, str] = {}
    number = 0
    for line in out.splitlines():
        heading = re.match(r"(\d)\. ", line)
        if heading:
            number = int(heading.group(1))
        found[number] = found.get(number, "") + line + "\n"
    return found


@pytest.fixture(scope="module", params=["sync", "async"])
def run(request: pytest.FixtureRequest) -> tuple[int, str, dict[int, str]]:
    """One run of the demo per API (its exit code, output, and sections)."""
    argv = ["demo", "--async"] if request.param == "async" else ["demo"]
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        code = main(argv)
    out = buffer.getvalue()
    return code, out, sections(out)


def test_the_demo_exits_0_through_the_api_asked_for(
    run: tuple[int, str, dict[int, str]], request: pytest.FixtureRequest
) -> None:
    code, out, found = run
    assert code == 0
    api = "async API" if "async" in request.node.callspec.id else "sync API"
    assert api in out.splitlines()[0]
    assert sorted(found) == list(range(10))
    assert re.search(r"^Done in \d+\.\d\d s", out, re.MULTILINE)


def test_1_lists_the_accounts_agents_only(run: tuple[int, str, dict[int, str]]) -> None:
    section = run[2][1]
    rows = [line for line in section.splitlines() if ".asgard.test" in line]
    assert {row.split()[1] for row in rows} == OWN_HOSTS
    assert all(row.split()[2] == "dev-team" for row in rows)
    assert "ops-team" not in section
    assert "(4 agents of another owner are in the cluster, not here)" in section
    # the account's running app shows on the agents it runs on, with what it allocates
    api_rows = [row for row in rows if row.endswith("/api")]
    assert len(api_rows) == 2
    assert all(row.split()[5] != "0" for row in api_rows)


def test_2_and_3_deploy_scale_and_restart_finish(run: tuple[int, str, dict[int, str]]) -> None:
    deploy, change = run[2][2], run[2][3]
    assert "... deploy /web: deployment " in deploy  # progress, one plain line per step
    assert re.search(rf"deploy /web: finished, 3/3 tasks running \(version {VERSION}\)", deploy)
    scaled = re.search(
        rf"scale /web to 5: finished, 5/5 tasks running \(version ({VERSION})\)", change
    )
    restarted = re.search(
        rf"restart /web: finished, 5/5 tasks running \(version ({VERSION})\)", change
    )
    assert scaled
    assert restarted
    assert scaled.group(1) < restarted.group(1)  # the restart rolled out a new version


def test_4_shows_app_stats_per_task_and_totals(run: tuple[int, str, dict[int, str]]) -> None:
    section = run[2][4]
    number = r"(\d+\.\d)"
    tasks = re.findall(
        rf"^  [0-9a-f]{{8}}\s+agent-\d+\.asgard\.test\s+{number}\s+{number}\s+{number}$",
        section,
        re.MULTILINE,
    )
    assert len(tasks) == 5
    for cpu, ram, throttled in tasks:
        assert 0 < float(cpu) <= 100
        assert 0 < float(ram) <= 100
        assert 0 <= float(throttled) <= 100
    total = re.search(rf"^  app /web\s+5 tasks\s+{number}\s+{number}\s+{number}$", section, re.M)
    assert total
    cpus = [float(cpu) for cpu, _, _ in tasks]
    assert min(cpus) - 0.1 <= float(total.group(1)) <= max(cpus) + 0.1
    assert re.search(r"the account's agents: 48 CPUs, [\d.]+ allocated, [\d.]+ in use", section)
    assert re.search(r"  /web: 2\.5 CPUs allocated, [\d.]+ in use", section)


def test_5_catches_the_failed_deployment(run: tuple[int, str, dict[int, str]]) -> None:
    section = run[2][5]
    started = re.search(r"patch\(mem=65536\) started deployment ([0-9a-f]{8})", section)
    assert started
    # it cannot finish: the timeout carries the launch queue entry and why offers were declined
    assert re.search(
        r"caught WaitTimeoutError after 0.5 s: 5 task\(s\) wait for offers, declined: .*"
        r"InsufficientMemory \d+",
        section,
    )
    rollback = re.search(r"cancel\(\) started rollback ([0-9a-f]{8})", section)
    assert rollback
    assert f"rollback {rollback.group(1)}: finished, 5/5 tasks running" in section
    assert re.search(
        rf"caught DeploymentFailedError: deployment {started.group(1)}[-0-9a-f]* failed: "
        r"app '/web' went back to its definition of version .* "
        r"\(the deployment was cancelled and rolled back\)",
        section,
    )
    assert "/web runs with mem 256 MiB again" in section


def test_6_rolls_back_to_the_first_version(run: tuple[int, str, dict[int, str]]) -> None:
    deployed = re.search(rf"deploy /web: finished.*\(version ({VERSION})\)", run[2][2])
    assert deployed
    section = run[2][6]
    assert f"the first is {deployed.group(1)}" in section
    assert f"rollback /web to {deployed.group(1)}: finished, 3/3 tasks running" in section
    assert "rolled back: /web has 3 instances of 256 MiB, image nginx:1.27" in section


def test_7_shows_the_accounts_events_up_to_the_changes_success(
    run: tuple[int, str, dict[int, str]],
) -> None:
    section = run[2][7]
    rows = re.findall(r"^\s+\d+  (\w+)\s+(\S+)\s+(\S+)", section, re.MULTILINE)
    assert rows
    assert {app for _, app, _ in rows} == {"/web"}
    assert "ops" not in "".join(
        line for line in section.splitlines() if re.match(r"\s+\d+  ", line)
    )
    kind, _, deployment = rows[-1]
    assert kind == "DeploymentSucceeded"
    assert f"stopped at the DeploymentSucceeded of {deployment}: {len(rows)} events" in section
    assert "TaskStatusChanged" in {kind for kind, _, _ in rows}


def test_8_the_other_tenant_is_invisible(run: tuple[int, str, dict[int, str]]) -> None:
    section = run[2][8]
    assert "/ops/web" in section.splitlines()[1]  # the cluster does run the other's apps
    assert re.search(r"apps\.list\(\)\s+-> /api, /web$", section, re.MULTILINE)
    assert re.search(r"agents\.get\('S0'\)\s+-> NotFoundError: agent '.*-S0' not found", section)
    assert re.search(r"agent_apps\('S0'\)\s+-> NotFoundError", section)
    assert re.search(
        r"apps\.get\('/ops/web'\)\s+-> NotFoundError: app '/ops/web' not found", section
    )
    events = re.search(
        r"while the stream was open the cluster published (\d+), (\d+) of them about /ops/cron; "
        r"the account received (\d+), naming only /web$",
        section,
        re.MULTILINE,
    )
    assert events
    published, others, received = (int(group) for group in events.groups())
    assert others > 0
    assert 0 < received < published - others  # also Marathon kinds asgard does not model
    assert f"{received} events received" in run[2][7]


def test_9_the_next_calls_follow_the_new_leaders(run: tuple[int, str, dict[int, str]]) -> None:
    section = run[2][9]
    assert "GET http://mesos-0.asgard.test:5050/master/slaves  (standby)" in section
    assert "GET http://mesos-1.asgard.test:5050/master/slaves  (leader)" in section
    assert "-> 8 agents and 2 apps as before" in section


def _deployment(step: int) -> Deployment:
    return Deployment(
        id="5c90a958-0000-4000-8000-000000000000",
        app_ids=("/web",),
        version="2026-01-01T00:00:00.000Z",
        current_step=step,
        total_steps=2,
        current_actions=(DeploymentAction(action="ScaleApplication", app_id="/web"),),
    )


def test_on_a_terminal_the_progress_line_is_redrawn_in_place() -> None:
    stream = io.StringIO()
    terminal = Terminal(stream, tty=True)
    with terminal.progress("deploy /web") as progress:
        progress(_deployment(1))
        progress(_deployment(2))
        assert "\n" not in stream.getvalue()
        progress.done("deploy /web: finished")
    drawn = stream.getvalue().split("\r")
    assert drawn[0] == ""
    assert len(drawn) == 4  # drawn three times, one line
    assert "step 1/2: ScaleApplication /web" in drawn[1]
    assert "step 2/2: ScaleApplication /web" in drawn[2]
    assert "\n" not in "".join(drawn[:3])
    assert drawn[3] == "  deploy /web: finished".ljust(len(drawn[2])) + "\n"  # the rest erased


def test_elsewhere_each_progress_step_is_a_line() -> None:
    stream = io.StringIO()
    terminal = Terminal(stream, tty=False)
    with terminal.progress("deploy /web") as progress:
        progress(_deployment(1))
        progress(_deployment(1))  # the same step again: no new line
        progress(_deployment(2))
        progress.done("deploy /web: finished")
    assert "\r" not in stream.getvalue()
    assert stream.getvalue().splitlines() == [
        "  ... deploy /web: deployment 5c90a958 step 1/2: ScaleApplication /web",
        "  ... deploy /web: deployment 5c90a958 step 2/2: ScaleApplication /web",
        "  deploy /web: finished",
    ]


def test_a_wait_that_raises_still_ends_the_progress_line() -> None:
    stream = io.StringIO()
    terminal = Terminal(stream, tty=True)

    def wait() -> None:
        with terminal.progress("patch /web") as progress:
            progress(_deployment(1))
            raise RuntimeError

    with pytest.raises(RuntimeError):
        wait()
    terminal.line("caught")
    assert stream.getvalue().endswith("\n  caught\n")


def test_tables_align_their_columns() -> None:
    stream = io.StringIO()
    Terminal(stream).table(
        [("name", "cpu %"), ("a", "5.0"), ("long name", "41.7")], align="lr", footer=("all", "46.7")
    )
    assert stream.getvalue().splitlines() == [
        "  name       cpu %",
        "  ---------  -----",
        "  a            5.0",
        "  long name   41.7",
        "  ---------  -----",
        "  all         46.7",
    ]


def test_an_unknown_command_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["nope"])
    assert caught.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_python_dash_m_asgard_runs_the_demo() -> None:
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "asgard", "demo"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("asgard demo")
    assert "9. The leaders move" in done.stdout
    assert "\r" not in done.stdout  # not a terminal: plain lines
    assert time.monotonic() - started < 30


def test_a_reader_that_goes_away_stops_the_demo_quietly() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "asgard", "demo"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    assert process.stdout.readline().startswith("asgard demo")
    process.stdout.close()  # as `| head -1` does
    _, err = process.communicate(timeout=30)
    # 1 when the demo was still writing; 0 when it had written everything into the pipe's
    # buffer before the reader left. Never a traceback.
    assert process.returncode in (0, 1)
    assert err == ""
