"""What every benchmark shares: best-of timing, a ratio table, and the JSON result file."""

from __future__ import annotations

import json
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def best_of(function: Callable[[], object], runs: int = 5) -> float:
    """The best wall time of ``runs`` calls, in seconds."""
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - started)
    return best


def report(name: str, rows: dict[str, float], floor: str, goals: dict[str, float]) -> None:
    """Print each measure as seconds and as a ratio to ``floor``; save them as JSON."""
    base = rows[floor]
    print(f"{name} ({platform.python_implementation()} {platform.python_version()})")
    print(f"  {'measure':<28} {'seconds':>10} {'ratio':>8} {'goal':>6}")
    for label, seconds in rows.items():
        goal = goals.get(label)
        print(
            f"  {label:<28} {seconds:>10.4f} {seconds / base:>8.2f} "
            f"{'' if goal is None else f'<={goal:g}':>6}"
        )
    RESULTS.mkdir(exist_ok=True)
    result = {
        "benchmark": name,
        "python": sys.version.split()[0],
        "machine": platform.machine(),
        "floor": floor,
        "seconds": rows,
        "ratios": {label: seconds / base for label, seconds in rows.items()},
        "goals": goals,
    }
    (RESULTS / f"{name}.json").write_text(json.dumps(result, indent=2) + "\n")
