from __future__ import annotations

from moodline_kit.config import GrpcServiceSettings


class LoyaltySettings(GrpcServiceSettings, service="loyalty"):
    # Durable consumers (declared by the chart): billing payments/visits, customer deletions.
    earn_consumer: str = "loyalty-earn"
    customer_consumer: str = "loyalty-customers"
    # Minutes between expiry runs on Celery beat.
    expiry_interval_minutes: int = 15
