"""The async HTTP session of every backend: one pooled client, failover, read retries.

Sequencing only: :mod:`asgard._http._policy` decides which server, how long to wait and which
error to raise; this module sends and reads. ``_sync.py`` beside it is generated from this file
by ``scripts/unasync.py``.
"""

from __future__ import annotations

import logging
import ssl
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Final

import httpx

from asgard._acompat import AsyncLimiter, asleep
from asgard._http._dialect import Dialect
from asgard._http._policy import (
    Done,
    Failure,
    HttpConfig,
    Plan,
    Probe,
    Reply,
    Send,
    ServerPool,
    error_for_reply,
    failure_of,
    redact_url,
    tls_problem,
)
from asgard.errors import BackendUnavailableError, InvalidInputError, MalformedResponseError

__all__ = ["AsyncHttpSession"]

logger: Final = logging.getLogger("asgard.http")

_USE_SESSION_AUTH: Final[Any] = object()
_JSON: Final = "application/json"
_PLAIN: Final = Dialect()
_MAX_ONE_SERVER_POOLS: Final = 10_000


class AsyncHttpSession:
    """One backend's connection to its servers: a pooled client and the leader remembered.

    Shared by a cluster-wide backend and every backend its ``for_account`` makes; only the
    backend that created it closes it, and a client that was injected is never closed.
    """

    def __init__(
        self,
        config: HttpConfig,
        dialect: Dialect,
        *,
        auth: httpx.Auth | None = None,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        self.config = config
        # asgard.http.<backend>: one backend's lines can be turned on alone
        self._logger = logger.getChild(config.backend)
        self.dialect = dialect
        self.pool = ServerPool(config.servers)
        self.limiter = AsyncLimiter(config.max_concurrency)
        self._auth = auth
        self._owns_client = client is None
        if client is None:
            client = httpx.AsyncClient(
                verify=config.ssl_context if config.ssl_context is not None else True,
                timeout=config.timeout if config.timeout is not None else 10.0,
                follow_redirects=False,
                limits=httpx.Limits(
                    max_connections=max(100, config.max_concurrency),
                    max_keepalive_connections=config.max_concurrency,
                ),
            )
        self._client = client
        self._closed = False
        self._one_server_pools: dict[str, ServerPool] = {}

    def _one_server_pool(self, base_url: str) -> ServerPool:
        """The pool of one server outside the configured list (an agent), made once."""
        pool = self._one_server_pools.get(base_url)
        if pool is None:
            if len(self._one_server_pools) >= _MAX_ONE_SERVER_POOLS:
                self._one_server_pools.clear()  # agents come and go: never grow without end
            pool = self._one_server_pools[base_url] = ServerPool([base_url])
        return pool

    @property
    def closed(self) -> bool:
        """Whether :meth:`aclose` was called."""
        return self._closed

    async def aclose(self) -> None:
        """Close the client if this session created it; later requests raise."""
        if self._closed:
            return
        self._closed = True
        if self._owns_client:
            await self._client.aclose()

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Any = None,
        json: Any = None,
        write: bool | None = None,
        local: bool = False,
        base_url: str | None = None,
        auth: Any = _USE_SESSION_AUTH,
        dialect: Dialect | None = None,
    ) -> Reply:
        """Send one call, with failover and retries as :class:`Plan` decides; return the 2xx answer.

        ``base_url`` sends to one server that is not in the configured list (a Mesos agent),
        with ``auth`` (None unless given) and ``dialect`` (no leader logic unless given).
        ``write`` overrides the method's idempotency; ``local`` marks an endpoint every server
        answers for itself, whose answer says nothing about leadership.

        Raises:
            BackendError: a subclass saying what went wrong (see :mod:`asgard.errors`).
            NotFoundError, ConflictError: for 404 and 409 answers.
        """
        self.ensure_open(method, path, base_url)
        if dialect is None:
            dialect = self.dialect if base_url is None else _PLAIN
        if base_url is None:
            pool = self.pool
            send_auth = self._auth if auth is _USE_SESSION_AUTH else auth
        else:
            pool = self._one_server_pool(base_url)
            send_auth = None if auth is _USE_SESSION_AUTH else auth
        plan = Plan(self.config, pool, dialect, method, path, write=write, local=local)
        step: Send | Probe = plan.first()
        while True:
            if isinstance(step, Probe):
                step = plan.probed(await self._find_leader(pool, dialect))
                continue
            if step.delay:
                await asleep(step.delay)
            server = pool.servers[step.index]
            try:
                reply, _ = await self._send(method, server, path, params, json, send_auth)
            except (httpx.TransportError, ssl.SSLError) as exc:
                step = plan.failed(step.index, failure_of(exc), tls_problem(exc))
                continue
            except httpx.DecodingError:
                step = plan.failed(step.index, Failure.BROKEN)
                continue
            outcome = plan.answered(step.index, reply)
            if isinstance(outcome, Done):
                if not outcome.reply.ok:
                    raise error_for_reply(outcome.reply, dialect)
                return outcome.reply
            step = outcome

    async def _send(
        self,
        method: str,
        server: str,
        path: str,
        params: Any,
        json: Any,
        auth: httpx.Auth | None,
        *,
        accept: str = _JSON,
        stream: bool = False,
        idle_timeout: float | None = None,
    ) -> tuple[Reply, httpx.Response]:
        """Send once; the reply (whole, unless ``stream`` and 2xx) and the open response.

        A ``stream`` has no read timeout but ``idle_timeout``: the longest silence allowed
        between two pieces of its body (None: no limit).
        """
        url = server + path
        if params:
            # Encoded here, the URL is parsed once (httpx parses it again to merge params).
            url = f"{url}{'&' if '?' in url else '?'}{httpx.QueryParams(params)}"
        timeout: httpx.Timeout | None = self.config.timeout
        if stream:
            base = timeout if timeout is not None else self._client.timeout
            timeout = httpx.Timeout(
                base.connect, read=idle_timeout, write=base.write, pool=base.pool
            )
        try:
            request = self._client.build_request(
                method,
                url,
                json=json,
                headers={"Accept": accept},
                timeout=timeout if timeout is not None else httpx.USE_CLIENT_DEFAULT,
            )
        except httpx.InvalidURL:
            raise InvalidInputError(f"cannot build a request for {redact_url(url)}") from None
        started = time.perf_counter()
        try:
            response = await self._client.send(
                request, auth=auth, follow_redirects=False, stream=stream
            )
            if stream and not 200 <= response.status_code < 300:
                try:
                    await response.aread()
                finally:
                    await response.aclose()
        except (httpx.HTTPError, ssl.SSLError) as exc:
            _log(self._logger, method, path, type(exc).__name__, started, server)
            raise
        except httpx.InvalidURL:  # httpx reads a redirect's Location even when not following
            _log(self._logger, method, path, "InvalidURL", started, server)
            raise MalformedResponseError(
                "the answer redirects to a location that is not a URL",
                backend=self.config.backend,
                method=method,
                url=redact_url(url),
            ) from None
        _log(self._logger, method, path, str(response.status_code), started, server)
        reply = Reply(
            status=response.status_code,
            headers=response.headers,
            content=b"" if stream and 200 <= response.status_code < 300 else response.content,
            method=method,
            url=redact_url(request.url),
            server=server,
            backend=self.config.backend,
        )
        return reply, response

    @asynccontextmanager
    async def stream(
        self,
        path: str,
        *,
        params: Any = None,
        accept: str = "text/event-stream",
        idle_timeout: float | None = None,
    ) -> AsyncIterator[AsyncIterator[bytes]]:
        """Open a long ``GET`` (an event stream) at the leader; yield its body as it comes.

        Opening follows the read plan (failover, retries, redirects resolved by hand, so a
        standby's 302 never takes the credentials elsewhere). Reading has no read timeout but
        ``idle_timeout`` seconds of silence (None: none); a connection that breaks, or stays
        silent that long, while reading raises :class:`BackendUnavailableError` from the
        iterator.

        Raises:
            BackendError: a subclass, when the stream cannot be opened.
            NotFoundError: for a 404.
        """
        self.ensure_open("GET", path)
        plan = Plan(self.config, self.pool, self.dialect, "GET", path)
        step: Send | Probe = plan.first()
        while True:
            if isinstance(step, Probe):
                step = plan.probed(await self._find_leader(self.pool, self.dialect))
                continue
            if step.delay:
                await asleep(step.delay)
            server = self.pool.servers[step.index]
            try:
                reply, response = await self._send(
                    "GET",
                    server,
                    path,
                    params,
                    None,
                    self._auth,
                    accept=accept,
                    stream=True,
                    idle_timeout=idle_timeout,
                )
            except (httpx.TransportError, ssl.SSLError) as exc:
                step = plan.failed(step.index, failure_of(exc), tls_problem(exc))
                continue
            except httpx.DecodingError:
                step = plan.failed(step.index, Failure.BROKEN)
                continue
            outcome = plan.answered(step.index, reply)
            if isinstance(outcome, Done):
                if not reply.ok:
                    raise error_for_reply(reply, self.dialect)
                if reply.content_type not in ("", accept):
                    # a proxy's login page or error page, with a 200: not the stream asked for
                    await response.aclose()
                    raise reply.malformed(f"the answer is {reply.content_type}, not {accept}")
                try:
                    yield self._chunks(response, reply)
                finally:
                    await response.aclose()
                return
            step = outcome

    async def _chunks(self, response: httpx.Response, reply: Reply) -> AsyncIterator[bytes]:
        try:
            async for chunk in response.aiter_bytes():
                yield chunk
        except (httpx.HTTPError, ssl.SSLError) as exc:
            raise BackendUnavailableError(
                f"the stream broke ({type(exc).__name__})",
                backend=reply.backend,
                method=reply.method,
                url=reply.url,
            ) from exc

    def ensure_open(self, method: str, path: str, base_url: str | None = None) -> None:
        """Raise :class:`BackendUnavailableError` for a call on a closed session."""
        if self._closed:
            raise BackendUnavailableError(
                f"the {self.config.backend} backend is closed",
                backend=self.config.backend,
                method=method,
                url=redact_url((base_url or self.pool.servers[0]) + path),
            )

    async def leader(self, *, refresh: bool = False) -> str | None:
        """The base URL of the leading configured server, asking the servers when unknown.

        With ``refresh`` the servers are always asked: the one remembered may have stepped down.

        Raises:
            BackendUnavailableError: when the session is closed.
        """
        if self._closed:
            raise BackendUnavailableError(
                f"the {self.config.backend} backend is closed", backend=self.config.backend
            )
        if refresh or self.pool.leader is None:
            self.pool.leader = await self._find_leader(self.pool, self.dialect)
        return None if self.pool.leader is None else self.pool.servers[self.pool.leader]

    async def _find_leader(self, pool: ServerPool, dialect: Dialect) -> int | None:
        """Ask each configured server which one leads; the first configured answer wins."""
        if dialect.probe_path is None:
            return None
        for server in pool.servers:
            try:
                reply, _ = await self._send(
                    "GET", server, dialect.probe_path, None, None, self._auth
                )
            except (httpx.HTTPError, ssl.SSLError):
                continue
            named = dialect.probe(reply.status, reply.headers, reply.content)
            if named is None:
                continue
            index = pool.index_of(named, scheme=server.split(":", 1)[0])
            if index is not None:
                return index
        return None


def _log(
    log: logging.Logger, method: str, path: str, outcome: str, started: float, server: str
) -> None:
    """The one DEBUG line of a request: method, path, status (or error), time, server."""
    if log.isEnabledFor(logging.DEBUG):
        log.debug(
            "%s %s -> %s in %.1f ms (%s)",
            method,
            path,
            outcome,
            (time.perf_counter() - started) * 1000,
            redact_url(server),
        )
