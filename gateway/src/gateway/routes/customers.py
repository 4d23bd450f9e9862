"""/api/v1/customers: translate HTTP <-> gRPC; no business rules here."""

from __future__ import annotations

import re
from typing import Annotated

import grpc
from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi.responses import JSONResponse
from google.protobuf import struct_pb2
from moodline.customer.v1 import customer_pb2

from gateway.auth import Principal
from gateway.deps import Upstreams, metadata, upstreams
from gateway.merge_schemas import CustomerCreatedOut
from gateway.permissions import Permission, require
from gateway.presenters import (
    ERRORS,
    WRITE_ERRORS,
    customer_json,
    etag,
    parse_if_match,
    with_etag,
)
from gateway.responses import FastJSONResponse
from gateway.schemas import (
    CustomerCreate,
    CustomerOut,
    CustomerPage,
    CustomerPatch,
    CustomerStatsOut,
    TagsChange,
)
from gateway.validation import INT32_MAX, INT64_MAX, PathId

router = APIRouter(prefix="/api/v1/customers", tags=["customers"])

can_read = require(Permission.CUSTOMERS_READ)
can_write = require(Permission.CUSTOMERS_WRITE)
can_delete = require(Permission.CUSTOMERS_DELETE)

# Substring search is trigram-indexed: 1-2 characters would scan every customer (see the
# customer service's listing rules).
MIN_QUERY_LENGTH = 3
_CF_PARAM = re.compile(r"^cf\.([a-z][a-z0-9_]{0,39})$")


@router.post("", status_code=201, response_model=CustomerCreatedOut, responses=ERRORS)
async def create_customer(
    body: CustomerCreate,
    who: Principal = Depends(can_write),
    up: Upstreams = Depends(upstreams),
) -> JSONResponse:
    """Creates the customer; `likely_duplicates` lists existing customers that look like it
    (same phone, same e-mail, similar name + company) so the caller can merge them."""
    created = await up.customers.CreateCustomer(
        customer_pb2.CreateCustomerRequest(
            first_name=body.first_name,
            last_name=body.last_name,
            company=body.company,
            phones=[customer_pb2.Phone(number=p.number, primary=p.primary) for p in body.phones],
            emails=[customer_pb2.Email(address=e.address, primary=e.primary) for e in body.emails],
        ),
        metadata=metadata(who),
    )
    likely = await up.customers.FindLikelyDuplicates(
        customer_pb2.FindLikelyDuplicatesRequest(
            first_name=created.first_name,
            last_name=created.last_name,
            company=created.company,
            phones=[p.number for p in created.phones],
            emails=[e.address for e in created.emails],
            exclude_id=created.id,
        ),
        metadata=metadata(who),
    )
    out = customer_json(created)
    out["likely_duplicates"] = [
        {
            "customer": customer_json(m.customer),
            "score": m.score,
            "reasons": [{"kind": r.kind, "detail": r.detail} for r in m.reasons],
        }
        for m in likely.matches
    ]
    return FastJSONResponse(
        out,
        status_code=201,
        headers={"ETag": etag(created.version), "Location": f"{router.prefix}/{created.id}"},
    )


Segment = Annotated[
    str,
    Query(
        description="all, vip, high_value, at_risk, recent, inactive, happy, problem",
        max_length=20,
    ),
]
Sort = Annotated[
    str, Query(description="recent, name, conversations, ltv, last_interaction", max_length=20)
]


@router.get(
    "",
    response_model=CustomerPage,
    responses=ERRORS,
    description="Custom field equality: `cf.<key>=<value>` (repeatable, one per field).",
)
async def list_customers(
    request: Request,
    q: Annotated[
        str,
        Query(
            max_length=200,
            description="name, phone, email, company or message content; partial, "
            "case-insensitive; at least 3 characters",
        ),
    ] = "",
    segment: Segment = "all",
    sort: Sort = "recent",
    stage: Annotated[str, Query(max_length=20)] = "",
    tag: Annotated[str, Query(max_length=50)] = "",
    folder: Annotated[str, Query(max_length=100)] = "",
    channel: Annotated[str, Query(max_length=20)] = "",
    sentiment: Annotated[
        str, Query(max_length=20, description="Happy, Neutral or Frustrated (any case)")
    ] = "",
    min_ltv: Annotated[int | None, Query(ge=0, le=INT64_MAX, description="minor units")] = None,
    min_conversations: Annotated[int | None, Query(ge=0, le=INT32_MAX)] = None,
    last_contact_within_days: Annotated[int | None, Query(ge=0, le=3650)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str, Query(max_length=512)] = "",
    who: Principal = Depends(can_read),
    up: Upstreams = Depends(upstreams),
) -> JSONResponse:
    if 0 < len(q.strip()) < MIN_QUERY_LENGTH:
        raise _query_problem("q", f"must be at least {MIN_QUERY_LENGTH} characters (or empty)")
    custom: dict[str, str] = {}
    for key, value in request.query_params.multi_items():
        if key.startswith("cf."):
            match = _CF_PARAM.match(key)
            if match is None:
                raise _query_problem(key, "custom field keys match [a-z][a-z0-9_]{0,39}")
            custom[match.group(1)] = value
    message = customer_pb2.ListCustomersRequest(
        query=q,
        page_size=limit,
        page_token=cursor,
        segment=segment,
        sort=sort,
        stage=stage,
        tag=tag,
        folder=folder,
        channel=channel,
        sentiment=sentiment.lower(),
        custom_fields=custom,
    )
    if min_ltv is not None:
        message.min_ltv_minor = min_ltv
    if min_conversations is not None:
        message.min_conversations = min_conversations
    if last_contact_within_days is not None:
        message.last_contact_within_days = last_contact_within_days
    page = await up.customers.ListCustomers(message, metadata=metadata(who))
    return FastJSONResponse(
        {
            "items": [customer_json(c) for c in page.customers],
            "next_cursor": page.next_page_token or None,
        }
    )


def _query_problem(field: str, message: str) -> Exception:
    from fastapi.exceptions import RequestValidationError

    return RequestValidationError(
        [{"loc": ("query", field), "msg": message, "type": "value_error"}]
    )


@router.get("/stats", response_model=CustomerStatsOut, responses=ERRORS)
async def customer_stats(
    who: Principal = Depends(can_read), up: Upstreams = Depends(upstreams)
) -> JSONResponse:
    s = await up.customers.GetCustomerStats(
        customer_pb2.GetCustomerStatsRequest(), metadata=metadata(who)
    )
    return FastJSONResponse(
        {
            "total": s.total,
            "vip": s.vip,
            "happy": s.happy,
            "problem": s.problem,
            "total_ltv_minor": s.total_ltv_minor,
            "average_ltv_minor": s.average_ltv_minor,
        }
    )


@router.get(
    "/{customer_id}",
    response_model=CustomerOut,
    responses={**ERRORS, 308: {"description": "merged into the customer in `Location`"}},
)
async def get_customer(
    customer_id: PathId, who: Principal = Depends(can_read), up: Upstreams = Depends(upstreams)
) -> Response:
    """A customer merged into another answers 308 with the survivor's URL in `Location`."""
    try:
        found = await up.customers.GetCustomer(
            customer_pb2.GetCustomerRequest(id=customer_id), metadata=metadata(who)
        )
    except grpc.aio.AioRpcError as exc:
        if exc.code() != grpc.StatusCode.NOT_FOUND:
            raise
        try:
            stone = await up.customers.GetTombstone(
                customer_pb2.GetTombstoneRequest(id=customer_id), metadata=metadata(who)
            )
        except grpc.aio.AioRpcError:
            raise exc from None
        return Response(
            status_code=308, headers={"Location": f"{router.prefix}/{stone.merged_into_id}"}
        )
    return with_etag(found)


@router.patch("/{customer_id}", response_model=CustomerOut, responses=WRITE_ERRORS)
async def update_customer(
    customer_id: PathId,
    body: CustomerPatch,
    if_match: Annotated[str | None, Header(description='the ETag, e.g. W/"3"')] = None,
    who: Principal = Depends(can_write),
    up: Upstreams = Depends(upstreams),
) -> JSONResponse:
    """Changes the fields present (contacts, preferences, tags, folder, custom fields, workers,
    call status, VIP...). If-Match is required (428 without it, 412 when stale)."""
    version = parse_if_match(if_match, required=True)
    fields = body.model_dump(exclude_unset=True)
    message = customer_pb2.UpdateCustomerRequest(
        id=customer_id, expected_version=version, update_mask=list(fields)
    )
    for name, value in fields.items():
        if name == "phones":
            message.phones.extend(customer_pb2.Phone(**p) for p in value or [])
        elif name == "emails":
            message.emails.extend(customer_pb2.Email(**e) for e in value or [])
        elif name == "addresses":
            message.addresses.extend(customer_pb2.Address(**a) for a in value or [])
        elif name == "custom_fields":
            struct = struct_pb2.Struct()
            struct.update(value or {})
            message.custom_fields.CopyFrom(struct)
        elif name in ("tags", "workers"):
            getattr(message, name).extend(value or [])
        elif value is not None:
            setattr(message, name, value)
    updated = await up.customers.UpdateCustomer(message, metadata=metadata(who))
    return with_etag(updated)


@router.delete("/{customer_id}", status_code=204, responses=WRITE_ERRORS)
async def delete_customer(
    customer_id: PathId,
    confirm: Annotated[bool, Query(description="must be true: deletion is irreversible")] = False,
    if_match: Annotated[str | None, Header()] = None,
    who: Principal = Depends(can_delete),
    up: Upstreams = Depends(upstreams),
) -> Response:
    await up.customers.DeleteCustomer(
        customer_pb2.DeleteCustomerRequest(
            id=customer_id,
            expected_version=parse_if_match(if_match, required=False),
            confirm=confirm,
        ),
        metadata=metadata(who),
    )
    return Response(status_code=204)


@router.post("/{customer_id}/tags", response_model=CustomerOut, responses=ERRORS)
async def change_tags(
    customer_id: PathId,
    body: TagsChange,
    who: Principal = Depends(can_write),
    up: Upstreams = Depends(upstreams),
) -> JSONResponse:
    updated = await up.customers.ModifyTags(
        customer_pb2.ModifyTagsRequest(id=customer_id, add=body.add, remove=body.remove),
        metadata=metadata(who),
    )
    return with_etag(updated)
