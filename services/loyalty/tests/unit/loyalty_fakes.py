"""In-memory loyalty repositories and a fake unit of work over them: programs, enrolments and
the ledger (entries, lots and their draws) answer the use cases as PostgreSQL does for what
they use, the partial unique index of one active enrolment per customer and program included."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from loyalty.domain.enrolment import Enrolment, Status
from loyalty.domain.ledger import Entry, Lot
from loyalty.domain.program import Program
from moodline_devkit.testing.fakes import FakeUnitOfWork, time_keyed_page
from moodline_kit.paging import decode_cursor, encode_cursor


@dataclass
class Store:
    programs: dict[uuid.UUID, Program] = field(default_factory=dict)
    enrolments: dict[uuid.UUID, Enrolment] = field(default_factory=dict)
    entries: dict[uuid.UUID, Entry] = field(default_factory=dict)
    # lot (its credit entry's id) -> (enrolment, what is left of it)
    lots: dict[uuid.UUID, tuple[uuid.UUID, Lot]] = field(default_factory=dict)


class InMemoryPrograms:
    def __init__(self, store: Store) -> None:
        self._store = store

    async def add(self, program: Program) -> None:
        self._store.programs[program.id] = copy.deepcopy(program)

    async def save(self, program: Program) -> None:
        await self.add(program)

    async def get(self, tenant_id: uuid.UUID, program_id: uuid.UUID) -> Program | None:
        found = self._store.programs.get(program_id)
        return copy.deepcopy(found) if found and found.tenant_id == tenant_id else None

    async def many(
        self, tenant_id: uuid.UUID, ids: Iterable[uuid.UUID]
    ) -> dict[uuid.UUID, Program]:
        found = {i: await self.get(tenant_id, i) for i in set(ids)}
        return {i: p for i, p in found.items() if p is not None}

    async def page(
        self, tenant_id: uuid.UUID, *, include_archived: bool, limit: int, cursor: str
    ) -> tuple[list[Program], str]:
        listed = [
            p
            for p in self._store.programs.values()
            if p.tenant_id == tenant_id and (include_archived or not p.archived)
        ]
        return time_keyed_page(listed, lambda p: p.created_at, limit=limit, cursor=cursor)


class InMemoryEnrolments:
    def __init__(self, store: Store) -> None:
        self._store = store

    def _of(self, tenant_id: uuid.UUID) -> list[Enrolment]:
        return [e for e in self._store.enrolments.values() if e.tenant_id == tenant_id]

    async def insert_new(self, rows: Sequence[dict]) -> dict[uuid.UUID, uuid.UUID]:
        created = {}
        for row in rows:
            row = {**row, "status": Status(row["status"]), "lifetime_earned": 0}
            customer = row["customer_id"]
            if not await self.active_ids(row["tenant_id"], row["program_id"], [customer]):
                self._store.enrolments[row["id"]] = Enrolment(**row)
                created[customer] = row["id"]
        return created

    async def active_ids(
        self, tenant_id: uuid.UUID, program_id: uuid.UUID, customers: Iterable[uuid.UUID]
    ) -> dict[uuid.UUID, uuid.UUID]:
        wanted = set(customers)
        return {
            e.customer_id: e.id
            for e in self._of(tenant_id)
            if e.program_id == program_id and e.customer_id in wanted and e.status is Status.ACTIVE
        }

    async def get(
        self, tenant_id: uuid.UUID, enrolment_id: uuid.UUID, *, lock: bool = False
    ) -> Enrolment | None:
        found = self._store.enrolments.get(enrolment_id)
        return copy.deepcopy(found) if found and found.tenant_id == tenant_id else None

    async def lock_with_program(
        self, tenant_id: uuid.UUID, enrolment_id: uuid.UUID
    ) -> tuple[Enrolment, Program] | None:
        enrolment = await self.get(tenant_id, enrolment_id)
        if enrolment is None:
            return None
        return enrolment, copy.deepcopy(self._store.programs[enrolment.program_id])

    async def of_customer(
        self, tenant_id: uuid.UUID, customer_id: uuid.UUID, *, active_only: bool = True
    ) -> list[Enrolment]:
        found = [
            copy.deepcopy(e)
            for e in self._of(tenant_id)
            if e.customer_id == customer_id and (e.status is Status.ACTIVE or not active_only)
        ]
        return sorted(found, key=lambda e: e.enrolled_at)

    async def page(
        self, tenant_id: uuid.UUID, *, limit: int, cursor: str, **only: object
    ) -> tuple[list[Enrolment], str]:
        """`only`: program_id, customer_id, status (None: any)."""
        listed = [
            e
            for e in self._of(tenant_id)
            if all(value in (None, getattr(e, name)) for name, value in only.items())
        ]
        return time_keyed_page(
            listed, lambda e: e.enrolled_at, limit=limit, cursor=cursor, descending=True
        )

    async def save(self, e: Enrolment) -> None:
        self._store.enrolments[e.id] = copy.deepcopy(e)

    async def due(
        self, now: datetime, today: date, limit: int
    ) -> list[tuple[uuid.UUID, uuid.UUID]]:
        lot_due = {
            enrolment_id
            for enrolment_id, lot in self._store.lots.values()
            if lot.remaining > 0 and lot.expires_at is not None and lot.expires_at <= now
        }
        due = [
            (e.tenant_id, e.id)
            for e in self._store.enrolments.values()
            if e.id in lot_due
            or (e.status is Status.ACTIVE and e.expires_on is not None and e.expires_on < today)
        ]
        return due[:limit]

    async def reassign(self, tenant_id: uuid.UUID, from_id: uuid.UUID, to_id: uuid.UUID) -> None:
        for e in self._of(tenant_id):
            if e.customer_id == from_id:
                e.customer_id = to_id

    async def erase_notes(self, tenant_id: uuid.UUID, customer_id: uuid.UUID) -> None:
        for e in self._of(tenant_id):
            if e.customer_id == customer_id:
                e.notes = ""


class InMemoryLedger:
    def __init__(self, store: Store) -> None:
        self._store = store

    def _linked(self, entry: Entry) -> Entry:
        """As stored, with what is left of its lot (a credit's)."""
        lot = self._store.lots.get(entry.id)
        return replace(copy.deepcopy(entry), remaining=lot[1].remaining if lot else 0)

    def _of(self, enrolment_id: uuid.UUID) -> list[Entry]:
        found = [e for e in self._store.entries.values() if e.enrolment_id == enrolment_id]
        return sorted(found, key=lambda e: e.sequence)

    async def by_key(self, enrolment_id: uuid.UUID, key: str) -> Entry | None:
        found = [e for e in self._of(enrolment_id) if e.idempotency_key == key]
        return self._linked(found[0]) if found else None

    async def by_source(self, enrolment_id: uuid.UUID, source_ref: str) -> list[Entry]:
        return [self._linked(e) for e in self._of(enrolment_id) if e.source_ref == source_ref]

    async def open_lots(self, enrolment_id: uuid.UUID) -> list[Lot]:
        return (await self.open_lots_of([enrolment_id]))[enrolment_id]

    async def open_lots_of(self, enrolment_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[Lot]]:
        out: dict[uuid.UUID, list[Lot]] = {e: [] for e in enrolment_ids}
        for enrolment_id, lot in self._store.lots.values():
            if enrolment_id in out and lot.remaining > 0:
                out[enrolment_id].append(copy.deepcopy(lot))
        for lots in out.values():
            lots.sort(key=Lot.draw_order)
        return out

    def _add(self, entry: Entry, lot_amount: int) -> None:
        assert entry.idempotency_key is None or not [
            e for e in self._of(entry.enrolment_id) if e.idempotency_key == entry.idempotency_key
        ], "uq_ledger_entries_key"
        self._store.entries[entry.id] = copy.deepcopy(entry)
        if lot_amount > 0:
            lot = Lot(entry.id, entry.sequence, entry.expires_at, lot_amount)
            self._store.lots[entry.id] = (entry.enrolment_id, lot)

    async def append(self, tenant_id: uuid.UUID, entries: Sequence[Entry], **lots: Any) -> None:
        """`new_lots`: (entry, amount) of the credits that open a lot."""
        amounts = {e.id: amount for e, amount in lots.get("new_lots", ())}
        for e in entries:
            self._add(e, amounts.get(e.id, 0))

    async def post(self, tenant_id: uuid.UUID, entry: Entry, enrolment: Enrolment) -> None:
        self._add(entry, entry.remaining if entry.delta > 0 else 0)
        for draw, left in zip(entry.draws, entry.lots_left, strict=True):
            self._store.lots[draw.lot_entry_id][1].remaining = left
        stored = self._store.enrolments[enrolment.id]
        for name in ("balance", "debt", "lifetime_earned", "sequence", "last_activity_at"):
            setattr(stored, name, getattr(enrolment, name))

    async def page(
        self, tenant_id: uuid.UUID, enrolment_id: uuid.UUID, *, limit: int, cursor: str
    ) -> tuple[list[Entry], str]:
        newest_first = self._of(enrolment_id)[::-1]
        if cursor:
            (before,) = decode_cursor(cursor)
            newest_first = [e for e in newest_first if e.sequence < before]
        found = [self._linked(e) for e in newest_first[:limit]]
        more = len(newest_first) > limit
        return found, encode_cursor([found[-1].sequence]) if found and more else ""

    async def erase_notes(self, tenant_id: uuid.UUID, enrolment_ids: Sequence[uuid.UUID]) -> None:
        for e in self._store.entries.values():
            if e.enrolment_id in enrolment_ids:
                e.note = e.actor_id = ""


class FakeLoyaltyUnitOfWork(FakeUnitOfWork):
    programs: InMemoryPrograms
    enrolments: InMemoryEnrolments
    ledger: InMemoryLedger

    def __init__(self) -> None:
        super().__init__(Store())

    def _start(self) -> None:
        self.programs = InMemoryPrograms(self.store)
        self.enrolments = InMemoryEnrolments(self.store)
        self.ledger = InMemoryLedger(self.store)
