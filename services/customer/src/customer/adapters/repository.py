"""The customer aggregate's queries (every one scoped by tenant_id); the list, the counters and
the history live in listing.py and history.py, the tenant settings in tenant_settings.py."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from customer.adapters.history import CustomerHistory
from customer.adapters.listing import CustomerListing
from customer.adapters.rows import CUSTOMER_COLUMNS, customer_from_row, row_values
from customer.adapters.tables import customer_emails, customer_phones, customers, folders
from customer.adapters.visibility import current_visibility, visibility_conditions
from customer.domain.model import Customer

c = customers.c


@functools.cache
def _update(columns: tuple[str, ...], check_version: bool) -> sa.Update:
    """The UPDATE of a save, its values as bind parameters: built (and its cache key computed)
    once, not a new statement of ~40 literal values per save (the read-model consumer saves a
    customer per event; building it was a fifth of that consumer's CPU)."""
    stmt = customers.update().where(
        c.tenant_id == sa.bindparam("w_tenant"), c.id == sa.bindparam("w_id")
    )
    if check_version:
        stmt = stmt.where(c.version == sa.bindparam("w_version"))
    values = {name: sa.bindparam(f"v_{name}", type_=c[name].type) for name in columns}
    changes = sa.bindparam("changes", type_=c.version.type)
    return stmt.values(version=c.version + changes, **values).returning(c.version)


_LOCK_CONTACTS = sa.text(
    """
    SELECT count(pg_advisory_xact_lock(h))
    FROM (SELECT DISTINCT hashtext(k) AS h FROM unnest(CAST(:keys AS text[])) AS u(k) ORDER BY h) s
    """
)


# The stats shards (0006, 0011: hashtext(id) & 15) the new customers will count in, created or
# locked in ascending order before the INSERT whose statement trigger counts them: that trigger
# upserts them in whatever order its aggregate yields, and two batches of one tenant deadlocked
# on them (found by test_concurrent_batches_of_new_contacts_in_one_tenant_do_not_deadlock).
_LOCK_SHARDS = sa.text(
    """
    INSERT INTO customer_stats AS s (tenant_id, shard, total, vip, happy, problem, total_ltv_minor)
    SELECT CAST(:tenant AS uuid), k, 0, 0, 0, 0, 0
    FROM (SELECT DISTINCT hashtext(CAST(id AS text)) & 15 AS k
          FROM unnest(CAST(:ids AS uuid[])) AS u(id) ORDER BY k) q
    ON CONFLICT (tenant_id, shard) DO UPDATE SET total = s.total
    """
)


def _owners(contacts: sa.Table, column: sa.Column) -> sa.Select:
    """The oldest owner of each contact in :contacts (a customer may hold one twice)."""
    return (
        sa.select(column.label("contact"), *CUSTOMER_COLUMNS)
        .join_from(contacts, customers, c.id == contacts.c.customer_id)
        .where(
            contacts.c.tenant_id == sa.bindparam("tenant"),
            c.tenant_id == sa.bindparam("tenant"),
            column == sa.any_(sa.bindparam("contacts", type_=ARRAY(sa.Text))),
        )
        .distinct(column)
        .order_by(column, c.created_at, c.id)
    )


_PHONE_OWNERS = _owners(customer_phones, customer_phones.c.e164)
_EMAIL_OWNERS = _owners(customer_emails, customer_emails.c.address)


class CustomerRepository(CustomerListing, CustomerHistory):
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add_many(self, new: Sequence[Customer]) -> None:
        """New customers of one tenant with their contacts: one INSERT into customers (the stats
        shards count them once per statement: 0011), one each for their phones and emails."""
        if not new:
            return
        rows = [
            {
                "id": customer.id,
                "tenant_id": customer.tenant_id,
                "version": customer.version,
                "created_at": customer.created_at,
                **row_values(customer),
            }
            for customer in new
        ]
        if len(new) > 1:
            await self._session.execute(
                _LOCK_SHARDS, {"tenant": new[0].tenant_id, "ids": [r["id"] for r in rows]}
            )
        # RETURNING makes the executemany one multi-row INSERT (insertmanyvalues), not a
        # statement per row.
        await self._session.execute(customers.insert().returning(c.id), rows)
        await self._write_contacts(new)

    async def _write_contacts(self, owners: Sequence[Customer], *, replace: bool = False) -> None:
        if replace:
            ids = [customer.id for customer in owners]
            for table in (customer_phones, customer_emails):
                await self._session.execute(table.delete().where(table.c.customer_id.in_(ids)))
        phones = [
            {
                "customer_id": customer.id,
                "position": i,
                "tenant_id": customer.tenant_id,
                "e164": p.number,
                "is_primary": p.primary,
            }
            for customer in owners
            for i, p in enumerate(customer.phones)
        ]
        emails = [
            {
                "customer_id": customer.id,
                "position": i,
                "tenant_id": customer.tenant_id,
                "address": e.address,
                "is_primary": e.primary,
            }
            for customer in owners
            for i, e in enumerate(customer.emails)
        ]
        if phones:
            await self._session.execute(customer_phones.insert(), phones)
        if emails:
            await self._session.execute(customer_emails.insert(), emails)

    async def save(
        self,
        customer: Customer,
        *,
        expected_version: int | None,
        contacts_changed: bool,
        changes: int = 1,
    ) -> bool:
        """Write the aggregate back; False when `expected_version` no longer matches. `changes`:
        how many saves this one stands for (the version moves on by as many)."""
        values = row_values(customer)
        params = {f"v_{name}": value for name, value in values.items()}
        params |= {"w_tenant": customer.tenant_id, "w_id": customer.id, "changes": changes}
        if expected_version is not None:
            params["w_version"] = expected_version
        stmt = _update(tuple(values), expected_version is not None)
        version = (await self._session.execute(stmt, params)).scalar()
        if version is None:
            return False
        customer.version = version
        if contacts_changed:
            await self._write_contacts([customer], replace=True)
        return True

    async def delete(
        self, tenant_id: uuid.UUID, customer_id: uuid.UUID, expected_version: int | None
    ) -> bool:
        stmt = customers.delete().where(c.tenant_id == tenant_id, c.id == customer_id)
        if expected_version is not None:
            stmt = stmt.where(c.version == expected_version)
        return (await self._session.execute(stmt.returning(c.id))).first() is not None

    async def lock_contacts(self, tenant_id: uuid.UUID, contacts: Collection[str]) -> None:
        """Serialise, until the transaction ends, everyone resolving any of this tenant's
        `contacts`: a transaction-level advisory lock on hashtext("<tenant>|<contact>") each, taken
        in one statement and in one order (ascending) by every resolve, so none can deadlock."""
        keys = sorted({f"{tenant_id}|{contact}" for contact in contacts})
        await self._session.execute(_LOCK_CONTACTS, {"keys": keys})

    async def find_by_contacts(
        self, tenant_id: uuid.UUID, contacts: Collection[tuple[str, str]]
    ) -> dict[tuple[str, str], Customer]:
        """The owner of each ("phone", e164) / ("email", address) of `contacts` that has one
        (the oldest, should two hold it): one statement per kind."""
        found: dict[tuple[str, str], Customer] = {}
        for kind, owners in (("phone", _PHONE_OWNERS), ("email", _EMAIL_OWNERS)):
            values = sorted({value for k, value in contacts if k == kind})
            if values:
                rows = await self._session.execute(
                    owners, {"tenant": tenant_id, "contacts": values}
                )
                found.update({(kind, r.contact): customer_from_row(r) for r in rows})
        return found

    async def get(
        self,
        tenant_id: uuid.UUID,
        customer_id: uuid.UUID,
        *,
        for_update: bool = False,
        full: bool = True,
    ) -> Customer | None:
        stmt = sa.select(*CUSTOMER_COLUMNS).where(
            c.tenant_id == tenant_id,
            c.id == customer_id,
            *visibility_conditions(current_visibility()),
        )
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
                sa.select(sa.literal(1)).where(
                    c.tenant_id == tenant_id,
                    c.id == customer_id,
                    *visibility_conditions(current_visibility()),
                )
            )
        ) is not None

    async def visible_ids(self, tenant_id: uuid.UUID, ids: Sequence[uuid.UUID]) -> list[uuid.UUID]:
        if not ids:
            return []
        rows = await self._session.scalars(
            sa.select(c.id).where(
                c.tenant_id == tenant_id,
                c.id.in_(list(ids)),
                *visibility_conditions(current_visibility()),
            )
        )
        return list(rows)


@dataclass
class FolderRow:
    id: uuid.UUID
    name: str
    position: int
    colour: str
    customer_count: int = 0


class FolderRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def list(self, tenant_id: uuid.UUID) -> list[FolderRow]:
        f = folders.c
        counts = (
            sa.select(c.folder, sa.func.count().label("n"))
            .where(
                c.tenant_id == tenant_id,
                c.folder != "",
                *visibility_conditions(current_visibility()),
            )
            .group_by(c.folder)
            .subquery()
        )
        stmt = (
            sa.select(f.id, f.name, f.position, f.colour, sa.func.coalesce(counts.c.n, 0))
            .outerjoin(counts, counts.c.folder == sa.cast(f.id, sa.Text))
            .where(f.tenant_id == tenant_id)
            .order_by(f.position, f.name)
        )
        visibility = current_visibility()
        rows = [FolderRow(*r) for r in await self._session.execute(stmt)]
        if visibility is not None and visibility.folders is not None:
            rows = [r for r in rows if str(r.id) in visibility.folders]
        return rows

    async def get(self, tenant_id: uuid.UUID, folder_id: uuid.UUID) -> FolderRow | None:
        f = folders.c
        row = (
            await self._session.execute(
                sa.select(f.id, f.name, f.position, f.colour).where(
                    f.tenant_id == tenant_id, f.id == folder_id
                )
            )
        ).first()
        return None if row is None else FolderRow(*row)

    async def exists(self, tenant_id: uuid.UUID, folder_id: str) -> bool:
        try:
            ident = uuid.UUID(folder_id)
        except ValueError:
            return False
        return await self.get(tenant_id, ident) is not None

    async def name_taken(self, tenant_id: uuid.UUID, name: str, *, other_than=None) -> bool:  # type: ignore[no-untyped-def]
        f = folders.c
        stmt = sa.select(sa.literal(1)).where(f.tenant_id == tenant_id, f.name == name)
        if other_than is not None:
            stmt = stmt.where(f.id != other_than)
        return (await self._session.scalar(stmt)) is not None

    async def next_position(self, tenant_id: uuid.UUID) -> int:
        f = folders.c
        top = await self._session.scalar(
            sa.select(sa.func.max(f.position)).where(f.tenant_id == tenant_id)
        )
        return (top or 0) + 1

    async def add(self, tenant_id: uuid.UUID, row: FolderRow, *, colour: str) -> None:
        await self._session.execute(
            folders.insert().values(
                id=row.id, tenant_id=tenant_id, name=row.name, position=row.position, colour=colour
            )
        )

    async def update(self, tenant_id: uuid.UUID, folder_id: uuid.UUID, values: dict) -> None:
        await self._session.execute(
            folders.update()
            .where(folders.c.tenant_id == tenant_id, folders.c.id == folder_id)
            .values(**values)
        )

    async def delete(self, tenant_id: uuid.UUID, folder_id: uuid.UUID) -> list[Customer]:
        """Delete the folder; returns the customers that were in it (now in none), as they are
        after the move (without relations and stage history)."""
        moved = await self._session.execute(
            customers.update()
            .where(c.tenant_id == tenant_id, c.folder == str(folder_id))
            .values(folder="", version=c.version + 1, updated_at=sa.func.now())
            .returning(*CUSTOMER_COLUMNS)
        )
        rows = [customer_from_row(row) for row in moved]
        await self._session.execute(
            folders.delete().where(folders.c.tenant_id == tenant_id, folders.c.id == folder_id)
        )
        return rows
