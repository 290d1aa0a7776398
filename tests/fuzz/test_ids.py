"""Id scoping on :class:`asgard.Account`: for any text, an id is refused or lies inside.

``normalize_app_id`` accepts exactly what the independent oracle (``tests/fuzz/_ids.py``)
accepts, and returns ``/`` + the segments; ``marathon_app_id`` puts it under
``/<namespace>/``; ``relative_app_id`` undoes it; ``owns_marathon_id`` says yes only to ids
that lie inside the namespace.
"""

from __future__ import annotations

import posixpath

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from asgard import Account
from asgard.account import normalize_app_id
from asgard.errors import InvalidInputError, TenancyViolationError
from tests.fuzz._ids import APP_IDS, VALID_IDS, oracle_segments
from tests.fuzz._support import fewer, json_values

DEV = Account(namespace="dev", owner="dev-team")
OTHER = Account(namespace="d", owner="d.team")  # a prefix of "dev": /d/ vs /dev/
CLUSTER = Account.cluster_wide()
ACCOUNTS = st.sampled_from([DEV, OTHER, CLUSTER])
_MARATHON_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-./")


def resolved(path: str) -> str:
    """What a server makes of an absolute path: ``.`` and ``..`` resolved, ``//`` collapsed."""
    return posixpath.normpath("/" + path.lstrip("/")).replace("//", "/")


@given(app_id=APP_IDS, account=ACCOUNTS)
@example(app_id="/dev/../ops/web", account=DEV)
@example(app_id="%2e%2e/ops", account=DEV)
@example(app_id="web/", account=DEV)
@example(app_id="web\n", account=DEV)
@example(app_id="\u212a", account=DEV)
def test_ids_are_accepted_exactly_by_the_rules(app_id: str, account: Account) -> None:
    expected = oracle_segments(app_id)
    try:
        normalized = account.normalize_app_id(app_id)
    except InvalidInputError:
        assert expected is None, f"{app_id!r} follows the rules but was refused"
        with pytest.raises(InvalidInputError):
            account.marathon_app_id(app_id)
        return
    assert expected is not None, f"{app_id!r} breaks the rules but was accepted"
    assert normalized == "/" + "/".join(expected)
    assert normalize_app_id(app_id) == normalized
    assert normalize_app_id(normalized) == normalized  # idempotent


@given(app_id=APP_IDS, account=ACCOUNTS)
def test_a_marathon_id_lies_inside_the_namespace(app_id: str, account: Account) -> None:
    try:
        full = account.marathon_app_id(app_id)
    except InvalidInputError:
        return
    assert set(full) <= _MARATHON_CHARS
    segments = full.split("/")[1:]
    assert all(segment not in {"", ".", ".."} for segment in segments)
    assert resolved(full) == full
    if account.is_cluster_wide:
        assert full == account.normalize_app_id(app_id)
    else:
        assert full.startswith(f"/{account.namespace}/")
        assert segments[0] == account.namespace
        assert len(segments) >= 2
    assert account.owns_marathon_id(full)
    assert account.relative_app_id(full) == account.normalize_app_id(app_id)


@given(app_id=VALID_IDS, account=ACCOUNTS)
def test_every_valid_id_round_trips(app_id: str, account: Account) -> None:
    if oracle_segments(app_id) is None:  # a reserved last segment
        return
    full = account.marathon_app_id(app_id)
    assert account.relative_app_id(full) == normalize_app_id(app_id)
    assert account.marathon_app_id(account.relative_app_id(full)) == full


@given(value=json_values(huge=True).filter(lambda value: not isinstance(value, str)))
def test_a_non_string_id_is_invalid_input(value: object) -> None:
    with pytest.raises(InvalidInputError):
        normalize_app_id(value)  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError):
        DEV.marathon_app_id(value)  # type: ignore[arg-type]


@given(marathon_id=st.one_of(APP_IDS, APP_IDS.map(lambda text: "/dev/" + text)))
@example(marathon_id="/dev")
@example(marathon_id="/dev/")
@example(marathon_id="/devx/web")
@example(marathon_id="dev/web")
def test_canonical_ids_are_owned_exactly_when_under_the_namespace(marathon_id: str) -> None:
    """On canonical ids (what Marathon replies carry), ownership is the prefix rule."""
    canonical = marathon_id if marathon_id.startswith("/") else "/" + marathon_id
    if any(segment in {"", ".", ".."} for segment in canonical[1:].split("/")):
        return  # not canonical: see the test below
    inside = canonical.startswith("/dev/")
    assert DEV.owns_marathon_id(marathon_id) == inside
    if inside:
        assert "/dev" + DEV.relative_app_id(marathon_id) == canonical
    else:
        with pytest.raises(TenancyViolationError):
            DEV.relative_app_id(marathon_id)
    assert CLUSTER.owns_marathon_id(marathon_id)
    assert CLUSTER.relative_app_id(marathon_id) == canonical


# Regression test of a bug this fuzzing found (fixed since):
# Account.owns_marathon_id('/dev/../ops/web') is True (and relative_app_id gives '/../ops/web'):
# dot and empty segments are not resolved, so a non-canonical id that resolves outside /dev/ is
# accepted as the account's
@fewer(4)
@given(marathon_id=st.one_of(APP_IDS, APP_IDS.map(lambda text: "/dev/" + text)))
@example(marathon_id="/dev/../ops/web")
def test_any_owned_id_resolves_inside_the_namespace(marathon_id: str) -> None:
    if DEV.owns_marathon_id(marathon_id):
        assert resolved(marathon_id).startswith("/dev/"), marathon_id
        relative = DEV.relative_app_id(marathon_id)
        assert resolved(relative) == relative, relative
