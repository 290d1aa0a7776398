"""Sphinx configuration for asgard's documentation (Sphinx + MyST + furo)."""

from __future__ import annotations

import importlib
import os
from typing import Any

from asgard import __version__

project = "asgard"
author = "The asgard developers"
copyright = "2026, the asgard developers"
release = __version__
version = ".".join(release.split(".")[:2])

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
]
# The inventories of Python, httpx and attrs need the network, which CI does not have: link to
# them only when asked (ASGARD_DOCS_INTERSPHINX=1).
if os.environ.get("ASGARD_DOCS_INTERSPHINX") == "1":
    extensions.append("sphinx.ext.intersphinx")
source_suffix = {".md": "markdown"}
exclude_patterns = ["_build", "conftest.py"]
myst_heading_anchors = 3
html_theme = "furo"
html_title = "asgard"

autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {"members": True, "show-inheritance": True}
napoleon_google_docstring = True
napoleon_numpy_docstring = False

intersphinx_mapping = {
    "python": ("https://docs.python.org/3", None),
    "httpx": ("https://www.python-httpx.org", None),
    "attrs": ("https://www.attrs.org/en/stable", None),
}
intersphinx_timeout = 5

# Without the inventories, references to these third-party and standard names cannot resolve;
# they are not broken links of ours.
nitpick_ignore_regex = [
    ("py:class", r"httpx\..*"),
    ("py:class", r"ssl\..*"),
    ("py:class", r"os\.PathLike.*"),
    ("py:class", r"collections\.abc\..*"),
    ("py:class", r"typing\..*"),
    ("py:class", r"typing_extensions\..*"),
    ("py:class", r"datetime\..*"),
    ("py:class", r"enum\..*"),
    ("py:class", r"types\..*"),
    ("py:class", r"(str|int|float|bool|bytes|object|type|tuple|list|dict|frozenset|None)"),
    ("py:exc", r"(ValueError|LookupError|KeyError|TypeError|ExceptionGroup)"),
    ("py:class", r"(Exception|BaseException|ValueError|LookupError)"),
    ("py:.*", r"json\..*"),
    ("py:.*", r"attrs\..*"),
    ("py:class", r"contextlib\..*"),
    # private bases shown by show-inheritance
    ("py:class", r"asgard\.(\w+\.)*_\w+"),
]

# Docstrings say ``Raises: InvalidInputError:`` and ``Deployment`` without their module: resolve
# such bare names against the public modules, so every cross-reference still gets checked.
_PUBLIC_MODULES = ("asgard.errors", "asgard.models", "asgard.backends", "asgard.auth", "asgard")


def _resolve_bare_names(app: Any, env: Any, node: Any, contnode: Any) -> Any:
    if node.get("refdomain") != "py":
        return None
    target = node["reftarget"].lstrip("~")
    if "." in target:
        return None
    domain = env.get_domain("py")
    for module in _PUBLIC_MODULES:
        if hasattr(importlib.import_module(module), target):
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
