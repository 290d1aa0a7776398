"""Everything asgard raises.

Every exception asgard raises derives from :class:`AsgardError`; no httpx exception,
:class:`KeyError`, :class:`TypeError`, :class:`ExceptionGroup` or
:class:`json.JSONDecodeError` ever reaches a caller. Messages never contain credentials,
tokens or environment values, and URLs carried by errors have their user-info removed.

The tree::

    AsgardError
    ├── InvalidInputError (also ValueError)   bad argument, id or AppSpec, before any request
    ├── NotFoundError (also LookupError)      absent, or outside the account
    ├── ConflictError                         app exists, or deployments lock it (.deployment_ids)
    │   └── TooManyDeploymentsError           Marathon's limit on running deployments (a 403 there)
    ├── UnsupportedOperationError             the backend lacks that capability
    ├── TenancyViolationError                 a server returned an object outside the account, or
    │                                         scoped code tried to widen its scope
    ├── DeploymentFailedError                 wait() saw the deployment fail or be rolled back
    │   └── DeploymentSupersededError         a newer deployment replaced it
    ├── WaitTimeoutError                      wait() ran out of time; the deployment may go on
    └── BackendError                          .backend, .method, .url (no credentials), .status
        ├── BackendUnavailableError           no configured server could serve it, or closed
        │   └── NoLeaderError                 servers answered, none is the leader
        ├── BackendTimeoutError               a read timed out after its retries
        ├── WriteOutcomeUnknownError          a write's reply was lost; never retried
        ├── AuthenticationError               401
        ├── PermissionDeniedError             403 (other than the deployment limit)
        ├── RequestRejectedError              400 / 422 (.details: messages by field path)
        ├── ServerError                       other 5xx
        └── MalformedResponseError            not JSON, or a field missing or ill-typed (.path)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from asgard.models import Deployment, QueueEntry

__all__ = [
    "AsgardError",
    "AuthenticationError",
    "BackendError",
    "BackendTimeoutError",
    "BackendUnavailableError",
    "ConflictError",
    "DeploymentFailedError",
    "DeploymentSupersededError",
    "InvalidInputError",
    "MalformedResponseError",
    "NoLeaderError",
    "NotFoundError",
    "PermissionDeniedError",
    "RequestRejectedError",
    "ServerError",
    "TenancyViolationError",
    "TooManyDeploymentsError",
    "UnsupportedOperationError",
    "WaitTimeoutError",
    "WriteOutcomeUnknownError",
]


class AsgardError(Exception):
    """The root of every exception asgard raises."""


class InvalidInputError(AsgardError, ValueError):
    """An argument, id or spec is not valid; raised before any request is sent."""


class NotFoundError(AsgardError, LookupError):
    """The object does not exist, or lies outside the account (never reported as forbidden).

    Attributes:
        server_message: what the server said in its 404 answer (its JSON ``message``, or the
            reason of an HTML page), when this error comes from one; None otherwise.
    """

    def __init__(self, message: str, *, server_message: str | None = None) -> None:
        super().__init__(message)
        self.server_message = server_message


class ConflictError(AsgardError):
    """The object exists already, or is locked by running deployments.

    Attributes:
        deployment_ids: the ids of the deployments that hold the lock (empty when unknown).
    """

    def __init__(self, message: str, *, deployment_ids: Iterable[str] = ()) -> None:
        super().__init__(message)
        self.deployment_ids: tuple[str, ...] = tuple(deployment_ids)


class TooManyDeploymentsError(ConflictError):
    """Marathon refused the write: too many deployments are running (its 403 for that limit)."""


class UnsupportedOperationError(AsgardError):
    """The backend does not have the capability this operation needs."""


class TenancyViolationError(AsgardError):
    """A server returned an object outside the account, or scoped code tried to widen its scope.

    asgard never swallows this error: it means the tenancy promise would have been broken.
    """


class _WaitError(AsgardError):
    """An outcome of ``wait()``: carries the deployment and, when known, the queue entry."""

    def __init__(
        self,
        message: str,
        *,
        deployment: Deployment,
        queue_entry: QueueEntry | None = None,
    ) -> None:
        super().__init__(message)
        self.deployment = deployment
        self.queue_entry = queue_entry


class DeploymentFailedError(_WaitError):
    """``wait()`` saw the deployment fail or be rolled back.

    Attributes:
        deployment: the deployment that was waited for.
        queue_entry: the launch queue entry of the app when Marathon was waiting for offers.
    """


class DeploymentSupersededError(DeploymentFailedError):
    """A newer deployment replaced the one ``wait()`` was waiting for."""


class WaitTimeoutError(_WaitError):
    """``wait()`` ran out of time; the deployment may still finish.

    Attributes:
        deployment: the deployment that was waited for.
        queue_entry: the launch queue entry of the app when Marathon was waiting for offers.
    """


class BackendError(AsgardError):
    """A server could not be reached, or answered with an error.

    Attributes:
        backend: the backend's name (``"mesos"``, ``"marathon"``, ...).
        method: the HTTP method of the request, when there was one.
        url: the request URL with any user-info removed, when there was one.
        status: the HTTP status of the answer, or None when there was no answer.
    """

    def __init__(
        self,
        message: str,
        *,
        backend: str = "",
        method: str | None = None,
        url: str | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.backend = backend
        self.method = method
        self.url = url
        self.status = status

    def __str__(self) -> str:
        message = super().__str__()
        where = " ".join(part for part in (self.method, self.url) if part)
        context = [part for part in (self.backend, where) if part]
        if self.status is not None:
            context.append(f"status {self.status}")
        return f"{message} ({', '.join(context)})" if context else message


class BackendUnavailableError(BackendError):
    """No configured server could serve the request, or the backend is closed."""


class NoLeaderError(BackendUnavailableError):
    """Servers answered, but none of them is, or knows, the leader.

    A write that raised it was refused by every server and not applied: sending it again later
    (after an election, typically seconds) is safe.
    """


class BackendTimeoutError(BackendError):
    """A read timed out on every attempt its retries allowed, or a call found no free connection.

    The second case (a read or a write) means nothing was sent: the client's connection pool
    had no connection free in time.
    """


class WriteOutcomeUnknownError(BackendError):
    """A write may have reached the leader, but its reply was lost or could not be read.

    asgard never re-sends such a write. Read the object back (or list deployments) to learn
    whether it was applied. ``status`` is None when no answer came, a 5xx that does not prove
    the write was refused, or a 2xx when the server accepted the write but its answer was not
    readable (what it started is then unknown; the parse error is the ``__cause__``).
    """


class AuthenticationError(BackendError):
    """The server refused the credentials (401)."""


class PermissionDeniedError(BackendError):
    """The server refused the operation for these credentials (403)."""


class RequestRejectedError(BackendError):
    """The server refused the request as invalid (400 or 422).

    Attributes:
        details: the server's messages by field path (``""`` for messages about the whole
            request), as a read-only mapping.
    """

    def __init__(
        self,
        message: str,
        *,
        details: Mapping[str, tuple[str, ...]] | None = None,
        backend: str = "",
        method: str | None = None,
        url: str | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(message, backend=backend, method=method, url=url, status=status)
        self.details: Mapping[str, tuple[str, ...]] = MappingProxyType(dict(details or {}))


class ServerError(BackendError):
    """The server failed with a 5xx status that is not a leadership problem."""


class MalformedResponseError(BackendError):
    """The answer is not JSON, or a field asgard needs is missing or of the wrong type.

    Attributes:
        path: where in the payload the problem is, as a JSON-pointer-like path (``"/apps/3/id"``),
            or ``""`` for the whole body.
    """

    def __init__(
        self,
        message: str,
        *,
        path: str = "",
        backend: str = "",
        method: str | None = None,
        url: str | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(message, backend=backend, method=method, url=url, status=status)
        self.path = path
