"""All loyalty queries live here (SQLAlchemy Core on the unit of work's session)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import date, datetime

import sqlalchemy as sa
from moodline_kit.paging import (
    decode_cursor,
    decode_time_key,
    encode_cursor,
    encode_time_key,
    malformed_cursor,
)
from moodline_kit.rows import from_row, values_of
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from loyalty.adapters.tables import enrolments, ledger_entries, lot_draws, lots, programs
from loyalty.domain.enrolment import Enrolment, Status
from loyalty.domain.ledger import Draw, Entry, Lot, Reason
from loyalty.domain.program import EarnRule, ExpiryPolicy, Kind, Program, Rounding, Trigger


def _rule_to_json(rule: EarnRule) -> dict:
    return {
        "trigger": rule.trigger.value,
        "amount_per_unit": rule.amount_per_unit,
        "spend_unit_minor": rule.spend_unit_minor,
        "fixed_amount": rule.fixed_amount,
        "currency": rule.currency,
        "multiplier_percent": rule.multiplier_percent,
    }


def _earn_rules(raw: list[dict]) -> tuple[EarnRule, ...]:
    return tuple(EarnRule(**{**r, "trigger": Trigger(r["trigger"])}) for r in raw)


def _program(row) -> Program:  # type: ignore[no-untyped-def]
    return from_row(
        Program,
        row,
        kind=Kind,
        earn_rules=_earn_rules,
        rounding=Rounding,
        expiry_policy=ExpiryPolicy,
    )


# Everything but the id, the tenant and the creation time (written once).
_PROGRAM_CHANGING = (
    "name", "description", "kind", "currency", "rounding", "expiry_policy", "expire_after_days",
    "min_redemption", "allow_negative_balance", "archived_at", "updated_at",
)  # fmt: skip


def _program_values(p: Program) -> dict:
    return values_of(p, _PROGRAM_CHANGING, earn_rules=[_rule_to_json(r) for r in p.earn_rules])


class ProgramRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, program: Program) -> None:
        await self.session.execute(
            programs.insert().values(
                id=program.id,
                tenant_id=program.tenant_id,
                created_at=program.created_at,
                **_program_values(program),
            )
        )

    async def save(self, program: Program) -> None:
        await self.session.execute(
            programs.update()
            .where(programs.c.id == program.id, programs.c.tenant_id == program.tenant_id)
            .values(**_program_values(program))
        )

    async def get(self, tenant_id: uuid.UUID, program_id: uuid.UUID) -> Program | None:
        row = (
            await self.session.execute(
                sa.select(programs).where(
                    programs.c.tenant_id == tenant_id, programs.c.id == program_id
                )
            )
        ).first()
        return _program(row) if row else None

    async def many(
        self, tenant_id: uuid.UUID, ids: Iterable[uuid.UUID]
    ) -> dict[uuid.UUID, Program]:
        ids = list(set(ids))
        if not ids:
            return {}
        rows = await self.session.execute(
            sa.select(programs).where(programs.c.tenant_id == tenant_id, programs.c.id.in_(ids))
        )
        return {row.id: _program(row) for row in rows}

    async def page(
        self, tenant_id: uuid.UUID, *, include_archived: bool, limit: int, cursor: str
    ) -> tuple[list[Program], str]:
        query = sa.select(programs).where(programs.c.tenant_id == tenant_id)
        if not include_archived:
            query = query.where(programs.c.archived_at.is_(None))
        if cursor:
            created, last_id = decode_time_key(cursor)
            query = query.where(
                sa.tuple_(programs.c.created_at, programs.c.id) > sa.tuple_(created, last_id)
            )
        rows = (
            await self.session.execute(
                query.order_by(programs.c.created_at, programs.c.id).limit(limit + 1)
            )
        ).all()
        found = [_program(r) for r in rows[:limit]]
        more = len(rows) > limit
        last = found[-1] if found and more else None
        token = encode_time_key(last.created_at, last.id) if last else ""
        return found, token


def _enrolment(row: sa.Row) -> Enrolment:
    return from_row(Enrolment, row, status=Status)


class EnrolmentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def insert_new(self, rows: Sequence[dict]) -> dict[uuid.UUID, uuid.UUID]:
        """Insert active enrolments, skipping customers already actively enrolled (the partial
        unique index arbitrates concurrent inserts); returns customer id -> new enrolment id."""
        created: dict[uuid.UUID, uuid.UUID] = {}
        # 1000 rows a statement: PostgreSQL takes at most 32767 bind parameters.
        for start in range(0, len(rows), 1000):
            stmt = (
                insert(enrolments)
                .values(list(rows[start : start + 1000]))
                .on_conflict_do_nothing(
                    index_elements=["tenant_id", "program_id", "customer_id"],
                    index_where=sa.text("status = 'active'"),  # the index's literal predicate
                )
                .returning(enrolments.c.customer_id, enrolments.c.id)
            )
            created.update({r.customer_id: r.id for r in await self.session.execute(stmt)})
        return created

    async def active_ids(
        self, tenant_id: uuid.UUID, program_id: uuid.UUID, customers: Iterable[uuid.UUID]
    ) -> dict[uuid.UUID, uuid.UUID]:
        rows = await self.session.execute(
            sa.select(enrolments.c.customer_id, enrolments.c.id).where(
                enrolments.c.tenant_id == tenant_id,
                enrolments.c.program_id == program_id,
                enrolments.c.customer_id.in_(list(customers)),
                enrolments.c.status == Status.ACTIVE.value,
            )
        )
        return {r.customer_id: r.id for r in rows}

    async def get(
        self, tenant_id: uuid.UUID, enrolment_id: uuid.UUID, *, lock: bool = False
    ) -> Enrolment | None:
        """`lock`: SELECT ... FOR UPDATE, which serialises every change to one enrolment."""
        query = sa.select(enrolments).where(
            enrolments.c.tenant_id == tenant_id, enrolments.c.id == enrolment_id
        )
        if lock:
            query = query.with_for_update()
        row = (await self.session.execute(query)).first()
        return _enrolment(row) if row else None

    async def lock_with_program(
        self, tenant_id: uuid.UUID, enrolment_id: uuid.UUID
    ) -> tuple[Enrolment, Program] | None:
        """The enrolment locked (SELECT ... FOR UPDATE OF enrolments, which serialises every
        change to one enrolment) and its program, in one round trip."""
        p = programs.alias("p")
        row = (
            await self.session.execute(
                sa.select(enrolments, *[c.label(f"p_{c.name}") for c in p.c])
                .join(p, p.c.id == enrolments.c.program_id)
                .where(enrolments.c.tenant_id == tenant_id, enrolments.c.id == enrolment_id)
                .with_for_update(of=enrolments)
            )
        ).first()
        if row is None:
            return None
        mapping = row._mapping
        fields = {c.name: mapping[f"p_{c.name}"] for c in p.c}
        return _enrolment(row), _program(fields)

    async def of_customer(
        self, tenant_id: uuid.UUID, customer_id: uuid.UUID, *, active_only: bool = True
    ) -> list[Enrolment]:
        query = sa.select(enrolments).where(
            enrolments.c.tenant_id == tenant_id, enrolments.c.customer_id == customer_id
        )
        if active_only:
            query = query.where(enrolments.c.status == Status.ACTIVE.value)
        rows = await self.session.execute(query.order_by(enrolments.c.enrolled_at))
        return [_enrolment(r) for r in rows]

    async def page(
        self,
        tenant_id: uuid.UUID,
        *,
        program_id: uuid.UUID | None,
        customer_id: uuid.UUID | None,
        status: Status | None,
        limit: int,
        cursor: str,
    ) -> tuple[list[Enrolment], str]:
        query = sa.select(enrolments).where(enrolments.c.tenant_id == tenant_id)
        if program_id:
            query = query.where(enrolments.c.program_id == program_id)
        if customer_id:
            query = query.where(enrolments.c.customer_id == customer_id)
        if status:
            query = query.where(enrolments.c.status == status.value)
        if cursor:
            enrolled, last_id = decode_time_key(cursor)
            query = query.where(
                sa.tuple_(enrolments.c.enrolled_at, enrolments.c.id) < sa.tuple_(enrolled, last_id)
            )
        rows = (
            await self.session.execute(
                query.order_by(enrolments.c.enrolled_at.desc(), enrolments.c.id.desc()).limit(
                    limit + 1
                )
            )
        ).all()
        found = [_enrolment(r) for r in rows[:limit]]
        last = found[-1] if found and len(rows) > limit else None
        token = encode_time_key(last.enrolled_at, last.id) if last else ""
        return found, token

    async def save(self, e: Enrolment) -> None:
        await self.session.execute(
            enrolments.update()
            .where(enrolments.c.id == e.id)
            .values(
                status=e.status.value,
                balance=e.balance,
                debt=e.debt,
                lifetime_earned=e.lifetime_earned,
                sequence=e.sequence,
                expires_on=e.expires_on,
                notes=e.notes,
                last_activity_at=e.last_activity_at,
                removed_at=e.removed_at,
            )
        )

    async def due(
        self, now: datetime, today: date, limit: int
    ) -> list[tuple[uuid.UUID, uuid.UUID]]:
        """(tenant, enrolment) with credits past their expiry or an expiry date passed."""
        lot_due = (
            sa.select(lots.c.tenant_id, lots.c.enrolment_id)
            .where(lots.c.remaining > 0, lots.c.expires_at <= now)
            .distinct()
            .limit(limit)
        )
        whole_due = (
            sa.select(enrolments.c.tenant_id, enrolments.c.id)
            .where(enrolments.c.status == Status.ACTIVE.value, enrolments.c.expires_on < today)
            .limit(limit)
        )
        rows = await self.session.execute(sa.union(lot_due, whole_due).limit(limit))
        return [(r[0], r[1]) for r in rows]

    async def reassign(self, tenant_id: uuid.UUID, from_id: uuid.UUID, to_id: uuid.UUID) -> None:
        """A merge: the enrolments (with their ledgers) of `from_id` now belong to `to_id`."""
        await self.session.execute(
            enrolments.update()
            .where(enrolments.c.tenant_id == tenant_id, enrolments.c.customer_id == from_id)
            .values(customer_id=to_id)
        )

    async def erase_notes(self, tenant_id: uuid.UUID, customer_id: uuid.UUID) -> None:
        await self.session.execute(
            enrolments.update()
            .where(enrolments.c.tenant_id == tenant_id, enrolments.c.customer_id == customer_id)
            .values(notes="")
        )


def _entry(row: sa.Row, draws: tuple[Draw, ...] = (), remaining: int = 0) -> Entry:
    return from_row(Entry, {**row._mapping, "draws": draws, "remaining": remaining}, reason=Reason)


# Data-modifying CTEs all run, whether referenced or not; foreign keys are checked at the end of
# the statement, when the entry exists.
_POST = sa.text(
    """
    WITH entry AS (
        INSERT INTO ledger_entries (id, tenant_id, enrolment_id, sequence, delta, balance_after,
            reason, note, idempotency_key, fingerprint, source_ref, actor_id, expires_at,
            created_at)
        VALUES (:id, :tenant_id, :enrolment_id, :sequence, :delta, :balance_after, :reason,
            :note, :key, :fingerprint, :source_ref, :actor_id,
            CAST(:expires_at AS TIMESTAMPTZ), :created_at)
    ), lot AS (
        INSERT INTO lots (entry_id, tenant_id, enrolment_id, sequence, amount, remaining,
            expires_at)
        SELECT :id, :tenant_id, :enrolment_id, :sequence, :lot_amount, :lot_amount,
            CAST(:expires_at AS TIMESTAMPTZ)
        WHERE CAST(:lot_amount AS BIGINT) > 0
    ), draws AS (
        INSERT INTO lot_draws (debit_entry_id, lot_entry_id, tenant_id, lot_sequence, amount)
        SELECT :id, d.lot, :tenant_id, d.seq, d.amount
        FROM unnest(CAST(:draw_lots AS UUID[]), CAST(:draw_seqs AS BIGINT[]),
            CAST(:draw_amounts AS BIGINT[])) AS d(lot, seq, amount)
    ), spent AS (
        UPDATE lots SET remaining = v.remaining
        FROM unnest(CAST(:draw_lots AS UUID[]), CAST(:left AS BIGINT[])) AS v(id, remaining)
        WHERE lots.entry_id = v.id
    )
    UPDATE enrolments
    SET balance = :balance, debt = :debt, lifetime_earned = :lifetime, sequence = :sequence,
        last_activity_at = :last_activity_at
    WHERE id = :enrolment_id
    """
)


class LedgerRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def by_key(self, enrolment_id: uuid.UUID, key: str) -> Entry | None:
        row = (
            await self.session.execute(
                sa.select(ledger_entries).where(
                    ledger_entries.c.enrolment_id == enrolment_id,
                    ledger_entries.c.idempotency_key == key,
                )
            )
        ).first()
        if row is None:
            return None
        return (await self._with_links([row]))[0]

    async def by_source(self, enrolment_id: uuid.UUID, source_ref: str) -> list[Entry]:
        rows = (
            await self.session.execute(
                sa.select(ledger_entries)
                .where(
                    ledger_entries.c.enrolment_id == enrolment_id,
                    ledger_entries.c.source_ref == source_ref,
                )
                .order_by(ledger_entries.c.sequence)
            )
        ).all()
        return [_entry(r) for r in rows]

    async def open_lots(self, enrolment_id: uuid.UUID) -> list[Lot]:
        rows = await self.session.execute(
            sa.select(lots.c.entry_id, lots.c.sequence, lots.c.expires_at, lots.c.remaining)
            .where(lots.c.enrolment_id == enrolment_id, lots.c.remaining > 0)
            .order_by(lots.c.expires_at.asc().nulls_last(), lots.c.sequence)
        )
        return [Lot(r.entry_id, r.sequence, r.expires_at, r.remaining) for r in rows]

    async def open_lots_of(self, enrolment_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[Lot]]:
        out: dict[uuid.UUID, list[Lot]] = {e: [] for e in enrolment_ids}
        if not enrolment_ids:
            return out
        rows = await self.session.execute(
            sa.select(lots).where(
                lots.c.enrolment_id.in_(list(enrolment_ids)), lots.c.remaining > 0
            )
        )
        for r in rows:
            out[r.enrolment_id].append(Lot(r.entry_id, r.sequence, r.expires_at, r.remaining))
        return out

    async def append(
        self,
        tenant_id: uuid.UUID,
        entries: Sequence[Entry],
        *,
        new_lots: Sequence[tuple[Entry, int]] = (),
    ) -> None:
        """Insert many credit entries at once and the lots they create (entry, amount): the
        starting balances of a bulk enrolment."""
        await self.session.execute(
            ledger_entries.insert(),
            [
                {
                    "id": e.id,
                    "tenant_id": tenant_id,
                    "enrolment_id": e.enrolment_id,
                    "sequence": e.sequence,
                    "delta": e.delta,
                    "balance_after": e.balance_after,
                    "reason": e.reason.value,
                    "note": e.note,
                    "idempotency_key": e.idempotency_key,
                    "fingerprint": e.fingerprint,
                    "source_ref": e.source_ref,
                    "actor_id": e.actor_id,
                    "expires_at": e.expires_at,
                    "created_at": e.created_at,
                }
                for e in entries
            ],
        )
        if new_lots:
            await self.session.execute(
                lots.insert(),
                [
                    {
                        "entry_id": e.id,
                        "tenant_id": tenant_id,
                        "enrolment_id": e.enrolment_id,
                        "sequence": e.sequence,
                        "amount": amount,
                        "remaining": amount,
                        "expires_at": e.expires_at,
                    }
                    for e, amount in new_lots
                ],
            )

    async def post(self, tenant_id: uuid.UUID, entry: Entry, enrolment: Enrolment) -> None:
        """One entry, with the lot it creates or its draws and what is left of the lots drawn
        (`entry.draws` amounts, `remaining` of each lot after), and the enrolment's new
        position: ONE statement, so the enrolment's row lock is held for as few round trips
        as possible."""
        await self.session.execute(
            _POST,
            {
                "id": entry.id,
                "tenant_id": tenant_id,
                "enrolment_id": entry.enrolment_id,
                "sequence": entry.sequence,
                "delta": entry.delta,
                "balance_after": entry.balance_after,
                "reason": entry.reason.value,
                "note": entry.note,
                "key": entry.idempotency_key,
                "fingerprint": entry.fingerprint,
                "source_ref": entry.source_ref,
                "actor_id": entry.actor_id,
                "expires_at": entry.expires_at,
                "created_at": entry.created_at,
                "lot_amount": entry.remaining if entry.delta > 0 else 0,
                "draw_lots": [d.lot_entry_id for d in entry.draws],
                "draw_seqs": [d.lot_sequence for d in entry.draws],
                "draw_amounts": [d.amount for d in entry.draws],
                "left": list(entry.lots_left),
                "balance": enrolment.balance,
                "debt": enrolment.debt,
                "lifetime": enrolment.lifetime_earned,
                "last_activity_at": enrolment.last_activity_at,
            },
        )

    async def page(
        self, tenant_id: uuid.UUID, enrolment_id: uuid.UUID, *, limit: int, cursor: str
    ) -> tuple[list[Entry], str]:
        query = sa.select(ledger_entries).where(
            ledger_entries.c.tenant_id == tenant_id, ledger_entries.c.enrolment_id == enrolment_id
        )
        if cursor:
            key = decode_cursor(cursor)
            if not (isinstance(key, list) and len(key) == 1 and isinstance(key[0], int)):
                raise malformed_cursor()
            (before,) = key
            query = query.where(ledger_entries.c.sequence < before)
        rows = (
            await self.session.execute(
                query.order_by(ledger_entries.c.sequence.desc()).limit(limit + 1)
            )
        ).all()
        found = await self._with_links(rows[:limit])
        token = encode_cursor([found[-1].sequence]) if found and len(rows) > limit else ""
        return found, token

    async def _with_links(self, rows: Sequence[sa.Row]) -> list[Entry]:
        ids = [r.id for r in rows]
        if not ids:
            return []
        draws: dict[uuid.UUID, list[Draw]] = {}
        for d in await self.session.execute(
            sa.select(lot_draws)
            .where(lot_draws.c.debit_entry_id.in_(ids))
            .order_by(lot_draws.c.lot_sequence)
        ):
            draws.setdefault(d.debit_entry_id, []).append(
                Draw(d.lot_entry_id, d.lot_sequence, d.amount)
            )
        remaining = {
            r.entry_id: r.remaining
            for r in await self.session.execute(
                sa.select(lots.c.entry_id, lots.c.remaining).where(lots.c.entry_id.in_(ids))
            )
        }
        return [_entry(r, tuple(draws.get(r.id, ())), remaining.get(r.id, 0)) for r in rows]

    async def erase_notes(self, tenant_id: uuid.UUID, enrolment_ids: Sequence[uuid.UUID]) -> None:
        if enrolment_ids:
            await self.session.execute(
                ledger_entries.update()
                .where(
                    ledger_entries.c.tenant_id == tenant_id,
                    ledger_entries.c.enrolment_id.in_(list(enrolment_ids)),
                )
                .values(note="", actor_id="")
            )
