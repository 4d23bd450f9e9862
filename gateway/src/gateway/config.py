from __future__ import annotations

from moodline_kit.config import KitSettings
from pydantic import Field


class GatewaySettings(KitSettings):
    service_name: str = Field(default="gateway", validation_alias="OTEL_SERVICE_NAME")
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/moodline_gateway"
    http_host: str = "0.0.0.0"
    http_port: int = 8080
    customer_addr: str = "127.0.0.1:50051"
    conversation_addr: str = "127.0.0.1:50052"
    # Sentiment service; empty: the /api/v1/sentiment routes answer 503 and readiness skips it.
    sentiment_addr: str = ""
    # Request bodies above this size are refused (422) before they are parsed.
    max_body_bytes: int = 256 * 1024
    # Deadline given to each downstream gRPC call made for one HTTP request.
    upstream_timeout: float = 5.0
    # Seconds an API key lookup is cached (revocation takes effect within this time).
    api_key_cache_seconds: float = 30.0
    # The built web UI (web/dist), served at `/`; empty or unbuilt: `/` redirects to /docs.
    web_dir: str = ""
