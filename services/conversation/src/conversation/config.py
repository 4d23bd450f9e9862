from __future__ import annotations

from moodline_kit.config import GrpcServiceSettings
from pydantic import Field


class ConversationSettings(GrpcServiceSettings):
    service_name: str = Field(default="conversation", validation_alias="OTEL_SERVICE_NAME")
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/moodline_conversation"
    # The customer service (ResolveCustomer: find or create the Prospect behind a contact).
    customer_addr: str = "127.0.0.1:50051"
    customer_timeout: float = 5.0
    # ResolveCustomer calls in flight at once for one batch.
    resolve_concurrency: int = 16
    # GetTenantSettings (default country, to normalise national phone numbers) is cached this
    # long per tenant.
    tenant_settings_ttl: float = 300.0
    # Durable consumer of the CUSTOMER stream that invalidates the contact mapping.
    contacts_consumer: str = "conversation-contacts"
