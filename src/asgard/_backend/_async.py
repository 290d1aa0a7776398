"""What every backend shares: its options, its session, its account, closing and scoping.

A concrete backend (Mesos, Marathon) subclasses :class:`AsyncBackendCore` and adds its methods;
``_sync.py`` beside this file is generated from it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

import httpx
from typing_extensions import Self

from asgard._acompat import AsyncLimiter
from asgard._http._async import AsyncHttpSession
from asgard._http._dialect import Dialect
from asgard._http._policy import (
    DEFAULT_MAX_CONCURRENCY,
    DEFAULT_READ_RETRIES,
    CertTypes,
    HttpConfig,
    VerifyTypes,
)
from asgard.account import Account
from asgard.errors import InvalidInputError, TenancyViolationError

__all__ = ["AsyncBackendCore", "check_auth"]


def _check_account(account: object) -> Account:
    if not isinstance(account, Account):
        raise InvalidInputError(
            f"account must be an asgard.Account (or Account.cluster_wide()), not {account!r}"
        )
    return account


def check_auth(auth: object, name: str) -> httpx.Auth | None:
    """Accept an ``httpx.Auth`` or None for option ``name``.

    Raises:
        InvalidInputError: for anything else (a tuple of user and password, say).
    """
    if auth is None or isinstance(auth, httpx.Auth):
        return auth
    raise InvalidInputError(
        f"{name} must be asgard.auth.BasicAuth, asgard.auth.TokenAuth, an httpx.Auth or None, "
        f"not {type(auth).__name__}"
    )


class AsyncBackendCore:
    """The shared part of every async backend: construction, account, ``for_account``, close.

    Args:
        servers: base URLs, tried in order; the current leader is remembered.
        account: the account the backend is bound to (required).
        auth: credentials sent only to the configured servers.
        timeout: seconds or an ``httpx.Timeout`` (default 10 s, or the injected client's).
        verify: True, False, a CA bundle path or an ``ssl.SSLContext`` (used as it is: load
            a client certificate into it yourself).
        cert: a client certificate path, or ``(certfile, keyfile)``; not with an
            ``ssl.SSLContext`` as ``verify``.
        max_concurrency: the bound of concurrent fan-out, shared with ``for_account`` views.
        read_retries: how many more times a failed read is tried.
        client: an ``httpx.AsyncClient`` to use instead of creating one (never closed here);
            its own TLS settings apply, so ``verify`` and ``cert`` cannot be given with it.

    Raises:
        InvalidInputError: for any bad option, before a client or a request exists.
    """

    backend_name: ClassVar[str] = "backend"
    dialect: ClassVar[Dialect]

    def __init__(
        self,
        servers: Sequence[str],
        *,
        account: Account,
        auth: httpx.Auth | None = None,
        timeout: float | httpx.Timeout | None = None,
        verify: VerifyTypes = True,
        cert: CertTypes = None,
        max_concurrency: int = DEFAULT_MAX_CONCURRENCY,
        read_retries: int = DEFAULT_READ_RETRIES,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        self._account = _check_account(account)
        if client is not None and not isinstance(client, httpx.AsyncClient):
            raise InvalidInputError(
                f"client must be an httpx.AsyncClient, not {type(client).__name__}"
            )
        config = HttpConfig.build(
            self.backend_name,
            servers,
            timeout=timeout,
            verify=verify,
            cert=cert,
            max_concurrency=max_concurrency,
            read_retries=read_retries,
            injected_client=client is not None,
        )
        self._session = AsyncHttpSession(
            config, self.dialect, auth=check_auth(auth, "auth"), client=client
        )
        self._owns_session = True
        self._init_state()

    def _init_state(self) -> None:
        """Set up the state of a backend kind (shared by its ``for_account`` views)."""

    @property
    def limiter(self) -> AsyncLimiter:
        """The concurrency bound of this backend's pool, shared by its ``for_account`` views.

        Code that fans out over a backend (the Orchestrator) takes its slots from it.
        """
        return self._session.limiter

    @property
    def account(self) -> Account:
        """The account this backend is bound to."""
        return self._account

    def for_account(self, account: Account) -> Self:
        """A backend scoped to ``account`` that shares this backend's pool and bound.

        Closing it leaves the pool open: the cluster-wide backend owns it.

        Raises:
            TenancyViolationError: when this backend is not cluster-wide (scoped code can never
                widen its scope).
            InvalidInputError: when ``account`` is not an :class:`~asgard.Account`.
        """
        account = _check_account(account)
        if not self._account.is_cluster_wide:
            raise TenancyViolationError(
                "for_account() needs a cluster-wide backend; this one is scoped to "
                f"{self._account!r}"
            )
        view = self._scoped_copy()
        view._account = account
        view._owns_session = False
        return view

    def _scoped_copy(self) -> Self:
        """A shallow copy sharing the session; subclasses copy their own state if they hold any."""
        view = object.__new__(type(self))
        view.__dict__.update(self.__dict__)
        return view

    @property
    def closed(self) -> bool:
        """Whether this backend's session is closed (by this backend or the one owning it)."""
        return self._session.closed

    async def aclose(self) -> None:
        """Close the pool if this backend owns it; a scoped view closes nothing."""
        if self._owns_session:
            await self._session.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        servers = ", ".join(self._session.pool.servers)
        return f"{type(self).__name__}([{servers}], account={self._account!r})"
