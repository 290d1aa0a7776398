r"""An incremental Server-Sent Events decoder (pure), for Marathon's ``/v2/events``.

It follows the event-stream grammar of the HTML standard: lines end with ``\r\n``, ``\n`` or
``\r``; a line starting with ``:`` is a comment (Jetty's keep-alives are blank lines or
comments); ``field: value`` drops one space after the colon; ``data`` lines accumulate, joined
by ``\n``; an empty line dispatches the event; an event with no data is not dispatched;
``id`` (without NUL) sets the last event id, which persists; ``retry`` (digits only) sets the
reconnection delay; unknown fields are ignored. Bytes may arrive cut anywhere, inside a line
ending or inside a UTF-8 character: :meth:`SseDecoder.feed` keeps what is incomplete and
returns only complete events. When the stream ends, :meth:`SseDecoder.close` drops the event
being read and says whether there was one.
"""

from __future__ import annotations

import codecs
from typing import Final

import attrs

__all__ = ["SseDecoder", "SseEvent"]

_BOM: Final = "\ufeff"


@attrs.frozen(kw_only=True)
class SseEvent:
    r"""One complete event of the stream.

    Attributes:
        type: the ``event`` field, ``"message"`` when the event did not name one.
        data: the ``data`` lines joined by ``\n``.
        id: the last event id at the time of the event (it persists across events), or None.
    """

    type: str
    data: str
    id: str | None = None


class SseDecoder:
    """Turns the bytes of an event stream into complete :class:`SseEvent` objects.

    Feed it each chunk as it arrives; it never returns a partial event. Invalid UTF-8 is
    replaced by U+FFFD, as the standard says.
    """

    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._buffer = ""
        self._started = False
        self._after_cr = False
        self._event_type = ""
        self._data: list[str] = []
        self._in_event = False
        self._last_id: str | None = None
        self._retry: int | None = None
        self._closed = False

    @property
    def last_event_id(self) -> str | None:
        """The last ``id`` the stream set (sent back as ``Last-Event-ID`` on a reconnect)."""
        return self._last_id

    @property
    def retry(self) -> int | None:
        """The reconnection delay in milliseconds the stream asked for, if any."""
        return self._retry

    @property
    def pending(self) -> bool:
        """Whether part of an event (or of a line) has been read but not dispatched yet."""
        return self._in_event or bool(self._buffer) or bool(self._decoder.getstate()[0])

    def feed(self, chunk: bytes) -> list[SseEvent]:
        """Decode one chunk; return the events it completed, in order.

        Raises:
            ValueError: when the decoder was closed.
        """
        if self._closed:
            raise ValueError("the SSE decoder is closed")
        text = self._decoder.decode(chunk)
        return self._lines(text)

    def close(self) -> bool:
        """End the stream; return whether an incomplete event (or line) was dropped.

        A stream that ends without the blank line closing its last event ends mid-event: that
        event is never dispatched.
        """
        if self._closed:
            return False
        partial_line = self._buffer + self._decoder.decode(b"", final=True)
        dropped = self._in_event or bool(partial_line and not partial_line.startswith(":"))
        self._closed = True
        self._buffer = ""
        self._data = []
        self._event_type = ""
        self._in_event = False
        return dropped

    def _lines(self, text: str) -> list[SseEvent]:
        if not text:
            return []
        if not self._started:
            self._started = True
            if text.startswith(_BOM):
                text = text[1:]
        if self._after_cr and text.startswith("\n"):
            text = text[1:]  # the \n of a \r\n cut between two chunks
        self._after_cr = False
        buffer = self._buffer + text
        events: list[SseEvent] = []
        start = 0
        length = len(buffer)
        # Next \r and \n at or after `start`; -1 once there is none left (never searched again,
        # so a chunk of many lines costs one pass).
        cr = buffer.find("\r")
        lf = buffer.find("\n")
        while True:
            if 0 <= cr < start:
                cr = buffer.find("\r", start)
            if 0 <= lf < start:
                lf = buffer.find("\n", start)
            if cr == -1 and lf == -1:
                break
            if cr == -1 or (lf != -1 and lf < cr):
                end, after = lf, lf + 1
            elif cr + 1 < length:
                end, after = cr, cr + 2 if buffer[cr + 1] == "\n" else cr + 1
            else:
                # A \r at the very end: the line is complete, its \n may come in the next chunk.
                end, after = cr, cr + 1
                self._after_cr = True
            event = self._line(buffer[start:end])
            if event is not None:
                events.append(event)
            start = after
        self._buffer = buffer[start:]
        return events

    def _line(self, line: str) -> SseEvent | None:
        if not line:
            return self._dispatch()
        if line.startswith(":"):
            return None  # a comment
        name, colon, value = line.partition(":")
        if colon and value.startswith(" "):
            value = value[1:]
        if name == "data":
            self._data.append(value)
            self._in_event = True
        elif name == "event":
            self._event_type = value
            self._in_event = True
        elif name == "id":
            if "\0" not in value:
                self._last_id = value
        elif name == "retry" and value.isascii() and value.isdigit() and len(value) <= 18:
            self._retry = int(value)  # longer: no reconnection delay anyone could mean
        return None

    def _dispatch(self) -> SseEvent | None:
        data, event_type = self._data, self._event_type
        self._data, self._event_type, self._in_event = [], "", False
        if not data:
            return None
        return SseEvent(type=event_type or "message", data="\n".join(data), id=self._last_id)
