"""What the docs build makes from the code: the capability matrix, the docstring check and the
offline inventories of Python, httpx and attrs.

Imported by ``docs/conf.py`` (as a Sphinx extension) and by the tests, which run the same
checks without Sphinx.
"""

from __future__ import annotations

import enum
import importlib
import inspect
import re
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sphinx.pycode import ModuleAnalyzer
from sphinx.util import logging as sphinx_logging

from asgard import Account
from asgard.backends import Capability

# -- the backend x capability matrix ----------------------------------------------------------

#: The shipped backends: (name shown, protocol, sync class, async class).
_BACKENDS = (
    (
        "Mesos agents",
        "asgard.backends.AgentsBackend",
        "asgard.mesos.MesosAgentsBackend",
        "asgard.mesos.AsyncMesosAgentsBackend",
    ),
    (
        "Marathon apps",
        "asgard.backends.AppsBackend",
        "asgard.marathon.MarathonAppsBackend",
        "asgard.marathon.AsyncMarathonAppsBackend",
    ),
)
_METHOD = re.compile(r"``(\w+)\(")


def _load(dotted: str) -> Any:
    module, _, name = dotted.rpartition(".")
    return getattr(importlib.import_module(module), name)


def _capability_docs() -> dict[str, str]:
    """Each ``Capability`` member's docstring, as Sphinx reads it from the source."""
    docs = ModuleAnalyzer.for_module("asgard.backends._capability").find_attr_docs()
    return {
        name: " ".join(" ".join(lines).split())
        for (scope, name), lines in docs.items()
        if scope == "Capability"
    }


def capability_rows() -> list[tuple[str, str, dict[str, bool | None]]]:
    """``(member, what it allows, {backend: declared})`` for every ``Capability``.

    Each backend is built offline (no request is sent) and asked for its ``capabilities``;
    the sync and async classes must agree. ``None``: the capability's methods are not part of
    that backend's protocol (an agents backend has no ``queue()``).
    """
    declared: dict[str, frozenset[Capability]] = {}
    protocols: dict[str, type] = {}
    for shown, protocol, sync_name, async_name in _BACKENDS:
        found = set()
        for dotted in (sync_name, async_name):
            backend = _load(dotted)(["http://backend.invalid:1"], account=Account.cluster_wide())
            found.add(backend.capabilities)
        if len(found) != 1:
            raise RuntimeError(f"{shown}: the sync and async backends declare different sets")
        declared[shown] = found.pop()
        protocols[shown] = _load(protocol)
    docs = _capability_docs()
    rows: list[tuple[str, str, dict[str, bool | None]]] = []
    for member in Capability:
        doc = docs.get(member.name, "")
        methods = _METHOD.findall(doc)
        has: dict[str, bool | None] = {}
        for shown, caps in declared.items():
            applies = any(hasattr(protocols[shown], method) for method in methods)
            has[shown] = (member in caps) if applies or member in caps else None
        rows.append((member.name, doc, has))
    return rows


def capability_table() -> str:
    """The matrix as a Markdown table: yes, no, or a dash where the protocol has no such call."""
    rows = capability_rows()
    backends = [shown for shown, *_ in _BACKENDS]
    head = ["Capability", "What it allows", *backends]
    lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    for name, doc, has in rows:
        marks = ["—" if has[shown] is None else "yes" if has[shown] else "no" for shown in backends]
        lines.append(f"| `{name}` | {doc} | " + " | ".join(marks) + " |")
    classes = ", ".join(
        f"{shown}: `{sync_name.rsplit('.', 1)[1]}` / `{async_name.rsplit('.', 1)[1]}`"
        for shown, _, sync_name, async_name in _BACKENDS
    )
    return "\n".join(lines) + f"\n\nBackends: {classes}.\n"


# -- every public name has a docstring ----------------------------------------------------------

#: The public modules: every name in their ``__all__`` is documented.
PUBLIC_MODULES = (
    "asgard",
    "asgard.account",
    "asgard.auth",
    "asgard.backends",
    "asgard.errors",
    "asgard.marathon",
    "asgard.mesos",
    "asgard.models",
    "asgard.orchestrator",
    "asgard.testing",
    "asgard.testing.contract",
)


def _own_members(cls: type) -> Iterator[tuple[str, Any]]:
    """The public attributes a class of asgard defines itself (not inherited from elsewhere)."""
    for klass in cls.__mro__:
        if not klass.__module__.startswith("asgard"):
            continue
        for name, value in vars(klass).items():
            if name.startswith("_"):
                continue
            yield f"{klass.__qualname__}.{name}", value


def _needs_doc(value: Any) -> bool:
    if isinstance(value, (staticmethod, classmethod)):
        value = value.__func__
    return isinstance(value, property) or inspect.isfunction(value)


def undocumented() -> list[str]:
    """The public names (and their public methods and properties) with no docstring."""
    missing: set[str] = set()
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        if not (module.__doc__ or "").strip():
            missing.add(module_name)
        for name in getattr(module, "__all__", ()):
            value = getattr(module, name)
            if inspect.isclass(value) and value.__module__.startswith("asgard"):
                if not (value.__doc__ or "").strip():
                    missing.add(f"{value.__module__}.{value.__qualname__}")
                if issubclass(value, enum.Enum):
                    continue
                for qualname, member in _own_members(value):
                    if _needs_doc(member) and not (inspect.getdoc(member) or "").strip():
                        missing.add(f"{value.__module__}.{qualname}")
            elif inspect.isfunction(value) and not (value.__doc__ or "").strip():
                missing.add(f"{value.__module__}.{value.__qualname__}")
    return sorted(missing)


# -- inventories for intersphinx without the network --------------------------------------------

PYTHON = "https://docs.python.org/3/"
HTTPX = "https://www.python-httpx.org/"
ATTRS = "https://www.attrs.org/en/stable/"

#: (name, domain:role, page#anchor) of what asgard's docs refer to, by project.
_INVENTORIES: dict[str, tuple[str, list[tuple[str, str, str]]]] = {
    "python": (
        PYTHON,
        [
            *(
                (name, "py:class", f"library/stdtypes.html#{name}")
                for name in ("str", "bytes", "tuple", "list", "dict", "frozenset")
            ),
            *(
                (name, "py:class", f"library/functions.html#{name}")
                for name in ("int", "float", "bool", "object", "type")
            ),
            ("None", "py:data", "library/constants.html#None"),
            *(
                (name, "py:exception", f"library/exceptions.html#{name}")
                for name in (
                    "Exception",
                    "BaseException",
                    "ValueError",
                    "LookupError",
                    "KeyError",
                    "TypeError",
                    "ExceptionGroup",
                )
            ),
            *(
                (
                    f"collections.abc.{name}",
                    "py:class",
                    f"library/collections.abc.html#collections.abc.{name}",
                )
                for name in (
                    "Mapping",
                    "Sequence",
                    "Iterable",
                    "Iterator",
                    "AsyncIterator",
                    "Callable",
                    "Awaitable",
                    "Collection",
                    "AsyncGenerator",
                    "Generator",
                )
            ),
            *(
                (f"contextlib.{name}", "py:class", f"library/contextlib.html#contextlib.{name}")
                for name in ("AbstractContextManager", "AbstractAsyncContextManager")
            ),
            *(
                (f"typing.{name}", "py:data", f"library/typing.html#typing.{name}")
                for name in ("Any", "Literal", "Self", "ClassVar")
            ),
            ("typing.Protocol", "py:class", "library/typing.html#typing.Protocol"),
            ("datetime.datetime", "py:class", "library/datetime.html#datetime.datetime"),
            # annotations written ``datetime`` after ``from datetime import datetime``
            ("datetime", "py:class", "library/datetime.html#datetime.datetime"),
            ("threading.RLock", "py:class", "library/threading.html#threading.RLock"),
            ("datetime.timedelta", "py:class", "library/datetime.html#datetime.timedelta"),
            ("enum.Enum", "py:class", "library/enum.html#enum.Enum"),
            ("os.PathLike", "py:class", "library/os.html#os.PathLike"),
            ("ssl.SSLContext", "py:class", "library/ssl.html#ssl.SSLContext"),
            ("ssl.SSLError", "py:exception", "library/ssl.html#ssl.SSLError"),
            ("logging.Logger", "py:class", "library/logging.html#logging.Logger"),
            ("logging", "py:module", "library/logging.html#module-logging"),
            ("random.Random", "py:class", "library/random.html#random.Random"),
            ("re.Pattern", "py:class", "library/re.html#re.Pattern"),
            ("threading.Thread", "py:class", "library/threading.html#threading.Thread"),
            ("json.JSONDecodeError", "py:exception", "library/json.html#json.JSONDecodeError"),
            ("types.MappingProxyType", "py:class", "library/types.html#types.MappingProxyType"),
        ],
    ),
    "httpx": (
        HTTPX,
        [
            ("httpx.Client", "py:class", "api/#client"),
            ("httpx.AsyncClient", "py:class", "api/#asyncclient"),
            ("httpx.Response", "py:class", "api/#response"),
            ("httpx.Request", "py:class", "api/#request"),
            ("httpx.URL", "py:class", "api/#url"),
            ("httpx.Timeout", "py:class", "advanced/timeouts/"),
            ("httpx.Limits", "py:class", "advanced/resource-limits/"),
            ("httpx.BaseTransport", "py:class", "advanced/transports/"),
            ("httpx.AsyncBaseTransport", "py:class", "advanced/transports/"),
            ("httpx.MockTransport", "py:class", "advanced/transports/#mock-transports"),
            ("httpx.Auth", "py:class", "advanced/authentication/"),
            ("httpx.QueryParams", "py:class", "api/"),
            *(
                (f"httpx.{name}", "py:exception", "exceptions/")
                for name in (
                    "HTTPError",
                    "TransportError",
                    "ReadError",
                    "ReadTimeout",
                    "ConnectError",
                )
            ),
        ],
    ),
    "attrs": (
        ATTRS,
        [
            *(
                (f"attrs.{name}", "py:function", f"api.html#attrs.{name}")
                for name in ("frozen", "define", "field", "evolve", "asdict", "fields")
            ),
        ],
    ),
}


def write_inventories(directory: Path) -> dict[str, tuple[str, str]]:
    """Write ``<project>.inv`` files (Sphinx inventory v2) and return intersphinx's mapping.

    Each entry links to the project's real page; the files stand in for the projects'
    ``objects.inv`` when the build has no network.
    """
    directory.mkdir(parents=True, exist_ok=True)
    mapping = {}
    for project, (base, entries) in _INVENTORIES.items():
        header = (
            "# Sphinx inventory version 2\n"
            f"# Project: {project}\n"
            "# Version: \n"
            "# The remainder of this file is compressed using zlib.\n"
        )
        body = "".join(f"{name} {role} 1 {uri} -\n" for name, role, uri in entries)
        path = directory / f"{project}.inv"
        path.write_bytes(header.encode() + zlib.compress(body.encode()))
        mapping[project] = (base, str(path))
    return mapping


# -- the Sphinx extension -----------------------------------------------------------------------

GENERATED = Path(__file__).resolve().parent.parent / "_generated"


def _generate(_app: Any) -> None:
    log = sphinx_logging.getLogger("asgard_docs")
    GENERATED.mkdir(exist_ok=True)
    target = GENERATED / "capabilities-table.md"
    table = capability_table()
    if not target.exists() or target.read_text() != table:
        target.write_text(table)
    for name in undocumented():
        log.warning("public name without a docstring: %s", name)


def setup(app: Any) -> dict[str, Any]:
    """Generate the capability matrix and check the docstrings before the sources are read."""
    app.connect("builder-inited", _generate)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
