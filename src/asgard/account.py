"""Accounts: the tenancy boundary of every backend, and the pure rules that scope ids to it."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

import attrs

from asgard.errors import InvalidInputError, TenancyViolationError

__all__ = ["Account", "normalize_app_id"]

_NAMESPACE_RE: Final = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?")
_OWNER_RE: Final = re.compile(r"[A-Za-z0-9_.-]+")
# One Marathon path segment (PathId.scala): dot-separated labels of lower-case letters, digits
# and inner dashes.
_LABEL: Final = r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?"
_SEGMENT_RE: Final = re.compile(rf"{_LABEL}(?:\.{_LABEL})*")
RESERVED_LAST_SEGMENTS: Final = frozenset({"restart", "tasks", "versions"})


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _validate_namespace(_inst: object, _attr: object, value: Any) -> None:
    if not isinstance(value, str) or not _NAMESPACE_RE.fullmatch(value):
        raise InvalidInputError(
            f"namespace {value!r} is not a DNS-1123 label: lower-case letters, digits and '-', "
            "starting and ending with a letter or digit, at most 63 characters"
        )


def _validate_owner(_inst: object, _attr: object, value: Any) -> None:
    if not isinstance(value, str) or not _OWNER_RE.fullmatch(value):
        raise InvalidInputError(
            f"owner {value!r} must be a non-empty string of letters, digits, '-', '_' and '.'"
        )
    if _is_number(value):
        raise InvalidInputError(
            f"owner {value!r} must not parse as a number: Mesos stores numeric attributes as "
            "scalars, which Marathon constraints cannot match exactly"
        )


def normalize_app_id(app_id: str) -> str:
    """Check an app id's syntax and return it in asgard's canonical form (``"web"`` → ``"/web"``).

    This is the account-independent check; :meth:`Account.normalize_app_id` applies it.

    Raises:
        InvalidInputError: when the id is empty, has ``.``, ``..`` or empty segments,
            characters Marathon refuses (upper case, ``%``, ``?``, ``#``, white space, ...) or
            ends in a segment Marathon reserves (``restart``, ``tasks``, ``versions``).
    """
    return "/" + "/".join(_split_app_id(app_id))


def _split_app_id(app_id: object) -> list[str]:
    """Check an app id's syntax and return its segments (no leading or trailing slash)."""
    if not isinstance(app_id, str):
        raise InvalidInputError(f"an app id must be a string, not {type(app_id).__name__}")
    if not app_id or app_id == "/":
        raise InvalidInputError("an app id must name an app, not be empty or '/'")
    body = app_id[1:] if app_id.startswith("/") else app_id
    segments = body.split("/")
    for segment in segments:
        if segment in {"", ".", ".."}:
            raise InvalidInputError(
                f"app id {app_id!r} has an empty, '.' or '..' segment, which could leave the "
                "namespace or which Marathon refuses"
            )
        if not _SEGMENT_RE.fullmatch(segment):
            raise InvalidInputError(
                f"app id {app_id!r}: segment {segment!r} must be dot-separated labels of "
                "lower-case letters, digits and inner '-'"
            )
    if segments[-1] in RESERVED_LAST_SEGMENTS:
        raise InvalidInputError(
            f"app id {app_id!r} ends in {segments[-1]!r}, a name Marathon reserves for its routes"
        )
    return segments


@attrs.frozen(repr=False)
class Account:
    """The tenant a backend is bound to.

    An account's apps live under ``/<namespace>/`` in Marathon; its agents carry the Mesos
    attribute ``owner=<owner>``. Build one per tenant; :meth:`cluster_wide` is the operator's
    view of the whole cluster.

    Args:
        namespace: one DNS-1123 label (lower-case letters, digits and ``-``, starting and ending
            with a letter or digit, at most 63 characters).
        owner: a non-empty string of letters, digits, ``-``, ``_`` and ``.`` that does not
            parse as a number.

    Raises:
        InvalidInputError: when either value breaks those rules.
    """

    namespace: str = attrs.field(validator=_validate_namespace)
    owner: str = attrs.field(validator=_validate_owner)

    @classmethod
    def cluster_wide(cls) -> Account:
        """The operator's account: every agent and every app, with absolute Marathon app ids."""
        return _CLUSTER_WIDE

    @property
    def is_cluster_wide(self) -> bool:
        """Whether this is :meth:`cluster_wide`, the account that sees everything."""
        return self.namespace == "" and self.owner == ""

    def __repr__(self) -> str:
        if self.is_cluster_wide:
            return "Account.cluster_wide()"
        return f"Account(namespace={self.namespace!r}, owner={self.owner!r})"

    # -- app ids ---------------------------------------------------------------------------

    def normalize_app_id(self, app_id: str) -> str:
        """Check a user-given app id and return it in asgard's canonical form (``"/web"``).

        ``"web"`` and ``"/web"`` are the same app. The id is relative to the namespace for a
        scoped account and absolute for the cluster-wide one.

        Raises:
            InvalidInputError: when the id is empty, has ``.``, ``..`` or empty segments,
                characters Marathon refuses (upper case, ``%``, ``?``, ``#``, white space, ...)
                or ends in a segment Marathon reserves (``restart``, ``tasks``, ``versions``).
        """
        return normalize_app_id(app_id)

    def marathon_app_id(self, app_id: str) -> str:
        """The absolute Marathon id of a user-given app id (``"/web"`` → ``"/dev/web"``).

        Raises:
            InvalidInputError: as :meth:`normalize_app_id`.
        """
        relative = self.normalize_app_id(app_id)
        return relative if self.is_cluster_wide else f"/{self.namespace}{relative}"

    def owns_marathon_id(self, marathon_id: str) -> bool:
        """Whether an absolute Marathon id (of an app or group) lies inside this account."""
        if self.is_cluster_wide:
            return True
        prefix = f"/{self.namespace}/"
        canonical = marathon_id if marathon_id.startswith("/") else "/" + marathon_id
        if not canonical.startswith(prefix) or len(canonical) == len(prefix):
            return False
        # "/dev/../ops/web" starts like the account's ids but is not one of them
        return all(part not in ("", ".", "..") for part in canonical[len(prefix) :].split("/"))

    def relative_app_id(self, marathon_id: str) -> str:
        """The id a user of this account sees for an absolute Marathon id.

        Raises:
            TenancyViolationError: when the id lies outside the account (a server returned an
                object the account must not see).
        """
        canonical = marathon_id if marathon_id.startswith("/") else "/" + marathon_id
        if self.is_cluster_wide:
            return canonical
        if not self.owns_marathon_id(canonical):
            raise TenancyViolationError(
                f"the server returned app {canonical!r}, outside namespace {self.namespace!r}"
            )
        return canonical[len(self.namespace) + 1 :]

    @property
    def marathon_group(self) -> str:
        """The Marathon group holding the account's apps (``"/dev"``; ``"/"`` cluster-wide)."""
        return "/" if self.is_cluster_wide else f"/{self.namespace}"

    # -- agents ----------------------------------------------------------------------------

    def owns_agent(self, attributes: Mapping[str, Any]) -> bool:
        """Whether an agent with these Mesos attributes belongs to the account.

        The attribute ``owner`` must equal the account's ``owner`` exactly; a numeric attribute
        never matches (an owner never parses as a number).
        """
        if self.is_cluster_wide:
            return True
        value = attributes.get("owner")
        return isinstance(value, str) and value == self.owner

    @property
    def owner_constraint(self) -> tuple[str, str, str]:
        r"""The Marathon constraint that pins the account's apps to its agents.

        Marathon matches ``LIKE`` against the whole attribute value as a Java regex, so the
        owner is escaped (``dev.team`` → ``dev\.team``).

        Raises:
            TenancyViolationError: for the cluster-wide account, which has no owner to pin to.
        """
        if self.is_cluster_wide:
            raise TenancyViolationError("the cluster-wide account has no owner constraint")
        return ("owner", "LIKE", self.owner.replace(".", "\\."))


def _make_cluster_wide() -> Account:
    # Built without __init__: no validator could accept the empty namespace and owner, which
    # is what makes this instance impossible to forge through the constructor.
    account = object.__new__(Account)
    for name in ("namespace", "owner"):
        object.__setattr__(account, name, "")
    return account


_CLUSTER_WIDE: Final = _make_cluster_wide()
