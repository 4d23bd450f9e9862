"""All sentiment queries. Batch methods take and return many rows per statement."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from moodline_kit.db import json_dumps
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from sentiment.adapters.tables import (
    conversation_sentiment,
    customer_sentiment,
    late_replies,
    message_scores,
    sentiment_settings,
)
from sentiment.domain.aggregate import Aggregate, Trend
from sentiment.domain.customer import CustomerSentiment
from sentiment.domain.override import Override
from sentiment.domain.reading import Reading
from sentiment.domain.response import ReplyTargets
from sentiment.domain.scoring import Label

Key = tuple[uuid.UUID, str]
TENANT_IDS = postgresql.ARRAY(postgresql.UUID(as_uuid=True))


def override_to_json(o: Override | None) -> dict | None:
    if o is None:
        return None
    return {
        "label": o.label.value,
        "reason": o.reason,
        "set_by": o.set_by,
        "set_at": o.set_at.isoformat(),
        "remaining": o.remaining,
        "evidence": o.evidence,
    }


def override_from_json(data: dict | None) -> Override | None:
    if not data:
        return None
    return Override(
        label=Label(data["label"]),
        reason=data["reason"],
        set_by=data["set_by"],
        set_at=datetime.fromisoformat(data["set_at"]),
        remaining=data["remaining"],
        evidence=data["evidence"],
    )


def explanation_to_json(r: Reading) -> str:
    """A message's explanation as stored (JSON text; unnest carries JSONB as text)."""
    return json_dumps(
        {
            "n": r.sentences,
            "spans": [
                {
                    "start": s.start,
                    "end": s.end,
                    "label": s.score.label.value,
                    "score": s.score.score,
                    "confidence": s.score.confidence,
                    "emotions": list(s.score.emotions.as_tuple()),
                    "drives": list(s.drives),
                }
                for s in r.spans
            ],
        }
    )


def customer_from_row(row: Any) -> CustomerSentiment:
    published = row.published or {}
    return CustomerSentiment(
        aggregate=Aggregate.from_state(row.state),
        override=override_from_json(row.override),
        published_label=Label(published["label"]) if published.get("label") else None,
        published_score=published.get("score", 0.0),
        published_trend=Trend(published.get("trend", "")),
    )


def _pg_type(column: sa.Column) -> str:
    return column.type.compile(dialect=postgresql.dialect())


def _unnest(table: sa.Table, columns: Sequence[str]) -> tuple[str, str]:
    """`unnest(CAST(:a AS T[]), ...) AS u(a, ...)` and the select list that reads it: one
    array parameter per column, so a statement's text and parameters do not depend on how many
    rows it carries (JSONB travels as text: asyncpg has no codec for jsonb[] here)."""
    casts, select = [], []
    for name in columns:
        pg = _pg_type(table.c[name])
        via = "TEXT" if pg == "JSONB" else pg
        casts.append(f"CAST(:{name} AS {via}[])")
        select.append(f"u.{name}::JSONB" if pg == "JSONB" else f"u.{name}")
    return f"unnest({', '.join(casts)}) AS u({', '.join(columns)})", ", ".join(select)


def _bulk_upsert(table: sa.Table, columns: Sequence[str], key: Sequence[str], update: str) -> Any:
    source, select = _unnest(table, columns)
    return sa.text(
        f"INSERT INTO {table.name} ({', '.join(columns)}) SELECT {select} FROM {source} "
        f"ON CONFLICT ({', '.join(key)}) {update}"
    )


def _do_update(columns: Sequence[str], key: Sequence[str], extra: str = "") -> str:
    sets = [f"{c} = EXCLUDED.{c}" for c in columns if c not in key]
    return "DO UPDATE SET " + ", ".join(sets + ([extra] if extra else []))


def _lock(table: sa.Table, key: Sequence[str]) -> Any:
    """Rows whose key is in the arrays, locked in key order (so concurrent batches that share
    rows never deadlock)."""
    source, select = _unnest(table, key)
    cols = ", ".join(key)
    return sa.text(
        f"SELECT * FROM {table.name} WHERE ({cols}) IN (SELECT {select} FROM {source}) "
        f"ORDER BY {cols} FOR UPDATE"
    ).columns(*table.c)


def _arrays(rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> dict[str, list]:
    return {c: [r[c] for r in rows] for c in columns}


SCORE_COLUMNS = [c.name for c in message_scores.c if c.name != "scored_at"]
CONV_KEY = ["tenant_id", "conversation_id"]
CONV_COLUMNS = [c.name for c in conversation_sentiment.c]
CUST_KEY = ["tenant_id", "customer_id"]
CUST_COLUMNS = [c.name for c in customer_sentiment.c if c.name != "updated_at"]

INSERT_SCORES = _bulk_upsert(
    message_scores, SCORE_COLUMNS, ["tenant_id", "message_id"], "DO NOTHING"
)
CREATE_CONVERSATIONS = _bulk_upsert(
    conversation_sentiment, [*CONV_KEY, "customer_id"], CONV_KEY, "DO NOTHING"
)
LOCK_CONVERSATIONS = _lock(conversation_sentiment, CONV_KEY)
SAVE_CONVERSATIONS = _bulk_upsert(
    conversation_sentiment, CONV_COLUMNS, CONV_KEY, _do_update(CONV_COLUMNS, CONV_KEY)
)
LATE_REPLY_COLUMNS = [c.name for c in late_replies.c]
# A redelivered batch is skipped by the consumer's processed-event marker; DO NOTHING also keeps
# a late reply once should the same reply ever be folded again (it ends one wait at most).
INSERT_LATE_REPLIES = _bulk_upsert(
    late_replies, LATE_REPLY_COLUMNS, [c.name for c in late_replies.primary_key], "DO NOTHING"
)
CREATE_CUSTOMERS = _bulk_upsert(customer_sentiment, CUST_KEY, CUST_KEY, "DO NOTHING")
LOCK_CUSTOMERS = _lock(customer_sentiment, CUST_KEY)
SAVE_CUSTOMERS = _bulk_upsert(
    customer_sentiment,
    CUST_COLUMNS,
    CUST_KEY,
    _do_update(CUST_COLUMNS, CUST_KEY, "updated_at = now()"),
)


class SentimentRepository:
    """Bulk statements pass one array per column and `unnest` them server-side: one fixed
    statement (prepared once per connection) and a handful of parameters per batch, whatever
    its size. The benchmark found SQLAlchemy's per-row parameter processing of executemany
    (and IN lists whose length, so statement text, changed every batch) ~20% of the
    service's CPU; a multi-row `insert().values(rows)` before that was ~45% (compiled anew for
    every batch)."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    # --- messages ----------------------------------------------------------------------------
    async def add_scores(self, rows: Sequence[Mapping[str, Any]]) -> None:
        if rows:
            await self._s.execute(INSERT_SCORES, _arrays(rows, SCORE_COLUMNS))

    async def get_score(self, tenant_id: uuid.UUID, message_id: str) -> Any:
        return (
            await self._s.execute(
                sa.select(message_scores).where(
                    message_scores.c.tenant_id == tenant_id,
                    message_scores.c.message_id == message_id,
                )
            )
        ).first()

    # --- conversations -----------------------------------------------------------------------
    async def lock_conversations(self, keys: Mapping[Key, str]) -> dict[Key, Any]:
        """Rows of these conversations (created when missing), locked for this transaction.
        `keys` maps (tenant, conversation) -> customer id."""
        ordered = sorted(keys)
        params = {"tenant_id": [k[0] for k in ordered], "conversation_id": [k[1] for k in ordered]}
        await self._s.execute(
            CREATE_CONVERSATIONS, {**params, "customer_id": [keys[k] for k in ordered]}
        )
        rows = (await self._s.execute(LOCK_CONVERSATIONS, params)).all()
        return {(r.tenant_id, r.conversation_id): r for r in rows}

    async def save_conversations(self, rows: Iterable[Mapping[str, Any]]) -> None:
        """Rows carry every column; `state` as a dict."""
        rows = list(rows)
        if not rows:
            return
        params = _arrays(rows, CONV_COLUMNS)
        params["state"] = [json_dumps(s) for s in params["state"]]
        await self._s.execute(SAVE_CONVERSATIONS, params)

    async def add_late_replies(self, rows: Sequence[Mapping[str, Any]]) -> None:
        if rows:
            await self._s.execute(INSERT_LATE_REPLIES, _arrays(rows, LATE_REPLY_COLUMNS))

    async def get_conversation(self, tenant_id: uuid.UUID, conversation_id: str) -> Any:
        t = conversation_sentiment
        return (
            await self._s.execute(
                sa.select(t).where(
                    t.c.tenant_id == tenant_id, t.c.conversation_id == conversation_id
                )
            )
        ).first()

    # --- customers ---------------------------------------------------------------------------
    async def lock_customers(self, keys: Iterable[Key]) -> dict[Key, tuple[CustomerSentiment, Any]]:
        ordered = sorted(set(keys))
        params = {"tenant_id": [k[0] for k in ordered], "customer_id": [k[1] for k in ordered]}
        await self._s.execute(CREATE_CUSTOMERS, params)
        rows = (await self._s.execute(LOCK_CUSTOMERS, params)).all()
        return {(r.tenant_id, r.customer_id): (customer_from_row(r), r) for r in rows}

    async def save_customers(self, customers: Mapping[Key, CustomerSentiment]) -> None:
        if not customers:
            return
        params: dict[str, list] = {c: [] for c in CUST_COLUMNS}
        for (tenant_id, customer_id), c in customers.items():
            shown = c.shown
            override = override_to_json(c.override)
            published = (
                None
                if c.published_label is None
                else {
                    "label": c.published_label.value,
                    "score": c.published_score,
                    "trend": c.published_trend.value,
                }
            )
            params["tenant_id"].append(tenant_id)
            params["customer_id"].append(customer_id)
            params["state"].append(json_dumps(c.aggregate.to_state()))
            params["label"].append(shown.label.value)
            params["score"].append(shown.score)
            params["trend"].append(shown.trend.value)
            params["override"].append(None if override is None else json_dumps(override))
            params["published"].append(None if published is None else json_dumps(published))
        await self._s.execute(SAVE_CUSTOMERS, params)

    async def get_customer(self, tenant_id: uuid.UUID, customer_id: str) -> Any:
        t = customer_sentiment
        return (
            await self._s.execute(
                sa.select(t).where(t.c.tenant_id == tenant_id, t.c.customer_id == customer_id)
            )
        ).first()

    # --- settings ----------------------------------------------------------------------------
    async def reply_targets(self, tenant_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, ReplyTargets]:
        """Every given tenant's reply targets (the defaults for a tenant that changed none)."""
        wanted = sorted(set(tenant_ids))
        t = sentiment_settings
        rows = (
            await self._s.execute(
                sa.select(t.c.tenant_id, t.c.reply_target_minutes).where(
                    t.c.tenant_id == sa.any_(sa.bindparam("ids", wanted, type_=TENANT_IDS))
                )
            )
        ).all()
        stored = {r.tenant_id: r.reply_target_minutes for r in rows}
        return {tid: ReplyTargets.from_minutes(stored.get(tid, {})) for tid in wanted}

    async def change_reply_targets(
        self, tenant_id: uuid.UUID, minutes: Mapping[str, int]
    ) -> ReplyTargets:
        """Merge `minutes` (validated) into the tenant's stored targets, in one statement."""
        t = sentiment_settings
        change = sa.bindparam("change", dict(minutes), type_=JSONB)
        stmt = (
            postgresql.insert(t)
            .values(tenant_id=tenant_id, reply_target_minutes=change)
            .on_conflict_do_update(
                index_elements=[t.c.tenant_id],
                set_={
                    "reply_target_minutes": t.c.reply_target_minutes.op("||")(change),
                    "updated_at": sa.func.now(),
                },
            )
            .returning(t.c.reply_target_minutes)
        )
        stored = (await self._s.execute(stmt)).scalar_one()
        return ReplyTargets.from_minutes(stored)
