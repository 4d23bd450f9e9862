"""Loyalty programs: what a balance counts, how it is earned, rounded, expired and redeemed.
Plain Python, no I/O."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from fractions import Fraction

from moodline_kit.errors import FieldViolation, InvalidArgument

MAX_NAME = 200
MAX_DESCRIPTION = 2000
MAX_RULES = 10
MAX_EXPIRE_DAYS = 3650
# A single earn or adjustment above this is refused: it is a typo, not a reward.
MAX_AMOUNT = 10**12


class Kind(StrEnum):
    POINTS = "points"
    CREDITS = "credits"  # minor units of the program's currency


class Rounding(StrEnum):
    DOWN = "down"
    NEAREST = "nearest"  # half up
    UP = "up"


class ExpiryPolicy(StrEnum):
    NEVER = "never"  # only with the enrolment's own expiry date
    AFTER_DAYS = "after_days"  # each credit expires N days after it was credited


class Trigger(StrEnum):
    PAYMENT_SUCCEEDED = "payment_succeeded"  # per currency unit paid (and/or fixed)
    BOOKING_COMPLETED = "booking_completed"  # per visit


@dataclass(frozen=True)
class EarnRule:
    trigger: Trigger
    amount_per_unit: int = 0
    spend_unit_minor: int = 0
    fixed_amount: int = 0
    currency: str = ""  # empty: the program's
    multiplier_percent: int = 100

    def earned(self, *, spent_minor: int, currency: str, rounding: Rounding, default: str) -> int:
        """What one triggering event earns; spend in another currency earns nothing."""
        amount = Fraction(0)
        if self.amount_per_unit and spent_minor > 0:
            if currency.upper() != (self.currency or default).upper():
                return 0
            amount = (
                Fraction(spent_minor, self.spend_unit_minor)
                * self.amount_per_unit
                * Fraction(self.multiplier_percent, 100)
            )
        return round_amount(amount, rounding) + self.fixed_amount


def round_amount(amount: Fraction, rounding: Rounding) -> int:
    if rounding is Rounding.UP:
        return -((-amount.numerator) // amount.denominator)
    if rounding is Rounding.NEAREST:
        return int((amount + Fraction(1, 2)) // 1)
    return amount.numerator // amount.denominator


@dataclass
class Program:
    id: uuid.UUID
    tenant_id: uuid.UUID
    name: str
    kind: Kind
    description: str = ""
    currency: str = ""
    earn_rules: tuple[EarnRule, ...] = ()
    rounding: Rounding = Rounding.DOWN
    expiry_policy: ExpiryPolicy = ExpiryPolicy.NEVER
    expire_after_days: int = 0
    min_redemption: int = 0
    allow_negative_balance: bool = False
    archived_at: datetime | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def archived(self) -> bool:
        return self.archived_at is not None

    def earn(self, trigger: Trigger, *, spent_minor: int = 0, currency: str = "") -> int:
        """Points (or credit minor units) one event of `trigger` earns under every rule."""
        return sum(
            rule.earned(
                spent_minor=spent_minor,
                currency=currency,
                rounding=self.rounding,
                default=self.currency,
            )
            for rule in self.earn_rules
            if rule.trigger is trigger
        )

    def earns_on(self, trigger: Trigger) -> bool:
        return any(rule.trigger is trigger for rule in self.earn_rules)

    def lot_expiry(self, credited_at: datetime) -> datetime | None:
        """When a credit made at `credited_at` expires (None: only with the enrolment)."""
        if self.expiry_policy is ExpiryPolicy.AFTER_DAYS:
            return credited_at + timedelta(days=self.expire_after_days)
        return None


@dataclass(frozen=True)
class ProgramFields:
    """What a caller may set on a program; `None` = not given (on update: unchanged)."""

    name: str | None = None
    description: str | None = None
    kind: str | None = None
    currency: str | None = None
    earn_rules: tuple[dict, ...] | None = None
    rounding: str | None = None
    expiry_policy: str | None = None
    expire_after_days: int | None = None
    min_redemption: int | None = None
    allow_negative_balance: bool | None = None
    unknown: tuple[str, ...] = field(default=())


UPDATABLE = (
    "name",
    "description",
    "earn_rules",
    "rounding",
    "expiry_policy",
    "earned_expire_after_days",
    "min_redemption",
    "allow_negative_balance",
)


def _enum(value: str, enum: type[StrEnum], name: str, problems: list[FieldViolation]):  # type: ignore[no-untyped-def]
    try:
        return enum(value)
    except ValueError:
        allowed = ", ".join(e.value for e in enum)  # type: ignore[attr-defined]
        problems.append(FieldViolation(name, f"must be one of {allowed}"))
        return None


def _currency(value: str, name: str, problems: list[FieldViolation]) -> str:
    code = value.strip().upper()
    if code and not (len(code) == 3 and code.isalpha() and code.isascii()):
        problems.append(FieldViolation(name, "must be an ISO 4217 code such as USD"))
    return code


def _rules(raw: tuple[dict, ...], problems: list[FieldViolation]) -> tuple[EarnRule, ...]:
    if len(raw) > MAX_RULES:
        problems.append(FieldViolation("earn_rules", f"at most {MAX_RULES} rules"))
        return ()
    rules = []
    for i, item in enumerate(raw):
        at = f"earn_rules[{i}]"
        trigger = _enum(item.get("trigger", ""), Trigger, f"{at}.trigger", problems)
        per_unit = int(item.get("amount_per_unit") or 0)
        unit = int(item.get("spend_unit_minor") or 0)
        fixed = int(item.get("fixed_amount") or 0)
        multiplier = int(item.get("multiplier_percent") or 100)
        currency = _currency(item.get("currency") or "", f"{at}.currency", problems)
        for name, value in (("amount_per_unit", per_unit), ("fixed_amount", fixed)):
            if not 0 <= value <= MAX_AMOUNT:
                problems.append(FieldViolation(f"{at}.{name}", f"must be 0..{MAX_AMOUNT}"))
        if per_unit and unit <= 0:
            problems.append(
                FieldViolation(f"{at}.spend_unit_minor", "must be positive with amount_per_unit")
            )
        if not 1 <= multiplier <= 10_000:
            problems.append(FieldViolation(f"{at}.multiplier_percent", "must be 1..10000"))
        if not per_unit and not fixed:
            problems.append(
                FieldViolation(at, "earns nothing: set amount_per_unit or fixed_amount")
            )
        if trigger is not None:
            rules.append(EarnRule(trigger, per_unit, unit, fixed, currency, multiplier))
    return tuple(rules)


def apply_fields(program: Program, fields: ProgramFields, *, creating: bool) -> Program:
    """The program with `fields` applied, or InvalidArgument naming every bad field."""
    problems = [FieldViolation(name, "unknown or read-only field") for name in fields.unknown]
    changes: dict[str, object] = {}
    if fields.name is not None or creating:
        name = (fields.name or "").strip()
        if not name:
            problems.append(FieldViolation("name", "required"))
        elif len(name) > MAX_NAME:
            problems.append(FieldViolation("name", f"at most {MAX_NAME} characters"))
        changes["name"] = name
    if fields.description is not None:
        if len(fields.description) > MAX_DESCRIPTION:
            problems.append(FieldViolation("description", f"at most {MAX_DESCRIPTION} characters"))
        changes["description"] = fields.description
    if creating:
        kind = _enum(fields.kind or "", Kind, "kind", problems)
        currency = _currency(fields.currency or "", "currency", problems)
        if kind is Kind.CREDITS and not currency:
            problems.append(FieldViolation("currency", "required for a credits program"))
        changes["kind"] = kind
        changes["currency"] = currency
    if fields.earn_rules is not None:
        changes["earn_rules"] = _rules(fields.earn_rules, problems)
    if fields.rounding is not None:
        changes["rounding"] = _enum(fields.rounding or "down", Rounding, "rounding", problems)
    if fields.expiry_policy is not None:
        changes["expiry_policy"] = _enum(
            fields.expiry_policy or "never", ExpiryPolicy, "expiry_policy", problems
        )
    if fields.expire_after_days is not None:
        if not 0 <= fields.expire_after_days <= MAX_EXPIRE_DAYS:
            problems.append(
                FieldViolation("earned_expire_after_days", f"must be 0..{MAX_EXPIRE_DAYS}")
            )
        changes["expire_after_days"] = fields.expire_after_days
    if fields.min_redemption is not None:
        if not 0 <= fields.min_redemption <= MAX_AMOUNT:
            problems.append(FieldViolation("min_redemption", f"must be 0..{MAX_AMOUNT}"))
        changes["min_redemption"] = fields.min_redemption
    if fields.allow_negative_balance is not None:
        changes["allow_negative_balance"] = fields.allow_negative_balance
    if problems:
        raise InvalidArgument.of_all(problems)
    updated = replace(program, **changes)  # type: ignore[arg-type]
    if updated.expiry_policy is ExpiryPolicy.AFTER_DAYS and updated.expire_after_days < 1:
        raise InvalidArgument.of(
            "earned_expire_after_days", "must be at least 1 with expiry_policy after_days"
        )
    return updated
