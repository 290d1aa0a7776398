"""App id strategies and an independent oracle of the app id rules.

The oracle is written from the docstrings of :func:`asgard.account.normalize_app_id` and
:class:`~asgard.account.Account`, not from the implementation: an id is one or more
``/``-separated segments (one leading ``/`` optional); each segment is ``.``-separated labels
of lower-case ASCII letters, digits and ``-``, a label neither empty nor starting or ending
with ``-`` (so no ``.``, ``..`` or empty segment); the last segment is not ``restart``,
``tasks`` or ``versions``.
"""

from __future__ import annotations

from hypothesis import strategies as st

_LABEL_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")
RESERVED = frozenset({"restart", "tasks", "versions"})


def oracle_segments(app_id: object) -> list[str] | None:
    """The segments of a valid app id, or None when the rules refuse it."""
    if not isinstance(app_id, str) or app_id in {"", "/"}:
        return None
    body = app_id[1:] if app_id[:1] == "/" else app_id
    segments = body.split("/")
    for segment in segments:
        for label in segment.split("."):
            if label == "" or label[0] == "-" or label[-1] == "-":
                return None
            if any(char not in _LABEL_CHARS for char in label):
                return None
    if segments[-1] in RESERVED:
        return None
    return segments


LABELS = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,6}[a-z0-9])?", fullmatch=True)
VALID_SEGMENTS = st.lists(LABELS, min_size=1, max_size=3).map(".".join)
TRICKY_PIECES = st.sampled_from(
    [
        "",
        ".",
        "..",
        "...",
        "dev",
        "ops",
        "web",
        "tasks",
        "versions",
        "restart",
        "%2e%2e",
        "%2E%2E",
        "%2e",
        "%2f",
        "%2F",
        "%252e%252e",
        "%00",
        "web%20",
        "\uff57\uff45\uff42",  # fullwidth "web"
        "w\u0435b",  # Cyrillic e
        "web\u200b",  # zero-width space
        "\u212a",  # Kelvin sign (lower-cases to k)
        "\u0131",  # dotless i
        "\ufb01",  # fi ligature
        "\u2024\u2024",  # one dot leaders
        "\uff0e\uff0e",  # fullwidth full stops
        "\u3002",  # ideographic full stop
        "\u2215",  # division slash
        "\uff0f",  # fullwidth solidus
        "web ",
        " web",
        "web\t",
        "web\n",
        "\n",
        "?x=1",
        "web?",
        "#frag",
        "web#",
        "\\..",
        "a\\b",
        "-web",
        "web-",
        "a..b",
        "a.-b",
        "a-.b",
        "a_b",
        "A",
        "Web",
        "\x00",
        "1",
        "0.0",
        "a" * 70,
    ]
)
PIECES = st.one_of(TRICKY_PIECES, VALID_SEGMENTS)
SEPARATORS = st.sampled_from(["/", "/", "/", "//", "/./", "/../", "\\", "%2f"])


@st.composite
def composed_ids(draw: st.DrawFn) -> str:
    """Ids glued from valid segments and traps, with tricky separators."""
    pieces = draw(st.lists(PIECES, min_size=1, max_size=5))
    text = draw(st.sampled_from(["", "/", "//", "./", "../", " /"]))
    for index, piece in enumerate(pieces):
        if index:
            text += draw(SEPARATORS)
        text += piece
    return text + draw(st.sampled_from(["", "", "", "/", "?", "#", "/.", "/..", " "]))


VALID_IDS = st.tuples(
    st.booleans(), st.lists(VALID_SEGMENTS, min_size=1, max_size=4).map("/".join)
).map(lambda pair: ("/" if pair[0] else "") + pair[1])

APP_IDS = st.one_of(
    VALID_IDS,
    composed_ids(),
    st.text(max_size=20),
    st.text(alphabet="abc-./%2eE_ ?#\\\n0A", max_size=16),
)
