"""Transactional outbox relay: publishes committed events to JetStream, in order, at least once,
with `Nats-Msg-Id` = event id so JetStream drops re-publications (effectively exactly once)."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from nats.aio.client import Client
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncEngine

from moodline_kit.db import KitTables
from moodline_kit.metrics import OUTBOX_FAILURES, OUTBOX_PENDING, OUTBOX_PUBLISHED
from moodline_kit.nats import JetStreamBatchPublisher, Outgoing

log = logging.getLogger(__name__)


class OutboxRelay:
    def __init__(
        self,
        engine: AsyncEngine,
        tables: KitTables,
        nc: Client,
        *,
        batch_size: int = 256,
        poll_interval: float = 0.5,
        publish_timeout: float = 5.0,
    ) -> None:
        self._engine = engine
        self._outbox = tables.outbox
        self._publisher = JetStreamBatchPublisher(nc, ack_timeout=publish_timeout)
        self._batch_size = batch_size
        self._poll_interval = poll_interval
        self._wakeup = asyncio.Event()

    def wake(self) -> None:
        """Called after a commit that wrote events, so they go out without waiting a poll."""
        self._wakeup.set()

    async def run(self) -> None:
        backoff = self._poll_interval
        while True:
            try:
                published = await self.publish_pending()
                backoff = self._poll_interval
            except Exception as exc:
                log.warning("outbox publish failed; will retry", extra={"error": repr(exc)})
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10.0)
                continue
            if published < self._batch_size:
                self._wakeup.clear()
                try:
                    await asyncio.wait_for(self._wakeup.wait(), timeout=self._poll_interval)
                except TimeoutError:
                    pass

    async def publish_pending(self) -> int:
        """Publish one batch of unpublished events; returns how many were published.

        Rows are locked (SKIP LOCKED) so several relay replicas never publish the same row at
        the same time; they are marked published only after JetStream acknowledged each one
        (the batch goes out as one `JetStreamBatchPublisher` batch: one timer for all acks).
        """
        o = self._outbox
        async with self._engine.begin() as conn:
            rows = (
                await conn.execute(
                    sa.select(o.c.id, o.c.event_id, o.c.subject, o.c.envelope, o.c.headers)
                    .where(o.c.published_at.is_(None))
                    .order_by(o.c.id)
                    .limit(self._batch_size)
                    .with_for_update(skip_locked=True)
                )
            ).all()
            if not rows:
                OUTBOX_PENDING.set(0)
                return 0
            # = ANY(array): one statement text whatever the number of rows (an IN list is a new
            # statement, so a new server-side prepare, for every batch size)
            ids = {"ids": [r.id for r in rows]}
            this_batch = o.c.id == sa.any_(sa.bindparam("ids", type_=ARRAY(sa.BigInteger)))
            try:
                await self._publisher.publish(
                    [
                        Outgoing(
                            row.subject,
                            row.envelope,
                            {**(row.headers or {}), "Nats-Msg-Id": str(row.event_id)},
                        )
                        for row in rows
                    ]
                )
            except Exception as exc:
                failed = exc
                # committed (the block ends normally): the rows stay unpublished, counted
                await conn.execute(
                    sa.update(o).where(this_batch).values(attempts=o.c.attempts + 1), ids
                )
            else:
                failed = None
                await conn.execute(
                    sa.update(o).where(this_batch).values(published_at=sa.func.now()), ids
                )
        if failed is not None:
            OUTBOX_FAILURES.inc()
            OUTBOX_PENDING.set(await self._pending())
            raise failed
        OUTBOX_PUBLISHED.inc(len(rows))
        # A full batch means more may wait: count them (only then, so an idle relay costs
        # nothing more than its poll).
        OUTBOX_PENDING.set(await self._pending() if len(rows) == self._batch_size else 0)
        return len(rows)

    async def _pending(self) -> int:
        o = self._outbox
        async with self._engine.connect() as conn:
            count = await conn.scalar(
                sa.select(sa.func.count()).select_from(o).where(o.c.published_at.is_(None))
            )
        return int(count or 0)


async def purge_published(engine: AsyncEngine, tables: KitTables, *, older_than: timedelta) -> int:
    """Delete outbox rows published before `older_than` ago (a periodic Celery job)."""
    cutoff = datetime.now(UTC) - older_than
    o = tables.outbox
    async with engine.begin() as conn:
        result = await conn.execute(
            sa.delete(o).where(o.c.published_at.is_not(None), o.c.published_at < cutoff)
        )
    return result.rowcount or 0
