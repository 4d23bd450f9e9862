from __future__ import annotations

from moodline_kit.events import to_envelope
from moodline_kit.uow import UnitOfWork

from sentiment.adapters.repository import SentimentRepository


class SentimentUnitOfWork(UnitOfWork):
    sentiment: SentimentRepository

    def _start(self) -> None:
        self.sentiment = SentimentRepository(self.session)

    async def commit(self) -> None:
        """The kit's commit, with the outbox rows inserted as executemany parameters of one
        cached statement (the kit's `insert().values(rows)` is compiled anew for every batch;
        a scored batch emits ~2-3 events per message)."""
        events, self._events = self._events, []
        if events:
            await self.session.execute(
                self._tables.outbox.insert(),
                [
                    {
                        "event_id": event.event_id,
                        "subject": event.subject,
                        "tenant_id": event.tenant_id,
                        "envelope": envelope.SerializeToString(),
                        "headers": dict(envelope.trace_context),
                    }
                    for event, envelope in (
                        (e, to_envelope(e, source=self._source)) for e in events
                    )
                ],
            )
        await super().commit()
        if events and self._on_commit:
            self._on_commit()
