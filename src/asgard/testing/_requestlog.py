"""What each server of a FakeCluster received, with secrets redacted, for test assertions.

The log keeps the method, path, query and headers of each request, never its body: a body may
hold credentials or environment values, and tests check the effect of a write on the cluster's
state instead. Header values whose name looks secret (``Authorization``, ``Cookie``, anything
with ``auth``, ``token``, ``secret``, ``password`` or ``api-key`` in it) and query parameters
whose name looks secret are replaced by ``"[redacted]"``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Final, overload

import attrs
import httpx

from asgard.testing._faults import FaultKind, path_matches
from asgard.testing._state import base_url

__all__ = ["REDACTED", "RecordedRequest", "RequestLog", "is_secret_name", "record_of"]

REDACTED: Final = "[redacted]"
"""What the log shows instead of a secret value."""

_SECRET_MARKERS: Final = (
    "auth",
    "cookie",
    "token",
    "secret",
    "password",
    "passwd",
    "api-key",
    "apikey",
    "api_key",
)


def is_secret_name(name: str) -> bool:
    """Whether a header or query parameter name suggests its value is a secret."""
    lowered = name.lower()
    return any(marker in lowered for marker in _SECRET_MARKERS)


def _redact(pairs: Sequence[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    return tuple((name, REDACTED if is_secret_name(name) else value) for name, value in pairs)


@attrs.frozen(kw_only=True)
class RecordedRequest:
    """One request as a server of the cluster saw it (or, if unreached, as it was sent).

    Attributes:
        server: the base URL the request went to (``http://marathon-0.asgard.test:8080``).
        method: the HTTP method, upper-case.
        path: the URL path.
        query: the query parameters, as (name, value) pairs in order, secrets redacted.
        headers: the headers, as (lower-case name, value) pairs in order, secrets redacted.
        body_size: the length of the body in bytes (the body itself is never kept).
        at: the cluster's fake time when the request arrived.
        faults: the kinds of the faults that applied to it, latency first; empty when none.
        reached: False for requests that never reached a server (refused, unreachable agent,
            unknown host); those are listed in :attr:`RequestLog.unreached`.
    """

    server: str
    method: str
    path: str
    query: tuple[tuple[str, str], ...] = ()
    headers: tuple[tuple[str, str], ...] = ()
    body_size: int = 0
    at: datetime
    faults: tuple[FaultKind, ...] = ()
    reached: bool = True

    def header(self, name: str) -> str | None:
        """The first value of a header (case-insensitive), or None when absent."""
        lowered = name.lower()
        return next((value for key, value in self.headers if key == lowered), None)

    def param(self, name: str) -> str | None:
        """The first value of a query parameter, or None when absent."""
        return next((value for key, value in self.query if key == name), None)

    @property
    def params(self) -> httpx.QueryParams:
        """The query parameters as an immutable :class:`httpx.QueryParams`."""
        return httpx.QueryParams(list(self.query))


def record_of(
    request: httpx.Request,
    *,
    server: str,
    at: datetime,
    faults: tuple[FaultKind, ...] = (),
    reached: bool = True,
) -> RecordedRequest:
    """Build the redacted record of a request whose body has been read."""
    try:
        body_size = len(request.content)
    except httpx.RequestNotRead:
        body_size = 0
    return RecordedRequest(
        server=server,
        method=request.method.upper(),
        path=request.url.path,
        query=_redact(request.url.params.multi_items()),
        headers=_redact(request.headers.multi_items()),
        body_size=body_size,
        at=at,
        faults=faults,
        reached=reached,
    )


class RequestLog(Sequence[RecordedRequest]):
    """The requests the cluster's servers received, oldest first; a read-only sequence.

    Requests that never reached a server (a ``connection_refused`` or ``agent_unreachable``
    fault, or a host that is not in the cluster) are not in the sequence: they are in
    :attr:`unreached`, so ``len(cluster.requests)`` counts what servers really saw.

    Args:
        lock: the cluster's lock.
    """

    def __init__(self, lock: threading.RLock) -> None:
        self._lock = lock
        self._received: list[RecordedRequest] = []
        self._unreached: list[RecordedRequest] = []

    def add(self, record: RecordedRequest) -> None:
        """Append a record (to :attr:`unreached` when ``record.reached`` is False)."""
        with self._lock:
            (self._received if record.reached else self._unreached).append(record)

    @overload
    def __getitem__(self, index: int) -> RecordedRequest: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[RecordedRequest]: ...

    def __getitem__(self, index: int | slice) -> RecordedRequest | Sequence[RecordedRequest]:
        with self._lock:
            return self._received[index]

    def __len__(self) -> int:
        with self._lock:
            return len(self._received)

    def __iter__(self) -> Iterator[RecordedRequest]:
        with self._lock:
            return iter(tuple(self._received))

    def __repr__(self) -> str:
        with self._lock:
            return f"<RequestLog: {len(self._received)} received, {len(self._unreached)} unreached>"

    @property
    def unreached(self) -> tuple[RecordedRequest, ...]:
        """The requests that never reached a server, oldest first."""
        with self._lock:
            return tuple(self._unreached)

    def filter(
        self,
        *,
        server: str | None = None,
        path: str | None = None,
        method: str | None = None,
        unreached: bool = False,
    ) -> list[RecordedRequest]:
        """The received requests that match every criterion given.

        Args:
            server: a base URL (``http://mesos-0.asgard.test:5050``), or None for any server.
            path: the path exactly, or a prefix followed by ``*``; None for any path.
            method: the HTTP method (any case), or None for any.
            unreached: search :attr:`unreached` instead of the received requests.

        Raises:
            InvalidInputError: when ``server`` is not an http(s) URL with a host.
        """
        wanted_server = base_url(server) if server is not None else None
        wanted_method = method.upper() if method is not None else None
        with self._lock:
            records = tuple(self._unreached if unreached else self._received)
        return [
            record
            for record in records
            if (wanted_server is None or record.server == wanted_server)
            and (wanted_method is None or record.method == wanted_method)
            and path_matches(path, record.path)
        ]

    def clear(self) -> None:
        """Forget every record, received and unreached."""
        with self._lock:
            self._received.clear()
            self._unreached.clear()
