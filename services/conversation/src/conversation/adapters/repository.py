"""All conversation and message queries live here. Every query is scoped by tenant_id."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from moodline_kit.errors import PreconditionFailed
from moodline_kit.paging import decode_time_key, encode_time_key
from moodline_kit.rows import from_row, values_of
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from conversation.adapters.tables import SEARCH_CONFIG, conversations, messages
from conversation.domain.model import (
    AgentAssignment,
    Author,
    Channel,
    Conversation,
    Direction,
    Message,
    Status,
)

# Marks around matched words in ts_headline output: private-use code points that message text
# never carries (they are stripped from snippets and turned into highlight spans).
MARK_START = "\ue000"
MARK_END = "\ue001"
HEADLINE_OPTIONS = (
    f"StartSel={MARK_START}, StopSel={MARK_END}, MaxWords=25, MinWords=10, "
    "ShortWord=2, MaxFragments=1"
)


# What saving a conversation writes (its agents as JSON, its version one higher).
_SAVED = [
    *("status", "started_at", "ended_at", "csat", "topic", "summary", "escalated"),
    *("agent_ids", "updated_at"),
]


def _agents(raw: list[dict]) -> list[AgentAssignment]:
    return [AgentAssignment.from_json(a) for a in raw]


def _conversation(row: sa.Row) -> Conversation:
    return from_row(Conversation, row, channel=Channel, status=Status, agents=_agents)


def _message(row: sa.Row) -> Message:
    return from_row(Message, row, channel=Channel, direction=Direction, author=Author)


MESSAGE_COLUMNS = [c for c in messages.c if c.name != "tsv"]
# Search ranks (and collects customer ids from) at most this many of the newest matches.
SEARCH_CANDIDATES = 2_000


@dataclass(frozen=True)
class ConversationFilter:
    customer_id: uuid.UUID | None = None
    started_after: datetime | None = None
    started_before: datetime | None = None
    channels: tuple[Channel, ...] = ()
    status: Status | None = None
    agent_id: str = ""


@dataclass(frozen=True)
class ConversationPage:
    conversations: list[Conversation]
    next_cursor: str


@dataclass(frozen=True)
class MessagePage:
    messages: list[Message]
    next_cursor: str


@dataclass(frozen=True)
class MessageFilter:
    customer_id: uuid.UUID | None = None
    channels: tuple[Channel, ...] = ()
    sent_after: datetime | None = None
    sent_before: datetime | None = None


@dataclass(frozen=True)
class Hit:
    message: Message
    rank: float
    snippet: str  # with MARK_START / MARK_END around matches


class ConversationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def upsert_open(
        self,
        *,
        tenant_id: uuid.UUID,
        customer_id: uuid.UUID,
        channel: Channel,
        started_at: datetime,
        now: datetime,
    ) -> tuple[Conversation, bool]:
        """The customer's open conversation on the channel, locked; opened when there is none.

        One statement against the partial unique index, so concurrent first messages from one
        customer open exactly one conversation (the loser's upsert waits, then locks it).
        """
        c = conversations.c
        stmt = (
            insert(conversations)
            .values(
                id=uuid.uuid4(),
                tenant_id=tenant_id,
                customer_id=customer_id,
                channel=channel.value,
                status=Status.OPEN.value,
                started_at=started_at,
                created_at=now,
                updated_at=now,
            )
            .on_conflict_do_update(
                index_elements=[c.tenant_id, c.customer_id, c.channel],
                index_where=sa.text("status = 'open'"),
                set_={"updated_at": c.updated_at},  # no change; takes the row lock
            )
            .returning(*conversations.c, sa.literal_column("(xmax = 0)").label("inserted"))
        )
        row = (await self._session.execute(stmt)).one()
        return _conversation(row), bool(row.inserted)

    async def lock(self, tenant_id: uuid.UUID, ident: uuid.UUID) -> Conversation | None:
        row = (
            await self._session.execute(
                sa.select(conversations)
                .where(conversations.c.tenant_id == tenant_id, conversations.c.id == ident)
                .with_for_update()
            )
        ).first()
        return _conversation(row) if row else None

    async def customers_with_any(
        self, tenant_id: uuid.UUID, customer_ids: Sequence[uuid.UUID]
    ) -> set[uuid.UUID]:
        """Those of `customer_ids` that have a conversation."""
        if not customer_ids:
            return set()
        rows = await self._session.scalars(
            sa.select(conversations.c.customer_id)
            .where(
                conversations.c.tenant_id == tenant_id,
                conversations.c.customer_id.in_(set(customer_ids)),
            )
            .distinct()
        )
        return set(rows)

    async def get(self, tenant_id: uuid.UUID, ident: uuid.UUID) -> Conversation | None:
        found = await self.get_many(tenant_id, [ident])
        return found.get(ident)

    async def get_many(
        self, tenant_id: uuid.UUID, ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, Conversation]:
        if not ids:
            return {}
        rows = await self._session.execute(
            sa.select(conversations).where(
                conversations.c.tenant_id == tenant_id, conversations.c.id.in_(set(ids))
            )
        )
        return {r.id: _conversation(r) for r in rows}

    async def record_messages(
        self,
        *,
        conversation: Conversation,
        count: int,
        first_sent: datetime,
        last_sent: datetime,
        now: datetime,
    ) -> Conversation:
        """Count newly stored messages in; started_at/last_message_at follow out-of-order
        backfills (the earliest and latest send times win)."""
        c = conversations.c
        row = (
            await self._session.execute(
                sa.update(conversations)
                .where(c.tenant_id == conversation.tenant_id, c.id == conversation.id)
                .values(
                    message_count=c.message_count + count,
                    started_at=sa.func.least(c.started_at, first_sent),
                    last_message_at=sa.func.greatest(c.last_message_at, last_sent),
                    agents=[a.to_json() for a in conversation.agents],
                    agent_ids=conversation.agent_ids,
                    updated_at=now,
                    version=c.version + 1,
                )
                .returning(conversations)
            )
        ).one()
        return _conversation(row)

    async def save(self, conversation: Conversation) -> Conversation:
        c = conversations.c
        try:
            row = (
                await self._session.execute(
                    sa.update(conversations)
                    .where(c.tenant_id == conversation.tenant_id, c.id == conversation.id)
                    .values(
                        **values_of(
                            conversation,
                            _SAVED,
                            agents=[a.to_json() for a in conversation.agents],
                            version=c.version + 1,
                        )
                    )
                    .returning(conversations)
                )
            ).one()
        except IntegrityError as exc:
            if "uq_conversations_open" in str(exc.orig):
                raise PreconditionFailed(
                    "the customer already has an open conversation on this channel"
                ) from exc
            raise
        return _conversation(row)

    async def list(
        self, tenant_id: uuid.UUID, *, where: ConversationFilter, limit: int, cursor: str
    ) -> ConversationPage:
        c = conversations.c
        stmt = sa.select(conversations).where(c.tenant_id == tenant_id)
        if where.customer_id is not None:
            stmt = stmt.where(c.customer_id == where.customer_id)
        if where.started_after is not None:
            stmt = stmt.where(c.started_at >= where.started_after)
        if where.started_before is not None:
            stmt = stmt.where(c.started_at < where.started_before)
        if where.channels:
            stmt = stmt.where(c.channel.in_([ch.value for ch in where.channels]))
        if where.status is not None:
            stmt = stmt.where(c.status == where.status.value)
        if where.agent_id:
            stmt = stmt.where(c.agent_ids.contains([where.agent_id]))
        if cursor:
            started, ident = decode_time_key(cursor)
            stmt = stmt.where(sa.tuple_(c.started_at, c.id) < sa.tuple_(started, ident))
        stmt = stmt.order_by(c.started_at.desc(), c.id.desc()).limit(limit + 1)
        rows = (await self._session.execute(stmt)).all()
        more = len(rows) > limit
        rows = rows[:limit]
        next_cursor = encode_time_key(rows[-1].started_at, rows[-1].id) if more and rows else ""
        return ConversationPage([_conversation(r) for r in rows], next_cursor)


class MessageRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def find_by_keys(
        self, tenant_id: uuid.UUID, keys: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], Message]:
        """Stored messages by idempotency key (channel, provider_message_id)."""
        if not keys:
            return {}
        m = messages.c
        rows = await self._session.execute(
            sa.select(*MESSAGE_COLUMNS).where(
                m.tenant_id == tenant_id,
                sa.tuple_(m.channel, m.provider_message_id).in_(list(set(keys))),
            )
        )
        return {(r.channel, r.provider_message_id): _message(r) for r in rows}

    async def insert_new(self, batch: Sequence[Message]) -> set[uuid.UUID]:
        """Multi-row insert; a message whose idempotency key is already stored is skipped.
        Returns the ids actually inserted."""
        if not batch:
            return set()
        m = messages.c
        stmt = (
            insert(messages)
            .values(
                [
                    {
                        "id": msg.id,
                        "tenant_id": msg.tenant_id,
                        "conversation_id": msg.conversation_id,
                        "customer_id": msg.customer_id,
                        "channel": msg.channel.value,
                        "direction": msg.direction.value,
                        "author": msg.author.value,
                        "author_id": msg.author_id,
                        "text": msg.text,
                        "sent_at": msg.sent_at,
                        "provider_message_id": msg.provider_message_id,
                        "created_at": msg.created_at,
                    }
                    for msg in batch
                ]
            )
            .on_conflict_do_nothing(index_elements=[m.tenant_id, m.channel, m.provider_message_id])
            .returning(m.id)
        )
        return set((await self._session.execute(stmt)).scalars())

    async def page(
        self, tenant_id: uuid.UUID, conversation_id: uuid.UUID, *, limit: int, cursor: str
    ) -> MessagePage:
        m = messages.c
        stmt = sa.select(*MESSAGE_COLUMNS).where(
            m.tenant_id == tenant_id, m.conversation_id == conversation_id
        )
        if cursor:
            sent, ident = decode_time_key(cursor, field="message_page_token")
            stmt = stmt.where(sa.tuple_(m.sent_at, m.id) > sa.tuple_(sent, ident))
        stmt = stmt.order_by(m.sent_at, m.id).limit(limit + 1)
        rows = (await self._session.execute(stmt)).all()
        more = len(rows) > limit
        rows = rows[:limit]
        next_cursor = encode_time_key(rows[-1].sent_at, rows[-1].id) if more and rows else ""
        return MessagePage([_message(r) for r in rows], next_cursor)

    def _matching(self, tenant_id: uuid.UUID, query: str, where: MessageFilter):  # type: ignore[no-untyped-def]
        m = messages.c
        tsquery = sa.func.websearch_to_tsquery(sa.literal_column(f"'{SEARCH_CONFIG}'"), query)
        conditions = [m.tenant_id == tenant_id, m.tsv.op("@@")(tsquery)]
        if where.customer_id is not None:
            conditions.append(m.customer_id == where.customer_id)
        if where.channels:
            conditions.append(m.channel.in_([c.value for c in where.channels]))
        if where.sent_after is not None:
            conditions.append(m.sent_at >= where.sent_after)
        if where.sent_before is not None:
            conditions.append(m.sent_at < where.sent_before)
        rank = sa.func.ts_rank_cd(m.tsv, tsquery)
        return tsquery, conditions, rank

    def _candidates(self, tenant_id: uuid.UUID, query: str, where: MessageFilter):  # type: ignore[no-untyped-def]
        """The newest SEARCH_CANDIDATES matching messages: what ranking and `customer_ids` look
        at. A rare term (an order number) has fewer matches than that, so nothing is lost; a
        common word (10-20% of a tenant's messages) is ranked among its newest matches only,
        which PostgreSQL reads newest-first from ix_messages_recent instead of ranking them all."""
        tsquery, conditions, _ = self._matching(tenant_id, query, where)
        m = messages.c
        candidates = (
            sa.select(*MESSAGE_COLUMNS, m.tsv)
            .where(*conditions)
            .order_by(m.sent_at.desc())
            .limit(SEARCH_CANDIDATES)
            .cte("candidates")
        )
        return tsquery, candidates

    async def search(
        self,
        tenant_id: uuid.UUID,
        query: str,
        *,
        where: MessageFilter,
        limit: int,
        offset: int,
    ) -> tuple[list[Hit], bool]:
        """Best match first (rank, then newest) among the newest candidates; snippets only for
        the returned page."""
        tsquery, candidates = self._candidates(tenant_id, query, where)
        c = candidates.c
        rank = sa.func.ts_rank_cd(c.tsv, tsquery)
        page = (
            sa.select(*[c[col.name] for col in MESSAGE_COLUMNS], rank.label("rank"))
            .order_by(rank.desc(), c.sent_at.desc(), c.id)
            .limit(limit + 1)
            .offset(offset)
            .subquery("page")
        )
        p = page.c
        headline = sa.func.ts_headline(
            sa.literal_column(f"'{SEARCH_CONFIG}'::regconfig"),
            p.text,
            tsquery,
            HEADLINE_OPTIONS,
        )
        stmt = sa.select(page, headline.label("snippet")).order_by(
            p.rank.desc(), p.sent_at.desc(), p.id
        )
        rows = (await self._session.execute(stmt)).all()
        more = len(rows) > limit
        return [Hit(_message(r), float(r.rank), r.snippet) for r in rows[:limit]], more

    async def search_customers(
        self, tenant_id: uuid.UUID, query: str, *, where: MessageFilter, limit: int
    ) -> list[uuid.UUID]:
        """Distinct customers with a matching message among the newest candidates, best match
        first."""
        tsquery, candidates = self._candidates(tenant_id, query, where)
        c = candidates.c
        rank = sa.func.ts_rank_cd(c.tsv, tsquery)
        stmt = (
            sa.select(c.customer_id)
            .group_by(c.customer_id)
            .order_by(sa.func.max(rank).desc(), c.customer_id)
            .limit(limit)
        )
        return list((await self._session.execute(stmt)).scalars())
