"""Typed access to JSON payloads: a fast path, then a precise re-parse that names the path.

Parsers are written once, against plain ``dict``/``list`` payloads, with the helpers below
(``req_str(d, "id")``, ``opt_int(d, "instances")``, ``req_list(d, "apps")``...). :func:`parse`
runs a parser on the raw payload first: valid payloads pay for nothing but the helpers' type
checks. When that fails in any way, it runs the same parser again on a *checked view* of the
payload (:class:`_CheckedDict` / :class:`_CheckedList`), where every lookup knows its path, so
the error that reaches the user is a :class:`~asgard.errors.MalformedResponseError` saying
exactly which field (``/apps/3/tasks/0/startedAt``) was missing or of the wrong type.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from typing import Any, Final, NoReturn, TypeVar

from asgard._time import parse_timestamp
from asgard.errors import MalformedResponseError

__all__ = [
    "decode",
    "opt_bool",
    "opt_converted",
    "opt_dict",
    "opt_float",
    "opt_int",
    "opt_list",
    "opt_str",
    "opt_time",
    "parse",
    "req_bool",
    "req_dict",
    "req_float",
    "req_int",
    "req_list",
    "req_str",
    "req_time",
]

T = TypeVar("T")
JsonDict = dict[str, Any]

_FLOAT_MAX: Final = sys.float_info.max
# What a parser run on raw data may raise when the payload is not what it expects.
_FAST_PATH_ERRORS = (KeyError, TypeError, ValueError, AttributeError, IndexError)


class _MismatchError(Exception):
    """A payload value is of the wrong type, found on the fast path (no path known yet)."""


class _CheckedDict(dict[str, Any]):
    """A dict that knows where it is in the payload and reports missing keys with the path."""

    __slots__ = ("path",)

    def __init__(self, data: Mapping[str, Any], path: str) -> None:
        super().__init__(data)
        self.path = path

    def __getitem__(self, key: str) -> Any:
        try:
            value = super().__getitem__(key)
        except KeyError:
            raise MalformedResponseError(
                f"field {key!r} is missing", path=f"{self.path}/{key}"
            ) from None
        return _wrap(value, f"{self.path}/{key}")

    def get(self, key: str, default: Any = None) -> Any:
        if key not in self:
            return default
        return _wrap(super().__getitem__(key), f"{self.path}/{key}")

    def values(self) -> Any:
        return [_wrap(value, f"{self.path}/{key}") for key, value in super().items()]

    def items(self) -> Any:
        return [(key, _wrap(value, f"{self.path}/{key}")) for key, value in super().items()]


class _CheckedList(list[Any]):
    """A list that knows where it is in the payload; its items know their index."""

    __slots__ = ("path",)

    def __init__(self, data: list[Any], path: str) -> None:
        super().__init__(data)
        self.path = path

    def __iter__(self) -> Iterator[Any]:
        for index, value in enumerate(super().__iter__()):
            yield _wrap(value, f"{self.path}/{index}")

    def __getitem__(self, index: Any) -> Any:
        try:
            value = super().__getitem__(index)
        except IndexError:
            raise MalformedResponseError(
                f"item {index} is missing", path=f"{self.path}/{index}"
            ) from None
        return _wrap(value, f"{self.path}/{index}")


def _wrap(value: Any, path: str) -> Any:
    if type(value) is dict:
        return _CheckedDict(value, path)
    if type(value) is list:
        return _CheckedList(value, path)
    return value


def _fail(container: Any, key: str, expected: str, value: Any) -> NoReturn:
    if isinstance(container, _CheckedDict):
        raise MalformedResponseError(
            f"field {key!r} should be {expected}, not {_kind(value)}",
            path=f"{container.path}/{key}",
        )
    raise _MismatchError(key)


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    return {
        bool: "a boolean",
        int: "a number",
        float: "a number",
        str: "a string",
        list: "an array",
        dict: "an object",
        _CheckedList: "an array",
        _CheckedDict: "an object",
    }.get(type(value), type(value).__name__)


def parse(parser: Callable[[Any], T], payload: Any, *, what: str = "payload") -> T:
    """Run ``parser`` on ``payload``; on any failure, re-run it on a checked view for the path.

    Raises:
        MalformedResponseError: with the path of the first field the parser could not read.
    """
    try:
        return parser(payload)
    except (*_FAST_PATH_ERRORS, _MismatchError):
        pass
    try:
        parser(_wrap(payload, ""))
    except MalformedResponseError:
        raise
    except (*_FAST_PATH_ERRORS, _MismatchError) as exc:
        # The parser tripped over something the checked view cannot see (a computed value).
        raise MalformedResponseError(
            f"the {what} could not be read ({type(exc).__name__})"
        ) from None
    # The checked run succeeded where the raw run failed: only a wrapper difference could do
    # that, which would be a bug in this module; report it rather than return a half-result.
    raise MalformedResponseError(f"the {what} could not be read")


def decode(content: bytes) -> Any:
    """Decode a JSON body.

    Raises:
        MalformedResponseError: when the body is empty or not valid JSON (the caller adds the
            request context).
    """
    if not content.strip():
        raise MalformedResponseError("the body is empty, not JSON")
    try:
        return json.loads(content)
    except (ValueError, RecursionError):
        raise MalformedResponseError("the body is not valid JSON") from None


# -- typed accessors -------------------------------------------------------------------------


def req_dict(d: Mapping[str, Any], key: str) -> JsonDict:
    """The object at ``d[key]``; it must be present."""
    value = d[key]
    if isinstance(value, dict):
        return value
    _fail(d, key, "an object", value)


def opt_dict(d: Mapping[str, Any], key: str) -> JsonDict | None:
    """The object at ``d[key]``, or None when absent or null."""
    value = d.get(key)
    if value is None or isinstance(value, dict):
        return value
    _fail(d, key, "an object", value)


def req_list(d: Mapping[str, Any], key: str) -> list[Any]:
    """The array at ``d[key]``; it must be present."""
    value = d[key]
    if isinstance(value, list):
        return value
    _fail(d, key, "an array", value)


def opt_list(d: Mapping[str, Any], key: str) -> list[Any]:
    """The array at ``d[key]``, or an empty list when absent or null."""
    value = d.get(key)
    if value is None:
        return []
    if isinstance(value, list):
        return value
    _fail(d, key, "an array", value)


def req_str(d: Mapping[str, Any], key: str) -> str:
    """The string at ``d[key]``; it must be present."""
    value = d[key]
    if type(value) is str:
        return value
    _fail(d, key, "a string", value)


def opt_str(d: Mapping[str, Any], key: str) -> str | None:
    """The string at ``d[key]``, or None when absent or null."""
    value = d.get(key)
    if value is None or type(value) is str:
        return value
    _fail(d, key, "a string", value)


def req_int(d: Mapping[str, Any], key: str) -> int:
    """The integer at ``d[key]`` (an integral float such as ``3.0`` is accepted)."""
    value = d[key]
    if type(value) is int:
        return value
    if type(value) is float and value.is_integer():
        return int(value)
    _fail(d, key, "an integer", value)


def opt_int(d: Mapping[str, Any], key: str) -> int | None:
    """The integer at ``d[key]``, or None when absent or null."""
    if d.get(key) is None:
        return None
    return req_int(d, key)


def req_float(d: Mapping[str, Any], key: str) -> float:
    """The finite number at ``d[key]`` as a float."""
    value = d[key]
    if type(value) is float and math.isfinite(value):
        return value
    if type(value) is int and -_FLOAT_MAX <= value <= _FLOAT_MAX:
        return float(value)
    _fail(d, key, "a finite number", value)


def opt_float(d: Mapping[str, Any], key: str) -> float | None:
    """The number at ``d[key]``, or None when absent or null."""
    if d.get(key) is None:
        return None
    return req_float(d, key)


def req_bool(d: Mapping[str, Any], key: str) -> bool:
    """The boolean at ``d[key]``."""
    value = d[key]
    if type(value) is bool:
        return value
    _fail(d, key, "a boolean", value)


def opt_bool(d: Mapping[str, Any], key: str) -> bool | None:
    """The boolean at ``d[key]``, or None when absent or null."""
    value = d.get(key)
    if value is None or type(value) is bool:
        return value
    _fail(d, key, "a boolean", value)


def req_time(d: Mapping[str, Any], key: str) -> datetime:
    """The timestamp at ``d[key]`` (ISO-8601 string or epoch seconds) as an aware datetime."""
    value = d[key]
    try:
        return parse_timestamp(value)
    except ValueError:
        _fail(d, key, "a timestamp", value)


def opt_converted(
    d: Mapping[str, Any], key: str, convert: Callable[[Any], T], expected: str
) -> T | None:
    """``convert(d[key])``, or None when absent or null; a failed conversion names the path.

    ``expected`` says what the value should be, for the error message (``"a range string"``).
    """
    value = d.get(key)
    if value is None:
        return None
    try:
        return convert(value)
    except (ValueError, TypeError, AttributeError):
        _fail(d, key, expected, value)


def opt_time(d: Mapping[str, Any], key: str) -> datetime | None:
    """The timestamp at ``d[key]``, or None when absent, null or empty."""
    value = d.get(key)
    if value is None or value == "":
        return None
    try:
        return parse_timestamp(value)
    except ValueError:
        _fail(d, key, "a timestamp", value)
