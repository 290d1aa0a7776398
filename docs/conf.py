"""Sphinx configuration for asgard's documentation (Sphinx + MyST + furo)."""

from __future__ import annotations

from asgard import __version__

project = "asgard"
author = "The asgard developers"
copyright = "2026, the asgard developers"
release = __version__
version = ".".join(release.split(".")[:2])

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.intersphinx",
    "sphinx.ext.napoleon",
]
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
intersphinx_disabled_reftypes = ["*"]
intersphinx_timeout = 5

# The inventories cannot be fetched without a network; unresolved references to these
# third-party names are expected there and are not errors.
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
]
