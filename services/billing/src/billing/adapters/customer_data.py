"""SQL of merges and erasures (service_layer/customer_data.py)."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from moodline_kit.customer_data import move_rows
from sqlalchemy.ext.asyncio import AsyncSession

from billing.adapters.tables import (
    booking_party,
    bookings,
    invoices,
    payments,
    quotes,
    refunds,
    subscriptions,
)

_PARTY_REPLACE = sa.text(
    "UPDATE bookings SET party = replace(party::text, :old, :new)::jsonb"
    " WHERE tenant_id = :tenant AND party @> CAST(:member AS jsonb)"
)
_PARTY_ERASE = sa.text(
    "UPDATE bookings SET party = (SELECT jsonb_agg(CASE WHEN e->>'customer_id' = :customer"
    " THEN jsonb_set(e, '{name}', '\"\"') ELSE e END) FROM jsonb_array_elements(party) e)"
    " WHERE tenant_id = :tenant AND party @> CAST(:member AS jsonb)"
)


def _member(customer_id: uuid.UUID) -> str:
    return f'[{{"customer_id": "{customer_id}"}}]'


class CustomerDataRepository:
    """A merge's and an erasure's SQL, on the unit of work's session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def reassign(self, tenant_id: uuid.UUID, from_id: uuid.UUID, to_id: uuid.UUID) -> None:
        session = self.session
        await move_rows(
            session,
            (bookings, invoices, quotes, payments, subscriptions),
            tenant_id,
            from_id,
            to_id,
        )
        p = booking_party.c
        already = sa.select(p.booking_id).where(p.tenant_id == tenant_id, p.customer_id == to_id)
        await session.execute(
            booking_party.update()
            .where(p.tenant_id == tenant_id, p.customer_id == from_id, p.booking_id.not_in(already))
            .values(customer_id=to_id)
        )
        await session.execute(
            booking_party.delete().where(p.tenant_id == tenant_id, p.customer_id == from_id)
        )
        await session.execute(
            _PARTY_REPLACE,
            {
                "tenant": tenant_id,
                "old": f'"{from_id}"',
                "new": f'"{to_id}"',
                "member": _member(from_id),
            },
        )

    async def erase(self, tenant_id: uuid.UUID, customer_id: uuid.UUID) -> None:
        session = self.session
        b, p, i = bookings.c, payments.c, invoices.c
        await session.execute(
            bookings.update()
            .where(b.tenant_id == tenant_id, b.customer_id == customer_id)
            .values(notes="", location="", cancellation_reason="")
        )
        await session.execute(
            _PARTY_ERASE,
            {"tenant": tenant_id, "customer": str(customer_id), "member": _member(customer_id)},
        )
        await session.execute(
            payments.update()
            .where(p.tenant_id == tenant_id, p.customer_id == customer_id)
            .values(
                failure_message="",
                provider_payment_id=sa.func.concat("erased:", sa.cast(p.id, sa.Text)),
            )
        )
        theirs = sa.select(p.id).where(p.tenant_id == tenant_id, p.customer_id == customer_id)
        await session.execute(
            refunds.update()
            .where(refunds.c.tenant_id == tenant_id, refunds.c.payment_id.in_(theirs))
            .values(reason="")
        )
        await session.execute(
            invoices.update()
            .where(i.tenant_id == tenant_id, i.customer_id == customer_id)
            .values(void_reason="")
        )
