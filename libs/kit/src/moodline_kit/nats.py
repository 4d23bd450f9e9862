"""NATS JetStream connection and stream declarations."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import nats
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.api import StorageType, StreamConfig
from nats.js.errors import BadRequestError, NotFoundError

log = logging.getLogger(__name__)

DUPLICATE_WINDOW_S = 120.0


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
    )
    try:
        await js.add_stream(config)
    except BadRequestError:  # created concurrently by another process
        await js.stream_info(spec.name)


def check_connected(client: Client) -> None:
    if not client.is_connected:
        raise ConnectionError("NATS is not connected")
