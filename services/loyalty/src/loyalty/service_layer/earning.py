"""What events ask (entrypoints/consumers.py translates them into domain/commands.py): earn on
payments and visits, reverse on refunds, erase on customer deletion, enrol the customers of an
import that named a program (customer.customers.imported).
Each runs inside the idempotent consumer's unit of work (its processed-event marker commits
with the effect), and each ledger entry also carries an idempotency key derived from the
payment or booking, so the same payment earns once even if billing published it twice under
two event ids."""

from __future__ import annotations

import uuid
from datetime import datetime

from loyalty.domain.commands import EarnForPayment, EarnForVisit, EnrolImported, ReverseForRefund
from loyalty.domain.enrolment import Status
from loyalty.domain.ledger import Reason
from loyalty.domain.program import Trigger
from loyalty.service_layer.enrolments import end, enrol_customers
from loyalty.service_layer.ledger import locked, record
from loyalty.service_layer.unit_of_work import LoyaltyUnitOfWork


async def _earning_books(uow: LoyaltyUnitOfWork, tenant: uuid.UUID, customer: str, trigger):  # type: ignore[no-untyped-def]
    try:
        customer_id = uuid.UUID(customer)
    except ValueError:
        return []
    books = []
    for enrolment in await uow.enrolments.of_customer(tenant, customer_id):
        book = await locked(uow, tenant, enrolment.id, with_lots=False)
        if book.enrolment.status is Status.ACTIVE and not book.program.archived:
            if trigger is None or book.program.earns_on(trigger):
                books.append(book)
    return books


async def _earn(uow, tenant, customer, trigger, key, now, note, **spend) -> None:  # type: ignore[no-untyped-def]
    for book in await _earning_books(uow, tenant, customer, trigger):
        if await uow.ledger.by_key(book.enrolment.id, key) is not None:
            continue
        points = book.program.earn(trigger, **spend)
        if points <= 0:
            continue
        posting = book.position.credit(
            points, Reason.EARNED, expires_at=book.program.lot_expiry(now)
        )
        await record(
            uow,
            book,
            posting,
            now=now,
            touched={},
            key=key,
            fingerprint=f"{points}|earned|{key}",
            note=note,
            source_ref=key,
        )


async def earn_for_payment(
    uow: LoyaltyUnitOfWork, tenant: uuid.UUID, command: EarnForPayment, now: datetime
) -> None:
    await _earn(
        uow,
        tenant,
        command.customer_id,
        Trigger.PAYMENT_SUCCEEDED,
        f"payment:{command.payment_id}",
        now,
        f"payment of {command.amount_minor} {command.currency}",
        spent_minor=command.amount_minor,
        currency=command.currency,
    )


async def earn_for_visit(
    uow: LoyaltyUnitOfWork, tenant: uuid.UUID, command: EarnForVisit, now: datetime
) -> None:
    await _earn(
        uow,
        tenant,
        command.customer_id,
        Trigger.BOOKING_COMPLETED,
        f"booking:{command.booking_id}",
        now,
        "visit",
    )


async def reverse_for_refund(
    uow: LoyaltyUnitOfWork, tenant: uuid.UUID, command: ReverseForRefund, now: datetime
) -> None:
    """Reverse the share of a payment's points that was refunded (all of them for a full
    refund), drawing first from the lot that payment created; where the points were already
    spent and the program allows no debt, only what is left is reversed."""
    payment = command.payment
    paid = payment.amount_minor
    refunded = min(command.refunded_minor, paid)
    if paid <= 0 or refunded <= 0:
        return
    source = f"payment:{payment.payment_id}"
    for book in await _earning_books(uow, tenant, payment.customer_id, None):
        earned = await uow.ledger.by_key(book.enrolment.id, source)
        if earned is None:
            continue
        reversed_so_far = -sum(
            e.delta
            for e in await uow.ledger.by_source(book.enrolment.id, source)
            if e.reason is Reason.REVERSAL
        )
        owed = earned.delta * refunded // paid - reversed_so_far
        if owed <= 0:
            continue
        book.position.open_lots = await uow.ledger.open_lots(book.enrolment.id)
        touched = book.lots
        posting = book.position.debit(
            owed,
            Reason.REVERSAL,
            allow_negative=book.program.allow_negative_balance,
            first=earned.id,
            clamp=True,
        )
        if posting is None:
            continue
        note = f"refund of {refunded} {payment.currency}"
        if -posting.delta < owed:
            note += f"; {owed + posting.delta} already spent, not reversed"
        await record(
            uow,
            book,
            posting,
            now=now,
            touched=touched,
            key=f"refund:{payment.payment_id}:{refunded}",
            fingerprint=f"{posting.delta}|reversal|{source}",
            note=note,
            source_ref=source,
        )


async def erase_customer(
    uow: LoyaltyUnitOfWork, tenant: uuid.UUID, customer_id: uuid.UUID, now: datetime
) -> None:
    """GDPR erasure / deletion: end the customer's enrolments and blank the free text (notes,
    ledger notes, actors); amounts stay for the business's aggregate figures."""
    enrolments = await uow.enrolments.of_customer(tenant, customer_id, active_only=False)
    for enrolment in enrolments:
        if enrolment.status is Status.ACTIVE:
            book = await locked(uow, tenant, enrolment.id)
            await end(uow, book, Status.REMOVED, now=now, note="customer deleted")
    await uow.enrolments.erase_notes(tenant, customer_id)
    await uow.ledger.erase_notes(tenant, [e.id for e in enrolments])


async def enrol_imported(
    uow: LoyaltyUnitOfWork, tenant: uuid.UUID, command: EnrolImported, now: datetime
) -> None:
    """Bulk enrolment of an import's created and matched customers (those already enrolled
    stay as they are; an unknown or archived program enrols nobody)."""
    if not command.program_id:
        return
    await enrol_customers(
        uow,
        tenant,
        command.program_id,
        list(command.customer_ids),
        actor_id=f"import:{command.import_id}",
        now=now,
    )
