"""Credentials for the servers a backend talks to, none of which ever shows in a repr or a log.

asgard sends credentials only to the servers a backend was configured with, never to a host a
redirect names or to agents the Mesos master discovered (unless ``agent_auth`` says so).
"""

from __future__ import annotations

import base64
from collections.abc import Generator
from typing import Final, cast

import httpx

from asgard.errors import InvalidInputError

__all__ = ["BasicAuth", "Secret", "TokenAuth"]

_REDACTED: Final = "'**********'"


class Secret:
    """A string that hides itself: its repr and str never show the value.

    Read the value with :meth:`reveal` where it must be sent, and nowhere else.

    Args:
        value: the secret text.

    Raises:
        InvalidInputError: when ``value`` is not a string.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        if not isinstance(cast("object", value), str):
            msg = f"a Secret holds a str, not {type(value).__name__}"
            raise InvalidInputError(msg)
        self._value = value

    def reveal(self) -> str:
        """Return the secret value."""
        return self._value

    def __repr__(self) -> str:
        return f"Secret({_REDACTED})"

    def __str__(self) -> str:
        return "**********"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Secret):
            return self._value == other._value
        return NotImplemented

    def __hash__(self) -> int:
        return hash(("Secret", self._value))

    def __reduce__(self) -> tuple[type[Secret], tuple[str]]:
        return (Secret, (self._value,))


def _secret(value: str | Secret) -> Secret:
    return value if isinstance(value, Secret) else Secret(value)


class BasicAuth(httpx.Auth):
    """HTTP Basic authentication (Marathon's ``--http_credentials``, Mesos' HTTP authenticator).

    Args:
        username: the user name (shown in reprs).
        password: the password, a ``str`` or a :class:`Secret` (never shown).
    """

    def __init__(self, username: str, password: str | Secret) -> None:
        self.username = username
        self.password = _secret(password)

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Add the ``Authorization: Basic ...`` header to the request."""
        token = f"{self.username}:{self.password.reveal()}".encode()
        request.headers["Authorization"] = "Basic " + base64.b64encode(token).decode("ascii")
        yield request

    def __repr__(self) -> str:
        return f"BasicAuth(username={self.username!r}, password={_REDACTED})"


class TokenAuth(httpx.Auth):
    """DC/OS token authentication: ``Authorization: token=<token>`` (not ``Bearer``).

    Args:
        token: the token, a ``str`` or a :class:`Secret` (never shown).
    """

    def __init__(self, token: str | Secret) -> None:
        self.token = _secret(token)

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Add the ``Authorization: token=...`` header to the request."""
        request.headers["Authorization"] = f"token={self.token.reveal()}"
        yield request

    def __repr__(self) -> str:
        return f"TokenAuth(token={_REDACTED})"
