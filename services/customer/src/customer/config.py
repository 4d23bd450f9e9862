from __future__ import annotations

from moodline_kit.config import GrpcServiceSettings
from pydantic import Field


class CustomerSettings(GrpcServiceSettings):
    service_name: str = Field(default="customer", validation_alias="OTEL_SERVICE_NAME")
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/moodline_customer"
    # host:port of the conversation service; when set, the list's `q` also matches customers by
    # what they wrote (SearchMessages). Empty: profile fields only.
    conversation_addr: str = ""
    # Deadline of that search; past it the list answers without message matches.
    conversation_search_timeout: float = 0.5
    # Durable name of the read-model consumer on each upstream stream (declared by the chart).
    read_model_consumer: str = "customer-read-model"
