"""Sphinx configuration for asgard's documentation (Sphinx + MyST + furo)."""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path
from typing import Any

from asgard import __version__

sys.path.insert(0, str(Path(__file__).parent / "_ext"))
from asgard_docs import write_inventories

project = "asgard"
author = "The asgard developers"
copyright = "2026, the asgard developers"
release = __version__
version = ".".join(release.split(".")[:2])

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.intersphinx",
    "asgard_docs",  # docs/_ext: the capability matrix and the docstring check
]
source_suffix = {".md": "markdown"}
exclude_patterns = ["_build", "_generated", "_ext", "conftest.py"]
myst_heading_anchors = 3
myst_enable_extensions = ["deflist"]
html_theme = "furo"
html_title = "asgard"

autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {"members": True, "show-inheritance": True}
napoleon_google_docstring = True
napoleon_numpy_docstring = False

# Links to Python, httpx and attrs resolve from small inventories written from docs/_ext (the
# build machine has no network); ASGARD_DOCS_INTERSPHINX=1 tries the projects' own first.
_OFFLINE = write_inventories(Path(__file__).parent / "_build" / "inventories")
_ONLINE = os.environ.get("ASGARD_DOCS_INTERSPHINX") == "1"
intersphinx_mapping = {
    project: (base, (None, local) if _ONLINE else (local,))
    for project, (base, local) in _OFFLINE.items()
}
intersphinx_timeout = 5

# Without the inventories, references to these third-party and standard names cannot resolve;
# they are not broken links of ours.
nitpick_ignore_regex = [
    # private modules and bases (shown by show-inheritance, or in signatures) that have no
    # public name: the public one is tried first, see _resolve_names below
    ("py:class", r"asgard\.(\w+\.)*_\w+(\.\w+)*"),
    ("py:class", r"(AgentAddress|CertTypes|VerifyTypes)"),
    # type aliases and constants of the testing package (module data autodoc cannot import)
    ("py:class", r"(Handler|ServerKind|FaultKind|AttributeValue|Service|TickListener)"),
    ("py:data", r"[A-Z][A-Z_]+"),
]

# Docstrings say ``Raises: InvalidInputError:`` and ``Deployment`` without their module: resolve
# such bare names against the public modules, so every cross-reference still gets checked.
_PUBLIC_MODULES = ("asgard.errors", "asgard.models", "asgard.backends", "asgard.auth", "asgard")


def _public_name(target: str) -> str | None:
    """``asgard.testing._state.Server`` → ``asgard.testing.Server`` when that name exists."""
    parts = target.split(".")
    public = [part for part in parts[:-1] if not part.startswith("_")]
    if len(public) == len(parts) - 1 or not public:
        return None
    module = ".".join(public)
    try:
        found = hasattr(importlib.import_module(module), parts[-1])
    except ImportError:
        return None
    return f"{module}.{parts[-1]}" if found else None


def _resolve_bare_names(app: Any, env: Any, node: Any, contnode: Any) -> Any:
    if node.get("refdomain") != "py":
        return None
    target = node["reftarget"].lstrip("~")
    domain = env.get_domain("py")
    if "." in target:
        public = _public_name(target)
        if public is None:
            return None
        return domain.resolve_xref(
            env, node["refdoc"], app.builder, node["reftype"], public, node, contnode
        )
    for module in (node.get("py:module") or "", *_PUBLIC_MODULES):
        if module and hasattr(importlib.import_module(module), target):
            found = domain.resolve_xref(
                env,
                node["refdoc"],
                app.builder,
                node["reftype"],
                f"{module}.{target}",
                node,
                contnode,
            )
            if found is not None:
                return found
    return None


def setup(app: Any) -> None:
    app.connect("missing-reference", _resolve_bare_names)
