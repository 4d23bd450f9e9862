"""JSON-like values <-> google.protobuf.Struct, the way every service and the gateway read and
write them: a Struct holds numbers as doubles, so whole numbers come back as integers."""

from __future__ import annotations

from typing import Any

from google.protobuf import json_format, struct_pb2
from google.protobuf.message import Message


def struct(values: dict[str, Any]) -> struct_pb2.Struct:
    out = struct_pb2.Struct()
    out.update(values)
    return out


def plain(value: Any) -> Any:
    """`value` (decoded from a Struct) with its whole-number doubles as integers."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def from_struct(value: struct_pb2.Struct) -> dict[str, Any]:
    return plain(json_format.MessageToDict(value))


def fields_of(message: Message, *, but: tuple[str, ...] = ()) -> dict[str, Any]:
    """A flat message's fields by name, as they are (the contract names them, so a field added
    to it is carried without a line here); `but`: the fields the caller translates itself."""
    return {
        f.name: getattr(message, f.name) for f in message.DESCRIPTOR.fields if f.name not in but
    }
