"""A FakeCluster over real loopback HTTP: one listening socket per fake server.

:meth:`FakeCluster.serve` opens a socket on a loopback address for each Mesos master, each
Marathon instance and each agent, and answers every request from the cluster: the request is
turned into an :class:`httpx.Request` for the fake server's own URL
(``http://mesos-0.asgard.test:5050/master/slaves``), handed to :meth:`FakeCluster.handle`,
and the :class:`~asgard.testing.Outcome` is written back. Notebooks, scripts, curl and
third-party clients can then talk to the cluster as to a real one, while a test (or the
notebook) keeps driving it with the control API (``advance``, ``set_leader``, ``faults``, ...).

Only the standard library serves: one thread accepts on every socket, and each connection
gets its own daemon thread (HTTP/1.1 keep-alive, chunked request bodies understood).
:meth:`ServedCluster.close` stops accepting, closes every socket and joins every thread.

Ports and agents
----------------
Ports are chosen by the operating system, or counted from ``base_port``: masters by index,
then Marathon instances by index, then agents in registration order. An agent added after
``serve()`` gets its socket on demand: before the next request is answered (or when
:attr:`ServedCluster.agents`, :meth:`~ServedCluster.url_of` or
:attr:`~ServedCluster.addresses` is read), with the next port. A removed agent keeps its
socket until :meth:`~ServedCluster.close`; requests to it are reset, as the in-memory transport
fails to connect.

What each fault becomes on the wire
-----------------------------------
A socket can only refuse a connection before it knows the request, and faults are chosen per
request; so the faults that end in an httpx error become what a client can see once its
request was sent:

======================  ==========================================================
outcome                 on the wire
======================  ==========================================================
``latency``             the answer is written after ``seconds`` (the write is applied at once)
``connection_refused``  the connection is reset (RST, no answer); the handler did not run
``agent_unreachable``   the same, for agents
unknown host            the same (an agent removed since ``serve()``)
``connection_reset``    the connection is reset (RST, no answer); the handler ran
``timeout``             nothing is answered for ``timeout_hold`` seconds, then the connection
                        is closed (FIN): a client whose read timeout is shorter sees a read
                        timeout, one whose timeout is longer sees the server disconnect
``truncated_body``      a complete answer whose body is the first half (as in memory)
``wrong_content_type``  the answer with ``Content-Type: text/html`` (as in memory)
``server_error_html``,  the answer the fake gives (500 HTML page, 409 JSON)
``locked``
a cut event stream      the connection is reset in the middle of the chunked body
======================  ==========================================================

httpx reports a reset as :class:`httpx.ReadError` and a close without an answer as
:class:`httpx.RemoteProtocolError`: both mean "the request may have reached the server", so a
client cannot fail over a *write* on them as it can on the in-memory ``ConnectError``. Test
failover of writes on the in-memory transports; over sockets, reads fail over as usual.

``/v2/events`` answers are written with ``Transfer-Encoding: chunked``, one chunk per event
as it is published, and end (``0`` chunk) when the fake ends the stream. Closing the served
cluster cuts the streams it serves, not those of in-memory clients of the same cluster.

What is rewritten, and why
--------------------------
A client configured with the loopback URLs only follows what it receives, so every address of
a served server in an answer is rewritten to its loopback address, and nothing else:

- any ``<fake host>:<fake port>`` of a served server in a header value or a body (JSON, plain
  text, HTML, events): redirect ``Location`` (``//mesos-1.asgard.test:5050/master/slaves``),
  ``X-Marathon-Leader``, ``X-Marathon-Via``, Marathon's ``Location`` of a new app,
  ``/v2/leader`` and ``/v2/info``'s ``leader``, ``webui_url`` and ``mesos_leader_ui_url``,
  Mesos ``pid`` and ``leader`` (``master@…``, ``slave(1)@…``): so leader discovery, redirects
  and ``agent_address="pid"`` reach the right socket;
- with ``hostnames="loopback"`` (the default), in a JSON object whose ``hostname`` and
  ``port`` (or ``pid``) name a served server, ``hostname`` becomes the loopback host and
  ``port`` its port (agents in ``/master/slaves``, ``/master/state``, ``state-summary``,
  agent ``/state``, ``leader_info``, ``flags``): so clients that build an agent's URL from
  ``hostname`` and ``port`` (asgard's default ``agent_address="hostname"``) reach it. Every
  agent then shows the same host name (``127.0.0.1``) and is told apart by its port and id.
  With ``hostnames="fake"`` the host names are kept (readable, distinct) and only the
  addresses above are rewritten: configure asgard's agents backend with
  ``agent_address="pid"`` then.

Left as they are: names that are not a served address (Marathon tasks' ``host``, which
Marathon's ``?host=`` filter matches; Marathon's ``marathon_config.hostname``; ZooKeeper
``zk://…:2181`` URLs; frameworks' scheduler pids; task IP addresses), sandbox file contents
(agent ``/files/*``), and requests (only their URL is mapped to the fake server's).
"""

from __future__ import annotations

import contextlib
import http.server
import ipaddress
import itertools
import json
import re
import select
import selectors
import socket
import socketserver
import struct
import threading
import time
from collections.abc import Mapping
from types import MappingProxyType, TracebackType
from typing import TYPE_CHECKING, Final, Literal

import httpx

from asgard.errors import InvalidInputError
from asgard.models._checks import number
from asgard.testing._eventbus import EventStreamBody
from asgard.testing._state import Server, base_url

if TYPE_CHECKING:
    from asgard.testing._cluster import FakeCluster

__all__ = ["DEFAULT_TIMEOUT_HOLD", "HostnameMode", "ServedCluster"]

HostnameMode = Literal["loopback", "fake"]
"""How served answers name hosts: ``"loopback"`` rewrites ``hostname``/``port`` pairs too."""

DEFAULT_TIMEOUT_HOLD: Final = 15.0
"""Seconds a ``timeout`` fault holds the connection without answering (above httpx's 10 s)."""

_CLOCK_INTERVAL: Final = 0.1
_HOLD_STEP: Final = 0.05
_JOIN_TIMEOUT: Final = 10.0
_MAX_LINE: Final = 65536

# request headers the fake server must not receive as sent (httpx sets them for its own URL)
_REQUEST_SKIP: Final = frozenset(
    {"host", "content-length", "transfer-encoding", "connection", "keep-alive", "te", "upgrade"}
)
# response headers that describe the fake's own framing, not the wire's
_RESPONSE_SKIP: Final = frozenset(
    {"content-length", "transfer-encoding", "content-encoding", "connection", "keep-alive"}
)
_PID_ADDRESS: Final = re.compile(r"@(?P<host>[^@]+):(?P<port>[0-9]+)\Z")


def _loopback(host: object) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    if host == "localhost":
        return ipaddress.IPv4Address("127.0.0.1")
    if not isinstance(host, str):
        raise InvalidInputError(f"host must be a loopback address, not {host!r}")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        raise InvalidInputError(
            f"host must be a loopback IP address (127.0.0.1, ::1) or 'localhost', not {host!r}"
        ) from None
    if not address.is_loopback:
        raise InvalidInputError(
            f"host {host!r} is not a loopback address: the fake serves this machine only"
        )
    return address


def _check_base_port(base_port: object) -> int | None:
    if base_port is None:
        return None
    if isinstance(base_port, bool) or not isinstance(base_port, int) or not 1 <= base_port <= 65535:
        raise InvalidInputError(f"base_port must be a port (1-65535) or None, not {base_port!r}")
    return base_port


def _check_hold(value: object) -> float:
    return number("timeout_hold", value, minimum=0, strict=False)


class _Addresses:
    """The fake address → loopback port table, and the rewriting it implies."""

    def __init__(self, host: str, netloc_host: str, ports: Mapping[tuple[str, int], int]) -> None:
        self.host = host
        self.ports = dict(ports)
        self._netloc_host = netloc_host
        alternatives = sorted((f"{h}:{p}" for h, p in self.ports), key=len, reverse=True)
        pattern = (
            r"(?<![A-Za-z0-9_.\-])(" + "|".join(map(re.escape, alternatives)) + r")(?![0-9])"
            if alternatives
            else r"(?!)"
        )
        self._text = re.compile(pattern, re.IGNORECASE)
        self._bytes = re.compile(pattern.encode("ascii"), re.IGNORECASE)
        self._hostnames = {h for h, _ in self.ports}

    def _netloc(self, fake: str) -> str:
        host, _, port = fake.rpartition(":")
        return f"{self._netloc_host}:{self.ports[(host.lower(), int(port))]}"

    def text(self, value: str) -> str:
        """Rewrite every served ``host:port`` in a header value."""
        return self._text.sub(lambda match: self._netloc(match.group(1)), value)

    def body(self, data: bytes) -> bytes:
        """Rewrite every served ``host:port`` in a body."""
        return self._bytes.sub(
            lambda match: self._netloc(match.group(1).decode("ascii")).encode("ascii"), data
        )

    def pairs(self, data: bytes) -> bytes:
        """Rewrite the ``hostname``/``port`` objects of a JSON body that name a served server."""
        try:
            parsed = json.loads(data)
        except ValueError:
            return data
        if not self._rewrite_pairs(parsed):
            return data
        return json.dumps(parsed, separators=(",", ":")).encode()

    def _rewrite_pairs(self, root: object) -> bool:
        changed = False
        pending = [root]
        while pending:
            value = pending.pop()
            if isinstance(value, dict):
                changed = self._rewrite_object(value) or changed
                pending.extend(value.values())
            elif isinstance(value, list):
                pending.extend(value)
        return changed

    def _rewrite_object(self, found: dict[str, object]) -> bool:
        hostname = found.get("hostname")
        if not isinstance(hostname, str) or hostname.lower() not in self._hostnames:
            return False
        port = self._port_of(found, hostname)
        loopback_port = self.ports.get((hostname.lower(), port)) if port is not None else None
        if loopback_port is None:
            return False
        found["hostname"] = self.host
        if isinstance(found.get("port"), str):
            found["port"] = str(loopback_port)
        elif "port" in found:
            found["port"] = loopback_port
        return True

    @staticmethod
    def _port_of(found: Mapping[str, object], hostname: str) -> int | None:
        port = found.get("port")
        if isinstance(port, int) and not isinstance(port, bool):
            return port
        if isinstance(port, str) and port.isdigit():
            return int(port)
        pid = found.get("pid")
        if isinstance(pid, str):
            match = _PID_ADDRESS.search(pid)
            if match is not None and match.group("host").lower() == hostname.lower():
                return int(match.group("port"))
        return None


class _Listener(socketserver.TCPServer):
    """One listening socket, for one fake server (only its socket is used, not its loop)."""

    allow_reuse_address = True
    request_queue_size = 64

    def __init__(
        self,
        served: ServedCluster,
        fake: Server,
        address: tuple[str, int],
        family: socket.AddressFamily,
    ) -> None:
        self.address_family = family
        self.served = served
        self.fake = fake
        super().__init__(address, _Handler, bind_and_activate=True)
        self.socket.setblocking(False)

    @property
    def port(self) -> int:
        return int(self.server_address[1])


class _Connection:
    """One accepted connection and the thread that serves it."""

    def __init__(self, sock: socket.socket, peer: object, listener: _Listener) -> None:
        self.sock = sock
        self.peer = peer
        self.listener = listener
        self.thread: threading.Thread | None = None
        self.reset = False
        self.stream: EventStreamBody | None = None
        self.lock = threading.Lock()

    def interrupt(self) -> None:
        """Wake the serving thread wherever it waits (event stream, socket read)."""
        with self.lock:
            stream = self.stream
        if stream is not None:
            stream.subscription.closed = True
            # A targeted wake-up: the thread takes this chunk, sees the stop, writes nothing.
            stream.bus.send(stream.subscription, "asgard_serve_closing", {})
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        """Close the socket: with a reset (RST) when :attr:`reset`, else gracefully."""
        if self.reset:
            with contextlib.suppress(OSError):
                self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        else:
            with contextlib.suppress(OSError):
                self.sock.shutdown(socket.SHUT_WR)
        self.sock.close()


class ServedCluster:
    """A FakeCluster served over loopback HTTP; build it with :meth:`FakeCluster.serve`.

    Use it as a context manager, or call :meth:`close` when done::

        with cluster.serve() as served:
            agents = MesosAgentsBackend(served.mesos_masters, account=account)
            apps = MarathonAppsBackend(served.marathon, account=account)

    The URLs are ``http://127.0.0.1:<port>`` (one port per fake server); :meth:`url_of` and
    :meth:`fake_url_of` map between them and the fake URLs the control API and the request log
    use. See the module documentation for what faults become on the wire and which values of
    the answers are rewritten.

    Args:
        cluster: the cluster to serve.
        host: the loopback address to listen on (``127.0.0.1``, ``::1``, any ``127.x.y.z``,
            or ``localhost`` for ``127.0.0.1``).
        base_port: the first port, counted up from (masters, Marathon instances, agents); None
            lets the operating system choose each.
        hostnames: ``"loopback"`` also rewrites the ``hostname``/``port`` pairs that name a
            served server (needed by clients that reach agents by host name); ``"fake"`` keeps
            the fake host names and rewrites only ``host:port`` addresses.
        timeout_hold: seconds a ``timeout`` fault keeps the connection silent before closing
            it.

    Raises:
        InvalidInputError: for a host that is not a loopback address, a bad ``base_port``,
            ``hostnames`` or ``timeout_hold``.
        OSError: when a port cannot be bound (in use, with ``base_port``); nothing stays open.
    """

    def __init__(
        self,
        cluster: FakeCluster,
        *,
        host: str = "127.0.0.1",
        base_port: int | None = None,
        hostnames: Literal["loopback", "fake"] = "loopback",
        timeout_hold: float = DEFAULT_TIMEOUT_HOLD,
    ) -> None:
        address = _loopback(host)
        if hostnames not in ("loopback", "fake"):
            raise InvalidInputError(f"hostnames must be 'loopback' or 'fake', not {hostnames!r}")
        self._cluster = cluster
        self._host = str(address)
        self._family = socket.AF_INET6 if address.version == 6 else socket.AF_INET
        self._netloc_host = f"[{self._host}]" if address.version == 6 else self._host
        self._base_port = _check_base_port(base_port)
        self._hostnames: HostnameMode = hostnames
        self._timeout_hold = _check_hold(timeout_hold)
        self._lock = threading.RLock()
        self._stopping = threading.Event()
        self._closed = False
        self._listeners: dict[str, _Listener] = {}  # fake base URL → listener
        self._order: list[str] = []
        self._addresses = _Addresses(self._host, self._netloc_host, {})
        self._connections: set[_Connection] = set()
        self._by_socket: dict[socket.socket, _Connection] = {}
        self._numbers = itertools.count(1)
        self._accepted: dict[str, int] = {}  # fake base URL → connections accepted
        self._opened = 0
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self._acceptor = threading.Thread(
            target=self._accept_loop, name="asgard-serve-accept", daemon=True
        )
        self._clock: threading.Thread | None = None
        try:
            servers = cluster.servers
            for kind in ("mesos_master", "marathon", "agent"):
                for server in servers.values():
                    if server.kind == kind:
                        self._open(server)
        except BaseException:
            self._close_listeners()
            self._wake_r.close()
            self._wake_w.close()
            raise
        self._acceptor.start()
        if cluster.time_scale is not None:
            self._clock = threading.Thread(
                target=self._clock_loop, name="asgard-serve-clock", daemon=True
            )
            self._clock.start()

    def __repr__(self) -> str:
        state = "closed" if self._closed else f"{len(self._listeners)} sockets"
        return f"ServedCluster({self._cluster!r}, host={self._host!r}, {state})"

    def __enter__(self) -> ServedCluster:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # -- what users read -----------------------------------------------------------------

    @property
    def cluster(self) -> FakeCluster:
        """The served cluster."""
        return self._cluster

    @property
    def host(self) -> str:
        """The loopback address the sockets listen on."""
        return self._host

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called."""
        return self._closed

    @property
    def mesos_masters(self) -> list[str]:
        """The masters' loopback base URLs, by index (as :attr:`FakeCluster.mesos_urls`)."""
        return [self._loopback_url(url) for url in self._cluster.mesos_urls]

    @property
    def marathon(self) -> list[str]:
        """The Marathon instances' loopback base URLs, by index."""
        return [self._loopback_url(url) for url in self._cluster.marathon_urls]

    @property
    def agents(self) -> list[str]:
        """The current agents' loopback base URLs, in registration order.

        An agent added since the last request gets its socket now.
        """
        self._sync_agents()
        return [self._loopback_url(url) for url in self._cluster.agent_urls]

    @property
    def addresses(self) -> Mapping[str, str]:
        """Every served fake base URL → its loopback base URL (a read-only snapshot)."""
        self._sync_agents()
        with self._lock:
            return MappingProxyType(
                {fake: self._base(self._listeners[fake].port) for fake in self._order}
            )

    def url_of(self, fake_url: str) -> str:
        """The loopback URL of a fake server's URL; path, query and fragment are kept.

        ``url_of("http://mesos-1.asgard.test:5050/master/slaves")`` is
        ``"http://127.0.0.1:<port>/master/slaves"``.

        Raises:
            InvalidInputError: when the URL is not one of a served server.
        """
        self._sync_agents()
        fake = base_url(fake_url)
        with self._lock:
            listener = self._listeners.get(fake)
        if listener is None:
            raise InvalidInputError(f"{fake_url!r} is not a server of the served cluster")
        return self._base(listener.port) + _rest_of(fake_url)

    def fake_url_of(self, url: str) -> str:
        """The fake server's URL of a loopback URL; path, query and fragment are kept.

        Raises:
            InvalidInputError: when the URL is not one of the served sockets.
        """
        try:
            parsed = httpx.URL(url)
        except (httpx.InvalidURL, TypeError) as exc:
            raise InvalidInputError(f"{url!r} is not a URL") from exc
        with self._lock:
            for fake, listener in self._listeners.items():
                if (
                    parsed.scheme == "http"
                    and parsed.host == self._host
                    and parsed.port == listener.port
                ):
                    return fake + _rest_of(url)
        raise InvalidInputError(f"{url!r} is not a socket of the served cluster")

    def connections_accepted(self, url: str | None = None) -> int:
        """How many TCP connections were accepted: by every socket, or by one server's.

        Tells whether a client reuses its connections (a pooled client opens at most its
        pool's size of them).

        Args:
            url: a served server's loopback or fake base URL; None for all of them.

        Raises:
            InvalidInputError: when ``url`` is not one of a served server.
        """
        if url is None:
            with self._lock:
                return sum(self._accepted.values())
        try:
            fake = base_url(self.fake_url_of(url))
        except InvalidInputError:
            self.url_of(url)  # raises unless it is a fake server's URL
            fake = base_url(url)
        with self._lock:
            return self._accepted.get(fake, 0)

    def close(self) -> None:
        """Stop serving: close every socket, cut open streams and join every thread.

        Calling it again does nothing.

        Raises:
            RuntimeError: when a connection thread did not stop within 10 s (a bug).
        """
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self._stopping.set()
        self._wake()
        self._acceptor.join()
        if self._clock is not None:
            self._clock.join()
        self._close_listeners()
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            connection.interrupt()
        deadline = time.monotonic() + _JOIN_TIMEOUT
        for connection in connections:
            if connection.thread is not None:
                connection.thread.join(max(0.0, deadline - time.monotonic()))
        self._wake_r.close()
        self._wake_w.close()
        stuck = [c.thread.name for c in connections if c.thread is not None and c.thread.is_alive()]
        if stuck:
            raise RuntimeError(f"connection threads did not stop: {', '.join(stuck)}")

    # -- sockets ---------------------------------------------------------------------------

    def _base(self, port: int) -> str:
        return f"http://{self._netloc_host}:{port}"

    def _loopback_url(self, fake: str) -> str:
        with self._lock:
            listener = self._listeners.get(fake)
        if listener is None:  # an agent added since: open its socket
            self._sync_agents()
            with self._lock:
                listener = self._listeners.get(fake)
            if listener is None:
                raise RuntimeError(f"the served cluster is closed: {fake} has no socket")
        return self._base(listener.port)

    def _open(self, server: Server) -> None:
        """Open the socket of one fake server (hold the lock or be in ``__init__``)."""
        port = 0 if self._base_port is None else self._base_port + self._opened
        listener = _Listener(self, server, (self._host, port), self._family)
        self._opened += 1
        self._listeners[server.url] = listener
        self._order.append(server.url)
        self._addresses = _Addresses(
            self._host,
            self._netloc_host,
            {(s.fake.host, s.fake.port): s.port for s in self._listeners.values()},
        )

    def _sync_agents(self) -> None:
        """Open a socket for each agent added since the last look."""
        current = self._cluster.servers
        with self._lock:
            if self._stopping.is_set():
                return
            missing = [
                server
                for url, server in current.items()
                if server.kind == "agent" and url not in self._listeners
            ]
            for server in missing:
                self._open(server)
        if missing:
            self._wake()

    def _close_listeners(self) -> None:
        with self._lock:
            listeners = list(self._listeners.values())
        for listener in listeners:
            listener.server_close()

    def _wake(self) -> None:
        with contextlib.suppress(OSError):
            self._wake_w.send(b"x")

    def _accept_loop(self) -> None:
        registered: set[str] = set()
        with selectors.DefaultSelector() as selector:
            selector.register(self._wake_r, selectors.EVENT_READ, None)
            while not self._stopping.is_set():
                with self._lock:
                    fresh = [(u, lst) for u, lst in self._listeners.items() if u not in registered]
                for url, listener in fresh:
                    selector.register(listener.socket, selectors.EVENT_READ, listener)
                    registered.add(url)
                for key, _ in selector.select():
                    if key.data is None:
                        with contextlib.suppress(OSError):
                            self._wake_r.recv(4096)
                    elif not self._stopping.is_set():
                        self._accept(key.data)

    def _accept(self, listener: _Listener) -> None:
        try:
            sock, peer = listener.socket.accept()
        except OSError:  # BlockingIOError: another wake-up took it; or the client gave up
            return
        sock.setblocking(True)
        # Answers are written in more than one send: without this, Nagle's algorithm and the
        # client's delayed ACK hold every answer back about 40 ms.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        connection = _Connection(sock, peer, listener)
        with self._lock:
            number = next(self._numbers)
            self._accepted[listener.fake.url] = self._accepted.get(listener.fake.url, 0) + 1
            self._connections.add(connection)
            self._by_socket[sock] = connection
        connection.thread = threading.Thread(
            target=self._run_connection,
            args=(connection,),
            name=f"asgard-serve {listener.fake.url} #{number}",
            daemon=True,
        )
        connection.thread.start()

    def _run_connection(self, connection: _Connection) -> None:
        try:
            _Handler(connection.sock, connection.peer, connection.listener)
        except OSError:  # the client went away (reset, broken pipe) or close() shut us down
            pass
        finally:
            connection.close()
            with self._lock:
                self._connections.discard(connection)
                self._by_socket.pop(connection.sock, None)

    def _clock_loop(self) -> None:
        while not self._stopping.wait(_CLOCK_INTERVAL):
            self._cluster.sync_time()

    # -- for the handler (same module) ---------------------------------------------------

    def _connection_of(self, sock: socket.socket) -> _Connection:
        with self._lock:
            return self._by_socket[sock]

    def _rewrite_header(self, value: str) -> str:
        with self._lock:
            addresses = self._addresses
        return addresses.text(value)

    def _rewrite_body(self, server: Server, path: str, response: httpx.Response) -> bytes:
        body = response.content
        if server.kind == "agent" and path.startswith("/files/"):
            return body  # sandbox file contents are the user's data
        with self._lock:
            addresses = self._addresses
        content_type = response.headers.get("content-type", "").lower()
        if self._hostnames == "loopback" and "json" in content_type and b'"hostname"' in body:
            body = addresses.pairs(body)
        return addresses.body(body)

    def _rewrite_chunk(self, chunk: bytes) -> bytes:
        with self._lock:
            addresses = self._addresses
        return addresses.body(chunk)


def _rest_of(url: str) -> str:
    """The path, query and fragment of a URL, as written."""
    match = re.match(r"[A-Za-z][A-Za-z0-9+.\-]*://[^/?#]*", url)
    return url[match.end() :] if match is not None else ""


def _chunk(data: bytes) -> bytes:
    return f"{len(data):x}\r\n".encode("ascii") + data + b"\r\n"


class _BadRequestError(Exception):
    """A request that cannot be read (bad framing)."""


class _Handler(http.server.BaseHTTPRequestHandler):
    """Serves the requests of one connection from the cluster."""

    protocol_version = "HTTP/1.1"
    server: _Listener

    def log_message(self, format: str, *args: object) -> None:
        """Log nothing: the cluster's request log records every request."""

    # the stdlib dispatches on these names
    def do_GET(self) -> None:
        """Serve a GET."""
        self._serve()

    def do_HEAD(self) -> None:
        """Serve a HEAD."""
        self._serve()

    def do_POST(self) -> None:
        """Serve a POST."""
        self._serve()

    def do_PUT(self) -> None:
        """Serve a PUT."""
        self._serve()

    def do_PATCH(self) -> None:
        """Serve a PATCH."""
        self._serve()

    def do_DELETE(self) -> None:
        """Serve a DELETE."""
        self._serve()

    def do_OPTIONS(self) -> None:
        """Serve an OPTIONS."""
        self._serve()

    # -- reading -----------------------------------------------------------------------------

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            parts: list[bytes] = []
            while True:
                line = self.rfile.readline(_MAX_LINE)
                try:
                    size = int(line.split(b";", 1)[0].strip(), 16)
                except ValueError:
                    raise _BadRequestError("bad chunk size") from None
                if size == 0:
                    while self.rfile.readline(_MAX_LINE).strip():
                        pass  # trailers
                    return b"".join(parts)
                parts.append(self.rfile.read(size))
                self.rfile.readline(_MAX_LINE)
        length = self.headers.get("Content-Length")
        if not length:
            return b""
        try:
            count = int(length)
        except ValueError:
            raise _BadRequestError("bad Content-Length") from None
        if count < 0:
            raise _BadRequestError("bad Content-Length")
        return self.rfile.read(count)

    def _request(self, body: bytes) -> httpx.Request:
        target = self.path
        if not target.startswith("/"):  # absolute form (a client talking to a proxy)
            try:
                target = httpx.URL(target).raw_path.decode("ascii")
            except httpx.InvalidURL:
                raise _BadRequestError("bad request target") from None
        headers = [
            (name, value)
            for name, value in self.headers.items()
            if name.lower() not in _REQUEST_SKIP
        ]
        try:
            return httpx.Request(
                self.command,
                self.server.fake.url + target,
                headers=headers,
                content=body or None,
            )
        except (httpx.InvalidURL, UnicodeError, ValueError):
            raise _BadRequestError("bad request target") from None

    # -- serving -----------------------------------------------------------------------------

    def _serve(self) -> None:
        served = self.server.served
        connection = served._connection_of(self.request)
        try:
            request = self._request(self._read_body())
        except _BadRequestError as bad:
            self.close_connection = True
            self.send_error(400, str(bad))
            return
        try:
            outcome = served.cluster.handle(request)
        except Exception as exc:  # a bug in an endpoint handler: tell the client
            self._write_error(500, f"the fake's handler failed: {exc!r}")
            return
        with contextlib.suppress(OSError):  # a new agent's port is taken: retried next time
            served._sync_agents()
        if outcome.delay > 0 and served._stopping.wait(outcome.delay):
            self.close_connection = True
            return
        error = outcome.error
        if error is not None:
            self.close_connection = True
            if isinstance(error, httpx.TimeoutException):
                self._hold(served._timeout_hold)
            else:  # refused, unreachable, unknown host, reset
                connection.reset = True
            return
        response = outcome.unwrap()
        if isinstance(response.stream, EventStreamBody):
            self._stream(connection, response, response.stream)
        else:
            self._write(
                response, served._rewrite_body(self.server.fake, request.url.path, response)
            )

    def _hold(self, seconds: float) -> None:
        """Answer nothing for ``seconds`` (less if the client leaves or the server closes)."""
        deadline = time.monotonic() + seconds
        while not self.server.served._stopping.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                return
            readable, _, _ = select.select([self.request], [], [], min(_HOLD_STEP, left))
            if readable:
                try:
                    if not self.request.recv(1, socket.MSG_PEEK):
                        return  # the client closed its side
                except OSError:
                    return

    def _start(self, response: httpx.Response) -> None:
        served = self.server.served
        reason = response.reason_phrase or None
        self.send_response_only(response.status_code, reason)
        for name, value in response.headers.multi_items():
            if name.lower() not in _RESPONSE_SKIP:
                self.send_header(name, served._rewrite_header(value))
        if "date" not in response.headers:
            self.send_header("Date", self.date_time_string())

    def _write(self, response: httpx.Response, body: bytes) -> None:
        self._start(response)
        status = response.status_code
        bodiless = status < 200 or status in (204, 304)
        if not bodiless:
            self.send_header("Content-Length", str(len(body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if not bodiless and self.command != "HEAD":
            self.wfile.write(body)

    def _write_error(self, status: int, message: str) -> None:
        body = message.encode()
        response = httpx.Response(status, headers={"Content-Type": "text/plain; charset=utf-8"})
        self._write(response, body)

    def _stream(
        self, connection: _Connection, response: httpx.Response, stream: EventStreamBody
    ) -> None:
        served = self.server.served
        chunked = self.request_version != "HTTP/1.0"
        with connection.lock:
            connection.stream = stream
        try:
            self._start(response)
            if chunked:
                self.send_header("Transfer-Encoding", "chunked")
            else:
                self.close_connection = True
                self.send_header("Connection", "close")
            self.end_headers()
            if self.command == "HEAD":
                return
            while not served._stopping.is_set():
                try:
                    chunk = stream.bus.next_chunk(stream.subscription)
                except httpx.ReadError:  # cut abruptly: reset the connection
                    connection.reset = True
                    self.close_connection = True
                    return
                if served._stopping.is_set():
                    self.close_connection = True
                    return
                if chunk is None:
                    if chunked:
                        self.wfile.write(b"0\r\n\r\n")
                    return
                data = served._rewrite_chunk(chunk)
                self.wfile.write(_chunk(data) if chunked else data)
            self.close_connection = True
        except OSError:  # the client went away
            self.close_connection = True
        finally:
            with connection.lock:
                connection.stream = None
            stream.close()
