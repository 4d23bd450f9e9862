"""Brute-force protection of sign-in, in Redis (shared by every gateway replica).

Failed sign-ins are counted per account (e-mail) and per client address within a window. Past
`slow_after` failures each further attempt must wait 2^(n - slow_after) seconds (429 with
Retry-After); past `lock_after` the account or address is locked for `lock_seconds` (423 with
Retry-After). A successful sign-in clears the account's count (not the address's).
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

from redis.asyncio import Redis

_PREFIX = "moodline:login:"


@dataclass(frozen=True)
class Policy:
    slow_after: int
    lock_after: int
    window_seconds: int
    lock_seconds: int
    max_delay_seconds: int = 60


class Throttled(Exception):
    def __init__(self, status: int, retry_after: int, scope: str) -> None:
        super().__init__(f"{scope} {'locked' if status == 423 else 'slowed down'}")
        self.status = status
        self.retry_after = retry_after
        self.scope = scope


def _scope_key(kind: str, value: str) -> str:
    return f"{kind}:{hashlib.sha256(value.encode()).hexdigest()[:32]}"


class LoginThrottle:
    def __init__(self, redis: Redis, *, account: Policy, address: Policy) -> None:
        self._redis = redis
        self._policies = {"account": account, "address": address}

    def _scopes(self, email: str, client_ip: str) -> list[tuple[str, Policy]]:
        return [
            (_scope_key("account", email), self._policies["account"]),
            (_scope_key("address", client_ip), self._policies["address"]),
        ]

    async def check(self, email: str, client_ip: str) -> None:
        """Raise Throttled when this attempt must not be tried now."""
        for scope, _ in self._scopes(email, client_ip):
            async with self._redis.pipeline(transaction=False) as pipe:
                pipe.pttl(f"{_PREFIX}lock:{scope}")
                pipe.pttl(f"{_PREFIX}next:{scope}")
                lock_ms, next_ms = await pipe.execute()
            kind = scope.split(":", 1)[0]
            if lock_ms and lock_ms > 0:
                raise Throttled(423, math.ceil(lock_ms / 1000), kind)
            if next_ms and next_ms > 0:
                raise Throttled(429, math.ceil(next_ms / 1000), kind)

    async def failed(self, email: str, client_ip: str) -> None:
        for scope, policy in self._scopes(email, client_ip):
            key = f"{_PREFIX}fail:{scope}"
            async with self._redis.pipeline(transaction=True) as pipe:
                # SET NX EX starts the window once; INCR keeps the TTL (EXPIRE NX needs Redis 7,
                # the embedded Redis of `make run` is 6).
                pipe.set(key, 0, ex=policy.window_seconds, nx=True)
                pipe.incr(key)
                _, failures = await pipe.execute()
            if failures >= policy.lock_after:
                await self._redis.set(f"{_PREFIX}lock:{scope}", 1, ex=policy.lock_seconds)
                await self._redis.delete(key)
            elif failures >= policy.slow_after:
                delay = min(2 ** (failures - policy.slow_after), policy.max_delay_seconds)
                await self._redis.set(f"{_PREFIX}next:{scope}", 1, ex=delay)

    async def succeeded(self, email: str) -> None:
        scope = _scope_key("account", email)
        await self._redis.delete(f"{_PREFIX}fail:{scope}", f"{_PREFIX}next:{scope}")

    async def unlock(self, email: str) -> None:
        """An admin's password reset unlocks the account."""
        scope = _scope_key("account", email)
        await self._redis.delete(
            f"{_PREFIX}fail:{scope}", f"{_PREFIX}next:{scope}", f"{_PREFIX}lock:{scope}"
        )
