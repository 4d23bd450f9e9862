"""Domain -> the payloads of the events loyalty emits (moodline.events.v1.loyalty): the service
layer picks the subject (`domain/events.py`) and emits; what goes on the wire is built here."""

from __future__ import annotations

from moodline.events.v1 import loyalty_pb2 as pb

from loyalty.adapters.proto import KINDS, REASONS
from loyalty.domain.enrolment import Enrolment, Status
from loyalty.domain.ledger import Entry
from loyalty.domain.program import Program


def _ids(e: Enrolment) -> dict[str, str]:
    return {
        "enrolment_id": str(e.id),
        "program_id": str(e.program_id),
        "customer_id": str(e.customer_id),
    }


def enrolment_created(e: Enrolment, program: Program) -> pb.LoyaltyEnrolmentCreated:
    """`e` as it is enrolled: its balance is the starting balance."""
    return pb.LoyaltyEnrolmentCreated(
        **_ids(e),
        program_type=KINDS[program.kind],
        starting_balance=e.balance,
        expires_on=e.expires_on.isoformat() if e.expires_on else "",
    )


def enrolment_ended(
    e: Enrolment, final_balance: int, note: str
) -> pb.LoyaltyEnrolmentRemoved | pb.LoyaltyEnrolmentExpired:
    """`e` removed or expired (its status says which), with the balance it had left."""
    if e.status is Status.REMOVED:
        return pb.LoyaltyEnrolmentRemoved(**_ids(e), final_balance=final_balance, reason=note)
    return pb.LoyaltyEnrolmentExpired(**_ids(e), expired_balance=max(final_balance, 0))


def balance_adjusted(e: Enrolment, entry: Entry) -> pb.LoyaltyBalanceAdjusted:
    return pb.LoyaltyBalanceAdjusted(
        **_ids(e),
        ledger_entry_id=str(entry.id),
        sequence=entry.sequence,
        delta=entry.delta,
        balance_after=entry.balance_after,
        reason=REASONS[entry.reason],
        source_ref=entry.source_ref,
    )
