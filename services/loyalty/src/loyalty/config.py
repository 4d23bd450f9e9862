from __future__ import annotations

from moodline_kit.config import GrpcServiceSettings
from pydantic import Field


class LoyaltySettings(GrpcServiceSettings):
    service_name: str = Field(default="loyalty", validation_alias="OTEL_SERVICE_NAME")
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/moodline_loyalty"
    # Durable consumers (declared by the chart): billing payments/visits, customer deletions.
    earn_consumer: str = "loyalty-earn"
    customer_consumer: str = "loyalty-customers"
    # Minutes between expiry runs on Celery beat.
    expiry_interval_minutes: int = 15
