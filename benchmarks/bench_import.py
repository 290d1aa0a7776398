"""``import asgard`` against ``import httpx``, each in a fresh interpreter (goal: <= 1.2x)."""

from __future__ import annotations

import subprocess
import sys

from _common import report

CODE = "import time; s = time.perf_counter(); import {module}; print(time.perf_counter() - s)"


def import_time(module: str, runs: int = 9) -> float:
    """The best time of importing ``module`` in a new interpreter."""
    times = []
    for _ in range(runs):
        done = subprocess.run(
            [sys.executable, "-c", CODE.format(module=module)],
            capture_output=True,
            text=True,
            check=True,
        )
        times.append(float(done.stdout))
    return min(times)


if __name__ == "__main__":
    report(
        "import",
        {"import httpx (floor)": import_time("httpx"), "import asgard": import_time("asgard")},
        floor="import httpx (floor)",
        goals={"import asgard": 1.2},
    )
