"""Outbound messages (`POST /api/v1/customers/{id}/messages`) and the messaging provider's
signed status callbacks. Translation only: consent, templates and delivery live in the
conversation service."""

from __future__ import annotations

import uuid
from datetime import UTC
from typing import Annotated

import grpc
from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import JSONResponse, Response
from moodline.conversation.v1 import conversation_pb2 as pb
from moodline_kit.grpc.client import tenant_metadata

from gateway.auth import Principal
from gateway.deps import Upstreams, metadata, upstreams
from gateway.message_schemas import MessageSend, OutboundOut
from gateway.permissions import Permission, require
from gateway.problems import problem

router = APIRouter(tags=["messages"])
can_send = require(Permission.CONVERSATIONS_WRITE)

PROBLEM = {"content": {"application/problem+json": {}}}
ERRORS = {401: PROBLEM, 403: PROBLEM, 404: PROBLEM, 409: PROBLEM, 422: PROBLEM}
CHANNELS = {"email": pb.CHANNEL_EMAIL, "sms": pb.CHANNEL_SMS, "whatsapp": pb.CHANNEL_WHATSAPP}
CHANNEL_NAMES = {v: k for k, v in CHANNELS.items()}
STATUSES = {
    pb.DELIVERY_STATUS_QUEUED: "queued",
    pb.DELIVERY_STATUS_SENT: "sent",
    pb.DELIVERY_STATUS_DELIVERED: "delivered",
    pb.DELIVERY_STATUS_FAILED: "failed",
}
AUTHORS = {pb.AUTHOR_AGENT: "agent", pb.AUTHOR_AI: "ai", pb.AUTHOR_AUTOMATION: "automation"}
SIGNATURE_HEADER = "X-Provider-Signature"


def outbound_out(m: pb.OutboundMessage) -> dict:
    return OutboundOut(
        id=m.id,
        customer_id=m.customer_id,
        channel=CHANNEL_NAMES.get(m.channel, "unknown"),
        recipient=m.recipient,
        subject=m.subject,
        text=m.text,
        status=STATUSES.get(m.status, "queued"),
        error=m.error,
        author=AUTHORS.get(m.author, "agent"),
        author_id=m.author_id,
        message_id=m.message_id or None,
        conversation_id=m.conversation_id or None,
        created_at=m.created_at.ToDatetime(UTC),
        updated_at=m.updated_at.ToDatetime(UTC),
    ).model_dump(mode="json")


@router.post(
    "/api/v1/customers/{customer_id}/messages",
    status_code=202,
    response_model=OutboundOut,
    responses=ERRORS,
)
async def send_message(
    customer_id: str,
    body: MessageSend,
    request: Request,
    who: Principal = Depends(can_send),
    up: Upstreams = Depends(upstreams),
) -> JSONResponse:
    """Queues a message to the customer (202: its status moves queued → sent → delivered or
    failed; read it back on the conversation). A customer who opted out of the channel, of
    communication or (for `marketing`) of marketing is never messaged: 409 saying why."""
    try:
        sent = await up.conversations.SendMessage(
            pb.SendMessageRequest(
                # The body's fields are the request's, by name; the channel is translated.
                **{**body.model_dump(), "channel": CHANNELS[body.channel]},
                customer_id=customer_id,
                author=pb.AUTHOR_AGENT,
                author_id=str(who.actor),
            ),
            metadata=metadata(who),
        )
    except grpc.aio.AioRpcError as exc:
        if exc.code() is not grpc.StatusCode.FAILED_PRECONDITION:
            raise
        return problem(
            409,
            exc.details() or "not deliverable",
            kind="not-deliverable",
            instance=request.url.path,
        )
    return JSONResponse(outbound_out(sent), status_code=200 if sent.duplicate else 202)


@router.post(
    "/api/v1/channel-callbacks/provider/{tenant_id}",
    status_code=204,
    responses={403: PROBLEM, 404: PROBLEM, 422: PROBLEM},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "description": '{"reference": "<tenant id>/<message id>", "status": '
                        '"delivered" | "failed", "error"?: "..."}, exactly as the provider '
                        "signed it",
                    }
                }
            },
        }
    },
)
async def provider_status_callback(
    tenant_id: str,
    request: Request,
    signature: Annotated[str, Header(alias=SIGNATURE_HEADER, max_length=200)] = "",
    up: Upstreams = Depends(upstreams),
) -> Response:
    """The messaging provider's delivery-status callback. No API key: it is authenticated by
    its signature (`X-Provider-Signature`, HMAC-SHA256 of the body), which the conversation
    service checks: 403 for a bad one."""
    try:
        uuid.UUID(tenant_id)
    except ValueError:
        return problem(404, f"tenant {tenant_id} not found", instance=request.url.path)
    await up.conversations.RecordDeliveryStatus(
        pb.RecordDeliveryStatusRequest(body=await request.body(), signature=signature),
        metadata=tenant_metadata(tenant_id),
    )
    return Response(status_code=204)
