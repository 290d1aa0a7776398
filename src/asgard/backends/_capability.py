"""The optional capabilities a backend may declare."""

from __future__ import annotations

import enum

__all__ = ["Capability"]


class Capability(enum.Enum):
    """An optional capability of a backend, listed in its ``capabilities`` frozenset.

    Calling an operation whose capability a backend lacks raises
    :class:`~asgard.errors.UnsupportedOperationError`.
    """

    QUEUE = "queue"
    """``queue()`` and ``reset_delay()``: the launch queue of apps waiting for offers."""
    EVENTS = "events"
    """``events()``: a stream of the account's events."""
    KILL_AND_SCALE = "kill_and_scale"
    """``kill_tasks(..., scale=True)``: kill tasks and lower the instance count at once."""
    WIPE = "wipe"
    """``kill_tasks(..., wipe=True)``: kill tasks and destroy their reservations."""
    SERVER_ROLLBACK = "server_rollback"
    """``rollback()`` and ``cancel(rollback=True)`` done by the server from its stored
    versions."""
    LOGS = "logs"
    """``logs()``: read a task's sandbox output files."""
    USAGE = "usage"
    """``usage()``: container resource counters of the account's tasks."""
