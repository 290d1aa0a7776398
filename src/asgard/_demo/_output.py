"""The demo's terminal output: sections, aligned tables, and one progress line while waiting.

Plain code shared by the sync and the async walk-through.
"""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Sequence
from types import TracebackType
from typing import TextIO

from asgard.models import (
    AppTerminated,
    Deployment,
    DeploymentFailed,
    DeploymentStepChanged,
    DeploymentSucceeded,
    Event,
    HealthChanged,
    StreamReconnected,
    TaskStatusChanged,
)

__all__ = ["Progress", "Terminal", "describe_event", "describe_step", "pct", "short"]

_HEX8 = re.compile(r"[0-9a-f]{8}(?=-)")
_AGENT = re.compile(r"-(S\d+)$")
_INDENT = "  "


def short(identifier: str) -> str:
    """A short, still distinctive form of a generated id, for a narrow column.

    An agent id (``<uuid>-S3``) becomes ``S3``; a task or deployment id holding a UUID becomes
    the UUID's first eight digits; anything else is kept.
    """
    agent = _AGENT.search(identifier)
    if agent is not None:
        return agent.group(1)
    found = _HEX8.search(identifier)
    return found.group(0) if found is not None else identifier


def pct(value: float | None) -> str:
    """A percentage with one decimal, or ``n/a`` when it could not be measured."""
    return "n/a" if value is None else f"{value:.1f}"


def describe_step(deployment: Deployment) -> str:
    """Where a deployment stands, from what the server said about it."""
    if deployment.current_step is None:
        return f"deployment {short(deployment.id)} running"
    actions = ", ".join(
        f"{action.action} {action.app_id or ''}".rstrip()
        for action in deployment.current_actions or ()
    )
    return (
        f"deployment {short(deployment.id)} step {deployment.current_step}/"
        f"{deployment.total_steps or '?'}: {actions or 'no action on this account'}"
    )


def describe_event(event: Event) -> tuple[str, str, str, str]:
    """``(event type, app, deployment, detail)`` of an event, for a table row."""
    name = type(event).__name__
    if isinstance(event, DeploymentStepChanged):
        step = f"step {event.current_step}/{event.total_steps}"
        return name, ", ".join(event.app_ids), short(event.deployment_id), f"{step} {event.phase}"
    if isinstance(event, DeploymentSucceeded):
        return name, ", ".join(event.app_ids), short(event.deployment_id), ""
    if isinstance(event, DeploymentFailed):
        return name, ", ".join(event.app_ids), short(event.deployment_id), event.reason or ""
    if isinstance(event, TaskStatusChanged):
        state = getattr(event.state, "value", event.state)
        return name, event.app_id, "-", f"{state} {short(event.task_id)} on {event.host or '?'}"
    if isinstance(event, HealthChanged):
        health = "healthy" if event.healthy else "unhealthy"
        return name, event.app_id, "-", f"{health} {short(event.task_id or '?')}"
    if isinstance(event, AppTerminated):
        return name, event.app_id, "-", ""
    if isinstance(event, StreamReconnected):
        return name, "-", "-", "events in between may be lost"
    return name, "-", "-", event.type  # an UnknownEvent: the cluster-wide view only


class Terminal:
    """Where the demo writes: numbered sections, lines, aligned tables, progress lines.

    Args:
        stream: the text stream (standard output by default).
        tty: whether progress lines are redrawn in place; by default, whether ``stream`` is a
            terminal. Elsewhere (a pipe, a file, a test) each update is a line of its own.
    """

    def __init__(self, stream: TextIO | None = None, *, tty: bool | None = None) -> None:
        self.stream = sys.stdout if stream is None else stream
        self.tty = self.stream.isatty() if tty is None else tty

    def line(self, text: str = "", *, indent: bool = True) -> None:
        """Write one line (indented under the section heading unless ``indent`` is False)."""
        prefix = _INDENT if indent and text else ""
        self.stream.write(f"{prefix}{text}\n")
        self.stream.flush()

    def section(self, number: int, title: str) -> None:
        """Start a numbered section."""
        self.line()
        self.line(f"{number}. {title}", indent=False)

    def table(
        self,
        rows: Sequence[Sequence[str]],
        *,
        align: str = "",
        footer: Sequence[str] | None = None,
    ) -> None:
        """Write ``rows`` (the first is the header) as aligned columns.

        Args:
            rows: the header, then one row per line; every row has the same length.
            align: one letter per column, ``l`` (the default) or ``r`` (numbers).
            footer: a last row (totals), set off by a rule.
        """
        every = [*rows, *([footer] if footer is not None else [])]
        widths = [max(len(row[column]) for row in every) for column in range(len(rows[0]))]

        def render(row: Sequence[str]) -> str:
            cells = [
                cell.rjust(width) if align[column : column + 1] == "r" else cell.ljust(width)
                for column, (cell, width) in enumerate(zip(row, widths, strict=True))
            ]
            return "  ".join(cells).rstrip()

        rule = "  ".join("-" * width for width in widths)
        lines = [render(rows[0]), rule, *(render(row) for row in rows[1:])]
        if footer is not None:
            lines += [rule, render(footer)]
        for text in lines:
            self.line(text)

    def progress(self, label: str) -> Progress:
        """A progress line for one wait: pass it as ``on_progress``, then call ``done``."""
        return Progress(self, label)


class Progress:
    """One line that follows a deployment while ``wait`` polls it.

    On a terminal the line is redrawn in place (a carriage return) at each step ``wait`` reports;
    elsewhere each distinct step is a line of its own. Use it as a context manager so that a
    wait that raises still ends the line before anything else is written.
    """

    def __init__(self, terminal: Terminal, label: str) -> None:
        self._terminal = terminal
        self._label = label
        self._started = time.monotonic()
        self._width = 0  # of the line drawn in place, not yet ended
        self._last = ""

    def __call__(self, deployment: Deployment) -> None:
        """Show the deployment's step (the ``on_progress`` callback of ``wait``)."""
        elapsed = time.monotonic() - self._started
        step = f"{self._label}: {describe_step(deployment)}"
        if self._terminal.tty:
            self._draw(f"{step} ({elapsed:.1f} s)")
        elif step != self._last:
            self._terminal.line(f"... {step}")
        self._last = step

    def done(self, text: str) -> None:
        """Replace the progress line with its outcome."""
        if self._terminal.tty:
            self._draw(text)
            self._end()
        else:
            self._terminal.line(text)

    def _draw(self, text: str) -> None:
        line = f"{_INDENT}{text}"
        self._terminal.stream.write("\r" + line.ljust(self._width))
        self._terminal.stream.flush()
        self._width = max(self._width, len(line))

    def _end(self) -> None:
        if self._width:
            self._terminal.stream.write("\n")
            self._terminal.stream.flush()
            self._width = 0

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._end()
