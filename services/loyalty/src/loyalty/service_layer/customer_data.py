"""This service's part in customer merges and GDPR erasures (moodline_kit.customer_data): runs
in the `loyalty-customer-data` consumer's transaction, which also answers the customer service.

Merge: every enrolment of the duplicate moves to the survivor with its whole ledger. Where both
are actively enrolled in the same program (one active enrolment per customer and program), the
duplicate's open lots are credited to the survivor's enrolment as `merged` entries keeping
their expiry (a debt becomes a `merged` debit), the duplicate's enrolment is written off with a
`merged` entry and removed, and its history still moves to the survivor.
Erasure: `earning.erase_customer` (enrolments ended, notes and actors blanked, amounts kept).
"""

from __future__ import annotations

import uuid

from moodline_kit.customer_data import CustomerData

from loyalty.domain.enrolment import Status
from loyalty.domain.ledger import Reason
from loyalty.service_layer.earning import erase_customer
from loyalty.service_layer.enrolments import end
from loyalty.service_layer.ledger import locked, record, utc_now
from loyalty.service_layer.unit_of_work import LoyaltyUnitOfWork


async def reassign(
    uow: LoyaltyUnitOfWork, tenant_id: uuid.UUID, from_id: uuid.UUID, to_id: uuid.UUID
) -> None:
    now = utc_now()
    theirs = await uow.enrolments.of_customer(tenant_id, from_id)
    mine = {e.program_id: e for e in await uow.enrolments.of_customer(tenant_id, to_id)}
    for enrolment in theirs:
        kept = mine.get(enrolment.program_id)
        if kept is None:
            continue
        first, second = sorted((enrolment.id, kept.id))
        books = {
            first: await locked(uow, tenant_id, first),
            second: await locked(uow, tenant_id, second),
        }
        source, target = books[enrolment.id], books[kept.id]
        note = f"merged from enrolment {enrolment.id}"
        for lot in list(source.position.open_lots):
            touched = target.lots
            posting = target.position.credit(
                lot.remaining, Reason.MERGED, expires_at=lot.expires_at
            )
            await record(
                uow,
                target,
                posting,
                now=now,
                touched=touched,
                note=note,
                source_ref=f"merge:{lot.entry_id}",
            )
        if source.position.debt:
            touched = target.lots
            posting = target.position.debit(
                source.position.debt, Reason.MERGED, allow_negative=True, clamp=True
            )
            if posting is not None:
                await record(uow, target, posting, now=now, touched=touched, note=note)
        touched = source.lots
        posting = source.position.expire(source.position.open_lots)
        if posting is not None:
            posting = type(posting)(
                posting.delta, Reason.MERGED, draws=posting.draws, debt_after=posting.debt_after
            )
            await record(
                uow,
                source,
                posting,
                now=now,
                touched=touched,
                note=f"merged into enrolment {kept.id}",
            )
        await end(uow, source, Status.REMOVED, now=now, note="merged into another customer")
    await uow.enrolments.reassign(tenant_id, from_id, to_id)


async def erase(uow: LoyaltyUnitOfWork, tenant_id: uuid.UUID, customer_id: uuid.UUID) -> None:
    await erase_customer(uow, tenant_id, customer_id, utc_now())


CUSTOMER_DATA = CustomerData("loyalty", reassign, erase)  # type: ignore[arg-type]
