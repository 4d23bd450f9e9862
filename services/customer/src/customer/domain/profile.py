"""Profile changes: validate every named field first, then apply them all (nothing partial)."""

from __future__ import annotations

import re
import zoneinfo
from dataclasses import dataclass
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
UPDATABLE = (
    "first_name", "last_name", "company", "phones", "emails", "addresses", "preferred_channel",
    "preferred_contact_time", "language", "timezone", "tags", "folder", "custom_fields",
    "workers", "call_status", "vip", "lifecycle_stage", "avatar_color",
)  # fmt: skip


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


def apply_changes(
    customer: Customer,
    changes: ProfileChanges,
    *,
    default_region: str,
    definitions: dict[str, Definition],
) -> list[str]:
    """Validate all, then apply; returns the names of the fields that changed."""
    v: list[FieldViolation] = []
    new: dict[str, Any] = {}
    for name, value in changes.values.items():
        if name not in UPDATABLE:
            v.append(FieldViolation(name, "unknown or read-only field"))
        elif name == "first_name":
            new[name] = _text(value, name, MAX_NAME_LENGTH, v, required=True)
        elif name == "last_name":
            new[name] = _text(value, name, MAX_NAME_LENGTH, v)
        elif name == "company":
            new[name] = _text(value, name, MAX_COMPANY_LENGTH, v)
        elif name == "phones":
            new[name] = parse_phones(list(value), default_region, v)
        elif name == "emails":
            new[name] = parse_emails(list(value), v)
        elif name == "addresses":
            new[name] = _addresses(list(value), v)
        elif name == "preferred_channel":
            new[name] = _choice(value, name, CHANNELS, v)
        elif name == "call_status":
            new[name] = _choice(value, name, CALL_STATUSES, v)
        elif name == "preferred_contact_time":
            new[name] = _text(value, name, 100, v)
        elif name == "language":
            text = value.strip()
            if text and not _LANGUAGE.match(text):
                v.append(FieldViolation(name, "must be a BCP 47 tag such as en or pt-BR"))
            new[name] = text
        elif name == "timezone":
            text = value.strip()
            if text and text not in zoneinfo.available_timezones():
                v.append(FieldViolation(name, "must be an IANA time zone such as Europe/London"))
            new[name] = text
        elif name == "tags":
            new[name] = normalise_tags(list(value), name, v)
        elif name == "folder":
            new[name] = _text(value, name, 100, v)
        elif name == "workers":
            ids = list(dict.fromkeys(w.strip() for w in value if w.strip()))
            if len(ids) > MAX_WORKERS or any(len(w) > 100 for w in ids):
                v.append(FieldViolation(name, f"at most {MAX_WORKERS} ids of 100 characters"))
            new[name] = ids
        elif name == "custom_fields":
            merged = dict(customer.custom_fields)
            for key, raw in dict(value).items():
                if raw is None:
                    if key not in definitions and key not in merged:
                        v.append(FieldViolation(f"custom_fields.{key}", "unknown custom field"))
                    merged.pop(key, None)
                else:
                    merged[key] = validate_value(definitions.get(key), key, raw, v)
            new[name] = merged
        elif name == "vip":
            new["vip_manual"] = bool(value)
        elif name == "lifecycle_stage":
            if value != "lead":
                v.append(
                    FieldViolation(
                        name,
                        "stages follow the lifecycle rules; only 'lead' (qualified) can be set "
                        "by hand, and VIP with the vip field",
                    )
                )
            new["qualified"] = True
        elif name == "avatar_color":
            if value and not _COLOR.match(value):
                v.append(FieldViolation(name, "must be a colour like #A1B2C3"))
            new[name] = value
    if v:
        raise InvalidArgument.of_all(v, "invalid customer: ")
    changed = []
    for name, value in new.items():
        if getattr(customer, name) != value:
            setattr(customer, name, value)
            changed.append(name)
    return changed
