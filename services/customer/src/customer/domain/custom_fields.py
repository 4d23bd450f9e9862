"""Typed custom fields: per-tenant definitions and value validation."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from moodline_kit.errors import FieldViolation

KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
MAX_TEXT = 1000
MAX_OPTIONS = 100


class FieldType(StrEnum):
    TEXT = "text"
    NUMBER = "number"
    DATE = "date"
    CHECKBOX = "checkbox"
    DROPDOWN = "dropdown"


@dataclass(frozen=True)
class Definition:
    key: str
    label: str
    type: FieldType
    options: tuple[str, ...] = ()


def define(key: str, label: str, type_: str, options: list[str]) -> Definition:
    violations: list[FieldViolation] = []
    if not KEY.match(key):
        violations.append(FieldViolation("key", "must match [a-z][a-z0-9_]{0,39}"))
    label = label.strip() or key
    if len(label) > 100:
        violations.append(FieldViolation("label", "must be at most 100 characters"))
    try:
        kind = FieldType(type_)
    except ValueError:
        kind = FieldType.TEXT
        violations.append(
            FieldViolation("type", f"must be one of {', '.join(t.value for t in FieldType)}")
        )
    opts = tuple(dict.fromkeys(o.strip() for o in options if o.strip()))
    if kind is FieldType.DROPDOWN and not opts:
        violations.append(FieldViolation("options", "a dropdown needs at least one option"))
    if kind is not FieldType.DROPDOWN and opts:
        violations.append(FieldViolation("options", "only dropdown fields have options"))
    if len(opts) > MAX_OPTIONS:
        violations.append(FieldViolation("options", f"at most {MAX_OPTIONS} options"))
    if violations:
        from moodline_kit.errors import InvalidArgument

        raise InvalidArgument("invalid custom field definition", violations)
    return Definition(key, label, kind, opts)


def validate_value(
    definition: Definition | None, key: str, value: object, violations: list[FieldViolation]
) -> object:
    """The stored form of `value` for the field, or a violation naming custom_fields.<key>."""
    name = f"custom_fields.{key}"
    if definition is None:
        violations.append(FieldViolation(name, "unknown custom field"))
        return None
    kind = definition.type
    if kind is FieldType.TEXT:
        if not isinstance(value, str):
            violations.append(FieldViolation(name, "must be text"))
        elif len(value) > MAX_TEXT:
            violations.append(FieldViolation(name, f"must be at most {MAX_TEXT} characters"))
        return value
    if kind is FieldType.NUMBER:
        if isinstance(value, bool) or not isinstance(value, int | float):
            violations.append(FieldViolation(name, "must be a number"))
            return value
        return int(value) if float(value).is_integer() else value
    if kind is FieldType.CHECKBOX:
        if not isinstance(value, bool):
            violations.append(FieldViolation(name, "must be true or false"))
        return value
    if kind is FieldType.DATE:
        try:
            return date.fromisoformat(str(value)).isoformat() if isinstance(value, str) else _bad()
        except ValueError:
            violations.append(FieldViolation(name, "must be a date (YYYY-MM-DD)"))
            return value
    if not isinstance(value, str) or value not in definition.options:
        violations.append(FieldViolation(name, f"must be one of: {', '.join(definition.options)}"))
    return value


def _bad() -> str:
    raise ValueError("not a string")


def as_text(value: object) -> str:
    """The text a list filter compares with (custom field equality)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
