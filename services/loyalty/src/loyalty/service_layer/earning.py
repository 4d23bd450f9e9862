"""Events in: earn on payments and visits, reverse on refunds, erase on customer deletion,
enrol the customers of an import that named a program (customer.customers.imported).
Each runs inside the idempotent consumer's unit of work (its processed-event marker commits
with the effect), and each ledger entry also carries an idempotency key derived from the
payment or booking, so the same payment earns once even if billing published it twice under
two event ids."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime

from moodline.events.v1 import billing_pb2, customer_pb2, envelope_pb2
from moodline_kit.events import unpack

from loyalty.domain import events
from loyalty.domain.enrolment import Status
from loyalty.domain.ledger import Reason
from loyalty.domain.program import Trigger
from loyalty.service_layer.enrolments import end, enrol_customers
from loyalty.service_layer.ledger import Clock, locked, record, utc_now
from loyalty.service_layer.unit_of_work import LoyaltyUnitOfWork

SUBJECTS = {
    "BILLING": (events.PAYMENT_SUCCEEDED, events.PAYMENT_REFUNDED, events.BOOKING_COMPLETED),
    "CUSTOMER": (events.CUSTOMER_DELETED, events.CUSTOMERS_IMPORTED),
}


def make_handler(clock: Clock = utc_now) -> Callable:
    async def on_event(envelope: envelope_pb2.EventEnvelope, uow: LoyaltyUnitOfWork) -> None:
        tenant = uuid.UUID(envelope.tenant_id)
        now = clock()
        if envelope.type == events.PAYMENT_SUCCEEDED:
            paid = unpack(envelope, billing_pb2.PaymentSucceeded)
            await earn_on_payment(uow, tenant, paid, now)
        elif envelope.type == events.PAYMENT_REFUNDED:
            refunded = unpack(envelope, billing_pb2.PaymentRefunded)
            await reverse_on_refund(uow, tenant, refunded, now)
        elif envelope.type == events.BOOKING_COMPLETED:
            visit = unpack(envelope, billing_pb2.BookingCompleted)
            await earn_on_visit(uow, tenant, visit, now)
        elif envelope.type == events.CUSTOMER_DELETED:
            deleted = unpack(envelope, customer_pb2.CustomerDeleted)
            await erase_customer(uow, tenant, uuid.UUID(deleted.customer_id), now)
        elif envelope.type == events.CUSTOMERS_IMPORTED:
            imported = unpack(envelope, customer_pb2.CustomersImported)
            await enrol_imported(uow, tenant, imported, now)

    return on_event


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


async def earn_on_payment(
    uow: LoyaltyUnitOfWork, tenant: uuid.UUID, event: billing_pb2.PaymentSucceeded, now: datetime
) -> None:
    payment = event.payment
    amount = payment.amount
    await _earn(
        uow,
        tenant,
        event.customer_id or payment.customer_id,
        Trigger.PAYMENT_SUCCEEDED,
        f"payment:{payment.id}",
        now,
        f"payment of {amount.amount_minor} {amount.currency}",
        spent_minor=amount.amount_minor,
        currency=amount.currency,
    )


async def earn_on_visit(
    uow: LoyaltyUnitOfWork, tenant: uuid.UUID, event: billing_pb2.BookingCompleted, now: datetime
) -> None:
    booking = event.booking
    await _earn(
        uow,
        tenant,
        event.customer_id or booking.customer_id,
        Trigger.BOOKING_COMPLETED,
        f"booking:{booking.id}",
        now,
        "visit",
    )


async def reverse_on_refund(
    uow: LoyaltyUnitOfWork, tenant: uuid.UUID, event: billing_pb2.PaymentRefunded, now: datetime
) -> None:
    """Reverse the share of a payment's points that was refunded (all of them for a full
    refund), drawing first from the lot that payment created; where the points were already
    spent and the program allows no debt, only what is left is reversed."""
    payment = event.payment
    paid = payment.amount.amount_minor
    refunded = min(payment.refunded_amount.amount_minor or event.refund_amount.amount_minor, paid)
    if paid <= 0 or refunded <= 0:
        return
    source = f"payment:{payment.id}"
    for book in await _earning_books(uow, tenant, event.customer_id or payment.customer_id, None):
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
        note = f"refund of {refunded} {payment.amount.currency}"
        if -posting.delta < owed:
            note += f"; {owed + posting.delta} already spent, not reversed"
        await record(
            uow,
            book,
            posting,
            now=now,
            touched=touched,
            key=f"refund:{payment.id}:{refunded}",
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
    uow: LoyaltyUnitOfWork, tenant: uuid.UUID, imported: customer_pb2.CustomersImported, now
) -> None:  # type: ignore[no-untyped-def]
    """Bulk enrolment of an import's created and matched customers (those already enrolled
    stay as they are; an unknown or archived program enrols nobody)."""
    if not imported.loyalty_program_id:
        return
    customers = [*imported.created_ids, *imported.updated_ids]
    await enrol_customers(
        uow,
        tenant,
        imported.loyalty_program_id,
        customers,
        actor_id=f"import:{imported.import_id}",
        now=now,
    )
