"""/api/v1/conversations: translate HTTP <-> gRPC; no business rules here."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import grpc
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from moodline.conversation.v1 import conversation_pb2 as pb
from moodline_kit.grpc.status import field_violations
from moodline_kit.timestamps import to_proto

from gateway.auth import Principal
from gateway.conversation_schemas import (
    BatchOut,
    Channel,
    ConversationClose,
    ConversationOut,
    ConversationPage,
    ConversationPatch,
    ConversationWithMessages,
    IngestedOut,
    MessageBatchIn,
    MessageIn,
    MessageOut,
    SearchPage,
    Status,
)
from gateway.deps import Upstreams, metadata, upstreams
from gateway.permissions import Permission, require
from gateway.problems import GRPC_TO_HTTP, problem
from gateway.proto_models import present
from gateway.validation import PathId, QueryId, QueryInstant
from gateway.visibility import ensure_visible, restricted, visible

router = APIRouter(prefix="/api/v1/conversations", tags=["conversations"])

can_read = require(Permission.CONVERSATIONS_READ)
can_write = require(Permission.CONVERSATIONS_WRITE)

PROBLEM = {"content": {"application/problem+json": {}}}
ERRORS = {401: PROBLEM, 403: PROBLEM, 404: PROBLEM, 412: PROBLEM, 422: PROBLEM}

CHANNELS = {
    "phone": pb.CHANNEL_PHONE,
    "sms": pb.CHANNEL_SMS,
    "whatsapp": pb.CHANNEL_WHATSAPP,
    "email": pb.CHANNEL_EMAIL,
    "webchat": pb.CHANNEL_WEBCHAT,
}
STATUSES = {"open": pb.CONVERSATION_STATUS_OPEN, "resolved": pb.CONVERSATION_STATUS_RESOLVED}
DIRECTIONS = {"inbound": pb.DIRECTION_INBOUND, "outbound": pb.DIRECTION_OUTBOUND}
AUTHORS = {"customer": pb.AUTHOR_CUSTOMER, "agent": pb.AUTHOR_AGENT, "ai": pb.AUTHOR_AI}
AGENT_KINDS = {"human": pb.AGENT_KIND_HUMAN, "ai": pb.AGENT_KIND_AI}
# The conversation service names request fields as in the proto; HTTP names them as in the body.
BODY_FIELDS = {
    "customer_phone": "customer.phone",
    "customer_email": "customer.email",
    "customer_id": "customer.id",
    "customer_display_name": "customer.display_name",
}


def body_field(name: str) -> str:
    return BODY_FIELDS.get(name, name)


def _body_detail(detail: str) -> str:
    for grpc_name, http_name in BODY_FIELDS.items():
        detail = detail.replace(f"{grpc_name}:", f"{http_name}:")
    return detail


def _invalid_ingest(exc: grpc.aio.AioRpcError, request: Request) -> JSONResponse:
    """INVALID_ARGUMENT of an ingest call as a 422 naming the body's fields."""
    status, kind = GRPC_TO_HTTP[grpc.StatusCode.INVALID_ARGUMENT]
    errors = [
        {"field": body_field(v.field), "message": v.description} for v in field_violations(exc)
    ]
    return problem(
        status,
        _body_detail(exc.details() or kind),
        kind=kind,
        instance=request.url.path,
        errors=errors or None,
    )


def _name(mapping: dict[str, int], value: int) -> str:
    return next(k for k, v in mapping.items() if v == value)


def _dt(message, name: str) -> datetime | None:  # type: ignore[no-untyped-def]
    return getattr(message, name).ToDatetime(UTC) if message.HasField(name) else None


def conversation_json(c: pb.Conversation) -> dict:
    return {
        "id": c.id,
        "customer_id": c.customer_id,
        "channel": _name(CHANNELS, c.channel),
        "status": _name(STATUSES, c.status),
        "agents": [
            {
                "agent_id": a.agent_id,
                "kind": _name(AGENT_KINDS, a.kind),
                "assigned_at": a.assigned_at.ToDatetime(UTC),
                "unassigned_at": _dt(a, "unassigned_at"),
                "handoff_reason": a.handoff_reason,
            }
            for a in c.agents
        ],
        "escalated": c.escalated,
        "started_at": c.started_at.ToDatetime(UTC),
        "ended_at": _dt(c, "ended_at"),
        "duration_seconds": c.duration.ToTimedelta().total_seconds()
        if c.HasField("duration")
        else None,
        "csat": c.csat if c.HasField("csat") else None,
        "topic": c.topic,
        "summary": c.summary,
        "message_count": c.message_count,
        "last_message_at": _dt(c, "last_message_at"),
        "created_at": c.created_at.ToDatetime(UTC),
        "updated_at": c.updated_at.ToDatetime(UTC),
    }


def message_json(m: pb.Message) -> dict:
    return present(MessageOut, m)


def ingest_request(body: MessageIn) -> pb.IngestMessageRequest:
    request = pb.IngestMessageRequest(
        provider_message_id=body.provider_message_id,
        channel=CHANNELS[body.channel],
        customer_display_name=body.customer.display_name,
        conversation_id=body.conversation_id or "",
        direction=DIRECTIONS[body.direction],
        author=AUTHORS[body.author],
        author_id=body.author_id,
        text=body.text,
        sent_at=to_proto(body.sent_at),
    )
    if body.customer.phone is not None:
        request.customer_phone = body.customer.phone
    elif body.customer.email is not None:
        request.customer_email = body.customer.email
    elif body.customer.id is not None:
        request.customer_id = body.customer.id
    return request


def ingested_json(r: pb.IngestMessageResponse) -> dict:
    return {
        "message_id": r.message.id,
        "conversation_id": r.conversation.id,
        "customer_id": r.message.customer_id,
        "duplicate": r.duplicate,
        "customer_created": r.customer_created,
        "conversation_opened": r.conversation_opened,
    }


@router.post("/messages", status_code=202, response_model=IngestedOut, responses=ERRORS)
async def ingest_message(
    body: MessageIn,
    request: Request,
    who: Principal = Depends(can_write),
    up: Upstreams = Depends(upstreams),
) -> dict | JSONResponse:
    """Report one message (channel provider webhook / voice agent). Idempotent on
    (channel, provider_message_id); finds the customer by phone or email or creates a Prospect."""
    try:
        reply = await up.conversations.IngestMessage(ingest_request(body), metadata=metadata(who))
    except grpc.aio.AioRpcError as exc:
        if exc.code() is grpc.StatusCode.INVALID_ARGUMENT:
            return _invalid_ingest(exc, request)
        raise
    return ingested_json(reply)


@router.post("/messages/batch", status_code=202, response_model=BatchOut, responses=ERRORS)
async def ingest_messages(
    body: MessageBatchIn,
    request: Request,
    who: Principal = Depends(can_write),
    up: Upstreams = Depends(upstreams),
) -> dict:
    """Backfill up to 500 messages in one call; each result says accepted, duplicate or failed."""
    reply = await up.conversations.IngestMessages(
        pb.IngestMessagesRequest(messages=[ingest_request(m) for m in body.messages]),
        metadata=metadata(who),
        timeout=request.app.state.settings.batch_upstream_timeout,
    )
    results = []
    for r in reply.results:
        if r.WhichOneof("outcome") == "ingested":
            results.append(
                {
                    "index": r.index,
                    "status": "duplicate" if r.ingested.duplicate else "accepted",
                    "result": ingested_json(r.ingested),
                }
            )
        else:
            results.append(
                {
                    "index": r.index,
                    "status": "failed",
                    "error": {
                        "code": r.failed.code,
                        "message": _body_detail(r.failed.message),
                        "field": body_field(r.failed.field) if r.failed.field else None,
                    },
                }
            )
    return {"results": results}


@router.get("/messages/search", response_model=SearchPage, responses=ERRORS)
async def search_messages(
    q: Annotated[str, Query(min_length=1, max_length=200, description='words, "phrases", -not')],
    customer_id: QueryId = None,
    channel: Annotated[list[Channel] | None, Query()] = None,
    sent_after: QueryInstant | None = None,
    sent_before: QueryInstant | None = None,
    customers_only: bool = False,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str, Query(max_length=512)] = "",
    who: Principal = Depends(can_read),
    up: Upstreams = Depends(upstreams),
) -> dict:
    request = pb.SearchMessagesRequest(
        query=q,
        customer_id=customer_id or "",
        channels=[CHANNELS[c] for c in channel or ()],
        page_size=limit,
        page_token=cursor,
        customers_only=customers_only,
    )
    if sent_after is not None:
        request.sent_after.CopyFrom(to_proto(_aware(sent_after)))
    if sent_before is not None:
        request.sent_before.CopyFrom(to_proto(_aware(sent_before)))
    if customer_id:
        await ensure_visible(up, who, customer_id, "customer")
    reply = await up.conversations.SearchMessages(request, metadata=metadata(who))
    seen = await visible(
        up, who, [h.message.customer_id for h in reply.hits] + list(reply.customer_ids)
    )
    return {
        "items": [
            {
                "message": message_json(h.message),
                "rank": h.rank,
                "snippet": h.snippet,
                "highlights": [{"start": s.start, "end": s.end} for s in h.highlights],
            }
            for h in reply.hits
            if h.message.customer_id in seen
        ],
        "customer_ids": [i for i in reply.customer_ids if i in seen],
        "next_cursor": reply.next_page_token or None,
    }


async def _ensure_conversation_visible(up: Upstreams, who: Principal, conversation_id: str) -> None:
    if restricted(who):
        found = await up.conversations.GetConversation(
            pb.GetConversationRequest(id=conversation_id, message_page_size=1),
            metadata=metadata(who),
        )
        await ensure_visible(up, who, found.conversation.customer_id, "conversation")


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@router.get("", response_model=ConversationPage, responses=ERRORS)
async def list_conversations(
    customer_id: QueryId = None,
    channel: Annotated[list[Channel] | None, Query()] = None,
    status: Status | None = None,
    agent_id: Annotated[str | None, Query(max_length=200)] = None,
    started_after: QueryInstant | None = None,
    started_before: QueryInstant | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str, Query(max_length=512)] = "",
    who: Principal = Depends(can_read),
    up: Upstreams = Depends(upstreams),
) -> dict:
    request = pb.ListConversationsRequest(
        customer_id=customer_id or "",
        channels=[CHANNELS[c] for c in channel or ()],
        status=STATUSES[status] if status else pb.CONVERSATION_STATUS_UNSPECIFIED,
        agent_id=agent_id or "",
        page_size=limit,
        page_token=cursor,
    )
    if started_after is not None:
        request.started_after.CopyFrom(to_proto(_aware(started_after)))
    if started_before is not None:
        request.started_before.CopyFrom(to_proto(_aware(started_before)))
    if customer_id:
        await ensure_visible(up, who, customer_id, "customer")
    page = await up.conversations.ListConversations(request, metadata=metadata(who))
    seen = await visible(up, who, [c.customer_id for c in page.conversations])
    return {
        "items": [conversation_json(c) for c in page.conversations if c.customer_id in seen],
        "next_cursor": page.next_page_token or None,
    }


@router.get("/{conversation_id}", response_model=ConversationWithMessages, responses=ERRORS)
async def get_conversation(
    conversation_id: PathId,
    message_limit: Annotated[int, Query(ge=1, le=500)] = 100,
    message_cursor: Annotated[str, Query(max_length=512)] = "",
    who: Principal = Depends(can_read),
    up: Upstreams = Depends(upstreams),
) -> dict:
    reply = await up.conversations.GetConversation(
        pb.GetConversationRequest(
            id=conversation_id, message_page_size=message_limit, message_page_token=message_cursor
        ),
        metadata=metadata(who),
    )
    await ensure_visible(up, who, reply.conversation.customer_id, "conversation")
    return {
        **conversation_json(reply.conversation),
        "messages": [message_json(m) for m in reply.messages],
        "next_message_cursor": reply.next_message_page_token or None,
    }


@router.patch("/{conversation_id}", response_model=ConversationOut, responses=ERRORS)
async def update_conversation(
    conversation_id: PathId,
    body: ConversationPatch,
    who: Principal = Depends(can_write),
    up: Upstreams = Depends(upstreams),
) -> dict:
    """Change status, CSAT, topic or summary, or hand the conversation to another agent."""
    await _ensure_conversation_visible(up, who, conversation_id)
    request = pb.UpdateConversationRequest(id=conversation_id)
    if body.status is not None:
        request.status = STATUSES[body.status]
    if body.handoff is not None:
        request.handoff.CopyFrom(
            pb.AgentHandoff(
                agent_id=body.handoff.agent_id,
                kind=AGENT_KINDS[body.handoff.kind],
                reason=body.handoff.reason,
            )
        )
    if body.csat is not None:
        request.csat = body.csat
    if body.topic is not None:
        request.topic = body.topic
    if body.summary is not None:
        request.summary = body.summary
    updated = await up.conversations.UpdateConversation(request, metadata=metadata(who))
    return conversation_json(updated)


@router.post("/{conversation_id}/close", response_model=ConversationOut, responses=ERRORS)
async def close_conversation(
    conversation_id: PathId,
    body: ConversationClose | None = None,
    who: Principal = Depends(can_write),
    up: Upstreams = Depends(upstreams),
) -> dict:
    body = body or ConversationClose()
    await _ensure_conversation_visible(up, who, conversation_id)
    request = pb.CloseConversationRequest(id=conversation_id)
    if body.csat is not None:
        request.csat = body.csat
    if body.summary is not None:
        request.summary = body.summary
    if body.ended_at is not None:
        request.ended_at.CopyFrom(to_proto(body.ended_at))
    closed = await up.conversations.CloseConversation(request, metadata=metadata(who))
    return conversation_json(closed)
