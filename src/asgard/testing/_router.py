"""Where the FakeCluster's endpoints are registered, and how a request finds its handler.

A handler is a plain function ``handler(cluster, server, request) -> httpx.Response``: it runs
while the cluster's lock is held, reads and changes ``cluster.state``, and builds a response
with its whole body (``httpx.Response(..., content=...)`` or ``json=...``). The same handler
serves the sync and the async transport.

Path patterns are literal paths with placeholders: ``{name}`` matches one path segment and
``{name:path}`` matches one or more segments (slashes included), so Marathon app ids fit
(``/v2/apps/{app_id:path}/restart``). The values matched are in :func:`path_params`.

Routes are tried in registration order, the first match wins; registering the same kind,
method and pattern again replaces the handler in place (that is how a test overrides an
endpoint). A path that matches with another method answers 405; no match answers 404, in
each server kind's own style (plain text for Mesos, JSON for Marathon).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Final

import attrs
import httpx

from asgard.errors import InvalidInputError
from asgard.testing._state import SERVER_KINDS, Server, ServerKind

if TYPE_CHECKING:
    from asgard.testing._cluster import FakeCluster

__all__ = [
    "BUILTIN_ROUTES",
    "PATH_PARAMS_EXTENSION",
    "Handler",
    "Route",
    "Router",
    "method_not_allowed",
    "not_found",
    "path_params",
]

Handler = Callable[["FakeCluster", Server, httpx.Request], httpx.Response]
"""An endpoint: ``handler(cluster, server, request) -> httpx.Response``."""

PATH_PARAMS_EXTENSION: Final = "asgard.path_params"
"""The request extension where the dispatcher puts the placeholders a route matched."""

_PLACEHOLDER: Final = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)(:path)?\}")
_METHOD: Final = re.compile(r"[A-Z]+")


def path_params(request: httpx.Request) -> Mapping[str, str]:
    """The values of the placeholders of the route that matched ``request`` (read-only).

    Empty for a route without placeholders, or for a request that was not routed.
    """
    found = request.extensions.get(PATH_PARAMS_EXTENSION)
    return found if isinstance(found, Mapping) else MappingProxyType({})


def _compile(pattern: object) -> re.Pattern[str]:
    if not isinstance(pattern, str) or not pattern.startswith("/"):
        raise InvalidInputError(f"route pattern {pattern!r} must be a string starting with '/'")
    parts: list[str] = []
    position = 0
    for match in _PLACEHOLDER.finditer(pattern):
        parts.append(re.escape(pattern[position : match.start()]))
        name = match.group(1)
        parts.append(f"(?P<{name}>.+)" if match.group(2) else f"(?P<{name}>[^/]+)")
        position = match.end()
    parts.append(re.escape(pattern[position:]))
    try:
        return re.compile("".join(parts))
    except re.error as exc:  # a placeholder name used twice
        raise InvalidInputError(f"route pattern {pattern!r} is not valid: {exc}") from exc


def _check_method(method: object) -> str:
    if not isinstance(method, str) or not _METHOD.fullmatch(method.upper()):
        raise InvalidInputError(f"method {method!r} is not an HTTP method")
    return method.upper()


@attrs.frozen(kw_only=True)
class Route:
    """One registered endpoint.

    Attributes:
        kind: the server kind that serves it.
        method: the HTTP method, upper-case.
        pattern: the path pattern as registered.
        handler: the function that answers.
    """

    kind: ServerKind
    method: str
    pattern: str
    handler: Handler = attrs.field(eq=False)
    regex: re.Pattern[str] = attrs.field(eq=False, repr=False)


@attrs.frozen(kw_only=True)
class Resolution:
    """What :meth:`Router.resolve` found: a route and its parameters, or the allowed methods."""

    route: Route | None = None
    params: Mapping[str, str] = attrs.field(factory=lambda: MappingProxyType({}))
    allowed: tuple[str, ...] = ()


class Router:
    """The endpoints of each server kind (``"mesos_master"``, ``"marathon"``, ``"agent"``).

    Every FakeCluster starts with a copy of :data:`BUILTIN_ROUTES` (which the Mesos and
    Marathon endpoint modules fill) and may register more of its own.
    """

    def __init__(self, routes: tuple[Route, ...] = ()) -> None:
        self._routes: list[Route] = list(routes)

    @property
    def routes(self) -> tuple[Route, ...]:
        """Every route, in the order they are tried."""
        return tuple(self._routes)

    def copy(self) -> Router:
        """A router with the same routes, which can change without changing this one."""
        return Router(tuple(self._routes))

    def register(self, kind: ServerKind, method: str, pattern: str, handler: Handler) -> Route:
        """Register ``handler`` for ``method`` requests matching ``pattern`` on ``kind`` servers.

        Registering the same kind, method and pattern again replaces the earlier handler.

        Returns:
            The route.

        Raises:
            InvalidInputError: when the kind is unknown, the method is not an upper-case word,
                or the pattern does not start with ``/`` or repeats a placeholder name.
        """
        if kind not in SERVER_KINDS:
            raise InvalidInputError(
                f"unknown server kind {kind!r}; choose one of {', '.join(SERVER_KINDS)}"
            )
        route = Route(
            kind=kind,
            method=_check_method(method),
            pattern=pattern,
            handler=handler,
            regex=_compile(pattern),
        )
        for position, existing in enumerate(self._routes):
            if existing == route:
                self._routes[position] = route
                break
        else:
            self._routes.append(route)
        return route

    def route(self, kind: ServerKind, method: str, pattern: str) -> Callable[[Handler], Handler]:
        """Decorator form of :meth:`register`; returns the function unchanged.

        Raises:
            InvalidInputError: as :meth:`register`.
        """

        def decorate(handler: Handler) -> Handler:
            self.register(kind, method, pattern, handler)
            return handler

        return decorate

    def resolve(self, kind: ServerKind, method: str, path: str) -> Resolution:
        """Find the route for a request.

        Returns:
            The first matching route with its parameters; or no route and the methods the path
            accepts (405); or no route and no methods (404).
        """
        allowed: list[str] = []
        wanted = method.upper()
        for route in self._routes:
            if route.kind != kind:
                continue
            match = route.regex.fullmatch(path)
            if match is None:
                continue
            if route.method == wanted:
                return Resolution(route=route, params=MappingProxyType(match.groupdict()))
            if route.method not in allowed:
                allowed.append(route.method)
        return Resolution(allowed=tuple(allowed))


BUILTIN_ROUTES: Final = Router()
"""The endpoints every new FakeCluster starts with (registered by the endpoint modules)."""


def not_found(kind: ServerKind, path: str, message: str | None = None) -> httpx.Response:
    """The 404 of a path nothing serves: plain text on Mesos, JSON on Marathon.

    ``message`` is Marathon's (its wording depends on the version); ``"URI not found"`` when
    None.
    """
    if kind == "marathon":
        return _json(404, {"message": message if message is not None else "URI not found"})
    return _text(404, f"No endpoint at '{path}'.\n")


def method_not_allowed(kind: ServerKind, method: str, allowed: tuple[str, ...]) -> httpx.Response:
    """The 405 of a path served for other methods, with an ``Allow`` header."""
    if kind == "marathon":
        response = _json(405, {"message": "HTTP 405 Method Not Allowed"})
    else:
        expected = ", ".join(f"'{name}'" for name in allowed)
        response = _text(405, f"Expecting one of {{ {expected} }}, but received '{method}'\n")
    response.headers["Allow"] = ", ".join(allowed)
    return response


def _json(status: int, body: object) -> httpx.Response:
    return httpx.Response(
        status,
        headers={"Content-Type": "application/json"},
        content=json.dumps(body).encode(),
    )


def _text(status: int, body: str) -> httpx.Response:
    return httpx.Response(
        status, headers={"Content-Type": "text/plain; charset=utf-8"}, content=body.encode()
    )
