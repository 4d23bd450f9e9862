"""Rows <-> domain dataclasses, for the columns a table and a dataclass spell alike: a
repository names only what differs (an enum to rebuild, a JSON column to decode), instead of
every service writing `Thing(id=row.id, tenant_id=row.tenant_id, ...)` field by field."""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Callable, Iterable, Mapping
from functools import cache
from typing import Any, TypeVar

T = TypeVar("T")


@cache
def _fields(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls) if f.init)


def from_row(cls: type[T], row: Any, /, **convert: Callable[[Any], Any]) -> T:
    """`cls` (a dataclass) from a row (a SQLAlchemy Row, a mapping or an object's
    attributes): each init field from the column of its name, passed through `convert[name]`
    when given (None included); a field without a column keeps its default."""
    if hasattr(row, "_mapping"):
        mapping = row._mapping
    elif isinstance(row, Mapping):
        mapping = row
    else:
        mapping = vars(row)
    values: dict[str, Any] = {}
    for name in _fields(cls):
        if name in mapping:
            value = mapping[name]
            change = convert.get(name)
            values[name] = change(value) if change is not None else value
    return cls(**values)


def values_of(obj: Any, names: Iterable[str] | None = None, /, **override: Any) -> dict[str, Any]:
    """Column values of a dataclass instance, as `insert().values()` / `update().values()` take
    them: the attributes `names` (default: every init field; properties may be named too),
    enums by their value, then `override` (a column whose value is not the attribute's, e.g. a
    JSON encoding)."""
    out: dict[str, Any] = {}
    for name in _fields(type(obj)) if names is None else names:
        if name in override:
            continue
        value = getattr(obj, name)
        out[name] = value.value if isinstance(value, enum.Enum) else value
    out.update(override)
    return out
