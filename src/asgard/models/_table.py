"""Lists of models as tables: aligned text in a terminal, an HTML table in a notebook."""

from __future__ import annotations

import enum
import html
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import attrs

from asgard.errors import InvalidInputError
from asgard.models._resources import Resources

__all__ = ["Table", "table"]

_SCALARS = (str, int, float, bool, datetime, enum.Enum, Resources)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, Resources):
        return f"{value.cpus:g} cpu, {value.mem:g} MiB"
    return str(value)


def _columns(rows: Sequence[Any]) -> list[str]:
    """The fields worth a column: scalar in every row and set in one at least.

    So never environment values, ``extra`` or nested lists.
    """
    names = []
    for field in attrs.fields(type(rows[0])):
        values = [getattr(row, field.name, None) for row in rows]
        if (
            field.repr is not False
            and all(isinstance(value, (*_SCALARS, type(None))) for value in values)
            and any(value is not None for value in values)
        ):
            names.append(field.name)
    return names


@attrs.frozen
class Table:
    """Rows of models shown as a table; ``str()`` aligns text, notebooks render HTML.

    Attributes:
        columns: the field names shown, in order.
        rows: the cells, as text.
    """

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]

    def __str__(self) -> str:
        if not self.columns:
            return ""
        lines = [self.columns, tuple("-" * len(name) for name in self.columns), *self.rows]
        widths = [max(len(line[i]) for line in lines) for i in range(len(self.columns))]
        return "\n".join(
            "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
            for line in lines
        )

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{html.escape(name)}</th>" for name in self.columns)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>"
            for row in self.rows
        )
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def table(items: Iterable[Any], columns: Sequence[str] | None = None) -> Table:
    """A :class:`Table` of models (``table(agents.list())`` in a notebook shows a table).

    Args:
        items: models of one kind (``Agent``, ``App``, ``Task``, ...).
        columns: the fields to show; by default every scalar field that the model's repr
            shows (so never environment values or ``extra``).

    Raises:
        InvalidInputError: when an item is not an asgard model, or a column is not a field.
    """
    rows = list(items)
    for item in rows:
        if not attrs.has(type(item)):
            raise InvalidInputError(f"table() takes asgard models, not {type(item).__name__}")
    if not rows:
        return Table(columns=tuple(columns or ()), rows=())
    names = list(columns) if columns is not None else _columns(rows)
    fields = {field.name: field for field in attrs.fields(type(rows[0]))}
    for name in names:
        if name not in fields:
            raise InvalidInputError(f"{type(rows[0]).__name__} has no field {name!r}")
        if fields[name].repr is False:
            raise InvalidInputError(f"field {name!r} is not shown: it may hold secrets")
    return Table(
        columns=tuple(names),
        rows=tuple(tuple(_cell(getattr(item, name, None)) for name in names) for item in rows),
    )
