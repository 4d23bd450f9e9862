from __future__ import annotations

from moodline_kit.uow import UnitOfWork

from sentiment.adapters.repository import SentimentRepository


class SentimentUnitOfWork(UnitOfWork):
    sentiment: SentimentRepository

    def _start(self) -> None:
        self.sentiment = SentimentRepository(self.session)
