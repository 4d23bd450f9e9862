from __future__ import annotations

from moodline_kit.uow import UnitOfWork

from sentiment.adapters.customer_data import CustomerDataRepository
from sentiment.adapters.repository import SentimentRepository


class SentimentUnitOfWork(UnitOfWork):
    sentiment: SentimentRepository
    customer_data: CustomerDataRepository

    def _start(self) -> None:
        self.sentiment = SentimentRepository(self.session)
        self.customer_data = CustomerDataRepository(self.session)
