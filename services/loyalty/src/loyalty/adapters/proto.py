"""Domain objects <-> moodline.loyalty.v1 messages."""

from __future__ import annotations

from datetime import datetime

from moodline.loyalty.v1 import loyalty_pb2 as pb
from moodline_kit.grpc.structs import fields_of
from moodline_kit.timestamps import to_proto

from loyalty.domain.enrolment import Enrolment, Status
from loyalty.domain.ledger import Entry, Reason
from loyalty.domain.program import ExpiryPolicy, Kind, Program, ProgramFields, Rounding, Trigger

KINDS = {Kind.POINTS: pb.PROGRAM_TYPE_POINTS, Kind.CREDITS: pb.PROGRAM_TYPE_CREDITS}
KIND_NAMES = {v: k.value for k, v in KINDS.items()}
ROUNDINGS = {
    Rounding.DOWN: pb.ROUNDING_DOWN,
    Rounding.NEAREST: pb.ROUNDING_NEAREST,
    Rounding.UP: pb.ROUNDING_UP,
}
ROUNDING_NAMES = {v: k.value for k, v in ROUNDINGS.items()} | {pb.ROUNDING_UNSPECIFIED: "down"}
POLICIES = {
    ExpiryPolicy.NEVER: pb.EXPIRY_POLICY_NEVER,
    ExpiryPolicy.AFTER_DAYS: pb.EXPIRY_POLICY_AFTER_DAYS,
}
POLICY_NAMES = {v: k.value for k, v in POLICIES.items()} | {pb.EXPIRY_POLICY_UNSPECIFIED: "never"}
TRIGGERS = {
    Trigger.PAYMENT_SUCCEEDED: pb.EARN_TRIGGER_PAYMENT_SUCCEEDED,
    Trigger.BOOKING_COMPLETED: pb.EARN_TRIGGER_BOOKING_COMPLETED,
}
TRIGGER_NAMES = {v: k.value for k, v in TRIGGERS.items()}
REASONS = {
    Reason.STARTING_BALANCE: pb.LEDGER_REASON_STARTING_BALANCE,
    Reason.EARNED: pb.LEDGER_REASON_EARNED,
    Reason.REDEEMED: pb.LEDGER_REASON_REDEEMED,
    Reason.MANUAL_ADJUSTMENT: pb.LEDGER_REASON_MANUAL_ADJUSTMENT,
    Reason.EXPIRED: pb.LEDGER_REASON_EXPIRED,
    Reason.REVERSAL: pb.LEDGER_REASON_REVERSAL,
    Reason.REMOVED: pb.LEDGER_REASON_REMOVED,
    Reason.MERGED: pb.LEDGER_REASON_MERGED,
}
REASON_NAMES = {v: k.value for k, v in REASONS.items()}
STATUSES = {
    Status.ACTIVE: pb.ENROLMENT_STATUS_ACTIVE,
    Status.REMOVED: pb.ENROLMENT_STATUS_REMOVED,
    Status.EXPIRED: pb.ENROLMENT_STATUS_EXPIRED,
}
STATUS_NAMES = {v: k.value for k, v in STATUSES.items()} | {pb.ENROLMENT_STATUS_UNSPECIFIED: ""}


def program_to_proto(p: Program) -> pb.Program:
    return pb.Program(
        id=str(p.id),
        name=p.name,
        description=p.description,
        type=KINDS[p.kind],
        currency=p.currency,
        earn_rules=[
            pb.EarnRule(
                trigger=TRIGGERS[r.trigger],
                amount_per_unit=r.amount_per_unit,
                spend_unit_minor=r.spend_unit_minor,
                fixed_amount=r.fixed_amount,
                currency=r.currency,
                multiplier_percent=r.multiplier_percent,
            )
            for r in p.earn_rules
        ],
        earned_expire_after_days=p.expire_after_days,
        archived=p.archived,
        created_at=to_proto(p.created_at),
        updated_at=to_proto(p.updated_at),
        rounding=ROUNDINGS[p.rounding],
        expiry_policy=POLICIES[p.expiry_policy],
        min_redemption=p.min_redemption,
        allow_negative_balance=p.allow_negative_balance,
    )


PROGRAM_FIELDS = {
    "name": "name",
    "description": "description",
    "earn_rules": "earn_rules",
    "rounding": "rounding",
    "expiry_policy": "expiry_policy",
    "earned_expire_after_days": "expire_after_days",
    "min_redemption": "min_redemption",
    "allow_negative_balance": "allow_negative_balance",
}


def program_fields(p: pb.Program, mask: list[str] | None = None) -> ProgramFields:
    """The fields of `p` (all, on create; those in `mask`, on update)."""
    rules = tuple(
        {"trigger": TRIGGER_NAMES.get(r.trigger, ""), **fields_of(r, but=("trigger",))}
        for r in p.earn_rules
    )
    values = {
        "name": p.name,
        "description": p.description,
        "earn_rules": rules,
        "rounding": ROUNDING_NAMES.get(p.rounding, "?"),
        "expiry_policy": POLICY_NAMES.get(p.expiry_policy, "?"),
        "expire_after_days": p.earned_expire_after_days,
        "min_redemption": p.min_redemption,
        "allow_negative_balance": p.allow_negative_balance,
    }
    if mask is None:
        return ProgramFields(
            kind=KIND_NAMES.get(p.type, ""),
            currency=p.currency,
            **values,  # type: ignore[arg-type]
        )
    chosen = {PROGRAM_FIELDS[m]: values[PROGRAM_FIELDS[m]] for m in mask if m in PROGRAM_FIELDS}
    unknown = tuple(m for m in mask if m not in PROGRAM_FIELDS)
    return ProgramFields(unknown=unknown, **chosen)  # type: ignore[arg-type]


def entry_to_proto(e: Entry, program_id: str, customer_id: str) -> pb.LedgerEntry:
    return pb.LedgerEntry(
        id=str(e.id),
        enrolment_id=str(e.enrolment_id),
        program_id=program_id,
        customer_id=customer_id,
        sequence=e.sequence,
        delta=e.delta,
        balance_after=e.balance_after,
        reason=REASONS[e.reason],
        note=e.note,
        idempotency_key=e.idempotency_key or "",
        source_ref=e.source_ref,
        actor_id=e.actor_id,
        expires_at=to_proto(e.expires_at),
        created_at=to_proto(e.created_at),
        draws=[
            pb.LotDraw(
                lot_entry_id=str(d.lot_entry_id), lot_sequence=d.lot_sequence, amount=d.amount
            )
            for d in e.draws
        ],
        remaining=e.remaining,
    )


def enrolment_to_proto(
    e: Enrolment,
    program: Program | None = None,
    next_expiry_at: datetime | None = None,
    next_expiry_amount: int = 0,
) -> pb.Enrolment:
    return pb.Enrolment(
        id=str(e.id),
        program_id=str(e.program_id),
        customer_id=str(e.customer_id),
        status=STATUSES[e.status],
        balance=e.balance,
        lifetime_earned=e.lifetime_earned,
        expires_on=e.expires_on.isoformat() if e.expires_on else "",
        notes=e.notes,
        enrolled_at=to_proto(e.enrolled_at),
        removed_at=to_proto(e.removed_at),
        ledger_sequence=e.sequence,
        program_name=program.name if program else "",
        program_type=KINDS[program.kind] if program else pb.PROGRAM_TYPE_UNSPECIFIED,
        next_expiry_at=to_proto(next_expiry_at),
        next_expiry_amount=next_expiry_amount,
        last_activity_at=to_proto(e.last_activity_at),
    )
