"""The Mesos requests asgard sends: paths and parameters (pure).

Master endpoints use the ``/master/`` prefix, which cannot be confused with an agent's; agent
endpoints use the bare form. Reads only: the agents backend changes nothing on the cluster.
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "CONTAINERS",
    "FILES_READ",
    "FLAGS",
    "SLAVES",
    "STATE",
    "STATE_SUMMARY",
    "TASKS",
    "TASKS_PAGE",
    "VERSION",
    "FILE_READ_LIMIT",
    "file_read_params",
    "sandbox_file",
    "sandbox_path",
    "slaves_params",
    "tasks_params",
]

SLAVES: Final = "/master/slaves"
TASKS: Final = "/master/tasks"
STATE_SUMMARY: Final = "/master/state-summary"
FLAGS: Final = "/master/flags"
VERSION: Final = "/version"
CONTAINERS: Final = "/containers"
STATE: Final = "/state"
FILES_READ: Final = "/files/read"

TASKS_PAGE: Final = 2000
"""Tasks asked per ``/master/tasks`` page (the master's default is 100)."""
FILE_READ_LIMIT: Final = 65536
"""The most an agent returns per ``/files/read`` (16 pages of 4 KiB)."""


def slaves_params(agent_id: str | None = None) -> dict[str, str]:
    """Parameters of ``/master/slaves``: one agent (Mesos 1.4+), or all."""
    return {} if agent_id is None else {"slave_id": agent_id}


def tasks_params(offset: int, *, task_id: str | None = None) -> dict[str, str | int]:
    """Parameters of one ``/master/tasks`` page, oldest first so pages shift the least."""
    params: dict[str, str | int] = {"limit": TASKS_PAGE, "offset": offset, "order": "asc"}
    if task_id is not None:
        params["task_id"] = task_id
    return params


def sandbox_path(framework_id: str, executor_id: str, stream: str) -> str:
    """The virtual path of an executor's latest sandbox file, which every agent attaches."""
    return f"/frameworks/{framework_id}/executors/{executor_id}/runs/latest/{stream}"


def sandbox_file(directory: str, stream: str) -> str:
    """The path of a sandbox file under the directory an agent's ``/state`` names."""
    return f"{directory.rstrip('/')}/{stream}"


def file_read_params(path: str, offset: int, length: int | None = None) -> dict[str, str | int]:
    """Parameters of ``/files/read``: offset -1 asks only for the file's size."""
    params: dict[str, str | int] = {"path": path, "offset": offset}
    if length is not None:
        params["length"] = length
    return params
