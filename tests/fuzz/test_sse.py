"""The SSE decoder on arbitrary bytes, however they are chunked, against a reference decoder.

The reference is the event-stream grammar of the HTML standard written out plainly on the
whole stream at once (decode, drop one BOM, split lines, interpret them). The decoder must
never raise on bytes, must give the reference's events, last event id and retry delay, and
must give the same whatever the chunking (cut anywhere: inside a ``\\r\\n``, inside a UTF-8
character).
"""

from __future__ import annotations

import re

import attrs
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from asgard.marathon._sse import SseDecoder, SseEvent
from tests.conftest import SHARED_FIXTURES
from tests.fuzz._support import fewer

CAPTURE = (SHARED_FIXTURES / "marathon/api-examples/events.txt").read_bytes()
_LINE_END = re.compile(r"\r\n|\r|\n")
_MAX_RETRY_DIGITS = 4000  # below Python's int-from-text limit (4300 digits)


@attrs.frozen
class Decoded:
    events: tuple[SseEvent, ...]
    last_event_id: str | None
    retry: int | None
    dropped: bool
    retry_unknown: bool = False  # the stream set a retry too long to compare


def reference(stream: bytes) -> Decoded:
    """The standard's algorithm on the whole stream (no chunking, no incremental state)."""
    text = stream.decode("utf-8", errors="replace")
    if text.startswith("\ufeff"):
        text = text[1:]
    *lines, partial = _LINE_END.split(text)
    events: list[SseEvent] = []
    data: list[str] = []
    event_type = ""
    last_id: str | None = None
    retry: int | None = None
    retry_unknown = False
    in_event = False
    for line in lines:
        if line == "":
            if data:
                events.append(
                    SseEvent(type=event_type or "message", data="\n".join(data), id=last_id)
                )
            data, event_type, in_event = [], "", False
            continue
        if line.startswith(":"):
            continue
        if ":" in line:
            name, value = line.split(":", 1)
            value = value.removeprefix(" ")
        else:
            name, value = line, ""
        if name == "data":
            data.append(value)
            in_event = True
        elif name == "event":
            event_type = value
            in_event = True
        elif name == "id" and "\0" not in value:
            last_id = value
        elif name == "retry" and value and all(char in "0123456789" for char in value):
            if len(value) <= _MAX_RETRY_DIGITS:
                retry = int(value)
            else:
                retry_unknown = True
    dropped = in_event or (partial != "" and not partial.startswith(":"))
    return Decoded(tuple(events), last_id, retry, dropped, retry_unknown)


def decode(stream: bytes, cuts: list[int]) -> Decoded:
    """The decoder, fed ``stream`` cut at ``cuts``, then closed."""
    decoder = SseDecoder()
    events: list[SseEvent] = []
    start = 0
    for cut in [*sorted(set(cuts)), len(stream)]:
        events.extend(decoder.feed(stream[start:cut]))
        start = cut
    last_event_id, retry = decoder.last_event_id, decoder.retry
    return Decoded(tuple(events), last_event_id, retry, decoder.close())


def same(found: Decoded, expected: Decoded) -> None:
    assert found.events == expected.events
    assert found.last_event_id == expected.last_event_id
    assert found.dropped == expected.dropped
    if not expected.retry_unknown:
        assert found.retry == expected.retry


# -- streams -------------------------------------------------------------------------------

FIELD_NAMES = st.sampled_from(["data", "event", "id", "retry", "", "Data", "data ", "x", ":"])
FIELD_VALUES = st.one_of(
    st.sampled_from(
        [
            "",
            " ",
            "  two",
            "message",
            "deployment_info",
            '{"eventType": "status_update_event"}',
            "1000",
            "0",
            "007",
            "12a",
            "\u0661\u0662",  # not ASCII digits
            "a\0b",
            "\ufeff",
            ":",
            "é ü 🚀",
        ]
    ),
    st.text(max_size=12),
)
LINE_ENDS = st.sampled_from(["\n", "\r", "\r\n", "\n\r"])


@st.composite
def lines(draw: st.DrawFn) -> bytes:
    kind = draw(st.sampled_from(["field", "field", "bare", "comment", "blank"]))
    if kind == "blank":
        body = ""
    elif kind == "comment":
        body = ":" + draw(FIELD_VALUES)
    elif kind == "bare":
        body = draw(FIELD_NAMES)
    else:
        space = draw(st.sampled_from(["", " ", "  "]))
        body = f"{draw(FIELD_NAMES)}:{space}{draw(FIELD_VALUES)}"
    return (body + draw(LINE_ENDS)).encode("utf-8", errors="surrogatepass")


RAW_BYTES = st.sampled_from(
    [b"\xff", b"\xc3", b"\xe2\x82", b"\xf0\x9f\x9a", b"\xed\xa0\x80", b"\x00", b"\xef\xbb\xbf"]
)


@st.composite
def streams(draw: st.DrawFn) -> bytes:
    """Event streams: well-formed lines, broken UTF-8, BOMs, raw bytes, an unfinished end."""
    parts: list[bytes] = []
    if draw(st.booleans()):
        parts.append(b"\xef\xbb\xbf")
    for _ in range(draw(st.integers(min_value=0, max_value=12))):
        parts.append(draw(st.one_of(lines(), lines(), RAW_BYTES, st.binary(max_size=6))))
    if draw(st.booleans()):
        parts.append(draw(st.sampled_from([b"data: unfinished", b":comment", b"event: x", b"\r"])))
    return b"".join(parts)


def cuts_of(
    stream_strategy: st.SearchStrategy[bytes],
) -> st.SearchStrategy[tuple[bytes, list[int]]]:
    return stream_strategy.flatmap(
        lambda stream: st.tuples(
            st.just(stream),
            st.lists(st.integers(min_value=0, max_value=len(stream)), max_size=8),
        )
    )


# -- properties ----------------------------------------------------------------------------


@given(case=cuts_of(st.one_of(streams(), st.binary(max_size=64))))
@example(case=(b"data: a\r\n\r\n", [8]))  # a \r\n cut between its two bytes
@example(case=(b"\xef\xbb\xbfdata: a\n\n", [1, 2]))  # a BOM cut in three
@example(case=(b"data: \xc3\xa9\n\n", [7]))  # a UTF-8 character cut in two
@example(case=(CAPTURE, [1, 100, 101, 500]))
def test_any_chunking_gives_the_reference_events(case: tuple[bytes, list[int]]) -> None:
    stream, cuts = case
    whole = decode(stream, [])
    same(whole, reference(stream))
    same(decode(stream, cuts), whole)


@given(stream=streams())
def test_byte_by_byte_gives_the_same_events(stream: bytes) -> None:
    same(decode(stream, list(range(len(stream)))), decode(stream, []))


@given(stream=st.binary(max_size=200))
def test_arbitrary_bytes_never_raise(stream: bytes) -> None:
    decoder = SseDecoder()
    decoder.feed(stream)
    assert isinstance(decoder.close(), bool)
    with pytest.raises(ValueError, match="closed"):
        decoder.feed(b"data: x\n\n")


# Regression test of a bug this fuzzing found (fixed since): 'retry:' with more than 4300 ASCII
# digits raises ValueError (int() digit limit) out of SseDecoder.feed (_sse.py _line: self._retry =
# int(value))
@fewer(4)
@given(digits=st.integers(min_value=4301, max_value=6000), cut=st.integers(0, 20))
@example(digits=4301, cut=0)
def test_a_huge_retry_does_not_raise(digits: int, cut: int) -> None:
    stream = b"retry: " + b"9" * digits + b"\n\ndata: after\n\n"
    found = decode(stream, [cut])
    assert found.events == (SseEvent(type="message", data="after"),)
