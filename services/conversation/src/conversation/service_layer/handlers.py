"""Use cases on conversations and message search. Keyword-only, one unit of work each; no SQL
and no protobuf parsing here (ingestion lives in ingestion.py)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from moodline.events.v1 import subjects
from moodline_kit import ids
from moodline_kit.errors import InvalidArgument, NotFound
from moodline_kit.events import Event
from moodline_kit.ids import existing_id
from moodline_kit.paging import decode_cursor, encode_cursor, page_size

from conversation.adapters import proto
from conversation.adapters.repository import (
    MARK_END,
    MARK_START,
    ConversationFilter,
    ConversationPage,
    MessageFilter,
    MessagePage,
)
from conversation.domain.model import (
    DEFAULT_MESSAGE_PAGE_SIZE,
    DEFAULT_PAGE_SIZE,
    MAX_MESSAGE_PAGE_SIZE,
    MAX_PAGE_SIZE,
    AgentKind,
    Conversation,
    Message,
    Status,
    validate_csat,
)
from conversation.domain.search import (
    DEFAULT_SEARCH_PAGE_SIZE,
    MAX_QUERY_CHARS,
    MAX_SEARCH_CUSTOMERS,
    MAX_SEARCH_OFFSET,
    MAX_SEARCH_PAGE_SIZE,
    Snippet,
    split_highlights,
)
from conversation.service_layer.unit_of_work import ConversationUnitOfWork

UowFactory = Callable[[], ConversationUnitOfWork]


def conversation_id(value: str) -> uuid.UUID:
    return existing_id(value, what="conversation")


def optional_customer_id(value: str) -> uuid.UUID | None:
    return ids.parse_uuid(value, field="customer_id", what="customer id") if value else None


async def list_conversations(
    *,
    tenant_id: uuid.UUID,
    where: ConversationFilter,
    page_size_: int,
    page_token: str,
    uow: UowFactory,
) -> ConversationPage:
    limit = page_size(
        page_size_, maximum=MAX_PAGE_SIZE, default=DEFAULT_PAGE_SIZE, name="page_size"
    )
    if where.started_after and where.started_before and where.started_after >= where.started_before:
        raise InvalidArgument.of("started_before", "must be after started_after")
    async with uow() as work:
        return await work.conversations.list(tenant_id, where=where, limit=limit, cursor=page_token)


async def get_conversation(
    *,
    tenant_id: uuid.UUID,
    ident: str,
    message_page_size: int,
    message_page_token: str,
    uow: UowFactory,
) -> tuple[Conversation, MessagePage]:
    key = conversation_id(ident)
    limit = page_size(
        message_page_size,
        maximum=MAX_MESSAGE_PAGE_SIZE,
        default=DEFAULT_MESSAGE_PAGE_SIZE,
        name="message_page_size",
    )
    async with uow() as work:
        found = await work.conversations.get(tenant_id, key)
        if found is None:
            raise NotFound(f"conversation {ident} not found")
        page = await work.messages.page(tenant_id, key, limit=limit, cursor=message_page_token)
    return found, page


@dataclass(frozen=True)
class Handoff:
    agent_id: str
    kind: AgentKind | None
    reason: str = ""


@dataclass(frozen=True)
class UpdateConversation:
    tenant_id: uuid.UUID
    id: str
    status: Status | None = None
    handoff: Handoff | None = None
    csat: int | None = None
    topic: str | None = None
    summary: str | None = None
    ended_at: datetime | None = None  # when resolving
    # Closing a resolved conversation changes nothing (CloseConversation's contract).
    close_only: bool = False
    now: datetime = field(default_factory=lambda: datetime.now(UTC))


async def update_conversation(*, command: UpdateConversation, uow: UowFactory) -> Conversation:
    key = conversation_id(command.id)
    now = command.now
    if command.csat is not None:
        validate_csat(command.csat)
    if command.handoff is not None and command.handoff.kind is None:
        raise InvalidArgument.of("handoff.kind", "is required (human, ai)")
    async with uow() as work:
        conversation = await work.conversations.lock(command.tenant_id, key)
        if conversation is None:
            raise NotFound(f"conversation {command.id} not found")
        if command.close_only and conversation.status is Status.RESOLVED:
            return conversation
        emitted: list[tuple[str, object]] = []
        if command.handoff is not None:
            assert command.handoff.kind is not None
            handed = conversation.hand_off(
                command.handoff.agent_id, command.handoff.kind, command.handoff.reason, now
            )
            if handed.escalated:
                emitted.append((subjects.CONVERSATION_CONVERSATION_ESCALATED, handed))
        if command.csat is not None and conversation.rate(command.csat, now):
            emitted.append((subjects.CONVERSATION_CONVERSATION_RATED, None))
        if command.topic is not None or command.summary is not None:
            conversation.describe(topic=command.topic, summary=command.summary, at=now)
        if command.status is Status.RESOLVED:
            ended = command.ended_at or max(now, conversation.last_message_at or now)
            if conversation.close(ended_at=ended, at=now):
                emitted.append((subjects.CONVERSATION_CONVERSATION_CLOSED, None))
        elif command.status is Status.OPEN and conversation.reopen(now):
            emitted.append((subjects.CONVERSATION_CONVERSATION_REOPENED, None))
        saved = await work.conversations.save(conversation)
        for subject, detail in emitted:
            work.emit(_conversation_event(subject, saved, detail, now))
        await work.commit()
    return saved


def _conversation_event(subject: str, c: Conversation, detail: object, now: datetime) -> Event:
    if subject == subjects.CONVERSATION_CONVERSATION_ESCALATED:
        payload = proto.conversation_escalated(c, detail)  # type: ignore[arg-type]
    elif subject == subjects.CONVERSATION_CONVERSATION_RATED:
        payload = proto.conversation_rated(c)
    elif subject == subjects.CONVERSATION_CONVERSATION_CLOSED:
        payload = proto.conversation_closed(c)
    else:
        payload = proto.conversation_reopened(c)
    return Event(
        subject=subject,
        tenant_id=c.tenant_id,
        aggregate_id=str(c.id),
        payload=payload,
        occurred_at=now,
    )


@dataclass(frozen=True)
class SearchMessages:
    tenant_id: uuid.UUID
    query: str
    where: MessageFilter = field(default_factory=MessageFilter)
    page_size: int = 0
    page_token: str = ""
    customers_only: bool = False


@dataclass(frozen=True)
class SearchHit:
    message: Message
    rank: float
    snippet: Snippet


@dataclass(frozen=True)
class SearchResult:
    hits: list[SearchHit]
    customer_ids: list[uuid.UUID]
    next_page_token: str


async def search_messages(*, command: SearchMessages, uow: UowFactory) -> SearchResult:
    query = command.query.strip()
    if not query:
        raise InvalidArgument.of("query", "is required")
    if len(query) > MAX_QUERY_CHARS:
        raise InvalidArgument.of("query", f"must be at most {MAX_QUERY_CHARS} characters")
    limit = page_size(
        command.page_size,
        maximum=MAX_SEARCH_PAGE_SIZE,
        default=DEFAULT_SEARCH_PAGE_SIZE,
        name="page_size",
    )
    offset = 0
    if command.page_token:
        token = decode_cursor(command.page_token)
        offset = token.get("o", -1) if isinstance(token, dict) else -1
        if not isinstance(offset, int) or not 0 <= offset <= MAX_SEARCH_OFFSET:
            raise InvalidArgument.of("page_token", "malformed cursor")
    where = command.where
    if where.sent_after and where.sent_before and where.sent_after >= where.sent_before:
        raise InvalidArgument.of("sent_before", "must be after sent_after")
    async with uow() as work:
        customer_ids: list[uuid.UUID] = []
        if offset == 0 or command.customers_only:
            customer_ids = await work.messages.search_customers(
                command.tenant_id, query, where=where, limit=MAX_SEARCH_CUSTOMERS
            )
        if command.customers_only:
            return SearchResult([], customer_ids, "")
        hits, more = await work.messages.search(
            command.tenant_id, query, where=where, limit=limit, offset=offset
        )
    next_offset = offset + limit
    token = encode_cursor({"o": next_offset}) if more and next_offset <= MAX_SEARCH_OFFSET else ""
    return SearchResult(
        [
            SearchHit(h.message, h.rank, split_highlights(h.snippet, MARK_START, MARK_END))
            for h in hits
        ],
        customer_ids,
        token,
    )
