"""Compare the shape of a fake answer with a recorded payload: keys and JSON types.

A payload's shape is the union of what its values show: an object's keys (each with the shape of
its values), an array's elements merged into one shape, a scalar's JSON type. A fake answer
*covers* a real one when every key path of the real shape exists in the fake shape with a JSON
type in common. Paths look like ``$.slaves[].used_resources.ports``.

``omitted`` lists paths the fake leaves out on purpose; ``opaque`` lists paths compared by type
only (maps keyed by data, such as attributes or flags).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Shape:
    types: set[str] = field(default_factory=set)
    keys: dict[str, Shape] = field(default_factory=dict)
    items: Shape | None = None


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    raise TypeError(f"not JSON: {type(value).__name__}")


def shape_of(value: Any, into: Shape | None = None) -> Shape:
    shape = into if into is not None else Shape()
    shape.types.add(json_type(value))
    if isinstance(value, dict):
        for key, item in value.items():
            shape.keys[key] = shape_of(item, shape.keys.get(key))
    elif isinstance(value, list):
        for item in value:
            shape.items = shape_of(item, shape.items)
    return shape


def gaps(
    real: Any,
    fake: Any,
    *,
    omitted: Iterable[str] = (),
    opaque: Iterable[str] = (),
) -> list[str]:
    """What the fake answer lacks compared with the real one (empty when it covers it)."""
    skip = set(omitted)
    by_type = set(opaque)
    found: list[str] = []
    _compare(shape_of(real), shape_of(fake), "$", skip, by_type, found)
    unused = sorted((skip | by_type) - _paths(shape_of(real), "$"))
    found.extend(f"{path}: allow-listed but not in the real payload" for path in unused)
    return found


def paths_of(value: Any) -> set[str]:
    """Every key path of a payload's shape."""
    return _paths(shape_of(value), "$")


def _paths(shape: Shape, path: str) -> set[str]:
    paths = {path}
    for key, child in shape.keys.items():
        paths |= _paths(child, f"{path}.{key}")
    if shape.items is not None:
        paths |= _paths(shape.items, f"{path}[]")
    return paths


def _compare(
    real: Shape, fake: Shape, path: str, skip: set[str], by_type: set[str], found: list[str]
) -> None:
    if not real.types & fake.types:
        found.append(f"{path}: real {sorted(real.types)} but fake {sorted(fake.types)}")
        return
    if path in by_type:
        return
    for key, child in real.keys.items():
        child_path = f"{path}.{key}"
        if child_path in skip:
            continue
        if key not in fake.keys:
            found.append(f"{child_path}: missing in the fake")
            continue
        _compare(child, fake.keys[key], child_path, skip, by_type, found)
    if real.items is not None:
        item_path = f"{path}[]"
        if item_path in skip:
            return
        if fake.items is None:
            found.append(f"{item_path}: the fake array is empty, the real one is not")
            return
        _compare(real.items, fake.items, item_path, skip, by_type, found)
