"""The queries of imports: the job row, its file's chunks, its rejected rows, and the bulk
writes of a chunk of rows (COPY into the tables, set-based statements after it).

Every write of a chunk happens in the caller's transaction, with the import's progress, so a
chunk is either wholly there (and counted) or not at all."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from moodline.events.v1 import subjects
from moodline_kit.db import json_dumps
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from customer.adapters.tables import (
    customer_emails,
    customer_phones,
    customers,
    import_chunks,
    import_duplicates,
    import_errors,
    imports,
)
from customer.domain.imports import ImportedRow, sort_name
from customer.domain.model import avatar_color_for

i = imports.c
c = customers.c

# Columns a new customer is written with (the rest take their defaults).
NEW_CUSTOMER_COLUMNS = (
    "id", "tenant_id", "first_name", "last_name", "company", "lifecycle_stage", "search_doc",
    "version", "created_at", "updated_at", "sort_name", "phones", "emails", "addresses", "tags",
    "folder", "custom_fields", "avatar_color", "last_activity_at", "stage_changed_at",
)  # fmt: skip


@dataclass
class ImportRecord:
    id: uuid.UUID
    tenant_id: uuid.UUID
    status: str
    filename: str
    format: str
    encoding: str
    delimiter: str
    headers: list[str]
    mapping: dict[str, str]
    suggested_mapping: dict[str, str]
    preview: list[dict]
    default_country: str
    on_match: str
    loyalty_program_id: str
    actor: str
    visibility: dict
    size_bytes: int
    total: int
    processed: int
    created: int
    updated: int
    skipped: int
    failed: int
    done_through_row: int
    cancel_requested: bool
    error: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    possible_duplicates: int = 0


@dataclass
class Existing:
    """A matched customer, as far as an import's update needs it."""

    id: uuid.UUID
    first_name: str
    last_name: str
    company: str
    phones: list[dict]
    emails: list[dict]
    addresses: list[dict]
    tags: list[str]
    folder: str
    custom_fields: dict
    workers: list[str]
    created_at: datetime


class ImportRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def _driver(self) -> Any:
        """The asyncpg connection under the session (for COPY), in the session's transaction."""
        connection = await self._session.connection()
        raw = await connection.get_raw_connection()
        return raw.driver_connection

    # --- the job -----------------------------------------------------------------------------
    async def add(self, record: dict[str, Any]) -> None:
        await self._session.execute(imports.insert().values(**record))

    async def get(
        self, tenant_id: uuid.UUID, import_id: uuid.UUID, *, for_update: bool = False
    ) -> ImportRecord | None:
        stmt = sa.select(imports).where(i.tenant_id == tenant_id, i.id == import_id)
        if for_update:
            stmt = stmt.with_for_update()
        row = (await self._session.execute(stmt)).first()
        return None if row is None else ImportRecord(**row._asdict())

    async def update(self, import_id: uuid.UUID, **values: Any) -> None:
        await self._session.execute(imports.update().where(i.id == import_id).values(**values))

    async def unfinished(self) -> list[tuple[uuid.UUID, uuid.UUID]]:
        """(tenant, import) of every queued or running import (for the resume sweep)."""
        rows = await self._session.execute(
            sa.select(i.tenant_id, i.id).where(i.status.in_(("queued", "running")))
        )
        return [(t, ident) for t, ident in rows]

    async def lock_tenant_imports(self, tenant_id: uuid.UUID) -> None:
        """One import writes a tenant's customers at a time (until the transaction ends), so two
        imports of the same contacts cannot both create it."""
        await self._session.execute(
            sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtext(f"imports:{tenant_id}")))
        )

    # --- the file ----------------------------------------------------------------------------
    async def put_chunk(self, import_id: uuid.UUID, seq: int, data: bytes) -> int:
        from sqlalchemy.dialects.postgresql import insert

        stmt = insert(import_chunks).values(import_id=import_id, seq=seq, data=data)
        await self._session.execute(
            stmt.on_conflict_do_update(
                index_elements=[import_chunks.c.import_id, import_chunks.c.seq],
                set_={"data": stmt.excluded.data},
            )
        )
        return int(
            await self._session.scalar(
                sa.select(
                    sa.func.coalesce(sa.func.sum(sa.func.length(import_chunks.c.data)), 0)
                ).where(import_chunks.c.import_id == import_id)
            )
            or 0
        )

    async def chunk_count(self, import_id: uuid.UUID) -> int:
        return int(
            await self._session.scalar(
                sa.select(sa.func.count()).where(import_chunks.c.import_id == import_id)
            )
            or 0
        )

    async def chunk(self, import_id: uuid.UUID, seq: int) -> bytes | None:
        return await self._session.scalar(
            sa.select(import_chunks.c.data).where(
                import_chunks.c.import_id == import_id, import_chunks.c.seq == seq
            )
        )

    async def head(self, import_id: uuid.UUID, size: int) -> bytes:
        """The file's first `size` bytes."""
        out = b""
        seq = 0
        while len(out) < size:
            data = await self.chunk(import_id, seq)
            if data is None:
                break
            out += data
            seq += 1
        return out[:size]

    # --- rejected rows -----------------------------------------------------------------------
    async def add_errors(
        self, import_id: uuid.UUID, errors: Sequence[tuple[int, list[str], str]]
    ) -> None:
        if errors:
            driver = await self._driver()
            await driver.copy_records_to_table(
                "import_errors",
                records=[(import_id, n, cells, reason) for n, cells, reason in errors],
                columns=("import_id", "row_number", "cells", "reason"),
            )

    async def errors(
        self, import_id: uuid.UUID, *, after_row: int, limit: int
    ) -> list[tuple[int, list[str], str]]:
        e = import_errors.c
        rows = await self._session.execute(
            sa.select(e.row_number, e.cells, e.reason)
            .where(e.import_id == import_id, e.row_number > after_row)
            .order_by(e.row_number)
            .limit(limit)
        )
        return [(n, list(cells), reason) for n, cells, reason in rows]

    # --- possible duplicates -----------------------------------------------------------------
    async def same_names(self, tenant_id: uuid.UUID, sort_names: Sequence[str]) -> list[Any]:
        """Customers whose name (`sort_name`, lower-case "first last") is one of these, with
        a company (the name index)."""
        if not sort_names:
            return []
        rows = await self._session.execute(
            sa.select(
                c.id, c.sort_name, c.first_name, c.last_name, c.company, c.folder, c.workers
            ).where(
                c.tenant_id == tenant_id,
                c.sort_name == sa.func.any(sa.cast(list(sort_names), sa.ARRAY(sa.Text))),
                c.company != "",
                c.erased_at.is_(None),
            )
        )
        return list(rows)

    async def add_duplicates(
        self, import_id: uuid.UUID, found: Sequence[tuple[int, uuid.UUID, uuid.UUID, int, str]]
    ) -> None:
        """(row number, created customer, the customer it looks like, score, reason) rows."""
        if found:
            driver = await self._driver()
            await driver.copy_records_to_table(
                "import_duplicates",
                records=[(import_id, *f) for f in found],
                columns=("import_id", "row_number", "customer_id", "duplicate_of", "score",
                         "reason"),
            )  # fmt: skip

    async def duplicates(
        self, import_id: uuid.UUID, *, after_row: int, limit: int
    ) -> list[tuple[int, uuid.UUID, uuid.UUID, int, str]]:
        d = import_duplicates.c
        rows = await self._session.execute(
            sa.select(d.row_number, d.customer_id, d.duplicate_of, d.score, d.reason)
            .where(d.import_id == import_id, d.row_number > after_row)
            .order_by(d.row_number)
            .limit(limit)
        )
        return [tuple(r) for r in rows]  # type: ignore[misc]

    # --- matching and bulk writes ------------------------------------------------------------
    async def match(
        self, tenant_id: uuid.UUID, phones: Sequence[str], emails: Sequence[str]
    ) -> dict[str, uuid.UUID]:
        """Contact key ("p:<e164>" / "e:<address>") -> the oldest customer holding it."""
        found: dict[str, tuple[datetime, uuid.UUID]] = {}
        for prefix, table, column, values in (
            ("p:", customer_phones, customer_phones.c.e164, phones),
            ("e:", customer_emails, customer_emails.c.address, emails),
        ):
            if not values:
                continue
            rows = await self._session.execute(
                sa.select(column, table.c.customer_id, c.created_at)
                .join(customers, customers.c.id == table.c.customer_id)
                .where(
                    table.c.tenant_id == tenant_id,
                    column == sa.func.any(sa.cast(list(values), sa.ARRAY(sa.Text))),
                )
            )
            for value, customer_id, created_at in rows:
                key = prefix + value
                if key not in found or (created_at, customer_id) < found[key]:
                    found[key] = (created_at, customer_id)
        return {key: ident for key, (_, ident) in found.items()}

    async def existing(self, tenant_id: uuid.UUID, ids: Sequence[uuid.UUID]) -> dict:
        if not ids:
            return {}
        rows = await self._session.execute(
            sa.select(
                c.id, c.first_name, c.last_name, c.company, c.phones, c.emails, c.addresses,
                c.tags, c.folder, c.custom_fields, c.workers, c.created_at,
            ).where(c.tenant_id == tenant_id, c.id == sa.func.any(sa.cast(list(ids), sa.ARRAY(
                sa.dialects.postgresql.UUID(as_uuid=True)))))
        )  # fmt: skip
        return {r.id: Existing(**r._asdict()) for r in rows}

    async def insert_new(
        self,
        tenant_id: uuid.UUID,
        import_id: uuid.UUID,
        rows: Sequence[tuple[uuid.UUID, ImportedRow]],
        now: datetime,
    ) -> None:
        """New customers, their contact lookup rows, first stage and timeline entry — each one
        COPY for the whole chunk (the stats shards count them once per statement: 0011)."""
        if not rows:
            return
        driver = await self._driver()
        records = []
        phones = []
        emails = []
        for ident, row in rows:
            records.append((
                ident, tenant_id, row.first_name, row.last_name, row.company, "prospect",
                row.search_document, 1, now, now,
                sort_name(row),
                json_dumps([{"number": p, "primary": n == 0} for n, p in enumerate(row.phones)]),
                json_dumps([{"address": e, "primary": n == 0} for n, e in enumerate(row.emails)]),
                json_dumps([row.address] if row.address else []),
                row.tags, row.folder, json_dumps(row.custom_fields), avatar_color_for(ident),
                now, None,
            ))  # fmt: skip
            phones += [(ident, n, tenant_id, p, n == 0) for n, p in enumerate(row.phones)]
            emails += [(ident, n, tenant_id, e, n == 0) for n, e in enumerate(row.emails)]
        await driver.copy_records_to_table(
            "customers", records=records, columns=NEW_CUSTOMER_COLUMNS
        )
        contact_columns = ("customer_id", "position", "tenant_id")
        if phones:
            await driver.copy_records_to_table(
                "customer_phones", records=phones, columns=(*contact_columns, "e164", "is_primary")
            )
        if emails:
            await driver.copy_records_to_table(
                "customer_emails",
                records=emails,
                columns=(*contact_columns, "address", "is_primary"),
            )
        ids = [ident for ident, _ in rows]
        data = json_dumps({"import_id": str(import_id)})
        await driver.copy_records_to_table(
            "customer_timeline",
            records=[
                (tenant_id, ident, "profile", subjects.CUSTOMER_CUSTOMER_CREATED,
                 "Customer created (imported)", data, now)
                for ident in ids
            ],
            columns=("tenant_id", "customer_id", "kind", "type", "summary", "data", "occurred_at"),
        )  # fmt: skip
        await driver.copy_records_to_table(
            "customer_stage_history",
            records=[(tenant_id, ident, "", "prospect", "imported", now) for ident in ids],
            columns=("tenant_id", "customer_id", "from_stage", "to_stage", "reason", "changed_at"),
        )

    async def apply_updates(
        self,
        tenant_id: uuid.UUID,
        import_id: uuid.UUID,
        updates: Sequence[dict[str, Any]],
        now: datetime,
    ) -> None:
        """Write merged profiles back: COPY into a temporary table, one UPDATE ... FROM it, the
        added contacts' lookup rows and a timeline entry each."""
        if not updates:
            return
        driver = await self._driver()
        await self._session.execute(
            sa.text(
                "CREATE TEMP TABLE IF NOT EXISTS import_updates (id uuid, first_name text, "
                "last_name text, company text, search_doc text, sort_name text, phones jsonb, "
                "emails jsonb, addresses jsonb, tags text[], folder text, custom_fields jsonb) "
                "ON COMMIT DELETE ROWS"
            )
        )
        await driver.copy_records_to_table(
            "import_updates",
            records=[
                (u["id"], u["first_name"], u["last_name"], u["company"], u["search_doc"],
                 u["sort_name"], json_dumps(u["phones"]), json_dumps(u["emails"]),
                 json_dumps(u["addresses"]), u["tags"], u["folder"], json_dumps(u["custom_fields"]))
                for u in updates
            ],
        )  # fmt: skip
        await self._session.execute(
            sa.text(
                "UPDATE customers AS c SET first_name = u.first_name, last_name = u.last_name, "
                "company = u.company, search_doc = u.search_doc, sort_name = u.sort_name, "
                "phones = u.phones, emails = u.emails, addresses = u.addresses, tags = u.tags, "
                "folder = u.folder, custom_fields = u.custom_fields, version = c.version + 1, "
                "updated_at = :now FROM import_updates AS u "
                "WHERE c.id = u.id AND c.tenant_id = :tenant"
            ),
            {"now": now, "tenant": tenant_id},
        )
        phones = [
            (u["id"], n, tenant_id, p["number"], p["primary"])
            for u in updates
            for n, p in enumerate(u["phones"])
            if n >= u["old_phones"]
        ]
        emails = [
            (u["id"], n, tenant_id, e["address"], e["primary"])
            for u in updates
            for n, e in enumerate(u["emails"])
            if n >= u["old_emails"]
        ]
        contact_columns = ("customer_id", "position", "tenant_id")
        if phones:
            await driver.copy_records_to_table(
                "customer_phones", records=phones, columns=(*contact_columns, "e164", "is_primary")
            )
        if emails:
            await driver.copy_records_to_table(
                "customer_emails",
                records=emails,
                columns=(*contact_columns, "address", "is_primary"),
            )
        await driver.copy_records_to_table(
            "customer_timeline",
            records=[
                (tenant_id, u["id"], "profile", subjects.CUSTOMER_CUSTOMER_UPDATED,
                 "Profile updated by an import: " + ", ".join(u["changed"]),
                 json_dumps({"import_id": str(import_id), "fields": u["changed"]}), now)
                for u in updates
            ],
            columns=("tenant_id", "customer_id", "kind", "type", "summary", "data", "occurred_at"),
        )  # fmt: skip


def job_lock(engine: AsyncEngine, kind: str = "import"):  # type: ignore[no-untyped-def]
    """`async with lock(job_id) as acquired`: a session-level advisory lock on a connection of
    its own, held while one worker runs the job; a dead worker's ends with its connection, so
    another may resume the job."""

    @asynccontextmanager
    async def lock(job_id: uuid.UUID) -> AsyncIterator[bool]:
        key = sa.func.hashtext(f"{kind}:{job_id}")
        async with engine.connect() as connection:
            acquired = bool(await connection.scalar(sa.select(sa.func.pg_try_advisory_lock(key))))
            await connection.commit()
            try:
                yield acquired
            finally:
                if acquired:
                    await connection.execute(sa.select(sa.func.pg_advisory_unlock(key)))
                    await connection.commit()

    return lock
