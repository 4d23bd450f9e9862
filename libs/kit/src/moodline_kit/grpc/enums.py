"""Domain enums <-> protobuf enum numbers, by name instead of one line a member: a contract's
enum values are `<PREFIX>_<MEMBER>` (buf's style), so the mapping is derived, and a member
without its value in the contract fails at import, not on the first message that uses it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

K = TypeVar("K")
V = TypeVar("V")


def proto_values(members: Iterable[Any], module: Any, prefix: str) -> dict[Any, int]:
    """`{member: module.<prefix>_<MEMBER>}` for each member (an enum's, by name, or a string)."""
    return {m: getattr(module, f"{prefix}_{getattr(m, 'name', m).upper()}") for m in members}


def inverse(mapping: Mapping[K, V]) -> dict[V, K]:
    """The reverse lookup of a one-to-one mapping (proto number -> domain value)."""
    return {v: k for k, v in mapping.items()}
