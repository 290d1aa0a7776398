"""Sync helpers of the security tests: secrets, a loopback TLS server, leak scanners, deadlines.

Nothing here is async: both the async tests and their generated sync twins import it.
"""

from __future__ import annotations

import asyncio
import base64
import http.server
import os
import signal
import socket
import ssl
import threading
import traceback
from collections.abc import Iterable, Mapping
from types import FrameType, TracebackType
from typing import Any, Final, cast
from urllib.parse import urlsplit

import anyio
import attrs
import httpx

from asgard.testing import FakeCluster

__all__ = [
    "AGENT_TOKEN",
    "ENV_VALUE",
    "PASSWORD",
    "SECRETS",
    "TOKEN",
    "USER",
    "Deadline",
    "SeenRequest",
    "TlsServer",
    "basic_header",
    "cancel_after",
    "error_texts",
    "full_text",
    "model_reprs",
    "open_server_connections",
    "running_tasks",
    "socket_count",
    "worker_threads",
]

USER: Final = "admin"
PASSWORD: Final = "s3cr3t-PASSWORD-xyz"
TOKEN: Final = "tok-SECRET-123"
AGENT_TOKEN: Final = "agent-tok-SECRET-456"
ENV_VALUE: Final = "env-SECRET-value"


def basic_header(user: str, password: str) -> str:
    """The ``Authorization`` value HTTP Basic sends for ``user`` and ``password``."""
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii")


SECRETS: Final = (
    PASSWORD,
    TOKEN,
    AGENT_TOKEN,
    ENV_VALUE,
    basic_header(USER, PASSWORD).removeprefix("Basic "),
)
"""Every secret value the tests configure, and the base64 form Basic auth puts on the wire."""


# -- scanning for secrets --------------------------------------------------------------------


def error_texts(error: BaseException) -> list[str]:
    """``str``, ``repr`` and the formatted traceback of an error and of every error it chains.

    Follows ``__cause__`` and ``__context__`` (even when suppressed by ``from None``), and the
    attributes asgard's errors carry (``url``, ``details``, ``deployment``, ``queue_entry``).
    """
    texts: list[str] = []
    seen: set[int] = set()
    pending: list[BaseException] = [error]
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        texts.append(str(current))
        texts.append(repr(current))
        texts.extend(
            repr(getattr(current, name))
            for name in ("url", "details", "deployment", "queue_entry", "args")
            if hasattr(current, name)
        )
        texts.append("".join(traceback.format_exception(current, chain=False)))
        pending.extend(
            chained for chained in (current.__cause__, current.__context__) if chained is not None
        )
    return texts


def model_reprs(value: object) -> list[str]:
    """The ``repr`` of ``value`` and of every model (attrs instance) reachable inside it.

    Descends into lists, tuples, sets, mapping values and attrs fields; raw mappings and
    strings are not rendered themselves (they are the data), only the models inside them.
    """
    texts: list[str] = []
    pending: list[object] = [value]
    seen: set[int] = set()
    while pending:
        current = pending.pop()
        if id(current) in seen or isinstance(current, (str, bytes, int, float, type(None))):
            continue
        seen.add(id(current))
        if isinstance(current, BaseException):
            texts.extend(error_texts(current))
        elif attrs.has(type(current)):
            texts.append(repr(current))
            pending.extend(getattr(current, field.name) for field in _fields(current))
        elif isinstance(current, Mapping):
            pending.extend(cast("Mapping[object, object]", current).values())
        elif isinstance(current, (list, tuple, set, frozenset)):
            pending.extend(cast("Iterable[object]", current))
        else:
            texts.append(repr(current))
    return texts


def _fields(instance: object) -> tuple[attrs.Attribute[Any], ...]:
    return tuple(attrs.fields(cast("type[attrs.AttrsInstance]", type(instance))))


def full_text(value: object) -> str:
    """Everything inside ``value`` rendered in full: models as ``attrs.asdict`` (env values,
    ``extra`` and event payloads included, which their reprs hide), errors with their chains.
    """
    texts: list[str] = []
    pending: list[object] = [value]
    seen: set[int] = set()
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, BaseException):
            texts.extend(error_texts(current))
        elif attrs.has(type(current)):
            texts.append(repr(attrs.asdict(cast("attrs.AttrsInstance", current))))
            pending.extend(getattr(current, field.name) for field in _fields(current))
        elif isinstance(current, Mapping):
            mapping = cast("Mapping[object, object]", current)
            texts.append(repr(dict(mapping)))
            pending.extend(mapping.values())
        elif isinstance(current, (list, tuple, set, frozenset)):
            pending.extend(cast("Iterable[object]", current))
        else:
            texts.append(repr(current))
    return "\n".join(texts)


# -- hygiene probes --------------------------------------------------------------------------


def running_tasks() -> set[asyncio.Task[Any]]:
    """The asyncio tasks of the running loop; empty outside one (the sync twins)."""
    try:
        return set(asyncio.all_tasks())
    except RuntimeError:
        return set()


def worker_threads() -> set[threading.Thread]:
    """The live threads, except the served cluster's own (acceptor, clock, connections)."""
    return {
        thread for thread in threading.enumerate() if not thread.name.startswith("asgard-serve")
    }


def open_server_connections() -> int:
    """How many connections the served clusters of this process hold open right now.

    A served cluster runs one thread per accepted connection (``asgard-serve <url> #n``) until
    the client closes it, so this counts the client sockets still connected.
    """
    return sum(1 for thread in threading.enumerate() if thread.name.startswith("asgard-serve http"))


def socket_count() -> int:
    """How many sockets this process has open (Linux ``/proc``; -1 where unknown)."""
    fd_dir = "/proc/self/fd"
    if not os.path.isdir(fd_dir):
        return -1
    count = 0
    for name in os.listdir(fd_dir):
        try:
            if os.readlink(os.path.join(fd_dir, name)).startswith("socket:"):
                count += 1
        except OSError:  # closed while listing (the listing's own descriptor)
            continue
    return count


# -- cancelling after a deadline, async and sync ---------------------------------------------


class _DeadlineExpired(BaseException):
    """Raised in the main thread by SIGALRM: the sync twin of a cancel scope's cancellation."""


class Deadline:
    """Interrupt the block after ``seconds``: an anyio cancel scope in async code; in sync code,
    SIGALRM raising in the main thread (as Ctrl-C interrupts a sync call).

    ``cancelled`` tells afterwards whether the block was interrupted.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.cancelled = False
        self._scope: anyio.CancelScope | None = None
        self._previous: Any = None

    def __enter__(self) -> Deadline:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            if threading.current_thread() is not threading.main_thread():
                raise RuntimeError("a sync Deadline needs the main thread (SIGALRM)") from None
            self._previous = signal.signal(signal.SIGALRM, _expire)
            signal.setitimer(signal.ITIMER_REAL, self.seconds)
        else:
            self._scope = anyio.move_on_after(self.seconds)
            self._scope.__enter__()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool:
        if self._scope is not None:
            suppressed = bool(self._scope.__exit__(exc_type, exc, tb))
            self.cancelled = self._scope.cancelled_caught
            return suppressed
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, self._previous)
        self.cancelled = exc_type is _DeadlineExpired
        return self.cancelled


def _expire(_signum: int, _frame: FrameType | None) -> None:
    raise _DeadlineExpired


def cancel_after(seconds: float) -> Deadline:
    """A :class:`Deadline` of ``seconds``; use it as ``with cancel_after(0.2) as deadline:``."""
    return Deadline(seconds)


# -- a loopback TLS server -------------------------------------------------------------------


@attrs.frozen
class SeenRequest:
    """One request the TLS server decrypted: what it carried and who presented it."""

    method: str
    path: str
    headers: Mapping[str, str]
    body: bytes
    client_subject: str | None


_SKIP_RESPONSE_HEADERS: Final = frozenset(
    {"content-length", "transfer-encoding", "connection", "content-encoding"}
)


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 5

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the test reads what was recorded."""

    def do_GET(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        self._answer()

    def do_PUT(self) -> None:
        self._answer()

    def do_PATCH(self) -> None:
        self._answer()

    def do_DELETE(self) -> None:
        self._answer()

    def _answer(self) -> None:
        owner = cast("_HttpsServer", self.server).owner
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        peer = cast("ssl.SSLSocket", self.connection).getpeercert()
        subject = None
        if peer:
            names = cast("tuple[tuple[tuple[str, str], ...], ...]", peer.get("subject", ()))
            for key, value in (pair for relative_name in names for pair in relative_name):
                if key == "commonName":
                    subject = value
        headers = {name.lower(): value for name, value in self.headers.items()}
        owner.record(SeenRequest(self.command, urlsplit(self.path).path, headers, body, subject))
        upstream = owner.cluster.handle(
            httpx.Request(
                self.command,
                owner.upstream + self.path,
                headers={k: v for k, v in headers.items() if k not in {"host", "content-length"}},
                content=body,
            )
        ).unwrap()
        content = upstream.read()
        self.send_response(upstream.status_code)
        for name, value in upstream.headers.multi_items():
            if name.lower() not in _SKIP_RESPONSE_HEADERS:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)


class _HttpsServer(http.server.ThreadingHTTPServer):
    daemon_threads = False  # server_close() joins every connection thread
    block_on_close = True

    def __init__(self, owner: TlsServer) -> None:
        self.owner = owner
        super().__init__(("127.0.0.1", 0), _Handler)

    def finish_request(self, request: Any, client_address: Any) -> None:
        # The handshake runs in the connection's thread, so a failed one is recorded here.
        raw = cast("socket.socket", request)
        # A second descriptor of the connection outlives a failed handshake: what the client
        # sent anyway is read before closing, so the close is a FIN after the server's alert
        # (closing with unread data would reset the connection and race the alert).
        spare = raw.dup()
        try:
            try:
                tls = self.owner.context.wrap_socket(raw, server_side=True)
            except (ssl.SSLError, OSError) as exc:
                self.owner.handshake_failed(exc)
                _drain(spare)
                return
        finally:
            spare.close()
        try:
            _Handler(tls, client_address, self)
        except (ssl.SSLError, OSError) as exc:
            self.owner.handshake_failed(exc)
        finally:
            tls.close()


def _drain(sock: socket.socket) -> None:
    """Read and drop what the peer sends until it closes (or 2 s pass)."""
    sock.settimeout(2.0)
    try:
        while sock.recv(65536):
            pass
    except OSError:
        pass


class TlsServer:
    """An HTTPS server on 127.0.0.1 (standard library only) in front of one FakeCluster server.

    Each request is decrypted, recorded (:attr:`requests`, with the client certificate's
    subject) and answered by the FakeCluster server whose base URL is ``upstream``. Failed
    handshakes are recorded in :attr:`handshake_failures`.

    Args:
        cluster: the FakeCluster that answers.
        upstream: the fake base URL of the server to answer as (``cluster.marathon_urls[0]``).
        certfile: the server's certificate chain and key (one PEM file).
        client_ca: a CA bundle path: when given, the server REQUIRES a client certificate
            signed by it.
        maximum_version: the highest TLS version the server accepts (default: the newest).
    """

    def __init__(
        self,
        cluster: FakeCluster,
        upstream: str,
        *,
        certfile: str,
        client_ca: str | None = None,
        maximum_version: ssl.TLSVersion | None = None,
    ) -> None:
        self.cluster = cluster
        self.upstream = upstream
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(certfile)
        if maximum_version is not None:
            context.maximum_version = maximum_version
        if client_ca is not None:
            context.verify_mode = ssl.CERT_REQUIRED
            context.load_verify_locations(cafile=client_ca)
        self.context = context
        self._lock = threading.Lock()
        self._requests: list[SeenRequest] = []
        self._failures: list[str] = []
        self._server = _HttpsServer(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="tls-test-server",
        )
        self._thread.start()

    @property
    def url(self) -> str:
        """The server's base URL, ``https://127.0.0.1:<port>``."""
        return f"https://127.0.0.1:{self._server.server_address[1]}"

    @property
    def requests(self) -> list[SeenRequest]:
        """The requests decrypted so far, oldest first."""
        with self._lock:
            return list(self._requests)

    @property
    def handshake_failures(self) -> list[str]:
        """The TLS errors of the handshakes that failed, oldest first."""
        with self._lock:
            return list(self._failures)

    def record(self, request: SeenRequest) -> None:
        with self._lock:
            self._requests.append(request)

    def handshake_failed(self, exc: BaseException) -> None:
        with self._lock:
            self._failures.append(f"{type(exc).__name__}: {exc}")

    def close(self) -> None:
        """Stop serving and join every thread."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def __enter__(self) -> TlsServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
