"""Expiry on schedule (Celery beat): unspent credits past their expiry, and enrolments past
their expiry date. Each enrolment is locked and written off in its own transaction, so a
concurrent adjustment is never lost and a crash half-way leaves nothing half-done."""

from __future__ import annotations

from moodline_kit import tenancy

from loyalty.domain.enrolment import Status
from loyalty.domain.ledger import due_lots
from loyalty.service_layer.enrolments import end
from loyalty.service_layer.ledger import Clock, UowFactory, locked, record, utc_now


async def expire_due(*, uow: UowFactory, clock: Clock = utc_now, batch_size: int = 500) -> int:
    """Expire everything due at `clock()`; returns how many enrolments changed."""
    now = clock()
    changed = 0
    seen: set = set()
    while True:
        async with uow() as work:
            due = await work.enrolments.due(now, now.date(), batch_size)
        todo = [d for d in due if d not in seen]
        if not todo:
            return changed
        for tenant_id, enrolment_id in todo:
            seen.add((tenant_id, enrolment_id))
            token = tenancy.set_tenant(tenant_id)
            try:
                changed += await _expire_one(uow, tenant_id, enrolment_id, now)
            finally:
                tenancy.reset_tenant(token)


async def _expire_one(uow: UowFactory, tenant_id, enrolment_id, now) -> int:  # type: ignore[no-untyped-def]
    async with uow() as work:
        book = await locked(work, tenant_id, enrolment_id)
        enrolment = book.enrolment
        if enrolment.status is not Status.ACTIVE:
            return 0
        if enrolment.expires_at is not None and enrolment.expires_at <= now:
            await end(work, book, Status.EXPIRED, now=now, note="enrolment expired")
        else:
            touched = book.lots
            posting = book.position.expire(due_lots(book.position.open_lots, now))
            if posting is None:
                return 0
            await record(work, book, posting, now=now, touched=touched, note="credits expired")
        await work.commit()
        return 1
