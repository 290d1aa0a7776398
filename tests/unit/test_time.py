from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from asgard._time import _parse_iso, parse_timestamp


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2015-09-29T15:59:51.164Z", datetime(2015, 9, 29, 15, 59, 51, 164000, timezone.utc)),
        ("2015-09-29T15:59:51Z", datetime(2015, 9, 29, 15, 59, 51, tzinfo=timezone.utc)),
        ("2015-09-29T15:59:51.123456789Z", datetime(2015, 9, 29, 15, 59, 51, 123456, timezone.utc)),
        ("2015-09-29T15:59:51.1+00:00", datetime(2015, 9, 29, 15, 59, 51, 100000, timezone.utc)),
        ("2015-09-29T15:59", datetime(2015, 9, 29, 15, 59, tzinfo=timezone.utc)),
        (
            "2015-09-29T15:59:51-0300",
            datetime(2015, 9, 29, 15, 59, 51, tzinfo=timezone(timedelta(hours=-3))),
        ),
    ],
)
def test_marathon_iso_strings(text: str, expected: datetime) -> None:
    parsed = parse_timestamp(text)
    assert parsed == expected
    assert parsed.tzinfo is not None


def test_mesos_epoch_numbers() -> None:
    assert parse_timestamp(1517400153.5) == datetime(
        2018, 1, 31, 12, 2, 33, 500000, tzinfo=timezone.utc
    )
    assert parse_timestamp(0) == datetime(1970, 1, 1, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    "bad", ["", "yesterday", "2015-13-01T00:00:00Z", "2015-09-29", True, None, 1e300, [1]]
)
def test_non_timestamps_raise_value_error(bad: object) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - the parsers turn it into MalformedResponseError
        parse_timestamp(bad)  # type: ignore[arg-type]


def _outcome(parser: object, text: str) -> object:
    try:
        return parser(text)  # type: ignore[operator]
    except ValueError:
        return ValueError


MARATHON = "2015-09-29T15:59:51.164Z"


@pytest.mark.parametrize(
    "text",
    sorted(
        {
            MARATHON[:index] + char + MARATHON[index + 1 :]
            for index in range(len(MARATHON))
            for char in "09-:.TtZz +W,x"
        }
    ),
)
def test_fast_path_agrees_with_the_general_parser(text: str) -> None:
    # Marathon's usual shape goes through datetime.fromisoformat, which accepts more on newer
    # Pythons (week dates, any separator): every one-character change of it must be read, or
    # refused, exactly as the general parser does.
    assert _outcome(parse_timestamp, text) == _outcome(_parse_iso, text)
