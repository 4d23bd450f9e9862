from __future__ import annotations

from moodline_kit.config import GrpcServiceSettings
from pydantic import Field


class BillingSettings(GrpcServiceSettings):
    service_name: str = Field(default="billing", validation_alias="OTEL_SERVICE_NAME")
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/moodline_billing"
    # Webhook deliveries signed further than this from now are refused (replay window).
    webhook_tolerance_seconds: int = 300
