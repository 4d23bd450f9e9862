"""`GET /api/v1/events`: the tenant's events as Server-Sent Events, fed from NATS JetStream.

Each connection reads every producing service's stream (CUSTOMER, CONVERSATION, SENTIMENT,
BILLING, LOYALTY, AUTOMATION: those that exist) with ordered, ephemeral consumers starting at
"now", keeps the events of the caller's tenant and, for a principal restricted to folders or
assigned customers, only those about customers it may see (asked of the customer service,
remembered for a few seconds, asked again when the customer is updated or changes folder,
a deleted folder included). Each SSE `id` is the position reached in every stream
(`CUSTOMER:12,SENTIMENT:40`): a client reconnecting with `Last-Event-ID` resumes after it, from
JetStream's retention, on any gateway replica. A comment line is sent every
`SSE_HEARTBEAT_SECONDS`; at each one the credential is checked again, so a revoked or expired
one ends the stream (the client signs in again and resumes with Last-Event-ID).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import StreamingResponse
from google.protobuf import descriptor_pool, message_factory
from google.protobuf.json_format import MessageToDict
from moodline.events.v1 import (  # noqa: F401  (registers every event message type)
    automation_pb2,
    billing_pb2,
    conversation_pb2,
    customer_pb2,
    envelope_pb2,
    loyalty_pb2,
    sentiment_pb2,
    subjects,
)
from moodline_kit import nats as kit_nats
from nats.errors import Error as NatsError
from nats.js.api import ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError

from gateway.auth import Principal
from gateway.deps import upstreams
from gateway.permissions import Permission, require
from gateway.visibility import restricted, visible

log = logging.getLogger(__name__)

router = APIRouter(prefix="/api/v1", tags=["events"])

STREAMS = ("CUSTOMER", "CONVERSATION", "SENTIMENT", "BILLING", "LOYALTY", "AUTOMATION")
VISIBILITY_CACHE_SECONDS = 5.0
# events after which a customer's visibility is asked again (a folder deleted moves its
# customers out with the same two events)
MOVES = frozenset({subjects.CUSTOMER_CUSTOMER_UPDATED, subjects.CUSTOMER_FOLDER_CHANGED})

can_read = require(Permission.EVENTS_READ)


def parse_positions(value: str | None) -> dict[str, int]:
    """`CUSTOMER:12,SENTIMENT:40` -> {"CUSTOMER": 12, ...}; anything unreadable is ignored."""
    positions: dict[str, int] = {}
    for part in (value or "").split(","):
        name, _, seq = part.strip().partition(":")
        if name in STREAMS and seq.isdigit():
            positions[name] = int(seq)
    return positions


def format_positions(positions: dict[str, int]) -> str:
    return ",".join(f"{name}:{seq}" for name, seq in sorted(positions.items()))


def _payload(envelope: envelope_pb2.EventEnvelope) -> dict:
    name = envelope.payload.TypeName()
    try:
        descriptor = descriptor_pool.Default().FindMessageTypeByName(name)
    except KeyError:
        return {}
    message = message_factory.GetMessageClass(descriptor)()
    envelope.payload.Unpack(message)
    return MessageToDict(message, preserving_proto_field_name=True)


def customer_of(envelope: envelope_pb2.EventEnvelope, payload: dict) -> str:
    if envelope.type.startswith("customer."):
        return envelope.aggregate_id
    if isinstance(payload.get("customer_id"), str):
        return payload["customer_id"]
    customer = payload.get("customer")
    if isinstance(customer, dict) and isinstance(customer.get("id"), str):
        return customer["id"]
    return ""


async def _nats(request: Request):  # type: ignore[no-untyped-def]
    state = request.app.state
    async with state.nats_lock:
        if state.nats is None:
            state.nats = await kit_nats.connect(state.settings.nats_url, name="gateway-events")
    return state.nats


class _Visibility:
    """Which customers a restricted principal may see, remembered for a few seconds."""

    def __init__(self, request: Request, who: Principal) -> None:
        self._request = request
        self._who = who
        self._seen: dict[str, tuple[float, bool]] = {}

    async def allows(self, customer_id: str) -> bool:
        if not restricted(self._who):
            return True
        if not customer_id:
            return False
        hit = self._seen.get(customer_id)
        now = time.monotonic()
        if hit and hit[0] > now:
            return hit[1]
        up = await upstreams(self._request)
        ok = customer_id in await visible(up, self._who, [customer_id])
        self._seen[customer_id] = (now + VISIBILITY_CACHE_SECONDS, ok)
        return ok

    def forget(self, customer_id: str) -> None:
        """The customer moved (folder, assignee): ask again."""
        self._seen.pop(customer_id, None)


@router.get(
    "/events",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "Server-Sent Events: `id` (resume position), `event` (the event "
            "type, e.g. `sentiment.message.scored`), `data` (JSON: id, type, occurred_at, "
            "customer_id, data)",
            "content": {"text/event-stream": {"schema": {"type": "string"}}},
        }
    },
)
async def events(
    request: Request,
    who: Principal = Depends(can_read),
    last_event_id: Annotated[str | None, Header(max_length=512)] = None,
) -> StreamingResponse:
    """The tenant's events as they happen (messages received, sentiment changed, stage changed,
    customers created/updated/merged, bookings and payments...), filtered by the caller's
    folders. Reconnect with `Last-Event-ID` to resume."""
    nc = await _nats(request)
    js = nc.jetstream()
    positions = parse_positions(last_event_id)
    queue: asyncio.Queue = asyncio.Queue(maxsize=10_000)
    subscriptions = []
    for stream in STREAMS:
        try:
            await js.stream_info(stream)
        except NotFoundError:
            continue
        start = positions.get(stream)

        async def deliver(msg, stream: str = stream) -> None:  # type: ignore[no-untyped-def]
            with contextlib.suppress(asyncio.QueueFull):
                queue.put_nowait((stream, msg))

        kwargs: dict = {"deliver_policy": DeliverPolicy.NEW}
        if start is not None:
            kwargs = {
                "config": ConsumerConfig(
                    deliver_policy=DeliverPolicy.BY_START_SEQUENCE, opt_start_seq=start + 1
                )
            }
        subscriptions.append(
            await js.subscribe(
                f"{stream.lower()}.>", stream=stream, ordered_consumer=True, cb=deliver, **kwargs
            )
        )
    settings = request.app.state.settings
    credential = request.headers.get("authorization", "").partition(" ")[2]
    store = request.app.state.credentials
    tenant = str(who.tenant_id)
    visibility = _Visibility(request, who)

    async def stream_events() -> AsyncIterator[str]:
        try:
            yield f"retry: {settings.sse_retry_ms}\n: connected\n\n"
            while True:
                try:
                    stream, msg = await asyncio.wait_for(
                        queue.get(), settings.sse_heartbeat_seconds
                    )
                except TimeoutError:
                    if await store.authenticate(credential) is None:
                        yield "event: credential-expired\ndata: {}\n\n"
                        return
                    yield ": heartbeat\n\n"
                    continue
                positions[stream] = msg.metadata.sequence.stream
                try:
                    envelope = envelope_pb2.EventEnvelope.FromString(msg.data)
                except Exception:
                    continue
                if envelope.tenant_id != tenant:
                    continue
                payload = _payload(envelope)
                customer_id = customer_of(envelope, payload)
                if envelope.type in MOVES:
                    visibility.forget(customer_id)
                if not await visibility.allows(customer_id):
                    continue
                data = {
                    "id": envelope.event_id,
                    "type": envelope.type,
                    "occurred_at": envelope.occurred_at.ToJsonString(),
                    "customer_id": customer_id or None,
                    "data": payload,
                }
                yield (
                    f"id: {format_positions(positions)}\nevent: {envelope.type}\n"
                    f"data: {json.dumps(data, separators=(',', ':'))}\n\n"
                )
        finally:
            for sub in subscriptions:
                with contextlib.suppress(NatsError, asyncio.CancelledError, Exception):
                    await sub.unsubscribe()

    return StreamingResponse(
        stream_events(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
