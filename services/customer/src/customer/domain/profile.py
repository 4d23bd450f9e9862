"""Profile changes: validate every named field first, then apply them all (nothing partial)."""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from moodline.enums import Channel
from moodline_kit.errors import FieldViolation, InvalidArgument

from customer.domain import contacts
from customer.domain.custom_fields import Definition, validate_value
from customer.domain.model import (
    MAX_COMPANY_LENGTH,
    MAX_NAME_LENGTH,
    Customer,
    _text,
    parse_emails,
    parse_phones,
)

CHANNELS = tuple(Channel)
CALL_STATUSES = ("called", "no_answer", "left_voicemail", "spoke")
CONSENT_KINDS = ("communication", "data_processing", "marketing")
MAX_TAGS = 50
MAX_TAG_LENGTH = 50
MAX_WORKERS = 50
MAX_ADDRESSES = 10
ADDRESS_FIELDS = ("label", "line1", "line2", "city", "state", "postal_code", "country")
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
_COLOR = re.compile(r"^#[0-9A-Fa-f]{6}$")


@dataclass(frozen=True)
class ProfileChanges:
    """What an update asks for: only keys present in `values` change."""

    values: dict[str, Any]


def normalise_tags(tags: list[str], field: str, violations: list[FieldViolation]) -> list[str]:
    out: dict[str, str] = {}
    for i, raw in enumerate(tags):
        tag = " ".join(raw.split())
        if not tag:
            violations.append(FieldViolation(f"{field}[{i}]", "is empty"))
        elif len(tag) > MAX_TAG_LENGTH:
            violations.append(
                FieldViolation(f"{field}[{i}]", f"must be at most {MAX_TAG_LENGTH} characters")
            )
        else:
            out.setdefault(tag.lower(), tag.lower())
    if len(out) > MAX_TAGS:
        violations.append(FieldViolation(field, f"at most {MAX_TAGS} tags"))
    return list(out.values())


def _addresses(items: list[dict[str, str]], violations: list[FieldViolation]) -> list[dict]:
    if len(items) > MAX_ADDRESSES:
        violations.append(FieldViolation("addresses", f"at most {MAX_ADDRESSES} addresses"))
    out = []
    for i, item in enumerate(items[:MAX_ADDRESSES]):
        address = {k: (item.get(k) or "").strip() for k in ADDRESS_FIELDS}
        for k, v in address.items():
            if len(v) > 200:
                violations.append(FieldViolation(f"addresses[{i}].{k}", "at most 200 characters"))
        if address["country"]:
            address["country"] = address["country"].upper()
            if not contacts.valid_region(address["country"]):
                violations.append(
                    FieldViolation(f"addresses[{i}].country", "unknown ISO 3166 country")
                )
        out.append(address)
    return out


def _choice(value: str, name: str, choices: tuple[str, ...], violations: list) -> str:
    value = value.strip().lower()
    if value and value not in choices:
        violations.append(FieldViolation(name, f"must be one of: {', '.join(choices)}"))
    return value


@dataclass
class _Update:
    """What one update's validators read and where they report."""

    customer: Customer
    default_region: str
    definitions: dict[str, Definition]
    violations: list[FieldViolation] = field(default_factory=list)


# A field's validator: (value, field name, update) -> (attribute to set, value to set).
FieldRule = Callable[[Any, str, _Update], tuple[str, Any]]


def _text_rule(limit: int, *, required: bool = False) -> FieldRule:
    def rule(value: Any, name: str, u: _Update) -> tuple[str, Any]:
        return name, _text(value, name, limit, u.violations, required=required)

    return rule


def _choice_rule(choices: tuple[str, ...]) -> FieldRule:
    def rule(value: Any, name: str, u: _Update) -> tuple[str, Any]:
        return name, _choice(value, name, choices, u.violations)

    return rule


def _pattern_rule(ok: Callable[[str], bool], description: str, *, strip: bool = True) -> FieldRule:
    def rule(value: Any, name: str, u: _Update) -> tuple[str, Any]:
        text = value.strip() if strip else value
        if text and not ok(text):
            u.violations.append(FieldViolation(name, description))
        return name, text

    return rule


def _workers(value: Any, name: str, u: _Update) -> tuple[str, Any]:
    ids = list(dict.fromkeys(w.strip() for w in value if w.strip()))
    if len(ids) > MAX_WORKERS or any(len(w) > 100 for w in ids):
        u.violations.append(FieldViolation(name, f"at most {MAX_WORKERS} ids of 100 characters"))
    return name, ids


def _custom_fields(value: Any, name: str, u: _Update) -> tuple[str, Any]:
    merged = dict(u.customer.custom_fields)
    for key, raw in dict(value).items():
        if raw is None:
            if key not in u.definitions and key not in merged:
                u.violations.append(FieldViolation(f"custom_fields.{key}", "unknown custom field"))
            merged.pop(key, None)
        else:
            merged[key] = validate_value(u.definitions.get(key), key, raw, u.violations)
    return name, merged


def _lifecycle_stage(value: Any, name: str, u: _Update) -> tuple[str, Any]:
    if value != "lead":
        u.violations.append(
            FieldViolation(
                name,
                "stages follow the lifecycle rules; only 'lead' (qualified) can be set "
                "by hand, and VIP with the vip field",
            )
        )
    return "qualified", True


# Every updatable field and its rule (UPDATABLE is its keys).
FIELD_RULES: dict[str, FieldRule] = {
    "first_name": _text_rule(MAX_NAME_LENGTH, required=True),
    "last_name": _text_rule(MAX_NAME_LENGTH),
    "company": _text_rule(MAX_COMPANY_LENGTH),
    "phones": lambda v, n, u: (n, parse_phones(list(v), u.default_region, u.violations)),
    "emails": lambda v, n, u: (n, parse_emails(list(v), u.violations)),
    "addresses": lambda v, n, u: (n, _addresses(list(v), u.violations)),
    "preferred_channel": _choice_rule(CHANNELS),
    "preferred_contact_time": _text_rule(100),
    "language": _pattern_rule(
        lambda t: bool(_LANGUAGE.match(t)), "must be a BCP 47 tag such as en or pt-BR"
    ),
    "timezone": _pattern_rule(
        lambda t: t in zoneinfo.available_timezones(),
        "must be an IANA time zone such as Europe/London",
    ),
    "tags": lambda v, n, u: (n, normalise_tags(list(v), n, u.violations)),
    "folder": _text_rule(100),
    "custom_fields": _custom_fields,
    "workers": _workers,
    "call_status": _choice_rule(CALL_STATUSES),
    "vip": lambda v, n, u: ("vip_manual", bool(v)),
    "lifecycle_stage": _lifecycle_stage,
    "avatar_color": _pattern_rule(
        lambda t: bool(_COLOR.match(t)), "must be a colour like #A1B2C3", strip=False
    ),
}
UPDATABLE = tuple(FIELD_RULES)


def apply_changes(
    customer: Customer,
    changes: ProfileChanges,
    *,
    default_region: str,
    definitions: dict[str, Definition],
) -> list[str]:
    """Validate all, then apply; returns the names of the fields that changed."""
    update = _Update(customer, default_region, definitions)
    new: dict[str, Any] = {}
    for name, value in changes.values.items():
        rule = FIELD_RULES.get(name)
        if rule is None:
            update.violations.append(FieldViolation(name, "unknown or read-only field"))
            continue
        attribute, value = rule(value, name, update)
        new[attribute] = value
    if update.violations:
        raise InvalidArgument.of_all(update.violations, "invalid customer: ")
    changed = []
    for name, value in new.items():
        if getattr(customer, name) != value:
            setattr(customer, name, value)
            changed.append(name)
    return changed
