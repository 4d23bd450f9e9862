"""The ledger is the balance. Every credit is a lot that remembers what is left of it; every
debit draws from the oldest-expiring lots first and records what it drew, so expiry removes
only what was never spent, whatever label the credit had. Plain Python, no I/O.

Invariant per enrolment: balance = sum(ledger deltas) = sum(lot remaining) - debt, where
`debt` is what debits took beyond every lot (a negative balance, where the program allows it);
a later credit repays the debt before it becomes a lot."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from moodline_kit.errors import FieldViolation, InvalidArgument


class Reason(StrEnum):
    STARTING_BALANCE = "starting_balance"
    EARNED = "earned"
    REDEEMED = "redeemed"
    MANUAL_ADJUSTMENT = "manual_adjustment"
    EXPIRED = "expired"
    REVERSAL = "reversal"
    REMOVED = "removed"
    MERGED = "merged"


# What a caller may write; the others are the service's own.
CALLER_REASONS = (Reason.EARNED, Reason.REDEEMED, Reason.MANUAL_ADJUSTMENT, Reason.REVERSAL)
# Credits that count toward lifetime_earned.
EARNING = (Reason.EARNED, Reason.MANUAL_ADJUSTMENT)
MAX_NOTE = 500
MAX_KEY = 128


@dataclass
class Lot:
    """What is left of one credit entry."""

    entry_id: uuid.UUID
    sequence: int
    expires_at: datetime | None
    remaining: int

    def draw_order(self) -> tuple:
        # Soonest expiry first, never-expiring last, then oldest credit first.
        return (self.expires_at is None, self.expires_at or datetime.min, self.sequence)


@dataclass(frozen=True)
class Draw:
    lot_entry_id: uuid.UUID
    lot_sequence: int
    amount: int


@dataclass(frozen=True)
class Posting:
    """One entry to append: its delta, the lot it creates (credits) or the draws (debits)."""

    delta: int
    reason: Reason
    lot_amount: int = 0  # credits: what becomes a lot (after repaying debt)
    lot_expires_at: datetime | None = None
    draws: tuple[Draw, ...] = ()
    debt_after: int = 0


class InsufficientBalance(InvalidArgument):
    def __init__(self, available: int, field_name: str = "delta") -> None:
        super().__init__(
            f"{field_name}: exceeds the available balance of {available}",
            [FieldViolation(field_name, f"exceeds the available balance of {available}")],
        )
        self.available = available


@dataclass
class Position:
    """An enrolment's money at a point in the ledger."""

    balance: int
    debt: int
    open_lots: list[Lot] = field(default_factory=list)  # remaining > 0

    def credit(self, amount: int, reason: Reason, *, expires_at: datetime | None) -> Posting:
        assert amount > 0
        repaid = min(self.debt, amount)
        self.debt -= repaid
        self.balance += amount
        return Posting(amount, reason, amount - repaid, expires_at, debt_after=self.debt)

    def debit(
        self,
        amount: int,
        reason: Reason,
        *,
        allow_negative: bool,
        first: uuid.UUID | None = None,
        clamp: bool = False,
        field_name: str = "delta",
    ) -> Posting | None:
        """Draw `amount` from the lots (`first`'s lot before the others, e.g. the lot a reversed
        earn created). Beyond the lots: debt where allowed; else a clamped posting of what is
        there (`clamp`, None when nothing is), or InsufficientBalance naming the available."""
        assert amount > 0
        if amount > self.balance and not allow_negative:
            available = max(self.balance, 0)
            if not clamp:
                raise InsufficientBalance(available, field_name)
            amount = available
            if amount == 0:
                return None
        draws = allocate(self.open_lots, amount, first=first)
        drawn = sum(d.amount for d in draws)
        self.debt += amount - drawn
        self.balance -= amount
        self.open_lots = [lot for lot in self.open_lots if lot.remaining > 0]
        return Posting(-amount, reason, draws=tuple(draws), debt_after=self.debt)

    def expire(self, lots: Iterable[Lot]) -> Posting | None:
        """Write off what is left of `lots` (already due): one EXPIRED posting."""
        due = {lot.entry_id for lot in lots}
        draws = []
        for lot in sorted(self.open_lots, key=Lot.draw_order):
            if lot.entry_id in due and lot.remaining > 0:
                draws.append(Draw(lot.entry_id, lot.sequence, lot.remaining))
                lot.remaining = 0
        total = sum(d.amount for d in draws)
        if total == 0:
            return None
        self.balance -= total
        self.open_lots = [lot for lot in self.open_lots if lot.remaining > 0]
        return Posting(-total, Reason.EXPIRED, draws=tuple(draws), debt_after=self.debt)


def allocate(lots: Sequence[Lot], amount: int, *, first: uuid.UUID | None = None) -> list[Draw]:
    """Take up to `amount` from `lots` (mutated), oldest-expiring first."""
    ordered = sorted(lots, key=lambda lot: (lot.entry_id != first, *lot.draw_order()))
    draws = []
    left = amount
    for lot in ordered:
        if left == 0:
            break
        take = min(lot.remaining, left)
        if take:
            lot.remaining -= take
            left -= take
            draws.append(Draw(lot.entry_id, lot.sequence, take))
    return draws


def due_lots(lots: Iterable[Lot], now: datetime) -> list[Lot]:
    return [lot for lot in lots if lot.expires_at is not None and lot.expires_at <= now]


@dataclass(frozen=True)
class Adjustment:
    """A caller's request to change a balance (validated by `validate_adjustment`)."""

    delta: int
    reason: Reason
    idempotency_key: str
    note: str = ""
    source_ref: str = ""
    actor_id: str = ""

    def fingerprint(self) -> str:
        """What a replay must repeat: the same key with another request is a conflict."""
        return f"{self.delta}|{self.reason.value}|{self.source_ref}"


def validate_adjustment(
    *, delta: int, reason: str, idempotency_key: str, note: str, source_ref: str, actor_id: str
) -> Adjustment:
    from loyalty.domain.program import MAX_AMOUNT

    problems: list[FieldViolation] = []
    parsed: Reason | None = None
    try:
        parsed = Reason(reason)
    except ValueError:
        pass
    if parsed not in CALLER_REASONS:
        allowed = ", ".join(r.value for r in CALLER_REASONS)
        problems.append(FieldViolation("reason", f"must be one of {allowed}"))
    if delta == 0:
        problems.append(FieldViolation("delta", "must not be 0"))
    elif abs(delta) > MAX_AMOUNT:
        problems.append(FieldViolation("delta", f"at most {MAX_AMOUNT} either way"))
    elif parsed is Reason.EARNED and delta < 0:
        problems.append(FieldViolation("delta", "an earn is positive"))
    elif parsed is Reason.REDEEMED and delta > 0:
        problems.append(FieldViolation("delta", "a redemption is negative"))
    key = idempotency_key.strip()
    if not key:
        problems.append(FieldViolation("idempotency_key", "required"))
    elif len(key) > MAX_KEY:
        problems.append(FieldViolation("idempotency_key", f"at most {MAX_KEY} characters"))
    if len(note) > MAX_NOTE:
        problems.append(FieldViolation("note", f"at most {MAX_NOTE} characters"))
    if len(source_ref) > MAX_KEY:
        problems.append(FieldViolation("source_ref", f"at most {MAX_KEY} characters"))
    if problems:
        raise InvalidArgument.of_all(problems)
    assert parsed is not None
    return Adjustment(delta, parsed, key, note, source_ref, actor_id[:MAX_KEY])


@dataclass
class Entry:
    """One ledger entry as stored."""

    id: uuid.UUID
    enrolment_id: uuid.UUID
    sequence: int
    delta: int
    balance_after: int
    reason: Reason
    created_at: datetime
    note: str = ""
    idempotency_key: str | None = None
    fingerprint: str = ""
    source_ref: str = ""
    actor_id: str = ""
    expires_at: datetime | None = None
    draws: tuple[Draw, ...] = ()
    remaining: int = 0  # credits: what is left of the lot
    lots_left: tuple[int, ...] = ()  # debits, when posted: what each drawn lot has left
