"""The customer aggregate's queries (every one scoped by tenant_id); the list, the counters and
the history live in listing.py and history.py, the tenant settings in tenant_settings.py."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from customer.adapters.history import CustomerHistory
from customer.adapters.listing import CustomerListing
from customer.adapters.rows import CUSTOMER_COLUMNS, customer_from_row, row_values
from customer.adapters.tables import customer_emails, customer_phones, customers
from customer.domain.model import Customer

c = customers.c


class CustomerRepository(CustomerListing, CustomerHistory):
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, customer: Customer) -> None:
        values = row_values(customer)
        await self._session.execute(
            customers.insert().values(
                id=customer.id,
                tenant_id=customer.tenant_id,
                version=customer.version,
                created_at=customer.created_at,
                **values,
            )
        )
        await self._write_contacts(customer)

    async def _write_contacts(self, customer: Customer, *, replace: bool = False) -> None:
        if replace:
            for table in (customer_phones, customer_emails):
                await self._session.execute(
                    table.delete().where(table.c.customer_id == customer.id)
                )
        if customer.phones:
            await self._session.execute(
                customer_phones.insert(),
                [
                    {
                        "customer_id": customer.id,
                        "position": i,
                        "tenant_id": customer.tenant_id,
                        "e164": p.number,
                        "is_primary": p.primary,
                    }
                    for i, p in enumerate(customer.phones)
                ],
            )
        if customer.emails:
            await self._session.execute(
                customer_emails.insert(),
                [
                    {
                        "customer_id": customer.id,
                        "position": i,
                        "tenant_id": customer.tenant_id,
                        "address": e.address,
                        "is_primary": e.primary,
                    }
                    for i, e in enumerate(customer.emails)
                ],
            )

    async def save(
        self, customer: Customer, *, expected_version: int | None, contacts_changed: bool
    ) -> bool:
        """Write the aggregate back; False when `expected_version` no longer matches."""
        stmt = (
            customers.update()
            .where(c.tenant_id == customer.tenant_id, c.id == customer.id)
            .values(version=c.version + 1, **row_values(customer))
            .returning(c.version)
        )
        if expected_version is not None:
            stmt = stmt.where(c.version == expected_version)
        version = (await self._session.execute(stmt)).scalar()
        if version is None:
            return False
        customer.version = version
        if contacts_changed:
            await self._write_contacts(customer, replace=True)
        return True

    async def delete(
        self, tenant_id: uuid.UUID, customer_id: uuid.UUID, expected_version: int | None
    ) -> bool:
        stmt = customers.delete().where(c.tenant_id == tenant_id, c.id == customer_id)
        if expected_version is not None:
            stmt = stmt.where(c.version == expected_version)
        return (await self._session.execute(stmt.returning(c.id))).first() is not None

    async def lock_contact(self, tenant_id: uuid.UUID, contact: str) -> None:
        """Serialise, until the transaction ends, everyone resolving this tenant's contact."""
        await self._session.execute(
            sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtext(f"{tenant_id}|{contact}")))
        )

    async def find_by_phone(self, tenant_id: uuid.UUID, e164: str) -> Customer | None:
        return await self._find_by(
            sa.select(customer_phones.c.customer_id).where(
                customer_phones.c.tenant_id == tenant_id, customer_phones.c.e164 == e164
            ),
            tenant_id,
        )

    async def find_by_email(self, tenant_id: uuid.UUID, address: str) -> Customer | None:
        return await self._find_by(
            sa.select(customer_emails.c.customer_id).where(
                customer_emails.c.tenant_id == tenant_id, customer_emails.c.address == address
            ),
            tenant_id,
        )

    async def _find_by(self, owners: sa.Select, tenant_id: uuid.UUID) -> Customer | None:
        row = (
            await self._session.execute(
                sa.select(*CUSTOMER_COLUMNS)
                .where(c.tenant_id == tenant_id, c.id.in_(owners))
                .order_by(c.created_at, c.id)
                .limit(1)
            )
        ).first()
        return None if row is None else customer_from_row(row)

    async def get(
        self,
        tenant_id: uuid.UUID,
        customer_id: uuid.UUID,
        *,
        for_update: bool = False,
        full: bool = True,
    ) -> Customer | None:
        stmt = sa.select(*CUSTOMER_COLUMNS).where(c.tenant_id == tenant_id, c.id == customer_id)
        if for_update:
            stmt = stmt.with_for_update()
        row = (await self._session.execute(stmt)).first()
        if row is None:
            return None
        customer = customer_from_row(row)
        if full:
            customer.relations = await self.relations(tenant_id, customer_id)
            customer.stage_history = await self.stage_history(tenant_id, customer_id)
        return customer

    async def exists(self, tenant_id: uuid.UUID, customer_id: uuid.UUID) -> bool:
        return (
            await self._session.scalar(
                sa.select(sa.literal(1)).where(c.tenant_id == tenant_id, c.id == customer_id)
            )
        ) is not None
