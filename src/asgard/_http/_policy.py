"""The pure half of asgard's HTTP layer: configuration, retry and failover decisions, errors.

Nothing here sends a request. :mod:`asgard._http._async` (and its generated sync twin) only
sequences what this module decides:

- :class:`HttpConfig` validates the constructor options every backend shares;
- :class:`ServerPool` is the configured server list with the leader remembered;
- :class:`Plan` is the retry and failover state machine of one call: which server next, how
  long to wait first, and when to give up with which error;
- :func:`error_for_reply` turns a final non-2xx answer into the asgard error that says what
  happened (the single translation boundary, together with :func:`failure_of`).
"""

from __future__ import annotations

import enum
import functools
import os
import random
import re
import ssl
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final, TypeAlias, TypeVar
from urllib.parse import urlsplit, urlunsplit

import attrs
import httpx

from asgard import _json
from asgard._http._dialect import Dialect, ErrorBody
from asgard.errors import (
    AsgardError,
    AuthenticationError,
    BackendError,
    BackendTimeoutError,
    BackendUnavailableError,
    ConflictError,
    InvalidInputError,
    MalformedResponseError,
    NoLeaderError,
    NotFoundError,
    PermissionDeniedError,
    RequestRejectedError,
    ServerError,
    TooManyDeploymentsError,
    WriteOutcomeUnknownError,
)

__all__ = [
    "CertTypes",
    "Failure",
    "HttpConfig",
    "Plan",
    "Reply",
    "ServerPool",
    "VerifyTypes",
    "build_ssl_context",
    "error_for_reply",
    "failure_of",
    "normalize_server",
    "redact_url",
]

_T = TypeVar("_T")

VerifyTypes: TypeAlias = "bool | str | os.PathLike[str] | ssl.SSLContext"
"""What ``verify=`` takes: True, False, a CA bundle path or directory, or an SSL context."""
CertTypes: TypeAlias = (
    "str | os.PathLike[str] | tuple[str | os.PathLike[str], str | os.PathLike[str]] | None"
)
"""What ``cert=`` takes: a client certificate path, or ``(certfile, keyfile)``."""

DEFAULT_TIMEOUT: Final = 10.0
DEFAULT_MAX_CONCURRENCY: Final = 32
DEFAULT_READ_RETRIES: Final = 2
READ_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS"})


# One generator for every plan's jitter (seeding one per request would read the OS's entropy
# on every call); jitter spreads retries, it protects nothing.
_JITTER: Final = random.Random()  # noqa: S311
_USERINFO: Final = re.compile(r"//[^/]*@")


# -- URLs ------------------------------------------------------------------------------------


def redact_url(url: str | httpx.URL) -> str:
    """The URL with any user-info (``user:password@``) removed, for messages and logs."""
    text = str(url)
    if "@" not in text:
        return text
    try:
        parts = urlsplit(text)
    except ValueError:  # unparsable: drop whatever stands before an "@"
        return _USERINFO.sub("//", text)
    if "@" not in parts.netloc:
        return text
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))


def normalize_server(url: object) -> str:
    """Check one configured server URL and return it without a trailing slash.

    A path prefix is kept (``https://dcos.example.com/service/marathon``).

    Raises:
        InvalidInputError: when the URL is not an absolute http(s) URL with a host, or carries
            credentials, a query or a fragment.
    """
    if not isinstance(url, str) or not url.strip():
        raise InvalidInputError(f"a server must be a non-empty URL string, not {url!r}")
    if any(char.isspace() or not char.isprintable() for char in url.strip()):
        raise InvalidInputError("a server URL must not hold white space or control characters")
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise InvalidInputError(f"server {redact_url(url)!r} is not a valid URL") from None
    try:
        httpx.URL(url.strip())  # what httpx cannot use (an invalid IDNA host) is refused now
    except httpx.InvalidURL:
        raise InvalidInputError(f"server {redact_url(url)!r} is not a usable URL") from None
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise InvalidInputError(
            f"server {redact_url(url)!r} must be an absolute http:// or https:// URL with a host"
        )
    if parts.username is not None or parts.password is not None:
        raise InvalidInputError(
            "a server URL must not carry credentials: pass auth=BasicAuth(user, password)"
        )
    if parts.query or parts.fragment:  # never repeated: it may hold a token
        bare = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
        raise InvalidInputError(f"server {bare!r} must not have a query or a fragment")
    netloc = parts.hostname.lower() if ":" not in parts.hostname else f"[{parts.hostname}]"
    if port is not None:
        netloc = f"{netloc}:{port}"
    return urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))


def _host_port(scheme: str, netloc_host: str | None, port: int | None) -> tuple[str, int] | None:
    if not netloc_host:
        return None
    default = 443 if scheme == "https" else 80
    return (netloc_host.lower(), port if port is not None else default)


# -- configuration ---------------------------------------------------------------------------


def build_ssl_context(verify: VerifyTypes, cert: CertTypes) -> ssl.SSLContext:
    """Build the TLS context for ``verify`` and ``cert`` (asgard builds it, not httpx).

    Raises:
        InvalidInputError: when a CA bundle or certificate cannot be loaded, or an option has
            the wrong type.
    """
    try:
        if verify is True and cert is None:
            return _default_ssl_context()
        if verify is True:
            context = httpx.create_ssl_context()
        elif verify is False:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        elif isinstance(verify, ssl.SSLContext):
            if cert is not None:
                raise InvalidInputError(
                    "with verify=<ssl.SSLContext>, load the client certificate into that "
                    "context (context.load_cert_chain(...)) instead of passing cert=: asgard "
                    "does not change a context it is given"
                )
            context = verify
        elif isinstance(verify, (str, os.PathLike)):
            location = os.fspath(verify)
            if os.path.isdir(location):
                context = ssl.create_default_context(capath=location)
            else:
                context = ssl.create_default_context(cafile=location)
        else:
            raise InvalidInputError(
                f"verify must be True, False, a CA bundle path or an ssl.SSLContext, not {verify!r}"
            )
        if cert is not None:
            if isinstance(cert, tuple):
                certfile, keyfile = cert
                context.load_cert_chain(os.fspath(certfile), os.fspath(keyfile))
            elif isinstance(cert, (str, os.PathLike)):
                context.load_cert_chain(os.fspath(cert))
            else:
                raise InvalidInputError("cert must be a path or a (certfile, keyfile) tuple")
    except (OSError, ssl.SSLError, ValueError) as exc:
        if isinstance(exc, InvalidInputError):
            raise
        raise InvalidInputError(
            f"the TLS options could not be loaded: {type(exc).__name__}: {exc.strerror or exc}"
            if isinstance(exc, OSError)
            else f"the TLS options could not be loaded: {type(exc).__name__}"
        ) from None
    return context


@functools.cache
def _default_ssl_context() -> ssl.SSLContext:
    # Loading the CA bundle costs tens of milliseconds; the default context is never mutated
    # by asgard, so every backend shares one.
    return httpx.create_ssl_context()


def _positive_int(name: str, value: object, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise InvalidInputError(f"{name} must be an integer >= {minimum}, not {value!r}")
    return value


def _timeout(value: object) -> httpx.Timeout:
    if isinstance(value, httpx.Timeout):
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise InvalidInputError(f"timeout must be a positive number of seconds, not {value!r}")
    return httpx.Timeout(float(value))


@attrs.frozen(kw_only=True)
class HttpConfig:
    """The validated options every backend's HTTP layer shares.

    Build it with :meth:`build`, which raises :class:`~asgard.errors.InvalidInputError` for
    any bad option before a client or a request exists.
    """

    backend: str
    servers: tuple[str, ...]
    timeout: httpx.Timeout | None
    ssl_context: ssl.SSLContext | None
    max_concurrency: int
    read_retries: int
    backoff_base: float = 0.1
    backoff_cap: float = 2.0

    @classmethod
    def build(
        cls,
        backend: str,
        servers: Sequence[str],
        *,
        timeout: float | httpx.Timeout | None = None,
        verify: VerifyTypes = True,
        cert: CertTypes = None,
        max_concurrency: int = DEFAULT_MAX_CONCURRENCY,
        read_retries: int = DEFAULT_READ_RETRIES,
        injected_client: bool = False,
        backoff_base: float = 0.1,
    ) -> HttpConfig:
        """Validate the options; ``timeout=None`` means 10 s, or the injected client's own.

        Raises:
            InvalidInputError: for an empty or bad server list, a bad timeout, TLS option,
                concurrency bound or retry count; ``verify`` or ``cert`` with an injected
                client; ``cert`` with an ``ssl.SSLContext`` as ``verify``.
        """
        if isinstance(servers, (str, bytes)) or not isinstance(servers, Sequence):
            raise InvalidInputError("servers must be a list of base URLs, not a single string")
        normalized = tuple(normalize_server(server) for server in servers)
        if not normalized:
            raise InvalidInputError("at least one server URL is needed")
        if len(set(normalized)) != len(normalized):
            raise InvalidInputError("the server list names the same server twice")
        if injected_client and (verify is not True or cert is not None):
            raise InvalidInputError(
                "verify and cert configure the client asgard makes; with client=, set TLS on "
                "your httpx client (asgard would otherwise ignore them)"
            )
        if timeout is None:
            resolved_timeout = None if injected_client else httpx.Timeout(DEFAULT_TIMEOUT)
        else:
            resolved_timeout = _timeout(timeout)
        return cls(
            backend=backend,
            servers=normalized,
            timeout=resolved_timeout,
            ssl_context=None if injected_client else build_ssl_context(verify, cert),
            max_concurrency=_positive_int("max_concurrency", max_concurrency, 1),
            read_retries=_positive_int("read_retries", read_retries, 0),
            backoff_base=backoff_base,
        )


# -- servers and the leader ------------------------------------------------------------------


class ServerPool:
    """The configured servers, in order, and the one that led last time.

    Shared by a cluster-wide backend and every backend its ``for_account`` makes.
    """

    def __init__(self, servers: Sequence[str]) -> None:
        self.servers: tuple[str, ...] = tuple(servers)
        self.leader: int | None = None
        self._addresses: list[tuple[str, int] | None] = []
        for server in self.servers:
            parts = urlsplit(server)
            self._addresses.append(_host_port(parts.scheme, parts.hostname, parts.port))

    def order(self) -> list[int]:
        """Indices to try: the remembered leader first, then the rest in configured order."""
        start = self.leader if self.leader is not None else 0
        count = len(self.servers)
        return [(start + offset) % count for offset in range(count)]

    def index_of(self, location: str, *, scheme: str) -> int | None:
        """The configured server a redirect ``Location`` or a ``host:port`` names, if any.

        ``Location`` may be scheme-less (``//host:port/path``, as Mesos sends), an absolute
        URL, or a bare ``host:port`` (as ``/v2/leader`` answers).
        """
        text = location.strip()
        if "//" not in text:
            text = "//" + text
        try:
            parts = urlsplit(text, scheme=scheme)
            wanted = _host_port(parts.scheme or scheme, parts.hostname, parts.port)
        except ValueError:
            return None
        if wanted is None:
            return None
        for index, address in enumerate(self._addresses):
            if address == wanted:
                return index
        return None


# -- answers ---------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class Reply:
    """One HTTP answer, fully read: what the pure parsers work on."""

    status: int
    headers: Mapping[str, str] = attrs.field(repr=False)
    content: bytes = attrs.field(repr=False)
    method: str
    url: str  # redacted
    server: str
    backend: str

    @property
    def ok(self) -> bool:
        """Whether the status is 2xx."""
        return 200 <= self.status < 300

    @property
    def content_type(self) -> str:
        """The media type, lower-case, without parameters (``"application/json"``)."""
        return self.headers.get("content-type", "").split(";", 1)[0].strip().lower()

    def text(self) -> str:
        """The body as text (UTF-8, undecodable bytes replaced)."""
        return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """The body as JSON.

        Raises:
            MalformedResponseError: when the content type is not JSON or the body does not parse.
        """
        kind = self.content_type
        if kind and kind != "application/json" and not kind.endswith("+json"):
            raise self.malformed(f"the answer is {kind}, not JSON")
        try:
            return _json.decode(self.content)
        except MalformedResponseError as exc:
            raise self.malformed(str(exc)) from None

    def applied(self, parse: Callable[[Any], _T]) -> _T:
        """Parse the answer of a write the server accepted.

        ``parse`` gets the JSON, or None for an empty body. The write was applied, so an
        answer that cannot be read is not a :class:`MalformedResponseError` a caller might
        retry on, but a :class:`WriteOutcomeUnknownError` (with this answer's status): what
        it started is unknown.

        Raises:
            WriteOutcomeUnknownError: when the body is not JSON or ``parse`` finds it
                malformed (the cause is chained).
        """
        try:
            return parse(self.json() if self.content.strip() else None)
        except MalformedResponseError as exc:
            reason = exc.args[0] if exc.args else "unreadable"
            raise WriteOutcomeUnknownError(
                f"the {self.method} was accepted (status {self.status}) but its answer could "
                f"not be read ({reason}); it is not re-sent: read the object back, or list the "
                "deployments, to see what it started",
                backend=self.backend,
                method=self.method,
                url=self.url,
                status=self.status,
            ) from exc

    def malformed(self, message: str, path: str = "") -> MalformedResponseError:
        """A :class:`MalformedResponseError` with this answer's context."""
        return MalformedResponseError(
            message,
            path=path,
            backend=self.backend,
            method=self.method,
            url=self.url,
            status=self.status,
        )


class Failure(enum.Enum):
    """How a request failed before any answer came back."""

    UNREACHED = "unreached"
    """It never reached the server (connection refused, DNS, connect timeout)."""
    TIMEOUT = "timeout"
    """It was sent, and no answer came in time."""
    BROKEN = "broken"
    """It was sent, and the connection broke before the whole answer came."""
    LOCAL = "local"
    """It was never sent, for a local reason (the client's pool was exhausted)."""


def failure_of(exc: Exception) -> Failure:
    """Classify a transport error (httpx's, or a TLS alert): did the request reach the server?

    A server that refuses the TLS handshake (no or an unknown client certificate) processed
    nothing, even when TLS 1.3 lets the client send before the refusal arrives.
    """
    if _tls_refusal(exc):
        return Failure.UNREACHED
    if isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout, httpx.UnsupportedProtocol)):
        return Failure.UNREACHED
    if isinstance(exc, httpx.PoolTimeout):
        return Failure.LOCAL
    if isinstance(exc, httpx.TimeoutException):
        return Failure.TIMEOUT
    return Failure.BROKEN


# What TLS alerts a server sends when it refuses the handshake (ssl.SSLError.reason).
_TLS_REFUSALS: Final = (
    "CERTIFICATE_REQUIRED",
    "UNKNOWN_CA",
    "BAD_CERTIFICATE",
    "CERTIFICATE_UNKNOWN",
    "CERTIFICATE_EXPIRED",
    "HANDSHAKE_FAILURE",
    "ACCESS_DENIED",
)


def tls_problem(exc: BaseException) -> str | None:
    """What went wrong in TLS, when ``exc`` comes from the handshake (for the error message).

    A certificate that does not verify says why (``certificate verify failed: ...``); a
    server's refusal gives its alert. None when TLS is not the cause.
    """
    found = _ssl_error_in(exc)
    if isinstance(found, ssl.SSLCertVerificationError):
        return f"TLS: certificate verify failed: {found.verify_message or found.reason}"
    if found is not None:
        return f"TLS: {found.reason or found.__class__.__name__}"
    return None


def _tls_refusal(exc: BaseException) -> bool:
    """Whether ``exc``, or what it was raised from, is a TLS alert refusing the handshake."""
    found = _ssl_error_in(exc)
    reason = (found.reason or "") if found is not None else ""
    return any(word in reason for word in _TLS_REFUSALS)


def _ssl_error_in(exc: BaseException) -> ssl.SSLError | None:
    """The ``ssl.SSLError`` that ``exc`` is, or was raised from, if any."""
    seen: BaseException | None = exc
    for _ in range(5):  # httpx wraps httpcore's error, which wraps the ssl one
        if seen is None or isinstance(seen, ssl.SSLError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


# -- the plan of one call --------------------------------------------------------------------


@attrs.frozen
class Send:
    """Send the request to server ``index`` after waiting ``delay`` seconds."""

    index: int
    delay: float = 0.0


@attrs.frozen
class Probe:
    """Ask the configured servers which one leads, then call :meth:`Plan.probed`."""


@attrs.frozen
class Done:
    """The call is over: return ``reply`` (mapped through :func:`error_for_reply` if not 2xx)."""

    reply: Reply


class Plan:
    """The retry and failover state machine of one call.

    Reads: a connection failure moves to the next server at once; once every server has failed
    to connect, or on a timeout, a broken connection or a 502/503/504, one attempt is spent and
    the next is made after a backoff with jitter, ``read_retries + 1`` attempts at most.
    Writes: a connection failure or a standby's refusal moves to the next server, a redirect to
    the server it names; anything that may have reached a leader ends the call
    (:class:`~asgard.errors.WriteOutcomeUnknownError`): a write is never sent twice.
    Redirects go only to configured servers; an unknown target makes the caller probe the
    configured servers for the leader. A ``local`` call (an endpoint every server answers for
    itself, such as Mesos' ``/version``) never teaches which server leads.
    """

    def __init__(
        self,
        config: HttpConfig,
        pool: ServerPool,
        dialect: Dialect,
        method: str,
        path: str,
        *,
        write: bool | None = None,
        local: bool = False,
        rng: random.Random | None = None,
    ) -> None:
        self.config = config
        self.pool = pool
        self.dialect = dialect
        self.method = method
        self.path = path
        self.write = method not in READ_METHODS if write is None else write
        self.local = local
        self._rng = rng or _JITTER
        self._order = pool.order()
        self._target = self._order[0]
        self._attempts = 0
        self._unreached: set[int] = set()
        self._tls: str | None = None  # the last TLS failure, for the message
        self._refused: set[int] = set()
        self._hops = 0
        self._delay = 0.0

    # what to do next

    def first(self) -> Send:
        """The first step of the call."""
        return Send(self._target)

    def _url(self, index: int) -> str:
        return redact_url(self.pool.servers[index] + self.path)

    def _move_on(self) -> int:
        """The next server after the current target, skipping those that failed this round."""
        count = len(self._order)
        start = self._order.index(self._target)
        excluded = self._unreached | self._refused
        for step in range(1, count + 1):
            candidate = self._order[(start + step) % count]
            if candidate not in excluded:
                break
        else:
            candidate = self._order[(start + 1) % count]
        self._target = candidate
        return candidate

    def _spend_attempt(self) -> bool:
        """Spend one attempt; True when another is allowed."""
        self._attempts += 1
        return self._attempts <= self.config.read_retries

    def _backoff(self) -> float:
        ceiling = min(
            self.config.backoff_cap, self.config.backoff_base * 2.0 ** (self._attempts - 1)
        )
        return ceiling * self._rng.uniform(0.5, 1.0)

    def failed(self, index: int, failure: Failure, tls: str | None = None) -> Send:
        """The request to server ``index`` failed before an answer (``tls``: why, in TLS).

        Raises:
            BackendUnavailableError: no configured server could be reached.
            BackendTimeoutError: a read timed out on every attempt.
            WriteOutcomeUnknownError: a write was sent and its reply was lost.
        """
        url = self._url(index)
        context: dict[str, Any] = {
            "backend": self.config.backend,
            "method": self.method,
            "url": url,
        }
        if failure is Failure.LOCAL:
            raise BackendTimeoutError(
                "no connection of the client's pool became free in time; the request was not sent",
                **context,
            )
        if failure is Failure.UNREACHED:
            if self.pool.leader == index:
                self.pool.leader = None
            self._unreached.add(index)
            if tls is not None:
                self._tls = tls
            if len(self._unreached | self._refused) < len(self._order):
                return Send(self._move_on())
            if self.write or not self._spend_attempt():
                configured = self.pool.servers == tuple(self.config.servers)
                why = f" ({self._tls})" if self._tls else ""
                raise BackendUnavailableError(
                    f"no configured {self.config.backend} server could be reached{why}"
                    if configured
                    else f"{redact_url(self.pool.servers[0])} could not be reached{why}",
                    **context,
                )
            self._unreached.clear()
            self._refused.clear()
            return Send(self._move_on(), self._backoff())
        if self.write:
            raise WriteOutcomeUnknownError(
                f"the {self.method} was sent but its reply was lost ({failure.value}); it may "
                "have been applied: read the object back before trying again",
                **context,
            )
        if not self._spend_attempt():
            if failure is Failure.TIMEOUT:
                raise BackendTimeoutError(f"the read timed out {self._attempts} time(s)", **context)
            raise BackendUnavailableError(
                f"the connection broke {self._attempts} time(s) before the answer came", **context
            )
        return Send(self._move_on(), self._backoff())

    def answered(self, index: int, reply: Reply) -> Send | Probe | Done:
        """Server ``index`` answered; decide whether the call is over.

        Raises:
            NoLeaderError: no server leads, or redirects loop.
            ServerError: a read met 502/503/504 on every attempt.
            WriteOutcomeUnknownError: a write met a 5xx that does not prove it was refused.
        """
        status = reply.status
        if 200 <= status < 300:
            hinted = self._hinted_leader(reply)
            if hinted is not None:
                self.pool.leader = hinted
            elif not self.local:
                self.pool.leader = index
            return Done(reply)
        if status in (301, 302, 303, 307, 308) and "location" in reply.headers:
            return self._redirected(reply)
        refusal = self.dialect.refusal(reply.status, reply.content_type, reply.content)
        if refusal is not None:
            if self.pool.leader == index:
                self.pool.leader = None
            if self.write:
                self._refused.add(index)
                if len(self._unreached | self._refused) < len(self._order):
                    return Send(self._move_on())
                raise _refusal_error(refusal, reply)
            if not self._spend_attempt():
                raise _refusal_error(refusal, reply)
            return Send(self._move_on(), self._backoff())
        if status >= 500:
            if self.write:
                raise WriteOutcomeUnknownError(
                    f"the {self.method} got status {status}, which does not prove it was "
                    "refused; it may have been applied: read the object back before trying again",
                    backend=reply.backend,
                    method=reply.method,
                    url=reply.url,
                    status=status,
                )
            if status in (502, 503, 504):
                if not self._spend_attempt():
                    raise error_for_reply(reply, self.dialect)
                return Send(self._move_on(), self._backoff())
        return Done(reply)

    def _hinted_leader(self, reply: Reply) -> int | None:
        header = self.dialect.leader_header
        if header is None:
            return None
        value = reply.headers.get(header)
        if not value:
            return None
        return self.pool.index_of(value, scheme=urlsplit(self.pool.servers[0]).scheme)

    def _redirected(self, reply: Reply) -> Send | Probe:
        self._hops += 1
        if self._hops > len(self._order) + 1:
            raise NoLeaderError(
                "the servers keep redirecting to each other: no leader could be found",
                backend=reply.backend,
                method=reply.method,
                url=reply.url,
                status=reply.status,
            )
        location = reply.headers["location"]
        scheme = urlsplit(reply.server).scheme
        index = self.pool.index_of(location, scheme=scheme)
        if index is None:
            return Probe()
        self.pool.leader = index
        self._target = index
        return Send(index)

    def probed(self, leader: int | None) -> Send:
        """The probe named configured server ``leader`` (or none).

        Raises:
            NoLeaderError: when no configured server leads.
        """
        if leader is None:
            raise NoLeaderError(
                f"no configured {self.config.backend} server is the leader (a redirect named a "
                "server that is not configured, and none of the configured ones leads)",
                backend=self.config.backend,
                method=self.method,
                url=self._url(self._target),
            )
        self._hops += 1
        self.pool.leader = leader
        self._target = leader
        return Send(leader)


def _refusal_error(kind: str, reply: Reply) -> BackendError:
    context: dict[str, Any] = {
        "backend": reply.backend,
        "method": reply.method,
        "url": reply.url,
        "status": reply.status,
    }
    if kind == "no_leader":
        return NoLeaderError("the servers answered, but none is the leader", **context)
    return ServerError("every server refused the request (overloaded)", **context)


# -- errors ----------------------------------------------------------------------------------

_MAX_MESSAGE: Final = 300


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _MAX_MESSAGE else text[: _MAX_MESSAGE - 1] + "…"


def error_for_reply(reply: Reply, dialect: Dialect) -> AsgardError:
    """The asgard error for a final non-2xx answer (the one translation of statuses).

    400/422 → RequestRejectedError (with the messages by path), 401 → AuthenticationError,
    403 → TooManyDeploymentsError or PermissionDeniedError, 404 → NotFoundError, 409 →
    ConflictError (with the deployment ids), other 4xx → RequestRejectedError, 5xx →
    ServerError, anything else → MalformedResponseError.
    """
    body = dialect.error_body(reply.status, reply.content_type, reply.content)
    status = reply.status
    said = f": {_short(body.message)}" if body.message else ""
    context: dict[str, Any] = {
        "backend": reply.backend,
        "method": reply.method,
        "url": reply.url,
        "status": status,
    }
    if status in (400, 422):
        return RequestRejectedError(
            f"the server rejected the request{said}", details=body.details, **context
        )
    if status == 401:
        return AuthenticationError(f"the server refused the credentials{said}", **context)
    if status == 403:
        if body.too_many_deployments:
            return TooManyDeploymentsError(
                f"too many deployments are running{said}", deployment_ids=body.deployment_ids
            )
        return PermissionDeniedError(f"the server refused the operation{said}", **context)
    if status == 404:
        return NotFoundError(
            f"not found: {reply.method} {reply.url}{said}", server_message=body.message
        )
    if status == 409:
        return ConflictError(
            f"conflict{said}"
            + (f" (deployments {', '.join(body.deployment_ids)})" if body.deployment_ids else ""),
            deployment_ids=body.deployment_ids,
        )
    if 400 <= status < 500:
        return RequestRejectedError(
            f"the server rejected the request{said}", details=body.details, **context
        )
    if status >= 500:
        return ServerError(f"the server failed{said}", **context)
    return reply.malformed(f"unexpected status {status}")


__all__ += ["Done", "ErrorBody", "Probe", "Send"]
