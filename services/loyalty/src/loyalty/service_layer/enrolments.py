"""Enrol (one or thousands), read, change, remove."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from moodline_kit import paging
from moodline_kit.errors import AlreadyExists, FieldViolation, InvalidArgument, NotFound
from moodline_kit.events import Event

from loyalty.adapters import events as payloads
from loyalty.domain import events
from loyalty.domain.enrolment import (
    MAX_BULK,
    MAX_NOTES,
    MAX_REASON,
    Enrolment,
    NewEnrolment,
    Status,
    next_expiry,
    parse_date,
    validate_new,
)
from loyalty.domain.ledger import Entry, Lot, Reason
from loyalty.domain.program import Program
from loyalty.service_layer.ledger import (
    Clock,
    UowFactory,
    balance_event,
    locked,
    parse_id,
    record,
    utc_now,
)
from loyalty.service_layer.unit_of_work import LoyaltyUnitOfWork

STATUSES = {s.value: s for s in Status}


@dataclass(frozen=True)
class EnrolmentView:
    """An enrolment with what a customer's program list shows."""

    enrolment: Enrolment
    program: Program
    next_expiry_at: datetime | None
    next_expiry_amount: int


async def _program_for_enrolment(
    work: LoyaltyUnitOfWork, tenant_id: uuid.UUID, program_id: str
) -> Program:
    program_uuid = parse_id(program_id, "program_id")
    program = await work.programs.get(tenant_id, program_uuid)
    if program is None:
        raise InvalidArgument.of("program_id", "unknown program")
    if program.archived:
        raise InvalidArgument.of("program_id", "the program is archived")
    return program


async def _insert(
    work: LoyaltyUnitOfWork,
    program: Program,
    rows: list[NewEnrolment],
    *,
    actor_id: str,
    now: datetime,
) -> dict[uuid.UUID, uuid.UUID]:
    """Enrol every customer of `rows` not yet actively enrolled, each with its starting balance
    as its first entry; returns customer -> new enrolment id."""
    values = []
    for row in rows:
        has_entry = row.starting_balance != 0
        values.append(
            {
                "id": uuid.uuid4(),
                "tenant_id": program.tenant_id,
                "program_id": program.id,
                "customer_id": row.customer_id,
                "status": Status.ACTIVE.value,
                "balance": row.starting_balance,
                "debt": max(-row.starting_balance, 0),
                "sequence": 1 if has_entry else 0,
                "expires_on": row.expires_on,
                "notes": row.notes,
                "enrolled_at": now,
                "last_activity_at": now,
            }
        )
    created = await work.enrolments.insert_new(values)
    entries: list[Entry] = []
    new_lots: list[tuple[Entry, int]] = []
    by_customer = {v["customer_id"]: v for v in values}
    for row in rows:
        enrolment_id = created.get(row.customer_id)
        if enrolment_id is None or by_customer[row.customer_id]["id"] != enrolment_id:
            continue
        enrolment = Enrolment(
            id=enrolment_id,
            tenant_id=program.tenant_id,
            program_id=program.id,
            customer_id=row.customer_id,
            status=Status.ACTIVE,
            balance=row.starting_balance,
            debt=max(-row.starting_balance, 0),
            lifetime_earned=0,
            sequence=0,
            expires_on=row.expires_on,
            notes=row.notes,
            enrolled_at=now,
            last_activity_at=now,
        )
        work.emit(
            Event(
                subject=events.ENROLMENT_CREATED,
                tenant_id=program.tenant_id,
                aggregate_id=str(enrolment_id),
                payload=payloads.enrolment_created(enrolment, program),
                occurred_at=now,
            )
        )
        if row.starting_balance == 0:
            continue
        entry = Entry(
            id=uuid.uuid4(),
            enrolment_id=enrolment_id,
            sequence=1,
            delta=row.starting_balance,
            balance_after=row.starting_balance,
            reason=Reason.STARTING_BALANCE,
            created_at=now,
            actor_id=actor_id,
            expires_at=program.lot_expiry(now) if row.starting_balance > 0 else None,
            remaining=max(row.starting_balance, 0),
        )
        entries.append(entry)
        if row.starting_balance > 0:
            new_lots.append((entry, row.starting_balance))
        work.emit(balance_event(enrolment, entry))
    if entries:
        await work.ledger.append(program.tenant_id, entries, new_lots=new_lots)
    return created


async def enrol(
    *,
    tenant_id: uuid.UUID,
    program_id: str,
    customer_id: str,
    starting_balance: int,
    expires_on: str,
    notes: str,
    actor_id: str,
    uow: UowFactory,
    clock: Clock = utc_now,
) -> EnrolmentView:
    now = clock()
    async with uow() as work:
        program = await _program_for_enrolment(work, tenant_id, program_id)
        row = validate_new(
            program,
            customer_id=customer_id,
            starting_balance=starting_balance,
            expires_on=expires_on,
            notes=notes,
            today=now.date(),
        )
        created = await _insert(work, program, [row], actor_id=actor_id, now=now)
        if row.customer_id not in created:
            raise AlreadyExists(f"customer {customer_id} is already enrolled in this program")
        await work.commit()
        enrolment = await work.enrolments.get(tenant_id, created[row.customer_id])
        assert enrolment is not None
        return await _view(work, enrolment, program)


@dataclass(frozen=True)
class BulkRow:
    index: int
    customer_id: str
    outcome: str  # enrolled | already_enrolled | failed
    enrolment_id: str = ""
    error: str = ""


async def bulk_enrol(
    *,
    tenant_id: uuid.UUID,
    program_id: str,
    entries: list[dict],
    actor_id: str,
    uow: UowFactory,
    clock: Clock = utc_now,
) -> list[BulkRow]:
    """Enrol up to MAX_BULK customers in one transaction; a bad row fails alone, a customer
    already enrolled (before, or earlier in the same batch) is reported and left unchanged."""
    if not 1 <= len(entries) <= MAX_BULK:
        raise InvalidArgument.of("entries", f"1..{MAX_BULK} entries")
    now = clock()
    async with uow() as work:
        program = await _program_for_enrolment(work, tenant_id, program_id)
        results: list[BulkRow | None] = [None] * len(entries)
        valid: dict[uuid.UUID, tuple[int, NewEnrolment]] = {}
        repeats: list[tuple[int, uuid.UUID]] = []
        for i, raw in enumerate(entries):
            try:
                row = validate_new(program, today=now.date(), prefix=f"entries[{i}].", **raw)
            except InvalidArgument as exc:
                results[i] = BulkRow(i, raw.get("customer_id", ""), "failed", error=exc.message)
                continue
            if row.customer_id in valid:
                repeats.append((i, row.customer_id))
            else:
                valid[row.customer_id] = (i, row)
        created = await _insert(
            work, program, [row for _, row in valid.values()], actor_id=actor_id, now=now
        )
        existing = await work.enrolments.active_ids(
            tenant_id, program.id, [c for c in valid if c not in created]
        )
        await work.commit()
    for customer, (i, _) in valid.items():
        if customer in created:
            results[i] = BulkRow(i, str(customer), "enrolled", str(created[customer]))
        else:
            results[i] = BulkRow(
                i, str(customer), "already_enrolled", str(existing.get(customer, ""))
            )
    for i, customer in repeats:
        known = created.get(customer) or existing.get(customer)
        results[i] = BulkRow(i, str(customer), "already_enrolled", str(known or ""))
    return [r for r in results if r is not None]


async def _view(work: LoyaltyUnitOfWork, enrolment: Enrolment, program: Program) -> EnrolmentView:
    lots = (await work.ledger.open_lots_of([enrolment.id]))[enrolment.id]
    return _with_expiry(enrolment, program, lots)


def _with_expiry(enrolment: Enrolment, program: Program, lots: list[Lot]) -> EnrolmentView:
    if enrolment.status is not Status.ACTIVE:
        return EnrolmentView(enrolment, program, None, 0)
    at, amount = next_expiry(enrolment, lots)
    return EnrolmentView(enrolment, program, at, amount)


async def get_enrolment(
    *, tenant_id: uuid.UUID, enrolment_id: str, uow: UowFactory
) -> EnrolmentView:
    enrolment_uuid = parse_id(enrolment_id, "id")
    async with uow() as work:
        enrolment = await work.enrolments.get(tenant_id, enrolment_uuid)
        if enrolment is None:
            raise NotFound(f"enrolment {enrolment_id} not found")
        program = await work.programs.get(tenant_id, enrolment.program_id)
        assert program is not None
        return await _view(work, enrolment, program)


async def list_enrolments(
    *,
    tenant_id: uuid.UUID,
    program_id: str,
    customer_id: str,
    status: str,
    page_size: int,
    page_token: str,
    uow: UowFactory,
) -> tuple[list[EnrolmentView], str]:
    problems = []
    if not program_id and not customer_id:
        problems.append(FieldViolation("customer_id", "program_id or customer_id is required"))
    if status and status not in STATUSES:
        problems.append(FieldViolation("status", "must be active, removed or expired"))
    if problems:
        raise InvalidArgument.of_all(problems)
    limit = paging.page_size(page_size, maximum=200, default=50)
    program_uuid = parse_id(program_id, "program_id") if program_id else None
    customer_uuid = parse_id(customer_id, "customer_id") if customer_id else None
    async with uow() as work:
        found, token = await work.enrolments.page(
            tenant_id,
            program_id=program_uuid,
            customer_id=customer_uuid,
            status=STATUSES.get(status),
            limit=limit,
            cursor=page_token,
        )
        programs = await work.programs.many(tenant_id, (e.program_id for e in found))
        lots = await work.ledger.open_lots_of([e.id for e in found])
        return [_with_expiry(e, programs[e.program_id], lots[e.id]) for e in found], token


async def update_enrolment(
    *,
    tenant_id: uuid.UUID,
    enrolment_id: str,
    fields: dict[str, str],
    uow: UowFactory,
    clock: Clock = utc_now,
) -> EnrolmentView:
    unknown = [name for name in fields if name not in ("expires_on", "notes")]
    if unknown or not fields:
        raise InvalidArgument.of_all(
            [FieldViolation(n, "unknown or read-only field") for n in unknown]
            or [FieldViolation("update_mask", "name expires_on and/or notes")]
        )
    now = clock()
    expires_on = None
    if "expires_on" in fields:
        expires_on = parse_date(fields["expires_on"], "expires_on", now.date())
    if len(fields.get("notes", "")) > MAX_NOTES:
        raise InvalidArgument.of("notes", f"at most {MAX_NOTES} characters")
    async with uow() as work:
        book = await locked(work, tenant_id, parse_id(enrolment_id, "id"), with_lots=False)
        enrolment = book.enrolment
        if enrolment.status is not Status.ACTIVE:
            raise InvalidArgument.of("id", f"the enrolment is {enrolment.status.value}")
        if "expires_on" in fields:
            enrolment.expires_on = expires_on
        if "notes" in fields:
            enrolment.notes = fields["notes"]
        await work.enrolments.save(enrolment)
        await work.commit()
        return await _view(work, enrolment, book.program)


async def remove_enrolment(
    *,
    tenant_id: uuid.UUID,
    enrolment_id: str,
    reason: str,
    confirm: bool,
    actor_id: str,
    uow: UowFactory,
    clock: Clock = utc_now,
) -> EnrolmentView:
    """Irreversible: what is left of the balance is written off by a REMOVED entry."""
    if not confirm:
        raise InvalidArgument.of("confirm", "must be true: removal cannot be undone")
    if len(reason) > MAX_REASON:
        raise InvalidArgument.of("reason", f"at most {MAX_REASON} characters")
    async with uow() as work:
        book = await locked(work, tenant_id, parse_id(enrolment_id, "id"))
        if book.enrolment.status is Status.ACTIVE:
            await end(work, book, Status.REMOVED, now=clock(), note=reason, actor_id=actor_id)
            await work.commit()
        return EnrolmentView(book.enrolment, book.program, None, 0)


async def end(
    work: LoyaltyUnitOfWork,
    book,  # type: ignore[no-untyped-def]
    status: Status,
    *,
    now: datetime,
    note: str = "",
    actor_id: str = "",
) -> None:
    """Remove or expire an enrolment: write off every unspent lot (one entry), then close it."""
    enrolment = book.enrolment
    final = enrolment.balance
    touched = book.lots
    reason = Reason.REMOVED if status is Status.REMOVED else Reason.EXPIRED
    posting = book.position.expire(book.position.open_lots)
    if posting is not None:
        posting = type(posting)(
            posting.delta, reason, draws=posting.draws, debt_after=posting.debt_after
        )
        await record(work, book, posting, now=now, touched=touched, note=note, actor_id=actor_id)
    enrolment.status = status
    enrolment.removed_at = now if status is Status.REMOVED else None
    enrolment.last_activity_at = now
    await work.enrolments.save(enrolment)
    subject = events.ENROLMENT_REMOVED if status is Status.REMOVED else events.ENROLMENT_EXPIRED
    work.emit(
        Event(
            subject=subject,
            tenant_id=enrolment.tenant_id,
            aggregate_id=str(enrolment.id),
            payload=payloads.enrolment_ended(enrolment, final, note),
            occurred_at=now,
        )
    )


async def enrol_customers(
    work: LoyaltyUnitOfWork,
    tenant_id: uuid.UUID,
    program_id: str,
    customer_ids: list[str],
    *,
    actor_id: str,
    now: datetime,
) -> int:
    """Enrol customers with no starting balance inside the caller's unit of work (an import's
    batch); those already enrolled are left as they are. Returns how many were enrolled; an
    unknown or archived program enrols nobody."""
    try:
        program = await _program_for_enrolment(work, tenant_id, program_id)
    except InvalidArgument:
        return 0
    rows = []
    for customer in dict.fromkeys(customer_ids):
        try:
            rows.append(
                validate_new(
                    program, customer_id=customer, starting_balance=0, expires_on="",
                    notes="", today=now.date(),
                )
            )  # fmt: skip
        except InvalidArgument:
            continue
    if not rows:
        return 0
    return len(await _insert(work, program, rows, actor_id=actor_id, now=now))
