"""NATS JetStream connection and stream declarations."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import nats
import orjson
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from nats.errors import NoRespondersError
from nats.js import JetStreamContext
from nats.js.api import Header, StorageType, StreamConfig
from nats.js.errors import APIError, BadRequestError, NotFoundError

log = logging.getLogger(__name__)

DUPLICATE_WINDOW_S = 120.0
# Events age out after 30 days (the chart's jetstream.streamDefaults.maxAgeSeconds): also the
# longest an event about an erased customer outlives the erasure (docs/gdpr.md).
MAX_AGE_S = 30 * 24 * 3600.0


@dataclass(frozen=True)
class StreamSpec:
    """One stream per producing service: name CUSTOMER, subjects `customer.>`."""

    service: str
    replicas: int = 1

    @property
    def name(self) -> str:
        return self.service.upper()

    @property
    def subjects(self) -> list[str]:
        return [f"{self.service}.>"]


async def connect(url: str, *, name: str) -> Client:
    async def _disconnected() -> None:
        log.warning("NATS disconnected")

    async def _reconnected() -> None:
        log.info("NATS reconnected")

    async def _error(exc: Exception) -> None:
        log.warning("NATS error: %r", exc)

    return await nats.connect(
        url,
        name=name,
        max_reconnect_attempts=-1,
        reconnect_time_wait=0.5,
        allow_reconnect=True,
        connect_timeout=2,
        disconnected_cb=_disconnected,
        reconnected_cb=_reconnected,
        error_cb=_error,
    )


async def ensure_stream(js: JetStreamContext, spec: StreamSpec) -> None:
    """Create the stream if missing (in Kubernetes streams are declared by the chart's job;
    this makes local runs and tests self-sufficient). An existing stream is left as it is."""
    try:
        await js.stream_info(spec.name)
        return
    except NotFoundError:
        pass
    config = StreamConfig(
        name=spec.name,
        subjects=spec.subjects,
        storage=StorageType.FILE,
        num_replicas=spec.replicas,
        duplicate_window=DUPLICATE_WINDOW_S,
        max_age=MAX_AGE_S,
    )
    try:
        await js.add_stream(config)
    except BadRequestError:  # created concurrently by another process
        await js.stream_info(spec.name)


def check_connected(client: Client) -> None:
    if not client.is_connected:
        raise ConnectionError("NATS is not connected")


@dataclass(frozen=True)
class Outgoing:
    subject: str
    payload: bytes
    headers: Mapping[str, str]


class _Batch:
    __slots__ = ("done", "remaining", "seen")

    def __init__(self, size: int, done: asyncio.Future[None]) -> None:
        self.done = done
        self.remaining = size
        self.seen = bytearray(size)


class JetStreamBatchPublisher:
    """Publishes a batch of messages to JetStream and waits until every one is acknowledged
    (stored). `js.publish` is a request per message (an inbox token, a future and a timer each,
    and a task each when gathered); here the batch's messages are plain publishes whose reply
    subjects (`<inbox>.<batch>.<index>`) share one subscription, and the batch has one future
    and one timer. Same guarantee: `publish` returns only when JetStream acked every message,
    and raises if one was refused (no stream for the subject, a stream error) or an ack is
    missing after `ack_timeout` (what was stored stays stored; republishing with the same
    `Nats-Msg-Id` is deduplicated by the stream)."""

    def __init__(self, nc: Client, *, ack_timeout: float = 5.0) -> None:
        self._nc = nc
        self._ack_timeout = ack_timeout
        self._inbox = nc.new_inbox()
        self._sub: Subscription | None = None
        self._batches: dict[str, _Batch] = {}
        self._next = 0

    async def publish(self, messages: Sequence[Outgoing]) -> None:
        if not messages:
            return
        if self._sub is None:
            sub = await self._nc.subscribe(f"{self._inbox}.>", cb=self._on_ack)
            if self._sub is None:
                self._sub = sub
            else:  # a concurrent first batch subscribed meanwhile
                await sub.unsubscribe()
        self._next += 1
        batch_id = str(self._next)
        batch = _Batch(len(messages), asyncio.get_running_loop().create_future())
        self._batches[batch_id] = batch
        reply = f"{self._inbox}.{batch_id}."
        try:
            for i, m in enumerate(messages):
                await self._nc.publish(m.subject, m.payload, reply=f"{reply}{i}", headers=m.headers)
            await asyncio.wait_for(batch.done, self._ack_timeout)
        finally:
            del self._batches[batch_id]

    async def _on_ack(self, msg: Msg) -> None:
        batch_id, _, index = msg.subject[len(self._inbox) + 1 :].partition(".")
        batch = self._batches.get(batch_id)
        if batch is None or batch.done.done():
            return  # the batch already failed or timed out
        error = _ack_error(msg)
        if error is not None:
            batch.done.set_exception(error)
            return
        i = int(index)
        if not batch.seen[i]:
            batch.seen[i] = 1
            batch.remaining -= 1
            if not batch.remaining:
                batch.done.set_result(None)


def _ack_error(msg: Msg) -> Exception | None:
    """None for a JetStream publish ack (`{"stream": ..., "seq": ...}`, possibly a duplicate)."""
    if msg.headers and msg.headers.get(Header.STATUS) == "503":
        return NoRespondersError()  # no stream listens on the subject
    try:
        ack = orjson.loads(msg.data)
    except orjson.JSONDecodeError:
        return APIError(description=f"unreadable publish ack {msg.data[:100]!r}")
    if "error" not in ack:
        return None
    try:
        APIError.from_error(ack["error"])  # raises the error's class (NotFoundError, ...)
    except APIError as exc:
        return exc
    return APIError(**ack["error"])
