from __future__ import annotations

from moodline_kit.config import KitSettings


class GatewaySettings(KitSettings, service="gateway"):
    http_host: str = "0.0.0.0"
    http_port: int = 8080
    customer_addr: str = "127.0.0.1:50051"
    conversation_addr: str = "127.0.0.1:50052"
    # Sentiment service; empty: the /api/v1/sentiment routes answer 503 and readiness skips it.
    sentiment_addr: str = ""
    # Automation service; empty: /api/v1/automations, /automation-runs and /tasks answer 503
    # and readiness skips it.
    automation_addr: str = ""
    # Billing service; empty: the billing routes answer 503 and readiness skips it.
    billing_addr: str = ""
    # Loyalty service; empty: the loyalty routes answer 503 and readiness skips it.
    loyalty_addr: str = ""
    # Request bodies above this size are refused (413) before they are parsed.
    max_body_bytes: int = 256 * 1024
    # Largest file POST /api/v1/imports accepts (streamed to the customer service, never held
    # in memory); the customer service has its own limit (MAX_IMPORT_BYTES) too.
    max_import_bytes: int = 512 * 1024 * 1024
    # How long an export's download_url is valid (seconds).
    export_url_ttl: int = 3600
    # Deadline given to each downstream gRPC call made for one HTTP request.
    upstream_timeout: float = 5.0
    # Deadline of a batch ingestion call (up to 500 messages, each possibly a new customer): a
    # batch cut off at its deadline stores nothing, so under load a short one made every retry
    # start over and fail again.
    batch_upstream_timeout: float = 30.0
    # Seconds a credential lookup is cached; revocations are broadcast to every replica, this
    # bounds staleness only if the broadcast is lost.
    api_key_cache_seconds: float = 30.0
    # Ed25519 signing keys of access and service tokens, `kid:base64url(seed)` comma-separated;
    # the first signs, all verify (rotation: prepend the new key, drop the old one after
    # ACCESS_TOKEN_TTL). Empty: a key made at start-up (one replica, tokens die with it).
    auth_signing_keys: str = ""
    access_token_ttl: int = 900
    # Lifetime of a sign-in (its refresh-token family).
    session_ttl: int = 30 * 24 * 3600
    # Lifetime of the token the gateway signs for each downstream call.
    service_token_ttl: int = 60
    # Sign-in throttling per account and per client address (see gateway.login_throttle).
    login_slow_after: int = 5
    login_lock_after: int = 10
    login_address_slow_after: int = 20
    login_address_lock_after: int = 50
    login_window_seconds: int = 900
    login_lock_seconds: int = 900
    # Token bucket per API key / staff user (a key may have its own, see api_keys).
    rate_limit_per_minute: int = 600
    rate_limit_burst: int = 100
    # Origins allowed to call the API from a browser (CORS), e.g. ["https://app.example.com"];
    # empty: no cross-origin access.
    cors_origins: list[str] = []
    # Live events (/api/v1/events): seconds between heartbeats (and credential re-checks), and
    # the reconnection delay suggested to clients.
    sse_heartbeat_seconds: float = 15.0
    sse_retry_ms: int = 3000
    # The built web UI (web/dist), served at `/`; empty or unbuilt: `/` redirects to /docs.
    web_dir: str = ""
