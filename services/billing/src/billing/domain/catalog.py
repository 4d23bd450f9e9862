"""The catalogue: services a business sells and the staff members who provide them."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime

from moodline_kit.errors import FieldViolation, InvalidArgument

from billing.domain.money import check_amount

MAX_NAME = 200
MAX_DURATION_MINUTES = 24 * 60
COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
# Calendar colours given in turn to staff members created without one.
PALETTE = ("#4f46e5", "#0891b2", "#16a34a", "#ca8a04", "#dc2626", "#db2777", "#7c3aed", "#0d9488")


@dataclass(frozen=True)
class CatalogService:
    id: uuid.UUID
    tenant_id: uuid.UUID
    name: str
    duration_minutes: int
    price_minor: int
    currency: str
    active: bool
    created_at: datetime


@dataclass(frozen=True)
class StaffMember:
    id: uuid.UUID
    tenant_id: uuid.UUID
    name: str
    colour: str
    active: bool
    user_id: str
    created_at: datetime


def _check_name(name: str) -> list[FieldViolation]:
    if not name.strip():
        return [FieldViolation("name", "required")]
    if len(name) > MAX_NAME:
        return [FieldViolation("name", f"at most {MAX_NAME} characters")]
    return []


def new_service(
    *,
    tenant_id: uuid.UUID,
    name: str,
    duration_minutes: int,
    price_minor: int,
    currency: str,
    tenant_currency: str,
    now: datetime,
) -> CatalogService:
    v = _check_name(name)
    if not 1 <= duration_minutes <= MAX_DURATION_MINUTES:
        v.append(FieldViolation("duration_minutes", f"must be 1..{MAX_DURATION_MINUTES}"))
    v += check_amount("price_minor", price_minor, currency, tenant_currency=tenant_currency)
    if v:
        raise InvalidArgument.of_all(v)
    return CatalogService(
        uuid.uuid4(), tenant_id, name.strip(), duration_minutes, price_minor, currency, True, now
    )


def new_staff_member(
    *, tenant_id: uuid.UUID, name: str, colour: str, user_id: str, existing: int, now: datetime
) -> StaffMember:
    v = _check_name(name)
    if colour and not COLOUR.match(colour):
        v.append(FieldViolation("colour", "must be #rrggbb"))
    if v:
        raise InvalidArgument.of_all(v)
    colour = colour.lower() if colour else PALETTE[existing % len(PALETTE)]
    return StaffMember(uuid.uuid4(), tenant_id, name.strip(), colour, True, user_id, now)
