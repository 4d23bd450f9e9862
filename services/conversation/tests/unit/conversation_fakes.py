"""In-memory conversation repositories, a fake unit of work over them and a fake customer
directory (the customer service's side): the ingestion and conversation use cases run on these
in unit tests exactly as on PostgreSQL for what they use (same methods, same answers)."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from conversation.adapters.contacts import Known
from conversation.adapters.customer_data import ERASED_TEXT
from conversation.adapters.customers import ResolvedCustomer
from conversation.adapters.repository import Counted, MessagePage, OpenWanted
from conversation.domain.contacts import contact_key
from conversation.domain.model import Contact, Conversation, Message, Status
from conversation.domain.outbound import CustomerProfile, OutboundMessage
from moodline.enums import Channel
from moodline_devkit.testing.fakes import FakeUnitOfWork
from moodline_kit.errors import DomainError, InvalidArgument, NotFound, PreconditionFailed

Key = tuple[uuid.UUID, uuid.UUID]


@dataclass
class Store:
    conversations: dict[Key, Conversation] = field(default_factory=dict)
    messages: dict[Key, Message] = field(default_factory=dict)
    # (tenant, (kind, value)) -> customer id
    contacts: dict[tuple[uuid.UUID, tuple[str, str]], uuid.UUID] = field(default_factory=dict)
    outbound: dict[uuid.UUID, OutboundMessage] = field(default_factory=dict)


class InMemoryConversations:
    def __init__(self, store: Store) -> None:
        self._store = store

    def _put(self, c: Conversation) -> Conversation:
        self._store.conversations[(c.tenant_id, c.id)] = copy.deepcopy(c)
        return copy.deepcopy(c)

    async def upsert_open(
        self,
        *,
        tenant_id: uuid.UUID,
        customer_id: uuid.UUID,
        channel: Channel,
        started_at: datetime,
        now: datetime,
    ) -> tuple[Conversation, bool]:
        for c in self._store.conversations.values():
            open_ = c.status is Status.OPEN and c.channel == channel
            if c.tenant_id == tenant_id and c.customer_id == customer_id and open_:
                return copy.deepcopy(c), False
        c = Conversation(
            uuid.uuid4(), tenant_id, customer_id, channel, Status.OPEN, started_at, now, now
        )
        return self._put(c), True

    async def upsert_open_many(
        self, tenant_id: uuid.UUID, wanted: Sequence[OpenWanted], *, now: datetime
    ) -> dict[tuple[uuid.UUID, Channel], tuple[Conversation, bool]]:
        return {
            w.key: await self.upsert_open(
                tenant_id=tenant_id,
                customer_id=w.customer_id,
                channel=w.channel,
                started_at=w.started_at,
                now=now,
            )
            for w in wanted
        }

    async def lock(self, tenant_id: uuid.UUID, ident: uuid.UUID) -> Conversation | None:
        return await self.get(tenant_id, ident)

    async def lock_many(
        self, tenant_id: uuid.UUID, ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, Conversation]:
        return await self.get_many(tenant_id, ids)

    async def get(self, tenant_id: uuid.UUID, ident: uuid.UUID) -> Conversation | None:
        found = self._store.conversations.get((tenant_id, ident))
        return copy.deepcopy(found) if found else None

    async def get_many(
        self, tenant_id: uuid.UUID, ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, Conversation]:
        found = {i: await self.get(tenant_id, i) for i in ids}
        return {i: c for i, c in found.items() if c is not None}

    async def record_messages(
        self,
        *,
        conversation: Conversation,
        count: int,
        first_sent: datetime,
        last_sent: datetime,
        now: datetime,
    ) -> Conversation:
        stored = self._store.conversations[(conversation.tenant_id, conversation.id)]
        last = max(filter(None, (stored.last_message_at, last_sent)))
        return self._put(
            replace(
                stored,
                message_count=stored.message_count + count,
                started_at=min(stored.started_at, first_sent),
                last_message_at=last,
                agents=list(conversation.agents),
                updated_at=now,
                version=stored.version + 1,
            )
        )

    async def record_many(
        self, counted: Sequence[Counted], *, now: datetime
    ) -> dict[uuid.UUID, Conversation]:
        return {
            x.conversation.id: await self.record_messages(
                conversation=x.conversation,
                count=x.count,
                first_sent=x.first_sent,
                last_sent=x.last_sent,
                now=now,
            )
            for x in counted
        }

    async def save(self, conversation: Conversation) -> Conversation:
        for c in self._store.conversations.values():
            clash = (
                c.id != conversation.id
                and c.status is Status.OPEN
                and conversation.status is Status.OPEN
                and (c.tenant_id, c.customer_id, c.channel)
                == (conversation.tenant_id, conversation.customer_id, conversation.channel)
            )
            if clash:
                raise PreconditionFailed(
                    "the customer already has an open conversation on this channel"
                )
        stored = self._store.conversations[(conversation.tenant_id, conversation.id)]
        return self._put(replace(conversation, version=stored.version + 1))


class InMemoryMessages:
    def __init__(self, store: Store) -> None:
        self._store = store

    async def find_by_keys(
        self, tenant_id: uuid.UUID, keys: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], Message]:
        wanted = set(keys)
        return {
            (m.channel.value, m.provider_message_id): m
            for (t, _), m in self._store.messages.items()
            if t == tenant_id and (m.channel.value, m.provider_message_id) in wanted
        }

    async def insert_new(self, batch: Sequence[Message]) -> set[uuid.UUID]:
        inserted = set()
        for m in batch:
            if not await self.find_by_keys(m.tenant_id, [(m.channel.value, m.provider_message_id)]):
                self._store.messages[(m.tenant_id, m.id)] = m
                inserted.add(m.id)
        return inserted

    async def page(
        self, tenant_id: uuid.UUID, conversation_id: uuid.UUID, *, limit: int, cursor: str
    ) -> MessagePage:
        found = sorted(
            (
                m
                for (t, _), m in self._store.messages.items()
                if t == tenant_id and m.conversation_id == conversation_id
            ),
            key=lambda m: (m.sent_at, m.id),
        )
        return MessagePage(found[:limit], "")


class InMemoryContacts:
    def __init__(self, store: Store) -> None:
        self._store = store

    async def lookup(
        self, tenant_id: uuid.UUID, keys: Collection[tuple[str, str]]
    ) -> dict[tuple[str, str], uuid.UUID]:
        return {
            k: self._store.contacts[(tenant_id, k)]
            for k in keys
            if (tenant_id, k) in self._store.contacts
        }

    async def remember(self, tenant_id: uuid.UUID, known: Sequence[Known], now: datetime) -> None:
        for k in known:
            self._store.contacts[(tenant_id, k.key)] = k.customer_id

    async def customer_changed(
        self,
        tenant_id: uuid.UUID,
        customer_id: uuid.UUID,
        *,
        version: int,
        deleted: bool,
        keep: Collection[tuple[str, str]],
        now: datetime,
    ) -> None:
        for key, owner in list(self._store.contacts.items()):
            if key[0] == tenant_id and owner == customer_id and (deleted or key[1] not in keep):
                del self._store.contacts[key]


class InMemoryCustomerData:
    """A merge resolves the duplicate's open conversations on channels where the survivor has
    one open, then moves conversations and messages to the survivor; an erasure replaces
    message texts and provider ids and blanks topics and summaries (no outbound messages here:
    the fake stores none)."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def _of(self, rows: dict[Key, Any], tenant_id: uuid.UUID, customer_id: uuid.UUID) -> list[Key]:
        return [
            k for k, r in rows.items() if (r.tenant_id, r.customer_id) == (tenant_id, customer_id)
        ]

    async def reassign(
        self, tenant_id: uuid.UUID, from_id: uuid.UUID, to_id: uuid.UUID, now: datetime
    ) -> None:
        conversations, messages = self._store.conversations, self._store.messages
        survivor_open = {
            conversations[k].channel
            for k in self._of(conversations, tenant_id, to_id)
            if conversations[k].status is Status.OPEN
        }
        for k in self._of(conversations, tenant_id, from_id):
            c = conversations[k]
            if c.status is Status.OPEN and c.channel in survivor_open:
                c.status, c.ended_at, c.updated_at = Status.RESOLVED, c.last_message_at or now, now
            c.customer_id = to_id
        for k in self._of(messages, tenant_id, from_id):
            messages[k] = replace(messages[k], customer_id=to_id)

    async def erase(self, tenant_id: uuid.UUID, customer_id: uuid.UUID) -> None:
        conversations, messages = self._store.conversations, self._store.messages
        for k in self._of(conversations, tenant_id, customer_id):
            conversations[k].topic, conversations[k].summary = "", ""
        for k in self._of(messages, tenant_id, customer_id):
            m = messages[k]
            messages[k] = replace(
                m, text=ERASED_TEXT, provider_message_id=f"erased:{m.id}", delivery_error=""
            )


class InMemoryOutbound:
    """Outbound messages, one per (tenant, idempotency key) as the partial unique index keeps."""

    def __init__(self, store: Store) -> None:
        self._store = store

    async def get(self, tenant_id: uuid.UUID, ident: uuid.UUID) -> OutboundMessage | None:
        found = self._store.outbound.get(ident)
        return copy.deepcopy(found) if found and found.tenant_id == tenant_id else None

    async def find_by_key(self, tenant_id: uuid.UUID, key: str) -> OutboundMessage | None:
        found = [
            m
            for m in self._store.outbound.values()
            if key and (m.tenant_id, m.idempotency_key) == (tenant_id, key)
        ]
        return copy.deepcopy(found[0]) if found else None

    async def insert(self, message: OutboundMessage) -> bool:
        if await self.find_by_key(message.tenant_id, message.idempotency_key):
            return False
        self._store.outbound[message.id] = copy.deepcopy(message)
        return True


class FakeConversationUnitOfWork(FakeUnitOfWork):
    conversations: InMemoryConversations
    messages: InMemoryMessages
    contacts: InMemoryContacts
    customer_data: InMemoryCustomerData
    outbound: InMemoryOutbound

    def __init__(self) -> None:
        super().__init__(Store())

    def _start(self) -> None:
        self.conversations = InMemoryConversations(self.store)
        self.messages = InMemoryMessages(self.store)
        self.contacts = InMemoryContacts(self.store)
        self.customer_data = InMemoryCustomerData(self.store)
        self.outbound = InMemoryOutbound(self.store)


class FakeCustomerDirectory:
    """The customer service as ResolveCustomer answers: one customer per normalised contact,
    created (a Prospect) the first time; `calls` counts the lookups made (one per contact, alone
    or in a batch), `batches` the contacts of each ResolveCustomers call."""

    def __init__(self, country: str = "US") -> None:
        self.country = country
        self.owners: dict[tuple[str, str], uuid.UUID] = {}
        self.calls = 0
        self.batches: list[int] = []

    async def default_country(self) -> str:
        return self.country

    async def resolve(self, contact: Contact, display_name: str) -> ResolvedCustomer:
        self.calls += 1
        key = contact_key(contact, self.country)
        assert key is not None, "the fake resolves valid phones and emails only"
        created = key not in self.owners
        owner = self.owners.setdefault(key, uuid.uuid4())
        return ResolvedCustomer(owner, created, frozenset({key}), version=1)

    async def resolve_many(
        self, contacts: Sequence[tuple[Contact, str]]
    ) -> list[ResolvedCustomer | DomainError]:
        self.batches.append(len(contacts))
        answers: list[ResolvedCustomer | DomainError] = []
        for contact, display_name in contacts:
            if contact_key(contact, self.country) is None:
                self.calls += 1
                answers.append(InvalidArgument.of(contact.field, "not a valid contact"))
            else:
                answers.append(await self.resolve(contact, display_name))
        return answers


class FakeCustomerProfiles:
    """The customer service's profiles as sending reads them (domain profiles by id)."""

    def __init__(self) -> None:
        self.profiles: dict[uuid.UUID, CustomerProfile] = {}

    async def get_profile(self, customer_id: str) -> CustomerProfile:
        found = self.profiles.get(uuid.UUID(customer_id))
        return NotFound.unless(found, f"customer {customer_id} not found")
