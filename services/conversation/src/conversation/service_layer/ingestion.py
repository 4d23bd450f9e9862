"""Ingestion: messages reported by channel providers and voice agents, each stored exactly once.

One code path for a single message and for a batch (a single message is a batch of one):
1. validate every message (bad ones fail alone, nothing of theirs is stored);
2. replay messages whose (channel, provider_message_id) is already stored, and fail messages
   naming a conversation that is missing or of another channel — before any customer lookup,
   so neither a repeat nor a message that cannot be stored ever creates a Prospect;
3. resolve each distinct contact once: known contacts from the `contacts` mapping (one query,
   in the same read as step 2), only unknown ones through the customer service: one
   ResolveCustomers call for the batch's phones and emails, whose answers are then remembered;
4. one transaction of set-based statements (one each, whatever the batch size): lock the named
   conversations, upsert the open ones (each in one order, so concurrent batches cannot
   deadlock), INSERT ... ON CONFLICT DO NOTHING the messages, count them into their
   conversations, the events to the outbox. If a concurrent ingest stored one of the messages
   in between, the transaction is rolled back and the batch retried from step 2.
5. if steps 3-4 fail (the conversation database is down, the call is cancelled), the Prospects
   this call created are deleted again (compensation; only while untouched since created) and
   forgotten by the contact mapping at once.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from moodline.events.v1 import subjects
from moodline_kit.errors import DomainError, InvalidArgument, NotFound, Unavailable
from moodline_kit.events import Event

from conversation.adapters import proto
from conversation.adapters.contacts import Known
from conversation.adapters.customers import CustomerDirectory, ResolvedCustomer
from conversation.adapters.repository import Counted, OpenWanted
from conversation.domain.contacts import contact_key, needs_region
from conversation.domain.model import (
    MAX_BATCH,
    Contact,
    ContactKind,
    Conversation,
    IncomingMessage,
    Message,
    agent_kind_of,
    validate_incoming,
)
from conversation.service_layer import contacts
from conversation.service_layer.unit_of_work import ConversationUnitOfWork

UowFactory = Callable[[], ConversationUnitOfWork]
log = logging.getLogger(__name__)
MAX_ATTEMPTS = 3


@dataclass(frozen=True)
class Ingested:
    message: Message
    conversation: Conversation
    duplicate: bool = False
    customer_created: bool = False
    conversation_opened: bool = False


Outcome = Ingested | DomainError


class _RacedDuplicate(Exception):
    """A concurrent ingest stored one of the batch's messages after our duplicate check."""


async def ingest_message(
    *,
    tenant_id: uuid.UUID,
    message: IncomingMessage,
    uow: UowFactory,
    customers: CustomerDirectory,
    now: datetime | None = None,
) -> Ingested:
    (outcome,) = await ingest_messages(
        tenant_id=tenant_id, messages=[message], uow=uow, customers=customers, now=now
    )
    if isinstance(outcome, DomainError):
        raise outcome
    return outcome


async def ingest_messages(
    *,
    tenant_id: uuid.UUID,
    messages: Sequence[IncomingMessage],
    uow: UowFactory,
    customers: CustomerDirectory,
    now: datetime | None = None,
    resolve_concurrency: int = 16,
) -> list[Outcome]:
    if not 1 <= len(messages) <= MAX_BATCH:
        raise InvalidArgument.of("messages", f"must hold 1 to {MAX_BATCH} messages")
    now = now or datetime.now(UTC)
    outcomes: list[Outcome | None] = [None] * len(messages)
    for i, message in enumerate(messages):
        bad = validate_incoming(message, now=now)
        if bad:
            outcomes[i] = InvalidArgument.of_all(bad)

    # A key repeated inside the batch is stored once; its repeats replay the first.
    first_of: dict[tuple[str, str], int] = {}
    repeats: dict[int, int] = {}
    for i, message in enumerate(messages):
        if outcomes[i] is None:
            key = message.idempotency_key
            if key in first_of:
                repeats[i] = first_of[key]
            else:
                first_of[key] = i
    pending = list(first_of.values())

    resolved: dict[tuple[str, str], ResolvedCustomer | DomainError] = {}
    for attempt in range(MAX_ATTEMPTS):
        keys = await _contact_keys(messages, pending, resolved, customers)
        pending = await _replay_stored(
            tenant_id, messages, pending, outcomes, uow, keys=keys, resolved=resolved
        )
        if not pending:
            break
        try:
            await _resolve_contacts(
                tenant_id,
                messages,
                pending,
                resolved,
                keys,
                customers,
                resolve_concurrency,
                uow,
                now,
            )
            pending = _attach_customers(messages, pending, resolved, outcomes)
            await _store(tenant_id, messages, pending, resolved, outcomes, uow, now)
            break
        except _RacedDuplicate:
            if attempt == MAX_ATTEMPTS - 1:
                raise Unavailable("concurrent ingestion of the same messages; retry") from None
        except BaseException:
            # nothing of this call is stored (one transaction): the Prospects it created go too
            await asyncio.shield(_discard_created(tenant_id, resolved, customers, uow))
            raise

    for i, first in repeats.items():
        original = outcomes[first]
        outcomes[i] = (
            replace(original, duplicate=True, customer_created=False, conversation_opened=False)
            if isinstance(original, Ingested)
            else original
        )
    assert all(o is not None for o in outcomes)
    return outcomes  # type: ignore[return-value]


async def _contact_keys(
    messages: Sequence[IncomingMessage],
    pending: list[int],
    resolved: dict[tuple[str, str], ResolvedCustomer | DomainError],
    customers: CustomerDirectory,
) -> dict[tuple[str, str], tuple[str, str] | None]:
    """Normalised mapping key of each contact still to resolve (None: ask the customer
    service). The tenant's default country is fetched (cached) only for national numbers."""
    todo: dict[tuple[str, str], Contact] = {}
    for i in pending:
        contact = messages[i].contact
        assert contact is not None
        if contact.key not in resolved:
            todo[contact.key] = contact
    region: str | None = ""
    if any(needs_region(c) for c in todo.values()):
        try:
            region = await customers.default_country()
        except DomainError:
            region = None  # every national number goes to ResolveCustomer
    return {
        k: None if region is None and needs_region(c) else contact_key(c, region or "")
        for k, c in todo.items()
    }


async def _replay_stored(
    tenant_id: uuid.UUID,
    messages: Sequence[IncomingMessage],
    pending: list[int],
    outcomes: list[Outcome | None],
    uow: UowFactory,
    *,
    keys: dict[tuple[str, str], tuple[str, str] | None],
    resolved: dict[tuple[str, str], ResolvedCustomer | DomainError],
) -> list[int]:
    """Mark already-stored messages as duplicates (returning the stored original); the rest
    still need storing. In the same read: the known customers of the contacts (one query), and
    the conversations that messages name, so that a message for a missing conversation or one
    of another channel fails here, before a Prospect could be created for it."""
    wanted = {k for k in keys.values() if k is not None}
    named = {uuid.UUID(messages[i].conversation_id) for i in pending if messages[i].conversation_id}
    async with uow() as work:
        stored = await work.messages.find_by_keys(
            tenant_id, [messages[i].idempotency_key for i in pending]
        )
        wanted_conversations = named | {m.conversation_id for m in stored.values()}
        found = (
            await work.conversations.get_many(tenant_id, list(wanted_conversations))
            if wanted_conversations
            else {}
        )
        known = await work.contacts.lookup(tenant_id, wanted)
    for contact, key in keys.items():
        if key is not None and key in known:
            resolved[contact] = ResolvedCustomer(known[key], created=False)
    remaining = []
    for i in pending:
        message = messages[i]
        original = stored.get(message.idempotency_key)
        if original is not None:
            outcomes[i] = Ingested(original, found[original.conversation_id], duplicate=True)
        elif message.conversation_id:
            target = found.get(uuid.UUID(message.conversation_id))
            if target is None:
                outcomes[i] = NotFound(f"conversation {message.conversation_id} not found")
            elif target.channel != message.channel:
                outcomes[i] = InvalidArgument.of(
                    "conversation_id", "belongs to another customer or channel"
                )
            else:
                remaining.append(i)
        else:
            remaining.append(i)
    return remaining


async def _resolve_contacts(
    tenant_id: uuid.UUID,
    messages: Sequence[IncomingMessage],
    pending: list[int],
    resolved: dict[tuple[str, str], ResolvedCustomer | DomainError],
    keys: dict[tuple[str, str], tuple[str, str] | None],
    customers: CustomerDirectory,
    concurrency: int,
    uow: UowFactory,
    now: datetime,
) -> None:
    """Each distinct unknown contact asked of the customer service once (not per message): the
    phones and emails in one call for the batch (ResolveCustomers; ResolveCustomer when there is
    only one), customer ids each by GetCustomer, at most `concurrency` at once; the answers are
    remembered for the next messages."""
    todo: dict[tuple[str, str], IncomingMessage] = {}
    for i in pending:
        contact = messages[i].contact
        assert contact is not None
        if contact.key not in resolved and contact.key not in todo:
            todo[contact.key] = messages[i]
    if not todo:
        return
    batch = [(k, m) for k, m in todo.items() if k[0] != ContactKind.CUSTOMER_ID.value]
    singles = [(k, m) for k, m in todo.items() if k[0] == ContactKind.CUSTOMER_ID.value]
    if len(batch) == 1:
        singles, batch = singles + batch, []
    gate = asyncio.Semaphore(concurrency)

    async def one(key: tuple[str, str], message: IncomingMessage) -> None:
        assert message.contact is not None
        async with gate:
            try:
                resolved[key] = await customers.resolve(message.contact, message.display_name)
            except DomainError as exc:
                resolved[key] = exc

    async def together() -> None:
        asked = [(m.contact, m.display_name) for _, m in batch if m.contact is not None]
        answers = await customers.resolve_many(asked)
        for (key, _), answer in zip(batch, answers, strict=True):
            resolved[key] = answer

    await asyncio.gather(*(one(k, m) for k, m in singles), *([together()] if batch else []))
    learnt = []
    for contact in todo:
        answer, key = resolved[contact], keys.get(contact)
        # Cached only when the customer really carries the contact as we normalised it.
        if isinstance(answer, ResolvedCustomer) and key is not None and key in answer.contacts:
            learnt.append(Known(key, answer.customer_id, answer.version))
    if learnt:
        async with uow() as work:
            await work.contacts.remember(tenant_id, learnt, now)
            await work.commit()


async def _discard_created(
    tenant_id: uuid.UUID,
    resolved: dict[tuple[str, str], ResolvedCustomer | DomainError],
    customers: CustomerDirectory,
    uow: UowFactory,
) -> None:
    """Compensation when the store fails after the customer service created Prospects for
    this call: each is deleted if still untouched and if no conversation of it was stored
    meanwhile (a concurrent call given the same new customer); when the conversation database
    cannot even be asked, no call could store one either. Best effort: the failure itself is
    what the caller is told."""
    created = [a for a in resolved.values() if isinstance(a, ResolvedCustomer) and a.created]
    if not created:
        return
    in_use: set[uuid.UUID] = set()
    try:
        async with uow() as work:
            in_use = await work.conversations.customers_with_any(
                tenant_id, [a.customer_id for a in created]
            )
    except Exception:
        log.warning("conversation database unavailable while discarding Prospects")
    discarded = []
    for answer in created:
        if answer.customer_id in in_use:
            continue
        try:
            if await customers.discard(answer):
                discarded.append(answer.customer_id)
        except Exception:
            log.warning("could not discard Prospect %s", answer.customer_id, exc_info=True)
    if not discarded:
        return
    # The contact mapping learnt them before the store failed: forget them now, as their
    # customer.customer.deleted events will, or a retry arriving before those events would
    # store its messages for a deleted customer.
    try:
        async with uow() as work:
            for customer_id in discarded:
                await contacts.customer_deleted(work, tenant_id, customer_id, datetime.now(UTC))
            await work.commit()
    except Exception:
        log.warning("could not forget the discarded Prospects' contacts", exc_info=True)


def _attach_customers(
    messages: Sequence[IncomingMessage],
    pending: list[int],
    resolved: dict[tuple[str, str], ResolvedCustomer | DomainError],
    outcomes: list[Outcome | None],
) -> list[int]:
    remaining = []
    for i in pending:
        contact = messages[i].contact
        assert contact is not None
        result = resolved[contact.key]
        if isinstance(result, DomainError):
            outcomes[i] = result
        else:
            remaining.append(i)
    return remaining


@dataclass
class _Target:
    conversation: Conversation
    opened: bool
    indexes: list[int]


async def _store(
    tenant_id: uuid.UUID,
    messages: Sequence[IncomingMessage],
    pending: list[int],
    resolved: dict[tuple[str, str], ResolvedCustomer | DomainError],
    outcomes: list[Outcome | None],
    uow: UowFactory,
    now: datetime,
) -> None:
    """One transaction: the pending messages into their conversations (named, or the open one
    of their customer and channel), their events; then each message's outcome."""
    customers, groups = _grouped(messages, pending, resolved)
    async with uow() as work:
        targets = await _targets(work, tenant_id, groups, messages, customers, outcomes, now)
        rows = _rows(tenant_id, targets, messages, now)
        inserted = await work.messages.insert_new(list(rows.values()))
        if len(inserted) < len(rows):
            await work.rollback()
            raise _RacedDuplicate
        await _record(work, targets, rows, now)
        await work.commit()
    _report(targets, rows, customers, outcomes)


def _grouped(
    messages: Sequence[IncomingMessage],
    pending: list[int],
    resolved: dict[tuple[str, str], ResolvedCustomer | DomainError],
) -> tuple[dict[int, ResolvedCustomer], dict[tuple[str, ...], list[int]]]:
    """Each pending message's customer, and the messages by conversation: a named one, or the
    open one of a customer and channel."""
    customers: dict[int, ResolvedCustomer] = {}
    groups: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for i in pending:
        message = messages[i]
        assert message.channel is not None and message.contact is not None
        customer = resolved[message.contact.key]
        assert isinstance(customer, ResolvedCustomer)
        customers[i] = customer
        if message.conversation_id:
            groups[("id", message.conversation_id.lower())].append(i)
        else:
            groups[("open", str(customers[i].customer_id), message.channel.value)].append(i)
    return customers, groups


async def _targets(
    work: ConversationUnitOfWork,
    tenant_id: uuid.UUID,
    groups: dict[tuple[str, ...], list[int]],
    messages: Sequence[IncomingMessage],
    customers: dict[int, ResolvedCustomer],
    outcomes: list[Outcome | None],
    now: datetime,
) -> list[_Target]:
    """The conversations the groups go to, locked or opened (two statements: the named ones,
    then every open one; each in one order for every batch: no deadlocks); a named conversation
    that is missing, or another customer's or channel's, is its messages' outcome."""
    named = [uuid.UUID(key[1]) for key in groups if key[0] == "id"]
    found = await work.conversations.lock_many(tenant_id, named)
    wanted: dict[tuple[str, ...], OpenWanted] = {}
    for key, indexes in groups.items():
        if key[0] != "id":
            channel = messages[indexes[0]].channel
            assert channel is not None
            started = min(messages[i].sent_at for i in indexes)  # type: ignore[type-var]
            wanted[key] = OpenWanted(customers[indexes[0]].customer_id, channel, started)
    opened = await work.conversations.upsert_open_many(tenant_id, list(wanted.values()), now=now)
    targets: list[_Target] = []
    for key in sorted(groups):
        indexes = groups[key]
        if key[0] != "id":
            conversation, is_new = opened[wanted[key].key]
            targets.append(_Target(conversation, is_new, indexes))
            continue
        target = found.get(uuid.UUID(key[1]))
        if target is None:
            for i in indexes:
                outcomes[i] = NotFound(f"conversation {key[1]} not found")
            continue
        ok = []
        for i in indexes:
            same_customer = target.customer_id == customers[i].customer_id
            if not same_customer or target.channel != messages[i].channel:
                outcomes[i] = InvalidArgument.of(
                    "conversation_id", "belongs to another customer or channel"
                )
            else:
                ok.append(i)
        if ok:
            targets.append(_Target(target, False, ok))
    return targets


def _rows(
    tenant_id: uuid.UUID,
    targets: list[_Target],
    messages: Sequence[IncomingMessage],
    now: datetime,
) -> dict[int, Message]:
    rows: dict[int, Message] = {}
    for target in targets:
        for i in target.indexes:
            m = messages[i]
            assert m.channel and m.direction and m.author and m.sent_at
            rows[i] = Message(
                id=uuid.uuid4(),
                tenant_id=tenant_id,
                conversation_id=target.conversation.id,
                customer_id=target.conversation.customer_id,
                channel=m.channel,
                direction=m.direction,
                author=m.author,
                author_id=m.author_id,
                text=m.text,
                sent_at=m.sent_at,
                provider_message_id=m.provider_message_id,
                created_at=now,
            )
    return rows


async def _record(
    work: ConversationUnitOfWork, targets: list[_Target], rows: dict[int, Message], now: datetime
) -> None:
    """Each conversation's counts, times and first agent (one statement for all of them; a
    conversation both named and found open counts its messages together); the opened and
    received events."""
    by_id: dict[uuid.UUID, tuple[Conversation, list[Message]]] = {}
    for target in targets:
        _, stored = by_id.setdefault(target.conversation.id, (target.conversation, []))
        stored.extend(rows[i] for i in target.indexes)
    counted = []
    for conversation, stored in by_id.values():
        stored.sort(key=lambda m: m.sent_at)
        for m in stored:
            kind = agent_kind_of(m.author)
            if kind is not None and m.author_id:
                conversation.assign_first_agent(m.author_id, kind, m.sent_at)
                break
        counted.append(Counted(conversation, len(stored), stored[0].sent_at, stored[-1].sent_at))
    recorded = await work.conversations.record_many(counted, now=now)
    for target in targets:
        target.conversation = recorded[target.conversation.id]
        if target.opened:
            work.emit(_event(subjects.CONVERSATION_CONVERSATION_OPENED, target.conversation, now))
    for i in sorted(rows):
        work.emit(
            Event(
                subject=subjects.CONVERSATION_MESSAGE_RECEIVED,
                tenant_id=rows[i].tenant_id,
                aggregate_id=str(rows[i].conversation_id),
                payload=proto.message_received(rows[i]),
                occurred_at=rows[i].sent_at,
            )
        )


def _report(
    targets: list[_Target],
    rows: dict[int, Message],
    customers: dict[int, ResolvedCustomer],
    outcomes: list[Outcome | None],
) -> None:
    """Each stored message's outcome; a new customer and an opened conversation are credited
    to the first message that brought them."""
    announced: set[uuid.UUID] = set()
    credited: set[uuid.UUID] = set()
    for target in targets:
        for i in target.indexes:
            customer = customers[i]
            opened = target.opened and target.conversation.id not in announced
            created = customer.created and customer.customer_id not in credited
            outcomes[i] = Ingested(
                rows[i], target.conversation, customer_created=created, conversation_opened=opened
            )
            announced.add(target.conversation.id)
            if created:
                credited.add(customer.customer_id)


def _event(subject: str, conversation: Conversation, now: datetime) -> Event:
    return Event(
        subject=subject,
        tenant_id=conversation.tenant_id,
        aggregate_id=str(conversation.id),
        payload=proto.conversation_opened(conversation),
        occurred_at=now,
    )
