"""Revocation broadcast: every gateway replica drops a revoked credential from its cache at once.

A revoked API key, a disabled user or a revoked session is removed from this replica's
`CredentialStore` cache and published on a Redis channel; every replica (this one included)
subscribes and drops the same entry, so the next request anywhere is checked against the
database. Redis pub/sub delivers in milliseconds; a replica that was disconnected drops its
whole cache when it reconnects (it may have missed messages).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError

from gateway.auth import CredentialStore

CHANNEL = "moodline:credentials:revoked"
ALL = "*"

log = logging.getLogger(__name__)


class Revocations:
    def __init__(self, redis: Redis, store: CredentialStore) -> None:
        self._redis = redis
        self._store = store
        self._task: asyncio.Task | None = None
        self._subscribed = asyncio.Event()

    async def revoke(self, *cache_keys: str) -> None:
        """Forget `cache_keys` ("key:<sha256>", "session:<id>") here and on every replica."""
        for cache_key in cache_keys:
            self._store.forget(cache_key)
            await self._redis.publish(CHANNEL, cache_key)

    async def start(self) -> None:
        self._task = asyncio.create_task(self._listen(), name="revocation-listener")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._subscribed.wait(), 5)

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _listen(self) -> None:
        while True:
            try:
                async with self._redis.pubsub() as pubsub:
                    await pubsub.subscribe(CHANNEL)
                    self._store.forget()  # anything missed while not subscribed
                    self._subscribed.set()
                    async for message in pubsub.listen():
                        if message.get("type") != "message":
                            continue
                        data = message["data"]
                        key = data.decode() if isinstance(data, bytes) else str(data)
                        self._store.forget(None if key == ALL else key)
            except (RedisConnectionError, OSError) as exc:
                log.warning("revocation channel lost, retrying", extra={"error": str(exc)})
                await asyncio.sleep(1)
