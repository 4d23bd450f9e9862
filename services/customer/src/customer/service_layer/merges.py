"""Duplicates, merges and GDPR erasure (issue #23): the customer service's side of each saga.

A merge or an erasure commits here with its event (`customer.customer.merged` / `.erased`) and
an operation whose steps are the participating services (moodline_kit.customer_data); each
service answers with `<service>.customer.reassigned` / `.erased` (read by
`entrypoints/consumers.on_answer`, which calls `step_done`), and the operation is completed when
every step is.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from moodline.events.v1 import subjects
from moodline_kit import customer_data
from moodline_kit.errors import Conflict, InvalidArgument, NotFound
from moodline_kit.events import Event

from customer.adapters import events
from customer.adapters.operations import (
    COMPLETED,
    RUNNING,
    Operation,
    Step,
    Tombstone,
)
from customer.domain import contacts, duplicates, erasure, merge
from customer.domain.model import Customer
from customer.domain.records import ConsentRecord, Note, TimelineEntry
from customer.service_layer import lifecycle
from customer.service_layer.handlers import parse_customer_id
from customer.service_layer.profile import customer_event
from customer.service_layer.unit_of_work import CustomerUnitOfWork

UowFactory = Callable[[], CustomerUnitOfWork]
MERGE = "merge"
ERASURE = "erasure"
SELF = "customer"
MAX_PAIRS_PAGE = 100


# --- duplicates ------------------------------------------------------------------------------
def person_of(customer: Customer) -> duplicates.Person:
    return duplicates.Person(
        customer.first_name,
        customer.last_name,
        customer.company,
        frozenset(p.number for p in customer.phones),
        frozenset(e.address for e in customer.emails),
    )


@dataclass(frozen=True)
class Pair:
    customer: Customer
    duplicate: Customer
    score: duplicates.Score


async def list_duplicates(
    *, tenant_id: uuid.UUID, page_size: int, page_token: str, min_score: int, uow: UowFactory
) -> tuple[list[Pair], str]:
    """Candidate pairs (shared phone, shared e-mail, same name block — all indexed lookups),
    scored with rapidfuzz, best first; the page token is the offset into that order."""
    size = min(max(page_size or 50, 1), MAX_PAIRS_PAGE)
    threshold = min_score or duplicates.DEFAULT_MIN_SCORE
    try:
        offset = int(page_token or "0")
        if offset < 0:
            raise ValueError
    except ValueError as exc:
        raise InvalidArgument.of("page_token", "not a token this list gave") from exc
    async with uow() as work:
        candidates = await work.duplicates.candidate_pairs(tenant_id)
        ids = {i for pair in candidates for i in pair}
        people = {c.id: c for c in await work.duplicates.customers(tenant_id, ids)}
    pairs = []
    for a, b in candidates:
        if a in people and b in people:
            scored = duplicates.score(person_of(people[a]), person_of(people[b]))
            if scored.value >= threshold and scored.reasons:
                pairs.append(Pair(people[a], people[b], scored))
    # The older customer first (the natural survivor), best pairs first.
    pairs = [
        p
        if p.customer.created_at <= p.duplicate.created_at
        else Pair(p.duplicate, p.customer, p.score)
        for p in pairs
    ]
    pairs.sort(key=lambda p: (-p.score.value, str(p.customer.id), str(p.duplicate.id)))
    page = pairs[offset : offset + size]
    more = offset + size < len(pairs)
    return page, str(offset + size) if more else ""


@dataclass(frozen=True)
class Candidate:
    first_name: str = ""
    last_name: str = ""
    company: str = ""
    phones: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    exclude_id: str = ""
    limit: int = 5


async def find_likely_duplicates(
    *, tenant_id: uuid.UUID, candidate: Candidate, uow: UowFactory
) -> list[tuple[Customer, duplicates.Score]]:
    """Existing customers that look like `candidate` (create and import warn with these).
    Contacts that do not parse are simply not compared."""
    async with uow() as work:
        region = await work.tenants.default_country(tenant_id)
        phones, emails = set(), set()
        for raw in candidate.phones:
            try:
                phones.add(contacts.normalise_phone(raw, region))
            except contacts.ContactError:
                continue
        for raw in candidate.emails:
            try:
                emails.add(contacts.normalise_email(raw))
            except contacts.ContactError:
                continue
        found = await work.duplicates.like(
            tenant_id,
            phones=phones,
            emails=emails,
            name=" ".join(f"{candidate.first_name} {candidate.last_name}".split()).lower(),
        )
    me = duplicates.Person(
        candidate.first_name,
        candidate.last_name,
        candidate.company,
        frozenset(phones),
        frozenset(emails),
    )
    exclude = candidate.exclude_id
    scored = [(c, duplicates.score(me, person_of(c))) for c in found if str(c.id) != exclude]
    scored = [(c, s) for c, s in scored if s.reasons and s.value >= duplicates.DEFAULT_MIN_SCORE]
    scored.sort(key=lambda cs: (-cs[1].value, str(cs[0].id)))
    return scored[: min(max(candidate.limit or 5, 1), 50)]


# --- merge -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class MergeCustomers:
    tenant_id: uuid.UUID
    customer_id: str
    duplicate_id: str
    fields: dict[str, str] = field(default_factory=dict)


def _pair_ids(command: MergeCustomers) -> tuple[uuid.UUID, uuid.UUID]:
    survivor = parse_customer_id(command.customer_id)
    try:
        duplicate = uuid.UUID(command.duplicate_id)
    except ValueError as exc:
        raise InvalidArgument.of("duplicate_id", "not a customer id") from exc
    if survivor == duplicate:
        raise InvalidArgument.of("duplicate_id", "a customer cannot be merged into itself")
    merge.validate_choices(command.fields)
    return survivor, duplicate


async def _load_pair(
    work: CustomerUnitOfWork, tenant_id: uuid.UUID, survivor_id: uuid.UUID, dup_id: uuid.UUID
) -> tuple[Customer, Customer]:
    loaded: dict[uuid.UUID, Customer] = {}
    for ident in sorted((survivor_id, dup_id)):  # one lock order: no deadlock between merges
        found = await work.customers.get(tenant_id, ident, for_update=True, full=False)
        if found is None:
            name = "customer_id" if ident == survivor_id else "duplicate_id"
            raise NotFound(f"{name} {ident} not found")
        if await work.operations.find(tenant_id, ERASURE, ident) is not None:
            raise Conflict(f"customer {ident} was erased; it cannot be merged")
        loaded[ident] = found
    return loaded[survivor_id], loaded[dup_id]


async def preview_merge(
    *, command: MergeCustomers, uow: UowFactory
) -> tuple[Customer, Customer, Customer, dict[str, str]]:
    survivor_id, dup_id = _pair_ids(command)
    async with uow() as work:
        survivor = await work.customers.get(command.tenant_id, survivor_id)
        duplicate = await work.customers.get(command.tenant_id, dup_id)
    if survivor is None:
        raise NotFound(f"customer {survivor_id} not found")
    if duplicate is None:
        raise NotFound(f"duplicate_id {dup_id} not found")
    result, sources = merge.merge_profiles(survivor, duplicate, command.fields)
    return survivor, duplicate, result, sources


async def merge_customers(*, command: MergeCustomers, uow: UowFactory) -> Operation:
    """Idempotent: merging the same pair again returns the first merge's operation."""
    survivor_id, dup_id = _pair_ids(command)
    tenant_id = command.tenant_id
    async with uow() as work:
        done = await work.operations.find(tenant_id, MERGE, survivor_id, dup_id)
        if done is not None:
            return done
        stone = await work.operations.tombstone(tenant_id, dup_id)
        if stone is not None:
            raise Conflict(f"customer {dup_id} was already merged into {stone.merged_into_id}")
        if await work.operations.tombstone(tenant_id, survivor_id) is not None:
            raise Conflict(f"customer {survivor_id} was merged away; merge into its survivor")
        survivor, duplicate = await _load_pair(work, tenant_id, survivor_id, dup_id)
        now = datetime.now(UTC)
        result, _ = merge.merge_profiles(survivor, duplicate, command.fields, now=now)
        op = _new_operation(tenant_id, MERGE, survivor_id, dup_id, now)
        await work.operations.add(op)
        await work.operations.move_history(tenant_id, dup_id, survivor_id)
        await work.customers.delete(tenant_id, dup_id, None)
        await work.operations.add_tombstone(tenant_id, Tombstone(dup_id, survivor_id, op.id, now))
        await lifecycle.reevaluate(work, result)
        if not await work.customers.save(result, expected_version=None, contacts_changed=True):
            raise NotFound(f"customer {survivor_id} not found")
        changed = ["phones", "emails", *merge.CHOOSABLE, "addresses", "tags", "workers"]
        work.emit(
            customer_event(
                result,
                subjects.CUSTOMER_CUSTOMER_UPDATED,
                events.customer_updated(result, changed),
            )
        )
        work.emit(
            Event(
                subjects.CUSTOMER_CUSTOMER_MERGED,
                tenant_id,
                str(survivor_id),
                events.customer_merged(op.id, survivor_id, dup_id),
                occurred_at=now,
            )
        )
        await work.customers.add_timeline(
            tenant_id,
            survivor_id,
            kind="profile",
            type=subjects.CUSTOMER_CUSTOMER_MERGED,
            summary="Merged with a duplicate profile",
            data={"duplicate_id": str(dup_id), "operation_id": str(op.id)},
            occurred_at=now,
        )
        await work.commit()
    return op


def _new_operation(
    tenant_id: uuid.UUID,
    kind: str,
    customer_id: uuid.UUID,
    duplicate_id: uuid.UUID | None,
    now: datetime,
) -> Operation:
    steps = [Step(SELF, COMPLETED, now)] + [Step(s) for s in customer_data.PARTICIPANTS]
    return Operation(
        uuid.uuid4(), tenant_id, kind, customer_id, duplicate_id, RUNNING, now, None, steps
    )


async def get_operation(*, tenant_id: uuid.UUID, operation_id: str, uow: UowFactory) -> Operation:
    try:
        ident = uuid.UUID(operation_id)
    except ValueError as exc:
        raise NotFound(f"operation {operation_id} not found") from exc
    async with uow() as work:
        found = await work.operations.get(tenant_id, ident)
        # the caller sees an operation when it sees its customer (the survivor, or the erased)
        if found is not None and not await work.customers.exists(tenant_id, found.customer_id):
            found = None
    return NotFound.unless(found, f"operation {operation_id} not found")


async def get_tombstone(*, tenant_id: uuid.UUID, customer_id: str, uow: UowFactory) -> Tombstone:
    ident = parse_customer_id(customer_id)
    async with uow() as work:
        found = await work.operations.tombstone(tenant_id, ident)
    return NotFound.unless(found, f"customer {customer_id} was never merged")


# --- GDPR --------------------------------------------------------------------------------------
async def erase_customer(
    *, tenant_id: uuid.UUID, customer_id: str, confirm: bool, uow: UowFactory
) -> Operation:
    """Removes the customer's personal data here (the row stays, anonymised, so the tenant's
    counts, revenue and sentiment tallies are unchanged) and asks every service to do the same.
    Irreversible. Erasing again returns the first erasure's operation."""
    if not confirm:
        raise InvalidArgument.of("confirm", "erasure is irreversible; confirm it")
    ident = parse_customer_id(customer_id)
    async with uow() as work:
        done = await work.operations.find(tenant_id, ERASURE, ident)
        if done is not None:
            return done
        customer = await work.customers.get(tenant_id, ident, for_update=True, full=False)
        if customer is None:
            raise NotFound(f"customer {customer_id} not found")
        now = datetime.now(UTC)
        op = _new_operation(tenant_id, ERASURE, ident, None, now)
        await work.operations.add(op)
        erasure.anonymise(customer, now)
        await work.customers.save(customer, expected_version=None, contacts_changed=True)
        await work.operations.erase_history(tenant_id, ident)
        await work.operations.mark_erased(tenant_id, ident, now)
        await customer_data.forget_published_events(work, ident)
        work.emit(
            Event(
                subjects.CUSTOMER_CUSTOMER_ERASED,
                tenant_id,
                str(ident),
                events.customer_erased(op.id, ident),
                occurred_at=now,
            )
        )
        await work.commit()
    return op


@dataclass(frozen=True)
class CustomerData:
    customer: Customer
    notes: list[Note]
    consents: list[ConsentRecord]
    timeline: list[TimelineEntry]


async def export_customer_data(
    *, tenant_id: uuid.UUID, customer_id: str, uow: UowFactory
) -> CustomerData:
    ident = parse_customer_id(customer_id)
    async with uow() as work:
        customer = await work.customers.get(tenant_id, ident)
        if customer is None:
            raise NotFound(f"customer {customer_id} not found")
        notes = await work.customers.notes(tenant_id, ident)
        consents = await work.customers.consent_history(tenant_id, ident)
        timeline: list[TimelineEntry] = []
        cursor = ""
        while True:
            entries, cursor = await work.customers.timeline(
                tenant_id, ident, limit=500, cursor=cursor
            )
            timeline += entries
            if not cursor:
                break
    return CustomerData(customer, notes, consents, timeline)


# --- the saga: each service's answer ---------------------------------------------------------
async def step_done(
    work: CustomerUnitOfWork,
    *,
    tenant_id: uuid.UUID,
    operation_id: uuid.UUID,
    service: str,
    now: datetime,
) -> None:
    """`service` has done its part of the operation (its answer event arrived)."""
    if not await work.operations.complete_step(tenant_id, operation_id, service, now):
        return
    op = await work.operations.get(tenant_id, operation_id)
    if op is not None and op.kind == ERASURE:
        # Events about the person still unpublished when the erasure committed have been
        # published since (every service has answered after them): forget them too.
        await customer_data.forget_published_events(work, op.customer_id)
