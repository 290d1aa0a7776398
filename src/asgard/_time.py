"""The one timestamp parser of asgard.

Marathon sends ISO-8601 UTC strings with milliseconds (``2015-09-29T15:59:51.164Z``), which
:meth:`datetime.fromisoformat` refuses on Python 3.10; Mesos sends seconds since the epoch as
numbers (``1517400153.5``). Both become aware :class:`datetime.datetime` objects in UTC (or in
the offset the string names).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import Final

__all__ = ["parse_timestamp"]

_ISO: Final = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?"
    r"(Z|z|[+-]\d{2}(?::?\d{2})?)?"
)

_MARATHON_LENGTH: Final = len("2015-09-29T15:59:51.164Z")


def parse_timestamp(value: str | float) -> datetime:
    """Parse a Marathon ISO-8601 string or a Mesos epoch number into an aware datetime.

    A string without an offset is taken as UTC (Marathon always means UTC).

    Raises:
        ValueError: when the value is not a timestamp (the parsers turn this into
            :class:`~asgard.errors.MalformedResponseError` with the field's path).
    """
    if type(value) is str:
        if (
            len(value) == _MARATHON_LENGTH
            and value[10] == "T"
            and value[19] == "."
            and value[-1] == "Z"
        ):
            # What Marathon always sends (2015-09-29T15:59:51.164Z): C's parser, 10x the regex.
            try:
                return datetime.fromisoformat(value[:-1] + "+00:00")
            except ValueError:
                pass  # the regex decides, and names what is wrong
    elif isinstance(value, bool):
        raise ValueError(f"not a timestamp: {value!r}")
    elif isinstance(value, (int, float)):
        try:
            return datetime.fromtimestamp(value, tz=timezone.utc)
        except (OverflowError, OSError) as exc:
            raise ValueError(f"timestamp {value!r} is out of range") from exc
    elif not isinstance(value, str):
        raise ValueError(f"not a timestamp: {type(value).__name__}")
    return _parse_iso(value)


def _parse_iso(value: str) -> datetime:
    """The general ISO-8601 parser (the regex): any precision, offset or none."""
    match = _ISO.fullmatch(value.strip())
    if match is None:
        raise ValueError(f"not an ISO-8601 timestamp: {value!r}")
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    micro = int((fraction or "0")[:6].ljust(6, "0"))
    tz = timezone.utc
    if offset and offset not in {"Z", "z"}:
        sign = -1 if offset[0] == "-" else 1
        digits = offset[1:].replace(":", "")
        delta = timedelta(hours=int(digits[:2]), minutes=int(digits[2:4] or "0"))
        tz = timezone(sign * delta)
    return datetime(
        int(year),
        int(month),
        int(day),
        int(hour),
        int(minute),
        int(second or "0"),
        micro,
        tzinfo=tz,
    )
