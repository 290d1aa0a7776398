"""Turn the result files of the last ``nox -s bench`` into the Performance page's table and chart.

Reads ``benchmarks/results/*.json`` (written by each scenario through ``_common.report``) and
writes two files the docs include, both committed so the docs build needs no benchmark run:

- ``docs/_generated/performance-table.md``: one row per measure, seconds and ratio to its
  floor, the goal and whether it is met;
- ``docs/_static/performance.svg``: for each scenario, asgard, the floor, and where measured
  marathon-python and the sequential design, as ratios to the floor on a log scale.

Standard library only: the SVG is written by hand.
"""

from __future__ import annotations

import json
import math
import platform
import sys
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
DOCS = HERE.parent / "docs"
TABLE = DOCS / "_generated" / "performance-table.md"
CHART = DOCS / "_static" / "performance.svg"

# The scenarios in the order of the issue, with the title the docs give them.
TITLES = {
    "marathon_list": "Marathon list(with_tasks), 5,000 apps x 3 tasks",
    "mesos_list": "Mesos list(with_tasks), 10,000 agents, 100,000 tasks",
    "app_stats_sync": "app_stats, 1,000 agents, 20 ms (sync)",
    "app_stats_async": "app_stats, 1,000 agents, 20 ms (async)",
    "loopback_get": "1,000 reads over loopback HTTP",
    "loopback_get_concurrent": "1,000 reads over loopback, 10 threads",
    "loopback_list": "1,000 listings over loopback HTTP",
    "import": "import asgard",
}
# What a bar stands for, by a word of its label, and its colour.
KINDS = (
    ("floor", "floor", "#9e9e9e"),
    ("asgard", "asgard", "#1565c0"),
    ("marathon-python", "marathon-python", "#e65100"),
    ("sequential", "sequential design", "#6a1b9a"),
)


def kind_of(label: str, floor: str) -> str | None:
    """The kind of a measure by its label (``None`` for a measure the chart leaves out)."""
    if label == floor:
        return "floor"
    for word, kind, _ in KINDS:
        if word in label:
            return kind
    return None


def floor_of(result: dict[str, Any]) -> str:
    """The label of a result's floor (older result files only say it by a ratio of 1)."""
    floor = result.get("floor")
    if isinstance(floor, str):
        return floor
    return str(next(label for label, ratio in result["ratios"].items() if ratio == 1.0))


def load() -> list[dict[str, Any]]:
    """The result files, in the order of :data:`TITLES` (unknown ones last, by name)."""
    found = {path.stem: json.loads(path.read_text()) for path in sorted(RESULTS.glob("*.json"))}
    order = [name for name in TITLES if name in found]
    order += sorted(name for name in found if name not in TITLES)
    return [found[name] for name in order]


def table(results: list[dict[str, Any]]) -> str:
    """The Markdown table of every measure."""
    lines = [
        "| scenario | measure | seconds | ratio to floor | goal | met |",
        "| --- | --- | ---: | ---: | ---: | :---: |",
    ]
    for result in results:
        title = TITLES.get(result["benchmark"], result["benchmark"])
        for label, seconds in result["seconds"].items():
            ratio = result["ratios"][label]
            goal = result["goals"].get(label)
            met = "" if goal is None else ("yes" if ratio <= goal else "**no**")
            lines.append(
                f"| {title} | {label} | {seconds:.3f} | {ratio:.2f} | "
                f"{'' if goal is None else f'≤ {goal:.3g}'} | {met} |"
            )
    python = results[0]["python"] if results else platform.python_version()
    lines.append("")
    lines.append(
        f"Measured with CPython {python} on {platform.machine()} "
        "(a 2-core machine; ratios are what to compare, seconds vary by machine)."
    )
    return "\n".join(lines) + "\n"


def chart(results: list[dict[str, Any]]) -> str:
    """A horizontal bar chart of the ratios to each scenario's floor, on a log scale."""
    groups = []
    for result in results:
        bars = [
            (kind, result["ratios"][label])
            for label in result["seconds"]
            if (kind := kind_of(label, floor_of(result))) is not None
        ]
        if bars:
            groups.append((TITLES.get(result["benchmark"], result["benchmark"]), bars))
    left, width, bar, gap, top = 380, 420, 14, 16, 40
    low, high = 0.25, 64.0
    height = top + sum(len(bars) * bar + gap for _, bars in groups) + 60

    def x(ratio: float) -> float:
        share = (math.log2(max(ratio, low)) - math.log2(low)) / (math.log2(high) - math.log2(low))
        return left + width * min(share, 1.0)

    colours = {kind: colour for _, kind, colour in KINDS}
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + width + 80}" '
        f'height="{height}" font-family="sans-serif" font-size="12">',
        '<rect width="100%" height="100%" fill="white"/>',
        f'<text x="{left}" y="16" font-weight="bold">time as a ratio to the floor '
        "(log scale; lower is faster)</text>",
    ]
    ticks = [0.25, 0.5, 1, 2, 4, 8, 16, 32, 64]
    for tick in ticks:
        out.append(
            f'<line x1="{x(tick):.1f}" y1="{top - 8}" x2="{x(tick):.1f}" '
            f'y2="{height - 50}" stroke="#e0e0e0"/>'
        )
        out.append(
            f'<text x="{x(tick):.1f}" y="{height - 36}" text-anchor="middle">{tick:g}x</text>'
        )
    y = top
    for title, bars in groups:
        out.append(
            f'<text x="{left - 8}" y="{y + bar * len(bars) / 2 + 4:.1f}" '
            f'text-anchor="end">{escape(title)}</text>'
        )
        for kind, ratio in bars:
            end = x(ratio)
            out.append(
                f'<rect x="{left}" y="{y}" width="{end - left:.1f}" height="{bar - 2}" '
                f'fill="{colours[kind]}"><title>{escape(kind)}: {ratio:.2f}x</title></rect>'
            )
            out.append(f'<text x="{end + 4:.1f}" y="{y + bar - 4}">{ratio:.2f}x</text>')
            y += bar
        y += gap
    legend_x = left
    for _, kind, colour in KINDS:
        out.append(
            f'<rect x="{legend_x}" y="{height - 26}" width="10" height="10" fill="{colour}"/>'
        )
        out.append(f'<text x="{legend_x + 14}" y="{height - 17}">{escape(kind)}</text>')
        legend_x += 24 + 7 * len(kind)
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main() -> int:
    results = load()
    if not results:
        print(f"no result in {RESULTS}: run the benchmarks first (nox -s bench)")
        return 1
    TABLE.parent.mkdir(parents=True, exist_ok=True)
    TABLE.write_text(table(results), encoding="utf-8")
    CHART.parent.mkdir(parents=True, exist_ok=True)
    CHART.write_text(chart(results), encoding="utf-8")
    print(f"wrote {TABLE.relative_to(HERE.parent)} and {CHART.relative_to(HERE.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
