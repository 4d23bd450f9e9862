"""Per-principal rate limiting: a token bucket in Redis, shared by every gateway replica.

Each API key or staff user has a bucket of `burst` tokens refilled at `rate_per_minute`; a
request takes one token, and a request that finds the bucket empty is answered 429 with
Retry-After (seconds until a token is back). An API key can have its own rate and burst
(`api_keys.rate_per_minute`, `.burst`); everything else uses the gateway's defaults
(`RATE_LIMIT_PER_MINUTE` = 600, `RATE_LIMIT_BURST` = 100). The refill uses Redis's clock, so
replicas with skewed clocks agree.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from redis.asyncio import Redis

from gateway.auth import Principal

_PREFIX = "moodline:ratelimit:"

# KEYS[1] bucket; ARGV rate (tokens per ms), burst. Returns {allowed, retry_after_ms}.
_TOKEN_BUCKET = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1])
local ts = tonumber(state[2])
if tokens == nil then tokens = burst; ts = now end
tokens = math.min(burst, tokens + math.max(0, now - ts) * rate)
local allowed = 0
local retry = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  retry = math.ceil((1 - tokens) / rate)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', now)
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate) + 1000)
return {allowed, retry}
"""


@dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_after: int  # seconds; 0 when allowed


class RateLimiter:
    def __init__(self, redis: Redis, *, per_minute: int, burst: int) -> None:
        self._script = redis.register_script(_TOKEN_BUCKET)
        self._per_minute = per_minute
        self._burst = burst

    async def hit(self, who: Principal) -> Decision:
        per_minute = who.rate_per_minute or self._per_minute
        burst = who.burst or self._burst
        allowed, retry_ms = await self._script(
            keys=[f"{_PREFIX}{who.subject}"], args=[per_minute / 60_000, burst]
        )
        if allowed:
            return Decision(True, 0)
        return Decision(False, max(1, math.ceil(int(retry_ms) / 1000)))
