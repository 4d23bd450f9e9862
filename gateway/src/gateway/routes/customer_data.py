"""Duplicates, merges and GDPR on /api/v1/customers (issue #23). Registered before the
customers router, so `/duplicates` and `/operations/{id}` are not read as customer ids."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from moodline.customer.v1 import customer_pb2

from gateway import customer_export
from gateway.auth import Principal
from gateway.deps import Upstreams, metadata, upstreams
from gateway.merge_schemas import (
    CustomerOperationOut,
    DuplicatePage,
    EraseIn,
    MergeField,
    MergeIn,
    MergePreviewOut,
)
from gateway.permissions import Permission, require
from gateway.presenters import ERRORS, PROBLEM, api_time, customer_json
from gateway.responses import FastJSONResponse
from gateway.validation import PathId, QueryId

router = APIRouter(prefix="/api/v1/customers", tags=["customer data"])

can_read = require(Permission.CUSTOMERS_READ)
can_merge = require(Permission.CUSTOMERS_MERGE)
can_export = require(Permission.CUSTOMERS_EXPORT_DATA)
can_erase = require(Permission.CUSTOMERS_ERASE)
CONFLICT_ERRORS = {**ERRORS, 409: PROBLEM}


def reasons_json(reasons) -> list[dict]:  # type: ignore[no-untyped-def]
    return [{"kind": r.kind, "detail": r.detail} for r in reasons]


def operation_json(op: customer_pb2.CustomerOperation) -> dict:
    return {
        "id": op.id,
        "kind": op.kind,
        "customer_id": op.customer_id,
        "duplicate_id": op.duplicate_id or None,
        "status": op.status,
        "steps": [
            {
                "service": s.service,
                "status": s.status,
                "completed_at": api_time(s.completed_at) if s.HasField("completed_at") else None,
            }
            for s in op.steps
        ],
        "created_at": api_time(op.created_at),
        "completed_at": api_time(op.completed_at) if op.HasField("completed_at") else None,
    }


@router.get("/duplicates", response_model=DuplicatePage, responses=ERRORS)
async def list_duplicates(
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str, Query(max_length=20)] = "",
    min_score: Annotated[int, Query(ge=1, le=100, description="default 60")] = 60,
    who: Principal = Depends(can_read),
    up: Upstreams = Depends(upstreams),
) -> JSONResponse:
    """Suggested duplicate pairs, best first: same phone, same e-mail, similar name + company."""
    page = await up.customers.ListDuplicates(
        customer_pb2.ListDuplicatesRequest(page_size=limit, page_token=cursor, min_score=min_score),
        metadata=metadata(who),
    )
    return FastJSONResponse(
        {
            "items": [
                {
                    "customer": customer_json(p.customer),
                    "duplicate": customer_json(p.duplicate),
                    "score": p.score,
                    "reasons": reasons_json(p.reasons),
                }
                for p in page.pairs
            ],
            "next_cursor": page.next_page_token or None,
        }
    )


@router.get("/operations/{operation_id}", response_model=CustomerOperationOut, responses=ERRORS)
async def get_operation(
    operation_id: PathId, who: Principal = Depends(can_read), up: Upstreams = Depends(upstreams)
) -> JSONResponse:
    """A merge or an erasure: `completed` once every service has done its part."""
    op = await up.customers.GetCustomerOperation(
        customer_pb2.GetCustomerOperationRequest(id=operation_id), metadata=metadata(who)
    )
    return FastJSONResponse(operation_json(op))


@router.get("/{customer_id}/merge-preview", response_model=MergePreviewOut, responses=ERRORS)
async def merge_preview(
    customer_id: PathId,
    duplicate_id: QueryId = None,
    from_duplicate: Annotated[
        list[MergeField] | None,
        Query(max_length=10, description="fields that keep the duplicate's value"),
    ] = None,
    from_survivor: Annotated[
        list[MergeField] | None,
        Query(max_length=10, description="fields that keep the survivor's value, even empty"),
    ] = None,
    who: Principal = Depends(can_merge),
    up: Upstreams = Depends(upstreams),
) -> JSONResponse:
    """The survivor as the merge with the same field choices would leave it, and where each
    single-valued field's value comes from."""
    from_duplicate, from_survivor = from_duplicate or [], from_survivor or []
    both = sorted(set(from_duplicate) & set(from_survivor))
    if both:
        raise RequestValidationError(
            [
                {"loc": ("query", "from_survivor"), "msg": f"{name} is also in from_duplicate"}
                for name in both
            ]
        )
    fields = {name: "survivor" for name in from_survivor} | {
        name: "duplicate" for name in from_duplicate
    }
    preview = await up.customers.PreviewMerge(
        customer_pb2.MergeCustomersRequest(
            customer_id=customer_id, duplicate_id=duplicate_id or "", fields=fields
        ),
        metadata=metadata(who),
    )
    return FastJSONResponse(
        {
            "survivor": customer_json(preview.survivor),
            "duplicate": customer_json(preview.duplicate),
            "result": customer_json(preview.result),
            "sources": dict(preview.sources),
        }
    )


@router.post(
    "/{customer_id}/merge",
    status_code=202,
    response_model=CustomerOperationOut,
    responses=CONFLICT_ERRORS,
)
async def merge(
    customer_id: PathId,
    body: MergeIn,
    who: Principal = Depends(can_merge),
    up: Upstreams = Depends(upstreams),
) -> JSONResponse:
    """Merges `duplicate_id` into this customer (the survivor). The profile merges at once; the
    other services move their data in the background (the operation's steps; poll
    `Location`). Merging a customer into itself is 422; the same merge again answers the same
    operation; the duplicate's URL answers 308 to the survivor afterwards."""
    op = await up.customers.MergeCustomers(
        customer_pb2.MergeCustomersRequest(
            customer_id=customer_id, duplicate_id=body.duplicate_id, fields=dict(body.fields)
        ),
        metadata=metadata(who),
    )
    return FastJSONResponse(
        operation_json(op),
        status_code=202,
        headers={"Location": f"{router.prefix}/operations/{op.id}"},
    )


@router.post(
    "/{customer_id}/erase",
    status_code=202,
    response_model=CustomerOperationOut,
    responses=CONFLICT_ERRORS,
)
async def erase(
    customer_id: PathId,
    body: EraseIn,
    who: Principal = Depends(can_erase),
    up: Upstreams = Depends(upstreams),
) -> JSONResponse:
    """GDPR erasure: personal data is removed in every service (aggregates stay); irreversible.
    Audited (who, when, which customer id)."""
    op = await up.customers.EraseCustomer(
        customer_pb2.EraseCustomerRequest(id=customer_id, confirm=body.confirm),
        metadata=metadata(who),
    )
    return FastJSONResponse(
        operation_json(op),
        status_code=202,
        headers={"Location": f"{router.prefix}/operations/{op.id}"},
    )


@router.get(
    "/{customer_id}/export",
    responses={
        **ERRORS,
        200: {
            "description": "everything every service holds about the customer",
            "content": {"application/json": {}, "application/pdf": {}},
        },
    },
)
async def export_data(
    request: Request,
    customer_id: PathId,
    format: Annotated[Literal["json", "pdf"], Query()] = "json",
    who: Principal = Depends(can_export),
    up: Upstreams = Depends(upstreams),
) -> Response:
    """GDPR access: the profile, notes, consents and timeline, conversations with their
    messages, sentiment, bookings, invoices, payments, subscriptions, loyalty enrolments with
    their ledgers, automation runs and tasks. Audited."""
    data = await customer_export.gather(up, who, customer_id)
    await request.app.state.audit.record_change(
        request,
        who,
        "customers.export",
        target=f"customer:{customer_id}",
        details={"format": format},
    )
    disposition = f'attachment; filename="customer-{customer_id}.{format}"'
    if format == "pdf":
        return Response(
            customer_export.to_pdf(data),
            media_type="application/pdf",
            headers={"Content-Disposition": disposition},
        )
    return FastJSONResponse(data, headers={"Content-Disposition": disposition})
