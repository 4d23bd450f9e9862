"""Appending to an enrolment's ledger: every balance change goes through `record`, under the
row lock of the enrolment taken by `locked`."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Callable, Hashable
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from moodline_kit import paging
from moodline_kit.errors import AlreadyExists, InvalidArgument, NotFound, PreconditionFailed
from moodline_kit.events import Event

from loyalty.adapters import events as payloads
from loyalty.domain import events
from loyalty.domain.enrolment import Enrolment, Status
from loyalty.domain.ledger import EARNING, Adjustment, Entry, Lot, Position, Posting, Reason
from loyalty.domain.program import Program
from loyalty.service_layer.unit_of_work import LoyaltyUnitOfWork

Clock = Callable[[], datetime]
UowFactory = Callable[[], LoyaltyUnitOfWork]


def utc_now() -> datetime:
    return datetime.now(UTC)


def parse_id(value: str, field_name: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError as exc:
        raise InvalidArgument.of(field_name, "must be a UUID") from exc


class KeyedQueue:
    """Adjustments of one enrolment wait their turn here, in this process, before they take a
    database connection: a hot enrolment then holds one pooled connection at a time instead of
    every connection of the pool waiting on its row lock (and other enrolments' adjustments
    timing out for want of one). The row lock stays what serialises writers across processes."""

    def __init__(self) -> None:
        self._locks: dict[Hashable, tuple[asyncio.Lock, int]] = {}

    @contextlib.asynccontextmanager
    async def turn(self, key: Hashable) -> AsyncIterator[None]:
        lock, waiting = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, waiting + 1)
        try:
            async with lock:
                yield
        finally:
            lock, waiting = self._locks[key]
            if waiting == 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, waiting - 1)


@dataclass
class Book:
    """A locked enrolment, its program and its open lots: what a posting works on."""

    enrolment: Enrolment
    program: Program
    position: Position

    @property
    def lots(self) -> dict[uuid.UUID, Lot]:
        return {lot.entry_id: lot for lot in self.position.open_lots}


async def locked(
    uow: LoyaltyUnitOfWork,
    tenant_id: uuid.UUID,
    enrolment_id: uuid.UUID,
    *,
    with_lots: bool = True,
) -> Book:
    found = await uow.enrolments.lock_with_program(tenant_id, enrolment_id)
    if found is None:
        raise NotFound(f"enrolment {enrolment_id} not found")
    enrolment, program = found
    lots = await uow.ledger.open_lots(enrolment.id) if with_lots else []
    return Book(enrolment, program, Position(enrolment.balance, enrolment.debt, lots))


async def record(
    uow: LoyaltyUnitOfWork,
    book: Book,
    posting: Posting,
    *,
    now: datetime,
    touched: dict[uuid.UUID, Lot],
    key: str | None = None,
    fingerprint: str = "",
    note: str = "",
    source_ref: str = "",
    actor_id: str = "",
) -> Entry:
    """Write `posting` (already applied to book.position) as the enrolment's next entry, with
    its lot or its draws, the enrolment's new position and a loyalty.balance.adjusted event.
    `touched`: the lots as loaded before the posting (what it drew from is among them)."""
    e = book.enrolment
    e.sequence += 1
    e.balance = book.position.balance
    e.debt = book.position.debt
    if posting.delta > 0 and posting.reason in EARNING:
        e.lifetime_earned += posting.delta
    e.last_activity_at = now
    entry = Entry(
        id=uuid.uuid4(),
        enrolment_id=e.id,
        sequence=e.sequence,
        delta=posting.delta,
        balance_after=e.balance,
        reason=posting.reason,
        created_at=now,
        note=note,
        idempotency_key=key,
        fingerprint=fingerprint,
        source_ref=source_ref,
        actor_id=actor_id,
        expires_at=posting.lot_expires_at if posting.delta > 0 else None,
        draws=posting.draws,
        remaining=posting.lot_amount,
    )
    entry.lots_left = tuple(touched[d.lot_entry_id].remaining for d in posting.draws)
    if posting.lot_amount > 0:
        book.position.open_lots.append(
            Lot(entry.id, entry.sequence, entry.expires_at, posting.lot_amount)
        )
    await uow.ledger.post(e.tenant_id, entry, e)
    uow.emit(balance_event(e, entry))
    return entry


def balance_event(e: Enrolment, entry: Entry) -> Event:
    return Event(
        subject=events.BALANCE_ADJUSTED,
        tenant_id=e.tenant_id,
        aggregate_id=str(e.id),
        payload=payloads.balance_adjusted(e, entry),
        occurred_at=entry.created_at,
    )


def post(
    book: Book,
    adjustment: Adjustment,
    now: datetime,
    *,
    first: uuid.UUID | None = None,
    clamp: bool = False,
) -> Posting | None:
    """The posting an adjustment makes under the program's rules (None: clamped to nothing)."""
    program = book.program
    if adjustment.delta > 0:
        return book.position.credit(
            adjustment.delta, adjustment.reason, expires_at=program.lot_expiry(now)
        )
    amount = -adjustment.delta
    if adjustment.reason is Reason.REDEEMED and amount < program.min_redemption:
        raise InvalidArgument.of(
            "delta", f"the program's minimum redemption is {program.min_redemption}"
        )
    return book.position.debit(
        amount,
        adjustment.reason,
        allow_negative=program.allow_negative_balance,
        first=first,
        clamp=clamp,
    )


@dataclass(frozen=True)
class Adjusted:
    entry: Entry
    enrolment: Enrolment
    replayed: bool


async def adjust_balance(
    *,
    tenant_id: uuid.UUID,
    enrolment_id: str,
    adjustment: Adjustment,
    uow: UowFactory,
    clock: Clock = utc_now,
    queue: KeyedQueue | None = None,
) -> Adjusted:
    """Append one caller's adjustment, once per idempotency key (`queue`: this process's
    adjustments of one enrolment, one at a time)."""
    enrolment_uuid = parse_id(enrolment_id, "enrolment_id")
    async with queue.turn(enrolment_uuid) if queue else contextlib.nullcontext():
        try:
            return await _adjust_once(tenant_id, enrolment_uuid, adjustment, uow, clock)
        except sa.exc.IntegrityError as exc:
            if "uq_ledger_entries_key" not in str(exc.orig):
                raise
            # Another try of the same key committed between our look-up and our insert: its
            # entry is there now, so this answers as a replay.
            return await _adjust_once(tenant_id, enrolment_uuid, adjustment, uow, clock)


async def _adjust_once(
    tenant_id: uuid.UUID,
    enrolment_id: uuid.UUID,
    adjustment: Adjustment,
    uow: UowFactory,
    clock: Clock,
) -> Adjusted:
    async with uow() as work:
        # The key and the program are read before the enrolment is locked, so the lock is held
        # only for the posting itself; a key used concurrently is caught by its unique index.
        first = await work.ledger.by_key(enrolment_id, adjustment.idempotency_key)
        if first is not None:
            enrolment = await work.enrolments.get(tenant_id, first.enrolment_id)
            if enrolment is None:
                raise NotFound(f"enrolment {enrolment_id} not found")
            if first.fingerprint != adjustment.fingerprint():
                raise AlreadyExists(
                    f"idempotency_key {adjustment.idempotency_key!r} was used for another request"
                )
            return Adjusted(first, enrolment, replayed=True)
        book = await locked(work, tenant_id, enrolment_id, with_lots=adjustment.delta < 0)
        if book.enrolment.status is not Status.ACTIVE:
            raise PreconditionFailed(f"enrolment {enrolment_id} is {book.enrolment.status.value}")
        now = clock()
        touched = book.lots
        posting = post(book, adjustment, now)
        assert posting is not None
        entry = await record(
            work,
            book,
            posting,
            now=now,
            touched=touched,
            key=adjustment.idempotency_key,
            fingerprint=adjustment.fingerprint(),
            note=adjustment.note,
            source_ref=adjustment.source_ref,
            actor_id=adjustment.actor_id,
        )
        await work.commit()
        return Adjusted(entry, book.enrolment, replayed=False)


async def ledger_page(
    *, tenant_id: uuid.UUID, enrolment_id: str, page_size: int, page_token: str, uow: UowFactory
) -> tuple[list[Entry], str]:
    limit = paging.page_size(page_size, maximum=500, default=100)
    enrolment_uuid = parse_id(enrolment_id, "enrolment_id")
    async with uow() as work:
        if await work.enrolments.get(tenant_id, enrolment_uuid) is None:
            raise NotFound(f"enrolment {enrolment_id} not found")
        return await work.ledger.page(tenant_id, enrolment_uuid, limit=limit, cursor=page_token)
