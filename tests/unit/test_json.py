from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs
import pytest

from asgard import _json as j
from asgard.errors import MalformedResponseError


@attrs.frozen
class Item:
    id: str
    count: int
    ratio: float | None
    at: datetime | None
    tags: tuple[str, ...]


def parse_items(payload: Any) -> list[Item]:
    return [
        Item(
            id=j.req_str(item, "id"),
            count=j.req_int(item, "count"),
            ratio=j.opt_float(item, "ratio"),
            at=j.opt_time(item, "at"),
            tags=tuple(j.opt_list(item, "tags")),
        )
        for item in j.req_list(j.req_dict(payload, "data"), "items")
    ]


GOOD = {"data": {"items": [{"id": "a", "count": 1, "ratio": 0.5, "at": "2020-01-01T00:00:00Z"}]}}


def test_valid_payloads_parse_on_the_fast_path() -> None:
    items = j.parse(parse_items, GOOD)
    assert items[0].id == "a"
    assert items[0].at is not None
    assert items[0].at.year == 2020
    assert (
        j.parse(parse_items, {"data": {"items": [{"id": "b", "count": 2.0, "extra": 1}]}})[0].count
        == 2
    )


@pytest.mark.parametrize(
    ("payload", "path", "words"),
    [
        ({}, "/data", "missing"),
        ({"data": []}, "/data", "an object"),
        ({"data": {"items": {}}}, "/data/items", "an array"),
        ({"data": {"items": [{"count": 1}]}}, "/data/items/0/id", "missing"),
        (
            {"data": {"items": [{"id": "a", "count": 1}, {"id": 2, "count": 1}]}},
            "/data/items/1/id",
            "a string",
        ),
        ({"data": {"items": [{"id": "a", "count": "1"}]}}, "/data/items/0/count", "an integer"),
        ({"data": {"items": [{"id": "a", "count": True}]}}, "/data/items/0/count", "an integer"),
        ({"data": {"items": [{"id": "a", "count": 1.5}]}}, "/data/items/0/count", "an integer"),
        (
            {"data": {"items": [{"id": "a", "count": 1, "ratio": "x"}]}},
            "/data/items/0/ratio",
            "number",
        ),
        (
            {"data": {"items": [{"id": "a", "count": 1, "at": "soon"}]}},
            "/data/items/0/at",
            "timestamp",
        ),
        (
            {"data": {"items": [{"id": "a", "count": 1, "tags": "x"}]}},
            "/data/items/0/tags",
            "an array",
        ),
        ({"data": {"items": [None]}}, "", "could not be read"),
        ([], "", "could not be read"),
    ],
)
def test_malformed_payloads_name_the_path(payload: Any, path: str, words: str) -> None:
    with pytest.raises(MalformedResponseError) as caught:
        j.parse(parse_items, payload)
    assert caught.value.path == path
    assert words in str(caught.value)


def test_optional_accessors_accept_null_and_absence() -> None:
    d = {"a": None}
    assert j.opt_str(d, "a") is None
    assert j.opt_int(d, "b") is None
    assert j.opt_bool(d, "a") is None
    assert j.opt_dict(d, "a") is None
    assert j.opt_list(d, "a") == []
    assert j.opt_time({"t": ""}, "t") is None
    assert j.req_bool({"b": False}, "b") is False
    assert j.req_float({"x": 3}, "x") == 3.0


@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_non_finite_numbers_are_refused(value: float) -> None:
    with pytest.raises(MalformedResponseError):
        j.parse(lambda d: j.req_float(d, "x"), {"x": value})


@pytest.mark.parametrize("body", [b"", b"  ", b"<html>", b'{"a":', b"\xff\xfe"])
def test_decode_refuses_what_is_not_json(body: bytes) -> None:
    with pytest.raises(MalformedResponseError):
        j.decode(body)


def test_decode_reads_json() -> None:
    assert j.decode(b'{"a": [1, 2]}') == {"a": [1, 2]}
