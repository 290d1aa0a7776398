"""The generator of the sync twins: what it rewrites, and that the committed twins are current."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]


def load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("unasync_script", ROOT / "scripts/unasync.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_async_constructs_become_sync() -> None:
    unasync = load()
    source = (
        "from asgard._http._async import AsyncHttpSession\n"
        "@pytest.mark.anyio\n"
        "async def test_x(client: httpx.AsyncClient) -> None:\n"
        "    async with AsyncHttpSession() as s:\n"
        "        await asleep(1)\n"
        "        await s.aclose()\n"
    )
    used: set[int] = set()
    assert unasync.convert(source, used) == (
        "from asgard._http._sync import HttpSession\n"
        "def test_x(client: httpx.Client) -> None:\n"
        "    with HttpSession() as s:\n"
        "        sleep(1)\n"
        "        s.close()\n"
    )
    assert used


def test_other_async_names_are_left_alone() -> None:
    unasync = load()
    text = "stream: httpx.AsyncByteStream\nasync_mode = 1\nAsyncSomethingElse()\n"
    assert unasync.convert(text, set()) == text


def test_the_committed_sync_twins_are_current() -> None:
    assert load().main(["--check"]) == 0
