from __future__ import annotations

from moodline_kit.config import GrpcServiceSettings
from pydantic import Field


class CustomerSettings(GrpcServiceSettings):
    service_name: str = Field(default="customer", validation_alias="OTEL_SERVICE_NAME")
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/moodline_customer"
