from __future__ import annotations

from moodline_kit.config import GrpcServiceSettings


class ConversationSettings(GrpcServiceSettings, service="conversation"):
    # The customer service (ResolveCustomers: find or create the Prospects behind contacts).
    customer_addr: str = "127.0.0.1:50051"
    customer_timeout: float = 5.0
    # GetCustomer calls in flight at once for one batch (messages naming a customer_id; phones
    # and emails go in one ResolveCustomers call).
    resolve_concurrency: int = 16
    # GetTenantSettings (default country, to normalise national phone numbers) is cached this
    # long per tenant.
    tenant_settings_ttl: float = 300.0
    # Durable consumer of the CUSTOMER stream that invalidates the contact mapping.
    contacts_consumer: str = "conversation-contacts"

    # Outbound e-mail: an SMTP server (make run and tests: a local aiosmtpd whose inbox is a
    # Maildir).
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    smtp_sender: str = "Moodline <no-reply@moodline.local>"
    # SMS / WhatsApp: an HTTP messaging provider (make run and tests: a recording test double).
    # Empty base URL: those channels fail with "no adapter".
    provider_base_url: str = ""
    provider_api_key: str = ""
    # Where the provider posts signed status callbacks (the gateway's public route; the
    # tenant id is appended) and the shared secret that signs them.
    provider_callback_url: str = "http://127.0.0.1:8080/api/v1/channel-callbacks/provider"
    provider_callback_secret: str = ""
    provider_timeout: float = 10.0
