"""All conversation and message queries live here. Every query is scoped by tenant_id."""

from __future__ import annotations

import enum
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from moodline_kit.db import json_dumps
from moodline_kit.errors import PreconditionFailed
from moodline_kit.paging import decode_time_key, encode_time_key
from moodline_kit.rows import from_row, values_of
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

# Set-based statements of ingestion: one array per column, unnested server-side, so each is one
# fixed statement (prepared once) whatever the batch size.
_UPSERT_OPEN = (
    sa.text(
        "INSERT INTO conversations (id, tenant_id, customer_id, channel, status, started_at, "
        "created_at, updated_at) "
        "SELECT w.id, :tenant, w.customer_id, w.channel, 'open', w.started_at, :now, :now "
        "FROM unnest(CAST(:ids AS uuid[]), CAST(:customers AS uuid[]), "
        "CAST(:channels AS text[]), CAST(:started AS timestamptz[])) "
        "WITH ORDINALITY AS w(id, customer_id, channel, started_at, n) ORDER BY w.n "
        "ON CONFLICT (tenant_id, customer_id, channel) WHERE status = 'open' "
        "DO UPDATE SET updated_at = conversations.updated_at "  # no change; takes the row lock
        "RETURNING conversations.*, (xmax = 0) AS inserted"
    )
    .bindparams(sa.bindparam("tenant", type_=sa.Uuid), sa.bindparam("now", type_=sa.DateTime(True)))
    .columns(*conversations.c, sa.column("inserted", sa.Boolean))
)
_RECORD_MESSAGES = (
    sa.text(
        "UPDATE conversations AS c SET message_count = c.message_count + u.count, "
        "started_at = least(c.started_at, u.first_sent), "
        "last_message_at = greatest(c.last_message_at, u.last_sent), "
        "agents = u.agents, "
        # Conversation.agent_ids: each agent once, in order of first assignment
        "agent_ids = ARRAY(SELECT a.v ->> 'agent_id' FROM jsonb_array_elements(u.agents) "
        "WITH ORDINALITY AS a(v, n) GROUP BY 1 ORDER BY min(a.n)), "
        "updated_at = :now, version = c.version + 1 "
        "FROM unnest(CAST(:ids AS uuid[]), CAST(:counts AS int[]), "
        "CAST(:first AS timestamptz[]), CAST(:last AS timestamptz[]), "
        "CAST(CAST(:agents AS text[]) AS jsonb[])) AS u(id, count, first_sent, last_sent, agents) "
        "WHERE c.tenant_id = :tenant AND c.id = u.id "
        "RETURNING c.*"
    )
    .bindparams(sa.bindparam("tenant", type_=sa.Uuid), sa.bindparam("now", type_=sa.DateTime(True)))
    .columns(*conversations.c)
)
_MESSAGE_ARRAYS = {
    "id": "uuid",
    "tenant_id": "uuid",
    "conversation_id": "uuid",
    "customer_id": "uuid",
    "channel": "text",
    "direction": "text",
    "author": "text",
    "author_id": "text",
    "text": "text",
    "sent_at": "timestamptz",
    "provider_message_id": "text",
    "created_at": "timestamptz",
}
_INSERT_MESSAGES = sa.text(
    f"INSERT INTO messages ({', '.join(_MESSAGE_ARRAYS)}) SELECT * FROM unnest("
    + ", ".join(f"CAST(:{name} AS {kind}[])" for name, kind in _MESSAGE_ARRAYS.items())
    + ") ON CONFLICT (tenant_id, channel, provider_message_id) DO NOTHING RETURNING id"
).columns(sa.column("id", sa.Uuid))


@dataclass(frozen=True)
class OpenWanted:
    """A customer's open conversation on a channel, opened at `started_at` if there is none."""

    customer_id: uuid.UUID
    channel: Channel
    started_at: datetime

    @property
    def key(self) -> tuple[uuid.UUID, Channel]:
        return (self.customer_id, self.channel)


@dataclass(frozen=True)
class Counted:
    """Messages newly stored in a conversation: how many, the earliest and latest sent."""

    conversation: Conversation
    count: int
    first_sent: datetime
    last_sent: datetime


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
        """The customer's open conversation on the channel, locked; opened when there is none."""
        wanted = OpenWanted(customer_id, channel, started_at)
        return (await self.upsert_open_many(tenant_id, [wanted], now=now))[wanted.key]

    async def upsert_open_many(
        self, tenant_id: uuid.UUID, wanted: Sequence[OpenWanted], *, now: datetime
    ) -> dict[tuple[uuid.UUID, Channel], tuple[Conversation, bool]]:
        """Each (customer, channel)'s open conversation, locked, and whether it was opened now.

        One statement against the partial unique index, so concurrent first messages from one
        customer open exactly one conversation (the loser's upsert waits, then locks it); rows
        in (customer, channel) order, so concurrent batches lock in one order (no deadlocks)."""
        if not wanted:
            return {}
        ordered = sorted(wanted, key=lambda w: (w.customer_id, w.channel.value))
        rows = await self._session.execute(
            _UPSERT_OPEN,
            {
                "tenant": tenant_id,
                "now": now,
                "ids": [uuid.uuid4() for _ in ordered],
                "customers": [w.customer_id for w in ordered],
                "channels": [w.channel.value for w in ordered],
                "started": [w.started_at for w in ordered],
            },
        )
        out = {}
        for row in rows:
            conversation = _conversation(row)
            out[(conversation.customer_id, conversation.channel)] = (
                conversation,
                bool(row.inserted),
            )
        return out

    async def lock(self, tenant_id: uuid.UUID, ident: uuid.UUID) -> Conversation | None:
        return (await self.lock_many(tenant_id, [ident])).get(ident)

    async def lock_many(
        self, tenant_id: uuid.UUID, ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, Conversation]:
        """The conversations of `ids` that exist, locked (in id order: no deadlocks)."""
        if not ids:
            return {}
        c = conversations.c
        rows = await self._session.execute(
            sa.select(conversations)
            .where(c.tenant_id == tenant_id, c.id.in_(sorted(set(ids))))
            .order_by(c.id)
            .with_for_update()
        )
        return {r.id: _conversation(r) for r in rows}

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
        counted = Counted(conversation, count, first_sent, last_sent)
        return (await self.record_many([counted], now=now))[conversation.id]

    async def record_many(
        self, counted: Sequence[Counted], *, now: datetime
    ) -> dict[uuid.UUID, Conversation]:
        """Count newly stored messages into their (locked) conversations, one statement;
        started_at/last_message_at follow out-of-order backfills (the earliest and latest send
        times win); each conversation's agents as given."""
        if not counted:
            return {}
        rows = await self._session.execute(
            _RECORD_MESSAGES,
            {
                "tenant": counted[0].conversation.tenant_id,
                "now": now,
                "ids": [x.conversation.id for x in counted],
                "counts": [x.count for x in counted],
                "first": [x.first_sent for x in counted],
                "last": [x.last_sent for x in counted],
                "agents": [
                    json_dumps([a.to_json() for a in x.conversation.agents]) for x in counted
                ],
            },
        )
        return {r.id: _conversation(r) for r in rows}

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
        """One statement for the batch (arrays unnested server-side); a message whose
        idempotency key is already stored is skipped. Returns the ids actually inserted."""
        if not batch:
            return set()
        columns: dict[str, list] = {name: [] for name in _MESSAGE_ARRAYS}
        for msg in batch:
            for name in _MESSAGE_ARRAYS:
                value = getattr(msg, name)
                columns[name].append(value.value if isinstance(value, enum.Enum) else value)
        return set((await self._session.execute(_INSERT_MESSAGES, columns)).scalars())

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
