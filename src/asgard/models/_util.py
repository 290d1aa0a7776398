"""Small helpers shared by the model modules (private)."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Final

EMPTY_MAPPING: Final[Mapping[str, Any]] = MappingProxyType({})
"""A shared empty read-only mapping: the default of every mapping field."""

REDACTED: Final = "***"


def redact_values(value: Mapping[str, object]) -> str:
    """Render a mapping for a repr with its keys but none of its values."""
    inner = ", ".join(f"{key!r}: {REDACTED!r}" for key in value)
    return "{" + inner + "}"


class Unset(enum.Enum):
    """The type of ``UNSET``, the value of a patch field the patch leaves unchanged."""

    UNSET = "UNSET"

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Final = Unset.UNSET
"""Marks an :class:`~asgard.models.AppPatch` field as "leave unchanged" (its default).

``None`` is a value a patch can set (``AppPatch(cmd=None)`` removes the command), so it
cannot mean "unchanged".
"""
