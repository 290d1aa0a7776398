"""The SSE decoder: whole, byte by byte and in random chunks, every line ending, partial ends."""

from __future__ import annotations

import random

import pytest

from asgard.marathon._sse import SseDecoder, SseEvent
from tests.conftest import SHARED_FIXTURES

CAPTURE = (SHARED_FIXTURES / "marathon/api-examples/events.txt").read_bytes()

# A stream using everything the grammar allows (and a few things it tolerates).
RICH = (
    "\ufeff: a comment, then an event without a type\n"
    "data: first\n"
    "\n"
    ":keep-alive\n"
    "\n"
    "\n"
    "event: deployment_info\n"
    "id: 7\n"
    "data:no space after the colon\n"
    "data:  two spaces keep one\n"
    "data\n"
    "data: é ü 🚀 ✓\n"
    "retry: 2500\n"
    "unknown: ignored\n"
    "\n"
    "event: only-a-type\n"
    "\n"
    "id\n"
    "data: the id was reset to empty\n"
    "\n"
    "retry: soon\n"
    'data: {"eventType": "x"}\n'
    "\n"
).encode()

RICH_EVENTS = [
    SseEvent(type="message", data="first", id=None),
    SseEvent(
        type="deployment_info",
        data="no space after the colon\n two spaces keep one\n\né ü 🚀 ✓",
        id="7",
    ),
    SseEvent(type="message", data="the id was reset to empty", id=""),
    SseEvent(type="message", data='{"eventType": "x"}', id=""),
]


def decode_whole(raw: bytes) -> tuple[list[SseEvent], bool]:
    decoder = SseDecoder()
    events = decoder.feed(raw)
    return events, decoder.close()


def decode_chunks(raw: bytes, cuts: list[int]) -> tuple[list[SseEvent], bool]:
    decoder = SseDecoder()
    events: list[SseEvent] = []
    start = 0
    for cut in [*cuts, len(raw)]:
        events.extend(decoder.feed(raw[start:cut]))
        start = cut
    return events, decoder.close()


def with_endings(raw: bytes, ending: bytes) -> bytes:
    return raw.replace(b"\n", ending)


def test_the_recorded_capture() -> None:
    events, dropped = decode_whole(CAPTURE)
    assert [event.type for event in events] == [
        "event_stream_attached",
        "status_update_event",
        "status_update_event",
    ]
    assert events[1].data.startswith('{"slaveId":"20150707-153709-218108076-5050-25588-S6"')
    assert all(event.id is None for event in events)
    assert not dropped


def test_the_whole_grammar() -> None:
    decoder = SseDecoder()
    assert decoder.feed(RICH) == RICH_EVENTS
    assert decoder.retry == 2500  # "soon" is not a number: ignored
    assert decoder.last_event_id == ""
    assert not decoder.pending
    assert not decoder.close()


@pytest.mark.parametrize("ending", [b"\n", b"\r\n", b"\r"])
@pytest.mark.parametrize("raw", [CAPTURE, RICH], ids=["capture", "rich"])
def test_byte_by_byte_equals_whole(raw: bytes, ending: bytes) -> None:
    stream = with_endings(raw, ending)
    expected = decode_whole(raw)
    assert decode_whole(stream) == expected
    assert decode_chunks(stream, list(range(1, len(stream)))) == expected


@pytest.mark.parametrize("ending", [b"\n", b"\r\n", b"\r"])
def test_random_chunkings_equal_whole(ending: bytes) -> None:
    rng = random.Random(20240611)
    stream = with_endings(CAPTURE + RICH + CAPTURE, ending)
    expected = decode_whole(stream)
    assert len(expected[0]) == 3 + len(RICH_EVENTS) + 3
    for _ in range(300):
        count = rng.randint(1, 40)
        cuts = sorted(rng.sample(range(1, len(stream)), count))
        assert decode_chunks(stream, cuts) == expected


def test_a_crlf_cut_between_chunks_is_one_line_ending() -> None:
    decoder = SseDecoder()
    assert decoder.feed(b"data: a\r") == []
    assert decoder.feed(b"\n") == []
    assert decoder.feed(b"\r") == [SseEvent(type="message", data="a")]
    assert decoder.feed(b"\ndata: b\r\r") == [SseEvent(type="message", data="b")]


def test_a_utf8_character_cut_anywhere() -> None:
    raw = "data: 🚀é\n\n".encode()
    for cut in range(1, len(raw)):
        decoder = SseDecoder()
        events = decoder.feed(raw[:cut]) + decoder.feed(raw[cut:])
        assert events == [SseEvent(type="message", data="🚀é")]


def test_invalid_utf8_is_replaced_not_raised() -> None:
    events, _ = decode_whole(b"data: \xff\xfe ok\n\n")
    assert events == [SseEvent(type="message", data="\ufffd\ufffd ok")]


def test_a_stream_ending_mid_event_drops_it_and_says_so() -> None:
    for tail in (b"data: partial", b"data: whole line\n", b"event: x\n", b"data: \xf0\x9f"):
        decoder = SseDecoder()
        assert decoder.feed(CAPTURE + tail) == decode_whole(CAPTURE)[0]
        assert decoder.pending
        assert decoder.close() is True


def test_a_stream_ending_between_events_drops_nothing() -> None:
    for tail in (b"", b"\n", b":keep-alive\n", b": comment without end", b"id: 3\n"):
        decoder = SseDecoder()
        decoder.feed(CAPTURE + tail)
        assert decoder.close() is False


def test_a_closed_decoder_takes_nothing_more() -> None:
    decoder = SseDecoder()
    decoder.close()
    assert decoder.close() is False
    with pytest.raises(ValueError, match="closed"):
        decoder.feed(b"data: x\n\n")


def test_an_id_with_nul_is_ignored_and_ids_persist() -> None:
    events, _ = decode_whole(b"id: 1\ndata: a\n\nid: 2\x00\ndata: b\n\ndata: c\n\n")
    assert [event.id for event in events] == ["1", "1", "1"]


def test_a_long_stream_in_one_chunk_is_fast() -> None:
    raw = CAPTURE * 2000
    events, _ = decode_whole(raw)
    assert len(events) == 6000
