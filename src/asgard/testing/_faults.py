"""Scripted faults: what a FakeCluster does instead of, or on top of, answering a request.

A fault is injected for a server (a base URL, or any server), a path (exact, or a prefix when
the pattern ends with ``*``) and a number of requests (``times``; None means until cleared).
Each request takes at most one ``latency`` fault and at most one other fault: the earliest
injected that match.

What each kind does, and whether the endpoint handler runs (so whether a write is applied):

======================  =========  =====================================================
kind                    handler    what the client sees
======================  =========  =====================================================
``latency``             runs       the answer after ``seconds`` of real time
``server_error_html``   no         500 with a Jetty-like HTML page
``timeout``             runs       :class:`httpx.ReadTimeout` (the reply is lost)
``connection_refused``  no         :class:`httpx.ConnectError` (never reached the server)
``connection_reset``    runs       :class:`httpx.ReadError` (the reply is lost)
``truncated_body``      runs       the answer with its body cut in half
``wrong_content_type``  runs       the answer with ``Content-Type: text/html``
``locked``              no         409 ``App is locked by one or more deployments.``
``agent_unreachable``   no         :class:`httpx.ConnectError`; agents only
======================  =========  =====================================================
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping
from html import escape
from typing import Final, Literal, get_args

import attrs
import httpx

from asgard.errors import InvalidInputError
from asgard.testing._clock import check_seconds
from asgard.testing._state import Server, base_url

__all__ = [
    "FAULT_KINDS",
    "Fault",
    "FaultKind",
    "Faults",
    "jetty_error_page",
    "locked_response",
    "path_matches",
]

FaultKind = Literal[
    "latency",
    "server_error_html",
    "timeout",
    "connection_refused",
    "connection_reset",
    "truncated_body",
    "wrong_content_type",
    "locked",
    "agent_unreachable",
]
"""The name of a fault kind, as :meth:`Faults.inject` takes it."""

FAULT_KINDS: Final[tuple[FaultKind, ...]] = get_args(FaultKind)
"""Every :data:`FaultKind`, in the order of the table above."""

UNREACHED_KINDS: Final[frozenset[FaultKind]] = frozenset(
    {"connection_refused", "agent_unreachable"}
)
"""The kinds whose requests never reach a server (logged in ``requests.unreached``)."""


def path_matches(pattern: str | None, path: str) -> bool:
    """Whether a request path matches a fault's or a log query's path pattern.

    None matches every path; a pattern ending with ``*`` matches every path that starts with
    the rest (``"/v2/apps*"`` matches ``/v2/apps`` and ``/v2/apps/ns/web``); any other pattern
    must equal the path.
    """
    if pattern is None:
        return True
    if pattern.endswith("*"):
        return path.startswith(pattern[:-1])
    return path == pattern


def check_path_pattern(pattern: object) -> str | None:
    """Validate a path pattern (None, or a string starting with ``/``).

    Raises:
        InvalidInputError: when the pattern is neither None nor a string starting with ``/``
            (or ``*`` alone, which matches every path).
    """
    if pattern is None:
        return None
    if not isinstance(pattern, str) or not (pattern.startswith("/") or pattern == "*"):
        raise InvalidInputError(f"path {pattern!r} must start with '/' (and may end with '*')")
    return pattern


@attrs.define(kw_only=True)
class Fault:
    """One injected fault, as :meth:`Faults.inject` returns it.

    Attributes:
        kind: what the fault does.
        server: the base URL it applies to, or None for any server.
        path: the path pattern it applies to, or None for any path.
        seconds: the delay of a ``latency`` fault, else None.
        remaining: how many more requests it applies to; None means until cleared.
        hits: how many requests it has applied to so far.
    """

    kind: FaultKind
    server: str | None
    path: str | None
    seconds: float | None
    remaining: int | None
    hits: int = 0

    def applies_to(self, server: Server, path: str) -> bool:
        """Whether this fault applies to a request to ``server`` for ``path``."""
        if self.kind == "agent_unreachable" and server.kind != "agent":
            return False
        if self.server is not None and self.server != server.url:
            return False
        return path_matches(self.path, path)

    @property
    def exhausted(self) -> bool:
        """Whether the fault has no request left to apply to."""
        return self.remaining is not None and self.remaining <= 0


@attrs.frozen(kw_only=True)
class Picked:
    """The faults one request takes: at most one latency fault and one other."""

    latency: Fault | None = None
    fault: Fault | None = None

    @property
    def kinds(self) -> tuple[FaultKind, ...]:
        """The kinds taken, latency first."""
        return tuple(f.kind for f in (self.latency, self.fault) if f is not None)


def _check_times(times: object) -> int | None:
    if times is None:
        return None
    if isinstance(times, bool) or not isinstance(times, int) or times < 1:
        raise InvalidInputError(f"times must be a positive integer or None, not {times!r}")
    return times


class Faults:
    """The faults scripted on one cluster: :meth:`inject` them, :meth:`clear` them.

    Args:
        lock: the cluster's lock.
        servers: returns the cluster's current servers by base URL (to check ``server=``).
    """

    def __init__(self, lock: threading.RLock, servers: Callable[[], Mapping[str, Server]]) -> None:
        self._lock = lock
        self._servers = servers
        self._faults: list[Fault] = []

    def inject(
        self,
        kind: FaultKind,
        *,
        server: str | None = None,
        path: str | None = None,
        times: int | None = 1,
        seconds: float | None = None,
    ) -> Fault:
        """Script a fault for the next ``times`` matching requests.

        Args:
            kind: one of :data:`FAULT_KINDS`.
            server: a server's base URL (``"http://marathon-0.asgard.test:8080"``), or None for
                every server (for ``agent_unreachable``: every agent).
            path: the request path, exactly, or a prefix followed by ``*``; None for every path.
            times: how many matching requests the fault applies to; None for every one until
                :meth:`clear`.
            seconds: the real-time delay of a ``latency`` fault (required for it, refused for
                the other kinds).

        Returns:
            The fault, whose ``hits`` and ``remaining`` tell how it was used.

        Raises:
            InvalidInputError: for an unknown kind, a server that is not one of the cluster's
                (or not an agent, for ``agent_unreachable``), a path not starting with ``/``,
                a ``times`` below 1, or ``seconds`` missing for ``latency``, negative, or given
                for another kind.
        """
        if kind not in FAULT_KINDS:
            raise InvalidInputError(
                f"unknown fault kind {kind!r}; choose one of {', '.join(FAULT_KINDS)}"
            )
        if kind == "latency":
            if seconds is None:
                raise InvalidInputError("a latency fault needs seconds=")
            seconds = check_seconds(seconds, what="seconds")
        elif seconds is not None:
            raise InvalidInputError(f"seconds= applies to latency faults only, not {kind!r}")
        remaining = _check_times(times)
        pattern = check_path_pattern(path)
        with self._lock:
            target = self._check_server(kind, server)
            fault = Fault(
                kind=kind, server=target, path=pattern, seconds=seconds, remaining=remaining
            )
            self._faults.append(fault)
        return fault

    def _check_server(self, kind: FaultKind, server: object) -> str | None:
        if server is None:
            return None
        if not isinstance(server, str):
            raise InvalidInputError(f"server must be a base URL or None, not {server!r}")
        url = base_url(server)
        known = self._servers()
        if url not in known:
            raise InvalidInputError(f"{server!r} is not a server of this cluster")
        if kind == "agent_unreachable" and known[url].kind != "agent":
            raise InvalidInputError(f"agent_unreachable applies to agents, and {server!r} is not")
        return url

    def clear(self) -> None:
        """Remove every scripted fault."""
        with self._lock:
            self._faults.clear()

    @property
    def active(self) -> tuple[Fault, ...]:
        """The faults still scripted, in injection order."""
        with self._lock:
            return tuple(self._faults)

    def take(self, server: Server, path: str) -> Picked:
        """Pick the faults for one request and count it against them.

        The earliest injected matching ``latency`` fault and the earliest matching fault of
        another kind each apply once; exhausted faults are dropped.
        """
        latency: Fault | None = None
        other: Fault | None = None
        with self._lock:
            for fault in self._faults:
                if not fault.applies_to(server, path):
                    continue
                if fault.kind == "latency":
                    latency = latency or fault
                else:
                    other = other or fault
            for chosen in (latency, other):
                if chosen is not None:
                    chosen.hits += 1
                    if chosen.remaining is not None:
                        chosen.remaining -= 1
            self._faults = [fault for fault in self._faults if not fault.exhausted]
        return Picked(latency=latency, fault=other)


def jetty_error_page(status: int, reason: str, path: str) -> httpx.Response:
    """A Jetty-style HTML error page, as Marathon's web server (or a proxy) sends it."""
    page = (
        "<html>\n<head>\n"
        '<meta http-equiv="Content-Type" content="text/html;charset=ISO-8859-1"/>\n'
        f"<title>Error {status} {escape(reason)}</title>\n"
        "</head>\n<body>"
        f"<h2>HTTP ERROR {status}</h2>\n"
        f"<p>Problem accessing {escape(path)}. Reason:\n<pre>    {escape(reason)}</pre></p>"
        "<hr><i><small>Powered by Jetty://</small></i><hr/>\n"
        "</body>\n</html>\n"
    )
    return httpx.Response(
        status,
        headers={"Content-Type": "text/html;charset=iso-8859-1"},
        content=page.encode("iso-8859-1", errors="replace"),
    )


def locked_response(deployment_id: str) -> httpx.Response:
    """Marathon's 409 for a write to an app that a running deployment holds."""
    body = {
        "message": "App is locked by one or more deployments.",
        "deployments": [{"id": deployment_id}],
    }
    return httpx.Response(
        409,
        headers={"Content-Type": "application/json"},
        content=json.dumps(body).encode(),
    )
