"""Signed webhook deliveries: HMAC-SHA256 over "<timestamp>." + body, within a tolerance."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime

from moodline_kit.errors import Unauthenticated


def sign(secret: str, timestamp: int, body: bytes) -> str:
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def verify(
    secret: str, *, timestamp: int, signature: str, body: bytes, now: datetime, tolerance: int
) -> None:
    """Unauthenticated unless the signature matches (constant-time) and the timestamp is within
    `tolerance` seconds of now (either side): a captured delivery cannot be replayed later."""
    if abs(now.timestamp() - timestamp) > tolerance:
        raise Unauthenticated(f"webhook timestamp outside the {tolerance}s tolerance")
    expected = sign(secret, timestamp, body)
    if not hmac.compare_digest(expected, signature.strip().lower()):
        raise Unauthenticated("webhook signature does not match")
