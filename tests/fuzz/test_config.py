"""Accounts, server URLs and Marathon paths on any text: refused cleanly, or well-formed.

- ``Account(namespace, owner)`` accepts exactly what its docstring's rules accept, and its
  owner constraint (a Java regex, ``LIKE``) matches the owner and nothing else.
- ``normalize_server`` returns a clean http(s) base URL or raises InvalidInputError.
- ``canonical_id`` resolves any path the way a file system would, staying at the root.
"""

from __future__ import annotations

import posixpath
import re

import httpx
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from asgard import Account
from asgard._http._policy import normalize_server
from asgard.errors import InvalidInputError, TenancyViolationError
from asgard.marathon._parse import canonical_id
from tests.fuzz._support import fewer, strings

_NAMESPACE_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")
_OWNER_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")


def namespace_ok(value: str) -> bool:
    """One DNS-1123 label: 1 to 63 of a-z, 0-9, '-', not starting or ending with '-'."""
    return (
        0 < len(value) <= 63
        and set(value) <= _NAMESPACE_CHARS
        and value[0] != "-"
        and value[-1] != "-"
    )


def owner_ok(value: str) -> bool:
    """Letters, digits, '-', '_' and '.', and not a number (as Python reads one)."""
    if not value or not set(value) <= _OWNER_CHARS:
        return False
    try:
        float(value)
    except ValueError:
        return True
    return False


NAMESPACES = st.one_of(
    st.from_regex(r"[a-z0-9-]{1,64}", fullmatch=True),
    st.sampled_from(["dev", "-dev", "dev-", "d", "a" * 63, "a" * 64, "", "DEV", "d\u0435v"]),
    st.text(max_size=8),
)
OWNERS = st.one_of(
    st.from_regex(r"[A-Za-z0-9_.-]{1,12}", fullmatch=True),
    st.sampled_from(
        ["dev-team", "1", "1.5", "1e5", "1_000", "nan", "inf", "Infinity", ".5", "-", "a b", ""]
    ),
    st.text(max_size=8),
)


@given(namespace=NAMESPACES, owner=OWNERS)
@example(namespace="dev", owner="1_000")
@example(namespace="dev", owner="nan")
def test_accounts_are_built_exactly_by_the_rules(namespace: str, owner: str) -> None:
    expected = namespace_ok(namespace) and owner_ok(owner)
    try:
        account = Account(namespace=namespace, owner=owner)
    except InvalidInputError:
        assert not expected, (namespace, owner)
        return
    assert expected, (namespace, owner)
    assert not account.is_cluster_wide
    assert account.marathon_group == f"/{namespace}"
    field, operator, pattern = account.owner_constraint
    assert (field, operator) == ("owner", "LIKE")
    # Java and Python regexes agree on these characters: the pattern matches the owner only.
    assert re.fullmatch(pattern, owner)


@given(owner=st.from_regex(r"[A-Za-z0-9_.-]{1,10}", fullmatch=True), other=OWNERS)
def test_the_owner_constraint_matches_no_other_owner(owner: str, other: str) -> None:
    if not owner_ok(owner):
        return
    _, _, pattern = Account(namespace="dev", owner=owner).owner_constraint
    assert (re.fullmatch(pattern, other) is not None) == (other == owner)


def test_the_cluster_wide_account_has_no_owner_constraint() -> None:
    with pytest.raises(TenancyViolationError):
        Account.cluster_wide().owner_constraint  # noqa: B018


SERVERS = st.one_of(
    st.builds(
        lambda scheme, host, port, path: f"{scheme}://{host}{port}{path}",
        st.sampled_from(["http", "https", "HTTP", "ftp", ""]),
        st.one_of(strings(), st.sampled_from(["m1.test", "[::1]", "10.0.0.1", "user:pw@h"])),
        st.sampled_from(["", ":8080", ":0", ":99999", ":-1", ":x", ":"]),
        st.one_of(st.sampled_from(["", "/", "/service/marathon", "/?q", "/#f"]), strings()),
    ),
    strings(),
)


@given(url=SERVERS)
def test_a_server_url_is_refused_or_clean(url: str) -> None:
    try:
        server = normalize_server(url)
    except InvalidInputError:
        return
    scheme, _, rest = server.partition("://")
    assert scheme in ("http", "https")
    host = rest.split("/", 1)[0]
    assert host
    assert "@" not in host
    assert "?" not in server
    assert "#" not in server
    assert not server.endswith("/")
    assert normalize_server(server) == server  # idempotent


# A bug this fuzzing found, fixed for control characters and white space ('http://h\x00', the
# first example): normalize_server accepted a URL httpx cannot use, so HttpConfig.build passed and
# every later request failed with 'cannot build a request'.
@fewer(4)
@given(url=SERVERS)
@example(url="http://h\x00")
@example(url="http://\u00a1")
def test_an_accepted_server_url_is_one_httpx_can_use(url: str) -> None:
    try:
        server = normalize_server(url)
    except InvalidInputError:
        return
    httpx.URL(server + "/v2/apps")


def resolved(raw: str, base: str) -> str:
    """``raw`` resolved against the absolute group ``base``, never above the root."""
    parts: list[str] = [] if raw.startswith("/") else [p for p in base.split("/") if p]
    for segment in raw.split("/"):
        if segment in ("", "."):
            continue
        if segment == "..":
            if parts:
                parts.pop()
        else:
            parts.append(segment)
    return "/" + "/".join(parts)


PATH_PIECES = st.sampled_from(["", ".", "..", "...", "a", "b.c", ".d", "e.", "dev", "%2e%2e", " "])


@given(
    raw=st.one_of(
        st.lists(PATH_PIECES, max_size=6).map("/".join),
        st.lists(PATH_PIECES, max_size=6).map(lambda parts: "/" + "/".join(parts)),
        strings(),
    ),
    base=st.sampled_from(["/", "/dev", "/dev/group", "/a/b/c"]),
)
def test_canonical_ids_resolve_like_paths(raw: str, base: str) -> None:
    found = canonical_id(raw, base)
    assert found == resolved(raw, base)
    assert found.startswith("/")
    assert found == "/" or posixpath.normpath(found) == found
