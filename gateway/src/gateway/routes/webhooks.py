"""Payment-provider webhooks: the raw body and signature headers go to billing, which verifies
them (HMAC-SHA256 over "<timestamp>." + body with the endpoint's secret, 5-minute tolerance)
and applies each event id once. No API key: the signature authenticates the provider."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, HTTPException, Request
from moodline.billing.v1 import billing_pb2 as pb

from gateway.auth import Principal
from gateway.billing_schemas import WebhookEndpointOut, WebhookReceiptOut
from gateway.deps import metadata
from gateway.permissions import Permission, require
from gateway.routes.billing import ERRORS, RawStub, Stub, payment_json

router = APIRouter(prefix="/api/v1/webhooks/payments", tags=["webhooks"])

ENDPOINT_HEADER = "Moodline-Webhook-Endpoint"
TIMESTAMP_HEADER = "Moodline-Webhook-Timestamp"
SIGNATURE_HEADER = "Moodline-Webhook-Signature"


@router.post(
    "/{provider}/endpoint", status_code=201, response_model=WebhookEndpointOut, responses=ERRORS
)
async def create_endpoint(
    provider: str, stub: Stub, who: Principal = Depends(require(Permission.BILLING_MANAGE))
) -> dict:
    """Create (or rotate) this business's endpoint for `provider`; the secret is shown once.
    Configure the provider to send the three `Moodline-Webhook-*` headers."""
    endpoint = await stub.CreateWebhookEndpoint(
        pb.CreateWebhookEndpointRequest(provider=provider), metadata=metadata(who)
    )
    return {
        "id": endpoint.id,
        "status": "active",
        "provider": endpoint.provider,
        "secret": endpoint.secret,
        "url": f"{router.prefix}/{provider}",
        "headers": [ENDPOINT_HEADER, TIMESTAMP_HEADER, SIGNATURE_HEADER],
    }


@router.post("/{provider}", response_model=WebhookReceiptOut, responses=ERRORS)
async def receive(
    provider: str,
    request: Request,
    stub: RawStub,
    endpoint: Annotated[str, Header(alias=ENDPOINT_HEADER, max_length=64)],
    timestamp: Annotated[str, Header(alias=TIMESTAMP_HEADER, max_length=20)],
    signature: Annotated[str, Header(alias=SIGNATURE_HEADER, max_length=200)],
) -> dict:
    """200 `applied` or `duplicate` (the event id was already applied: nothing changes); 401 for
    a bad signature or a timestamp more than 5 minutes away; 422 for a malformed event."""
    try:
        unix = int(timestamp)
    except ValueError as exc:
        raise HTTPException(401, f"{TIMESTAMP_HEADER} must be Unix seconds") from exc
    result = await stub.IngestProviderEvent(
        pb.IngestProviderEventRequest(
            provider=provider,
            endpoint_id=endpoint,
            timestamp=unix,
            signature=signature.removeprefix("v1="),
            body=await request.body(),
        )
    )
    return {
        "status": "applied" if result.status == pb.INGEST_STATUS_APPLIED else "duplicate",
        "event_id": result.event_id,
        "payment": payment_json(result.payment) if result.HasField("payment") else None,
    }
