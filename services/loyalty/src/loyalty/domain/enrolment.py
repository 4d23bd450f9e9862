"""Enrolments: a customer in a program, with an optional expiry date and notes. Plain Python."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

from moodline_kit.errors import FieldViolation, InvalidArgument

from loyalty.domain.ledger import Lot
from loyalty.domain.program import MAX_AMOUNT, Program

MAX_NOTES = 2000
MAX_BULK = 5000
MAX_REASON = 500  # why an enrolment was removed


class Status(StrEnum):
    ACTIVE = "active"
    REMOVED = "removed"
    EXPIRED = "expired"


@dataclass
class Enrolment:
    id: uuid.UUID
    tenant_id: uuid.UUID
    program_id: uuid.UUID
    customer_id: uuid.UUID
    status: Status
    balance: int
    debt: int
    lifetime_earned: int
    sequence: int
    expires_on: date | None
    notes: str
    enrolled_at: datetime
    last_activity_at: datetime
    removed_at: datetime | None = None

    @property
    def expires_at(self) -> datetime | None:
        return end_of(self.expires_on) if self.expires_on else None


def end_of(day: date) -> datetime:
    """An expiry date is valid through that day (UTC): it expires at the next midnight."""
    return datetime.combine(day + timedelta(days=1), time(), tzinfo=UTC)


def parse_date(value: str, field_name: str, today: date) -> date | None:
    """ "" = no date; "YYYY-MM-DD" today or later."""
    if not value:
        return None
    try:
        parsed = date.fromisoformat(value)
    except ValueError as exc:
        raise InvalidArgument.of(field_name, "must be a date YYYY-MM-DD") from exc
    if parsed < today:
        raise InvalidArgument.of(field_name, f"must be today ({today.isoformat()}) or later")
    return parsed


@dataclass(frozen=True)
class NewEnrolment:
    customer_id: uuid.UUID
    starting_balance: int
    expires_on: date | None
    notes: str


def validate_new(
    program: Program,
    *,
    customer_id: str,
    starting_balance: int,
    expires_on: str,
    notes: str,
    today: date,
    prefix: str = "",
) -> NewEnrolment:
    """One enrolment's input, or InvalidArgument naming each bad field (with `prefix`, e.g.
    "entries[3].")."""
    problems: list[FieldViolation] = []
    customer: uuid.UUID | None = None
    try:
        customer = uuid.UUID(customer_id)
    except ValueError:
        problems.append(FieldViolation(f"{prefix}customer_id", "must be a customer id (UUID)"))
    if starting_balance < 0 and not program.allow_negative_balance:
        problems.append(
            FieldViolation(
                f"{prefix}starting_balance", "must be 0 or more (the program allows no debt)"
            )
        )
    elif abs(starting_balance) > MAX_AMOUNT:
        problems.append(FieldViolation(f"{prefix}starting_balance", f"at most {MAX_AMOUNT}"))
    day = None
    try:
        day = parse_date(expires_on, f"{prefix}expires_on", today)
    except InvalidArgument as exc:
        problems.extend(exc.violations)
    if len(notes) > MAX_NOTES:
        problems.append(FieldViolation(f"{prefix}notes", f"at most {MAX_NOTES} characters"))
    if problems:
        raise InvalidArgument.of_all(problems)
    assert customer is not None
    return NewEnrolment(customer, starting_balance, day, notes)


def next_expiry(enrolment: Enrolment, lots: list[Lot]) -> tuple[datetime | None, int]:
    """When the soonest unspent credits expire and how much of the balance goes then."""
    dated = [lot for lot in lots if lot.expires_at is not None and lot.remaining > 0]
    soonest = min((lot.expires_at for lot in dated), default=None)  # type: ignore[type-var]
    whole = enrolment.expires_at
    if whole is not None and (soonest is None or whole <= soonest):
        return whole, max(enrolment.balance, 0)
    if soonest is None:
        return None, 0
    return soonest, sum(lot.remaining for lot in dated if lot.expires_at == soonest)
