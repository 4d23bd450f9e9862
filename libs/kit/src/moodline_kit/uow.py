"""Unit of work: the one owner of the transaction. Events collected during the work are written
to the outbox in the same transaction, and the relay is woken after commit."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from moodline_kit.db import KitTables
from moodline_kit.events import Event, to_envelope


class UnitOfWork:
    """Subclass per service to add repositories in `_start` (they share `self.session`)."""

    session: AsyncSession

    def __init__(
        self,
        sessions: async_sessionmaker,
        tables: KitTables,
        *,
        source: str,
        on_commit: Callable[[], None] | None = None,
    ) -> None:
        self._sessions = sessions
        self._tables = tables
        self._source = source
        self._on_commit = on_commit
        self._events: list[Event] = []

    async def __aenter__(self) -> Self:
        self.session = self._sessions()
        self._events = []
        self._start()
        return self

    def _start(self) -> None:
        """Hook: create repositories bound to self.session."""

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            await self.session.rollback()  # no-op after a commit
        finally:
            await self.session.close()

    def emit(self, event: Event) -> None:
        self._events.append(event)

    async def commit(self) -> None:
        if self._events:
            rows = []
            for event in self._events:
                envelope = to_envelope(event, source=self._source)
                rows.append(
                    {
                        "event_id": event.event_id,
                        "subject": event.subject,
                        "tenant_id": event.tenant_id,
                        "envelope": envelope.SerializeToString(),
                        "headers": dict(envelope.trace_context),
                    }
                )
            # executemany of one cached statement: a multi-row .values(rows) would be compiled
            # anew for every batch size (measured: ~45% of a batch consumer's CPU).
            await self.session.execute(self._tables.outbox.insert(), rows)
        await self.session.commit()
        published = bool(self._events)
        self._events = []
        if published and self._on_commit:
            self._on_commit()

    async def rollback(self) -> None:
        self._events = []
        await self.session.rollback()
