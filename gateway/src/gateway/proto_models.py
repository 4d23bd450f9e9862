"""Response models derived from the contract message they show, and the one reader that turns
such a message into the model's values: a field list is written once, in protos/, instead of
again in the gateway (and the gateway never imports a service package to copy it from).

Types, by the proto field: strings -> str, integers -> int, bool, float/double -> float,
Timestamp -> datetime, Struct -> dict, an enum -> the Literal of its values' names without the
enum's prefix, lower case (UNSPECIFIED left out, as in moodline.enums); repeated -> list.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache
from typing import Any, Literal

from google.protobuf.descriptor import Descriptor, EnumDescriptor, FieldDescriptor
from moodline_kit.grpc.structs import from_struct
from pydantic import BaseModel, create_model

_SCALARS: dict[int, type] = {
    FieldDescriptor.TYPE_STRING: str,
    FieldDescriptor.TYPE_BOOL: bool,
    FieldDescriptor.TYPE_DOUBLE: float,
    FieldDescriptor.TYPE_FLOAT: float,
    **dict.fromkeys(
        (
            FieldDescriptor.TYPE_INT32,
            FieldDescriptor.TYPE_INT64,
            FieldDescriptor.TYPE_UINT32,
            FieldDescriptor.TYPE_UINT64,
            FieldDescriptor.TYPE_SINT32,
            FieldDescriptor.TYPE_SINT64,
        ),
        int,
    ),
}
_MESSAGES: dict[str, Any] = {"google.protobuf.Timestamp": datetime, "google.protobuf.Struct": dict}


def enum_names(enum: EnumDescriptor) -> dict[int, str]:
    """Number -> public name, in the contract's order: CHANNEL_WHATSAPP -> "whatsapp"."""
    prefix = re.sub(r"(?<!^)(?=[A-Z])", "_", enum.name).upper() + "_"
    return {v.number: v.name.removeprefix(prefix).lower() for v in enum.values if v.number}


def _kind(field: FieldDescriptor) -> Any:
    if field.enum_type is not None:
        kind: Any = Literal[tuple(enum_names(field.enum_type).values())]  # type: ignore[valid-type]
    elif field.message_type is not None:
        kind = _MESSAGES[field.message_type.full_name]  # a nested message: not supported here
        kind = dict[str, Any] if kind is dict else kind
    else:
        kind = _SCALARS[field.type]
    return list[kind] if field.is_repeated else kind


def proto_model(
    name: str,
    message: Descriptor,
    *,
    but: tuple[str, ...] = (),
    nullable: tuple[str, ...] = (),
    **kinds: Any,
) -> type[BaseModel]:
    """A response model with `message`'s fields in the contract's order. `but`: fields the API
    does not show; `nullable`: fields that are null when the message leaves them unset;
    `kinds`: a field's type where the API narrows the contract's (an optional int32 shown as
    int, because the service always sets it)."""
    fields: dict[str, Any] = {}
    for field in message.fields:
        if field.name in but:
            continue
        kind = kinds.get(field.name) or _kind(field)
        fields[field.name] = (kind | None if field.name in nullable else kind, ...)
    model = create_model(name, **fields)
    model.__proto_nullable__ = frozenset(nullable)  # type: ignore[attr-defined]
    return model


def _reader(field: FieldDescriptor, nullable: bool) -> Callable[[Any], Any]:
    name = field.name

    def one(value: Any) -> Any:
        return value

    if field.enum_type is not None:
        names = enum_names(field.enum_type)
        first = next(iter(names.values()))

        def one(value: Any) -> Any:  # an unset or unknown value reads as the first one
            return names.get(value, first)

    elif field.message_type is not None:
        is_time = field.message_type.full_name == "google.protobuf.Timestamp"

        def one(value: Any) -> Any:
            return value.ToDatetime(UTC) if is_time else from_struct(value)

    if field.is_repeated:
        return lambda m: [one(v) for v in getattr(m, name)]
    if nullable and field.has_presence:
        return lambda m: one(getattr(m, name)) if m.HasField(name) else None
    return lambda m: one(getattr(m, name))


@cache
def _readers(model: type[BaseModel], message: Descriptor) -> tuple[tuple[str, Callable], ...]:
    nullable = getattr(model, "__proto_nullable__", frozenset())
    by_name = message.fields_by_name
    return tuple((n, _reader(by_name[n], n in nullable)) for n in model.model_fields)


def present(model: type[BaseModel], message: Any) -> dict[str, Any]:
    """The values of `model` (made by proto_model) read from `message`."""
    return {name: read(message) for name, read in _readers(model, message.DESCRIPTOR)}
