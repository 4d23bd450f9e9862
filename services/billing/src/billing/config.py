from __future__ import annotations

from moodline_kit.config import GrpcServiceSettings


class BillingSettings(GrpcServiceSettings, service="billing"):
    # Webhook deliveries signed further than this from now are refused (replay window).
    webhook_tolerance_seconds: int = 300
