"""/api/v1/customers: translate HTTP <-> gRPC; no business rules here."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Request, Response
from fastapi.responses import JSONResponse
from google.protobuf import struct_pb2
from google.protobuf.json_format import MessageToDict
from google.protobuf.timestamp_pb2 import Timestamp
from moodline.customer.v1 import customer_pb2

from gateway.auth import Principal
from gateway.deps import Upstreams, metadata, upstreams
from gateway.permissions import Permission, require
from gateway.responses import FastJSONResponse
from gateway.schemas import (
    CUSTOMER_LABELS,
    ConsentIn,
    CustomerCreate,
    CustomerOut,
    CustomerPage,
    CustomerPatch,
    CustomerStatsOut,
    NoteIn,
    RelationIn,
    TagsChange,
)
from gateway.validation import INT32_MAX, INT64_MAX, PathId

router = APIRouter(prefix="/api/v1/customers", tags=["customers"])

can_read = require(Permission.CUSTOMERS_READ)
can_write = require(Permission.CUSTOMERS_WRITE)
can_delete = require(Permission.CUSTOMERS_DELETE)

PROBLEM = {"content": {"application/problem+json": {}}}
ERRORS = {401: PROBLEM, 403: PROBLEM, 404: PROBLEM, 422: PROBLEM}
WRITE_ERRORS = {**ERRORS, 412: PROBLEM, 428: PROBLEM}
_ETAG = re.compile(r'^\s*(?:W/)?"(\d+)"\s*$')
# Substring search is trigram-indexed: 1-2 characters would scan every customer (see the
# customer service's listing rules).
MIN_QUERY_LENGTH = 3
_CF_PARAM = re.compile(r"^cf\.([a-z][a-z0-9_]{0,39})$")


_EPOCH = datetime(1970, 1, 1)
_DAYS: dict[int, str] = {}  # day since the epoch -> "YYYY-MM-DDT"
_CLOCK: dict[int, str] = {}  # second of the day -> "HH:MM:SS." (at most 86,400 entries)


def _time(ts: Timestamp) -> str | None:
    """Same text as ts.ToDatetime().isoformat(timespec="microseconds") + "Z", from the date
    part cached by day and the time of day cached by second: four timestamps per row of every
    list, this is a third of the time of building a datetime and formatting it."""
    seconds, nanos = ts.seconds, ts.nanos
    if not seconds and not nanos:
        return None
    day, rest = divmod(seconds, 86_400)
    prefix = _DAYS.get(day)
    if prefix is None:
        if len(_DAYS) > 100_000:
            _DAYS.clear()
        date = _EPOCH + timedelta(days=day)
        prefix = _DAYS[day] = f"{date.year:04d}-{date.month:02d}-{date.day:02d}T"
    clock = _CLOCK.get(rest)
    if clock is None:
        clock = _CLOCK[rest] = f"{rest // 3600:02d}:{rest // 60 % 60:02d}:{rest % 60:02d}."
    return f"{prefix}{clock}{nanos // 1000:06d}Z"


def customer_json(m: customer_pb2.Customer) -> dict:
    """Proto -> public JSON, by hand: this runs for every row of every list (hot path)."""
    s = m.sentiment
    return {
        "id": m.id,
        "first_name": m.first_name,
        "last_name": m.last_name,
        "company": m.company,
        "phones": [{"number": p.number, "primary": p.primary} for p in m.phones],
        "emails": [{"address": e.address, "primary": e.primary} for e in m.emails],
        "lifecycle_stage": m.lifecycle_stage,
        "created_at": _time(m.created_at),
        "updated_at": _time(m.updated_at),
        "version": m.version,
        "addresses": [
            {
                "label": a.label,
                "line1": a.line1,
                "line2": a.line2,
                "city": a.city,
                "state": a.state,
                "postal_code": a.postal_code,
                "country": a.country,
            }
            for a in m.addresses
        ]
        if m.addresses
        else [],
        "preferred_channel": m.preferred_channel,
        "preferred_contact_time": m.preferred_contact_time,
        "language": m.language,
        "timezone": m.timezone,
        "tags": list(m.tags),
        "folder": m.folder,
        "custom_fields": MessageToDict(m.custom_fields) if m.custom_fields.fields else {},
        "relations": [
            {"customer_id": r.customer_id, "role": r.role, "label": r.label} for r in m.relations
        ]
        if m.relations
        else [],
        "workers": list(m.workers),
        "call_status": m.call_status,
        "vip": m.vip,
        "vip_manual": m.vip_manual,
        "consents": [
            {
                "kind": c.kind,
                "granted": c.granted,
                "source": c.source,
                "changed_at": _time(c.changed_at),
            }
            for c in m.consents
        ]
        if m.consents
        else [],
        "avatar_color": m.avatar_color,
        "lifetime_value_minor": m.lifetime_value_minor,
        "currency": m.currency,
        "bookings_count": m.bookings_count,
        "purchases_count": m.purchases_count,
        "average_order_value_minor": m.average_order_value_minor,
        "interactions_count": m.interactions_count,
        "last_contact_at": _time(m.last_contact_at),
        "most_common_channel": m.most_common_channel,
        "sentiment": {
            "label": CUSTOMER_LABELS.get(s.label, s.label),
            "score": round(s.score, 4),
            "frustration": round(s.frustration, 4),
            "satisfaction": round(s.satisfaction, 4),
            "confusion": round(s.confusion, 4),
            "urgency": round(s.urgency, 4),
            "trend": s.trend,
        }
        if m.HasField("sentiment")
        else None,
        "last_activity_at": _time(m.last_activity_at),
        "stage_history": [
            {
                "from_stage": h.from_stage,
                "to_stage": h.to_stage,
                "reason": h.reason,
                "changed_at": _time(h.changed_at),
            }
            for h in m.stage_history
        ]
        if m.stage_history
        else [],
    }


def etag(version: int) -> str:
    return f'W/"{version}"'


def _with_etag(message: customer_pb2.Customer, status: int = 200) -> JSONResponse:
    return FastJSONResponse(
        customer_json(message), status_code=status, headers={"ETag": etag(message.version)}
    )


def _if_match(value: str | None, *, required: bool) -> int:
    if value is None or not value.strip():
        if required:
            raise HTTPException(428, "If-Match is required: send the ETag of the customer read")
        return 0
    match = _ETAG.match(value)
    if match is None:
        if value.strip() == "*":
            return 0
        raise HTTPException(412, f"If-Match {value!r} is not an ETag of this customer")
    version = int(match.group(1))
    if version > INT64_MAX:  # no customer ever reaches this version
        raise HTTPException(412, f"If-Match {value!r} is not an ETag of this customer")
    return version


@router.post("", status_code=201, response_model=CustomerOut, responses=ERRORS)
async def create_customer(
    body: CustomerCreate,
    who: Principal = Depends(can_write),
    up: Upstreams = Depends(upstreams),
) -> JSONResponse:
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
    response = _with_etag(created, 201)
    response.headers["Location"] = f"{router.prefix}/{created.id}"
    return response


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


@router.get("/{customer_id}", response_model=CustomerOut, responses=ERRORS)
async def get_customer(
    customer_id: PathId, who: Principal = Depends(can_read), up: Upstreams = Depends(upstreams)
) -> JSONResponse:
    found = await up.customers.GetCustomer(
        customer_pb2.GetCustomerRequest(id=customer_id), metadata=metadata(who)
    )
    return _with_etag(found)


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
    version = _if_match(if_match, required=True)
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
    return _with_etag(updated)


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
            id=customer_id, expected_version=_if_match(if_match, required=False), confirm=confirm
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
    return _with_etag(updated)


@router.post("/{customer_id}/consents", response_model=CustomerOut, responses=ERRORS)
async def record_consent(
    customer_id: PathId,
    body: ConsentIn,
    who: Principal = Depends(can_write),
    up: Upstreams = Depends(upstreams),
) -> JSONResponse:
    updated = await up.customers.RecordConsent(
        customer_pb2.RecordConsentRequest(
            id=customer_id, kind=body.kind, granted=body.granted, source=body.source
        ),
        metadata=metadata(who),
    )
    return _with_etag(updated)


@router.get("/{customer_id}/consents", responses=ERRORS)
async def consent_history(
    customer_id: PathId, who: Principal = Depends(can_read), up: Upstreams = Depends(upstreams)
) -> dict:
    history = await up.customers.ListConsentHistory(
        customer_pb2.ListConsentHistoryRequest(id=customer_id), metadata=metadata(who)
    )
    return {
        "items": [
            {
                "kind": r.kind,
                "granted": r.granted,
                "source": r.source,
                "changed_at": _time(r.changed_at),
            }
            for r in history.records
        ]
    }


def _note(n: customer_pb2.Note) -> dict:
    return {
        "id": n.id,
        "customer_id": n.customer_id,
        "text": n.text,
        "author": n.author,
        "created_at": _time(n.created_at),
    }


@router.post("/{customer_id}/notes", status_code=201, responses=ERRORS)
async def add_note(
    customer_id: PathId,
    body: NoteIn,
    who: Principal = Depends(can_write),
    up: Upstreams = Depends(upstreams),
) -> dict:
    note = await up.customers.AddNote(
        customer_pb2.AddNoteRequest(id=customer_id, text=body.text, author=body.author),
        metadata=metadata(who),
    )
    return _note(note)


@router.get("/{customer_id}/notes", responses=ERRORS)
async def list_notes(
    customer_id: PathId, who: Principal = Depends(can_read), up: Upstreams = Depends(upstreams)
) -> dict:
    notes = await up.customers.ListNotes(
        customer_pb2.ListNotesRequest(id=customer_id), metadata=metadata(who)
    )
    return {"items": [_note(n) for n in notes.notes]}


@router.put("/{customer_id}/children/{child_id}", response_model=CustomerOut, responses=ERRORS)
async def set_relation(
    customer_id: PathId,
    child_id: PathId,
    body: RelationIn,
    who: Principal = Depends(can_write),
    up: Upstreams = Depends(upstreams),
) -> JSONResponse:
    """Relate a sub-customer (company -> employee, family, branch) with a label."""
    updated = await up.customers.SetRelation(
        customer_pb2.SetRelationRequest(parent_id=customer_id, child_id=child_id, label=body.label),
        metadata=metadata(who),
    )
    return _with_etag(updated)


@router.delete("/{customer_id}/children/{child_id}", response_model=CustomerOut, responses=ERRORS)
async def remove_relation(
    customer_id: PathId,
    child_id: PathId,
    who: Principal = Depends(can_write),
    up: Upstreams = Depends(upstreams),
) -> JSONResponse:
    updated = await up.customers.RemoveRelation(
        customer_pb2.RemoveRelationRequest(parent_id=customer_id, child_id=child_id),
        metadata=metadata(who),
    )
    return _with_etag(updated)


@router.get("/{customer_id}/timeline", responses=ERRORS)
async def timeline(
    customer_id: PathId,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str, Query(max_length=512)] = "",
    who: Principal = Depends(can_read),
    up: Upstreams = Depends(upstreams),
) -> dict:
    page = await up.customers.GetTimeline(
        customer_pb2.GetTimelineRequest(id=customer_id, page_size=limit, page_token=cursor),
        metadata=metadata(who),
    )
    return {
        "items": [
            {
                "id": e.id,
                "kind": e.kind,
                "type": e.type,
                "summary": e.summary,
                "data": MessageToDict(e.data),
                "occurred_at": _time(e.occurred_at),
            }
            for e in page.entries
        ],
        "next_cursor": page.next_page_token or None,
    }
