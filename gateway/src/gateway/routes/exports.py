"""/api/v1/exports: customer exports to CSV, Excel, JSON or a PDF report (customer service,
DataOpsService), written by its worker; the file is downloaded through a signed URL that expires
(`EXPORT_URL_TTL`), streamed a chunk at a time from the customer service."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import StreamingResponse
from moodline.customer.v1 import customer_pb2, dataops_pb2
from moodline_kit import auth as kit_auth
from moodline_kit.errors import Unauthenticated
from moodline_kit.tenancy import TENANT_METADATA_KEY
from pydantic import BaseModel, Field

from gateway.auth import Principal
from gateway.deps import Upstreams, metadata, upstreams
from gateway.permissions import Permission, require
from gateway.schemas import Strict
from gateway.validation import PathId

router = APIRouter(prefix="/api/v1/exports", tags=["exports"])
can_export = require(Permission.CUSTOMERS_EXPORT)
DOWNLOAD_AUDIENCE = "moodline-export-download"

_PROBLEM = {"content": {"application/problem+json": {}}}
ERRORS = {
    401: {"description": "no valid credential", **_PROBLEM},
    403: {"description": "role lacks the permission", **_PROBLEM},
    404: {"description": "no such export in this tenant (or it expired)", **_PROBLEM},
    412: {"description": "the export has not completed", **_PROBLEM},
    422: {"description": "bad format, filter or ids", **_PROBLEM},
}


class ExportFilter(Strict):
    """The customer list's filters (as GET /api/v1/customers takes them)."""

    q: str = Field(default="", max_length=200)
    segment: str = Field(default="", max_length=40)
    sort: str = Field(default="", max_length=40)
    stage: str = Field(default="", max_length=40)
    tag: str = Field(default="", max_length=50)
    folder: str = Field(default="", max_length=64)
    channel: str = Field(default="", max_length=40)
    sentiment: str = Field(default="", max_length=40)
    min_ltv: int | None = Field(default=None, ge=0, le=2**62)
    min_conversations: int | None = Field(default=None, ge=0, le=2**31 - 1)
    last_contact_within_days: int | None = Field(default=None, ge=0, le=36500)
    custom_fields: dict[str, str] = Field(default_factory=dict, max_length=20)


class ExportIn(Strict):
    format: Literal["csv", "xlsx", "json", "pdf"]
    filter: ExportFilter | None = None
    ids: list[Annotated[str, Field(pattern=r"^[0-9a-fA-F-]{36}$")]] | None = Field(
        default=None, max_length=10_000, description="exactly these customers"
    )


class ExportOut(BaseModel):
    id: str
    status: Literal["queued", "running", "completed", "failed"]
    format: Literal["csv", "xlsx", "json", "pdf"]
    total: int
    processed: int
    size_bytes: int
    filename: str
    content_type: str
    error: str
    created_at: datetime
    finished_at: datetime | None
    expires_at: datetime | None = Field(description="when the file is deleted")
    download_url: str | None = Field(
        description="once completed: the file, without a credential, until url_expires_at"
    )
    url_expires_at: datetime | None


def _download_token(request: Request, who: Principal, export_id: str, ttl: int) -> str:
    now = int(time.time())
    claims = {
        "iss": kit_auth.ISSUER,
        "aud": DOWNLOAD_AUDIENCE,
        "sub": export_id,
        "tid": str(who.tenant_id),
        "iat": now,
        "exp": now + ttl,
    }
    return request.app.state.credentials.keys.sign(claims)


def export_out(m: dataops_pb2.Export, request: Request, who: Principal) -> ExportOut:
    url = expires = None
    if m.status == "completed":
        ttl = request.app.state.settings.export_url_ttl
        token = _download_token(request, who, m.id, ttl)
        url = f"/api/v1/exports/{m.id}/download?token={token}"
        expires = datetime.fromtimestamp(int(time.time()) + ttl, UTC)
    return ExportOut(
        id=m.id,
        status=m.status,  # type: ignore[arg-type]
        format=m.format,  # type: ignore[arg-type]
        total=m.total,
        processed=m.processed,
        size_bytes=m.size_bytes,
        filename=m.filename,
        content_type=m.content_type,
        error=m.error,
        created_at=m.created_at.ToDatetime(tzinfo=UTC),
        finished_at=m.finished_at.ToDatetime(tzinfo=UTC) if m.HasField("finished_at") else None,
        expires_at=m.expires_at.ToDatetime(tzinfo=UTC) if m.HasField("expires_at") else None,
        download_url=url,
        url_expires_at=expires,
    )


@router.post("", status_code=202, response_model=ExportOut, responses=ERRORS)
async def create_export(
    body: ExportIn,
    request: Request,
    who: Principal = Depends(can_export),
    up: Upstreams = Depends(upstreams),
) -> ExportOut:
    """Export every customer the caller may see, those matching `filter`, or the listed `ids`
    (a background job; poll GET /{id} or watch customer.export.progressed on /api/v1/events).
    Values are readable: folder names, tags, stage, sentiment, money in major units."""
    message = dataops_pb2.CreateExportRequest(format=body.format, ids=body.ids or [])
    if body.filter is not None:
        f = body.filter
        flt = customer_pb2.ListCustomersRequest(
            query=f.q,
            segment=f.segment,
            sort=f.sort,
            stage=f.stage,
            tag=f.tag,
            folder=f.folder,
            channel=f.channel,
            sentiment=f.sentiment.lower(),
            custom_fields=f.custom_fields,
        )
        if f.min_ltv is not None:
            flt.min_ltv_minor = f.min_ltv
        if f.min_conversations is not None:
            flt.min_conversations = f.min_conversations
        if f.last_contact_within_days is not None:
            flt.last_contact_within_days = f.last_contact_within_days
        message.filter.CopyFrom(flt)
    created = await up.dataops.CreateExport(message, metadata=metadata(who))
    return export_out(created, request, who)


@router.get("/{export_id}", response_model=ExportOut, responses=ERRORS)
async def get_export(
    export_id: PathId,
    request: Request,
    who: Principal = Depends(can_export),
    up: Upstreams = Depends(upstreams),
) -> ExportOut:
    """Status and, once completed, a signed `download_url` that expires."""
    found = await up.dataops.GetExport(
        dataops_pb2.GetExportRequest(id=export_id), metadata=metadata(who)
    )
    return export_out(found, request, who)


@router.get(
    "/{export_id}/download",
    response_class=StreamingResponse,
    responses={
        200: {"description": "the file", "content": {"application/octet-stream": {}}},
        **ERRORS,
    },
)
async def download_export(
    export_id: PathId,
    request: Request,
    token: Annotated[str, Query(max_length=4096, description="from download_url")],
    up: Upstreams = Depends(upstreams),
) -> StreamingResponse:
    """The export's file, streamed. Needs no credential: the signed token in the URL (made for
    this export, this tenant, until it expires) is one."""
    keys = request.app.state.credentials.keys
    try:
        claims = keys.verify(token, audience=DOWNLOAD_AUDIENCE)
    except Unauthenticated as exc:
        raise HTTPException(401, "invalid or expired download link") from exc
    if claims.get("sub") != export_id:
        raise HTTPException(401, "the link is for another export")
    tenant = uuid.UUID(claims["tid"])
    service = kit_auth.Claims(tenant_id=tenant, subject=f"export:{export_id}", role="viewer")
    service_token = kit_auth.sign_service_token(keys, service, ttl=300)
    meta = (
        (TENANT_METADATA_KEY, str(tenant)),
        (kit_auth.TOKEN_METADATA_KEY, kit_auth.bearer(service_token)),
    )
    found = await up.dataops.GetExport(dataops_pb2.GetExportRequest(id=export_id), metadata=meta)
    first = await up.dataops.ReadExportChunk(
        dataops_pb2.ReadExportChunkRequest(export_id=export_id, seq=0), metadata=meta
    )
    await request.app.state.audit.record(
        tenant_id=tenant,
        actor=f"link:{export_id}",
        action="exports.download",
        target=f"export_id={export_id}",
        outcome="200",
        client_ip=request.client.host if request.client else "",
        details={"format": found.format, "size_bytes": found.size_bytes},
    )

    async def chunks() -> AsyncIterator[bytes]:
        chunk, seq = first, 0
        while True:
            yield chunk.data
            if chunk.last:
                return
            seq += 1
            chunk = await up.dataops.ReadExportChunk(
                dataops_pb2.ReadExportChunkRequest(export_id=export_id, seq=seq), metadata=meta
            )

    return StreamingResponse(
        chunks(),
        media_type=found.content_type,
        headers={
            "Content-Disposition": f'attachment; filename="{found.filename}"',
            "Content-Length": str(found.size_bytes),
            "Cache-Control": "no-store",
        },
    )
