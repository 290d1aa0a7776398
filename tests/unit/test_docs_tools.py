"""The docs build's own code (docs/_ext/asgard_docs.py): the matrix, the docstring check and
the offline inventories."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

pytest.importorskip("sphinx", reason="the docs' tools run in the docs session (nox -s docs)")

from sphinx.util.inventory import InventoryFile

from asgard.backends import Capability
from asgard.models import App

ROOT = Path(__file__).resolve().parents[2]
PYTHON, HTTPX = "https://docs.python.org/3/", "https://www.python-httpx.org/"


@pytest.fixture(scope="module")
def tools() -> ModuleType:
    path = ROOT / "docs" / "_ext" / "asgard_docs.py"
    spec = importlib.util.spec_from_file_location("asgard_docs", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("asgard_docs", module)
    spec.loader.exec_module(module)
    return module


def test_the_matrix_has_every_capability_on_the_side_it_belongs_to(tools: ModuleType) -> None:
    rows = {name: has for name, _, has in tools.capability_rows()}
    assert set(rows) == {member.name for member in Capability}
    assert rows["LOGS"] == {"Mesos agents": True, "Marathon apps": None}
    assert rows["QUEUE"] == {"Mesos agents": None, "Marathon apps": True}
    table = tools.capability_table()
    assert table.count("\n| `") == len(Capability)
    assert "MesosAgentsBackend" in table


def test_every_public_name_has_a_docstring(tools: ModuleType) -> None:
    assert tools.undocumented() == []


def test_the_docstring_check_finds_a_missing_one(
    tools: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(App.to_spec, "__doc__", None)
    assert tools.undocumented() == ["asgard.models.app.App.to_spec"]


def test_the_offline_inventories_link_to_the_real_sites(tools: ModuleType, tmp_path: Path) -> None:
    mapping = tools.write_inventories(tmp_path)
    assert set(mapping) == {"python", "httpx", "attrs"}
    if not hasattr(InventoryFile, "loads"):  # Sphinx < 8.2
        pytest.skip("this Sphinx cannot read an inventory from bytes")
    python = InventoryFile.loads(Path(mapping["python"][1]).read_bytes(), uri=PYTHON)
    assert (
        python.data["py:exception"]["ValueError"].uri
        == f"{PYTHON}library/exceptions.html#ValueError"
    )
    httpx = InventoryFile.loads(Path(mapping["httpx"][1]).read_bytes(), uri=HTTPX)
    assert httpx.data["py:class"]["httpx.Client"].uri == f"{HTTPX}api/#client"
