from __future__ import annotations

import subprocess
import sys

import pytest

from asgard.__main__ import main


def test_demo_runs_and_shows_the_guarantees(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "(4 agents of another owner are invisible to this account)" in out
    assert "'web'          -> Marathon id '/dev/web'" in out
    assert "'../ops/web'   -> refused" in out
    assert "served by http://mesos-2.asgard.test:5050" in out
    assert "WriteOutcomeUnknownError" in out
    assert "the leader received the write 1 time(s)" in out
    assert "ops-team" not in out


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
