"""The shared input rules (moodline_kit.validation) applied to any protobuf request: the server
interceptor refuses a request holding NUL text, a non-finite number or an out-of-range
timestamp at any depth, whichever service and whoever the caller."""

from __future__ import annotations

import math

from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message

from moodline_kit.errors import FieldViolation
from moodline_kit.validation import EARLIEST, LATEST, NOT_FINITE, NUL, OUT_OF_RANGE

_EARLIEST_S = int(EARLIEST.timestamp())
_LATEST_S = int(LATEST.timestamp())
_STRING = FieldDescriptor.TYPE_STRING
_MESSAGE = FieldDescriptor.TYPE_MESSAGE
_FLOATS = (FieldDescriptor.TYPE_DOUBLE, FieldDescriptor.TYPE_FLOAT)


def unsafe_fields(message: Message, prefix: str = "") -> list[FieldViolation]:
    """Every string field (at any depth, map keys and values included) holding NUL, every
    float field holding NaN or an infinity, every Timestamp outside EARLIEST..LATEST. Protobuf's
    parser has already refused invalid UTF-8."""
    kind_name = message.DESCRIPTOR.full_name
    if kind_name == "google.protobuf.Struct":
        return _struct(message, prefix.rstrip("."))
    if kind_name == "google.protobuf.Timestamp":
        seconds = message.seconds  # type: ignore[attr-defined]
        inside = _EARLIEST_S <= seconds < _LATEST_S
        return [] if inside else [FieldViolation(prefix.rstrip("."), OUT_OF_RANGE)]
    out: list[FieldViolation] = []
    for field, value in message.ListFields():
        name = f"{prefix}{field.name}"
        kind = field.type
        if kind == _MESSAGE:
            if field.message_type.GetOptions().map_entry:
                value_field = field.message_type.fields_by_name["value"]
                for key, item in value.items():
                    where = f"{name}[{key!r}]" if isinstance(key, str) else f"{name}[{key}]"
                    if isinstance(key, str) and "\x00" in key:
                        out.append(FieldViolation(name, NUL))
                    if value_field.type == _MESSAGE:
                        out.extend(unsafe_fields(item, where + "."))
                    else:
                        out.extend(_scalar(value_field.type, item, where))
            elif field.is_repeated:
                for i, item in enumerate(value):
                    out.extend(unsafe_fields(item, f"{name}[{i}]."))
            else:
                out.extend(unsafe_fields(value, name + "."))
        elif kind == _STRING or kind in _FLOATS:
            if field.is_repeated:
                for i, item in enumerate(value):
                    out.extend(_scalar(kind, item, f"{name}[{i}]"))
            else:
                out.extend(_scalar(kind, value, name))
    return out


def _struct(struct: Message, name: str) -> list[FieldViolation]:
    """A Struct (JSON object) named as JSON: `custom_fields.key`, `custom_fields.list[0]`."""
    out: list[FieldViolation] = []
    for key, value in struct.fields.items():  # type: ignore[attr-defined]
        if "\x00" in key:
            out.append(FieldViolation(name, NUL))
        out.extend(_json_value(value, f"{name}.{key}"))
    return out


def _json_value(value: Message, name: str) -> list[FieldViolation]:
    kind = value.WhichOneof("kind")
    if kind == "string_value":
        return _scalar(_STRING, value.string_value, name)  # type: ignore[attr-defined]
    if kind == "number_value":
        return _scalar(FieldDescriptor.TYPE_DOUBLE, value.number_value, name)  # type: ignore[attr-defined]
    if kind == "struct_value":
        return _struct(value.struct_value, name)  # type: ignore[attr-defined]
    if kind == "list_value":
        out: list[FieldViolation] = []
        for i, item in enumerate(value.list_value.values):  # type: ignore[attr-defined]
            out.extend(_json_value(item, f"{name}[{i}]"))
        return out
    return []


def _scalar(kind: int, value: object, name: str) -> list[FieldViolation]:
    if kind == _STRING and isinstance(value, str) and "\x00" in value:
        return [FieldViolation(name, NUL)]
    if kind in _FLOATS and isinstance(value, float) and not math.isfinite(value):
        return [FieldViolation(name, NOT_FINITE)]
    return []
