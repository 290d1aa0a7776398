from __future__ import annotations

import subprocess
import sys

import pytest

from asgard.__main__ import main


def test_demo_runs_and_shows_the_guarantees(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "(4 agents of another owner, and its tasks on these agents, are invisible)" in out
    assert out.count(".asgard.test  ") == 8  # the account's agents, one row each
    assert "/batch" not in out  # the other tenant's app on the account's agents never shows
    assert "/api  100.0" in out  # a task at its CPU limit
    assert "NotFoundError: agent" in out
    assert "GET http://mesos-2.asgard.test:5050/master/slaves" in out
    assert "'web'          -> Marathon id '/dev/web'" in out
    assert "'../ops/web'   -> refused" in out
    assert "WriteOutcomeUnknownError" in out
    assert "the leader received the write 1 time(s)" in out


def test_an_unknown_command_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["nope"])
    assert caught.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_python_dash_m_asgard_runs_the_demo() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "asgard", "demo"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "asgard demo" in done.stdout
