"""Bookings (reservations): time range, staff, price, party members, status transitions."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum

from moodline_kit.errors import Conflict, FieldViolation, InvalidArgument

from billing.domain.money import check_amount

MAX_DURATION = timedelta(days=1)
MAX_PARTY = 50
MAX_TEXT = 2000


class BookingStatus(StrEnum):
    PENDING = "pending"  # requested, not yet confirmed by the business
    CONFIRMED = "confirmed"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"


# Revenue of these counts toward LTV.
COUNTED = frozenset({BookingStatus.CONFIRMED, BookingStatus.COMPLETED})
# These hold their staff member's time slot (the exclusion constraint's predicate).
HOLDS_SLOT = frozenset({BookingStatus.PENDING, BookingStatus.CONFIRMED})

# action -> (statuses it is allowed from, status it leads to)
TRANSITIONS: dict[str, tuple[frozenset[BookingStatus], BookingStatus]] = {
    "confirm": (frozenset({BookingStatus.PENDING}), BookingStatus.CONFIRMED),
    "cancel": (
        frozenset({BookingStatus.PENDING, BookingStatus.CONFIRMED}),
        BookingStatus.CANCELLED,
    ),
    "complete": (frozenset({BookingStatus.CONFIRMED}), BookingStatus.COMPLETED),
    "no_show": (frozenset({BookingStatus.CONFIRMED}), BookingStatus.NO_SHOW),
}


@dataclass(frozen=True)
class PartyMember:
    """Another customer (customer_id) or a guest known by name, with a share of the price."""

    customer_id: uuid.UUID | None
    name: str
    share_minor: int


@dataclass
class Booking:
    id: uuid.UUID
    tenant_id: uuid.UUID
    customer_id: uuid.UUID
    service_id: uuid.UUID | None
    service_name: str
    staff_id: uuid.UUID | None
    starts_at: datetime
    ends_at: datetime
    price_minor: int
    currency: str
    status: BookingStatus = BookingStatus.PENDING
    party: list[PartyMember] = field(default_factory=list)
    location: str = ""
    notes: str = ""
    cancellation_reason: str = ""
    cancelled_at: datetime | None = None
    confirmed_at: datetime | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def counted(self) -> bool:
        return self.status in COUNTED

    def attributions(self) -> dict[uuid.UUID, int]:
        """Revenue per customer: each customer member's share, the rest to who booked (guests'
        shares stay with them)."""
        out: dict[uuid.UUID, int] = {}
        for m in self.party:
            if m.customer_id is not None:
                out[m.customer_id] = out.get(m.customer_id, 0) + m.share_minor
        out[self.customer_id] = (
            out.get(self.customer_id, 0)
            + self.price_minor
            - sum(m.share_minor for m in self.party if m.customer_id is not None)
        )
        return out

    def customers(self) -> set[uuid.UUID]:
        return {self.customer_id, *(m.customer_id for m in self.party if m.customer_id)}

    def apply(self, action: str, now: datetime, reason: str = "") -> BookingStatus:
        """Move along the status machine; returns the previous status. Conflict (409) when the
        current status does not allow the action."""
        allowed, target = TRANSITIONS[action]
        if self.status not in allowed:
            raise Conflict(f"booking is {self.status.value}; cannot {action.replace('_', '-')} it")
        previous = self.status
        self.status = target
        self.updated_at = now
        if target is BookingStatus.CONFIRMED:
            self.confirmed_at = now
        elif target is BookingStatus.CANCELLED:
            self.cancelled_at = now
            self.cancellation_reason = reason[:MAX_TEXT]
        return previous


def validate(booking: Booking, *, tenant_currency: str) -> None:
    """Every violation at once (InvalidArgument naming each field), or nothing."""
    v: list[FieldViolation] = []
    if booking.ends_at <= booking.starts_at:
        v.append(FieldViolation("ends_at", "must be after starts_at"))
    elif booking.ends_at - booking.starts_at > MAX_DURATION:
        v.append(FieldViolation("ends_at", "a booking lasts at most 24 hours"))
    v += check_amount(
        "amount_minor", booking.price_minor, booking.currency, tenant_currency=tenant_currency
    )
    if len(booking.party) > MAX_PARTY:
        v.append(FieldViolation("party", f"at most {MAX_PARTY} members"))
    shares = 0
    for i, m in enumerate(booking.party):
        if m.customer_id is None and not m.name.strip():
            v.append(FieldViolation(f"party[{i}]", "give a customer_id or a name"))
        if m.share_minor < 0:
            v.append(FieldViolation(f"party[{i}].share_minor", "must not be negative"))
        shares += max(m.share_minor, 0)
        if m.customer_id is not None and m.customer_id == booking.customer_id:
            v.append(FieldViolation(f"party[{i}].customer_id", "is the booking's own customer"))
    if shares > booking.price_minor >= 0:
        v.append(FieldViolation("party", "shares add up to more than amount_minor"))
    member_ids = [m.customer_id for m in booking.party if m.customer_id]
    if len(member_ids) != len(set(member_ids)):
        v.append(FieldViolation("party", "a customer is listed twice"))
    if len(booking.notes) > MAX_TEXT:
        v.append(FieldViolation("notes", f"at most {MAX_TEXT} characters"))
    if v:
        raise InvalidArgument.of_all(v)


# Fields UpdateBooking may change (the REST PATCH names).
UPDATABLE = frozenset(
    {"starts_at", "ends_at", "staff_id", "service_id", "party", "amount_minor", "notes", "location"}
)


def reschedule(booking: Booking, changes: dict[str, object], now: datetime) -> Booking:
    """A copy with `changes` applied (names from UPDATABLE); only pending or confirmed bookings
    change."""
    unknown = sorted(set(changes) - UPDATABLE)
    if unknown:
        raise InvalidArgument.of_all([FieldViolation(n, "cannot be changed") for n in unknown])
    if booking.status not in HOLDS_SLOT:
        raise Conflict(f"booking is {booking.status.value}; it can no longer change")
    mapping = {"amount_minor": "price_minor"}
    values = {mapping.get(k, k): v for k, v in changes.items()}
    return replace(booking, **values, updated_at=now)  # type: ignore[arg-type]
