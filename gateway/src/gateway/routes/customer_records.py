"""/api/v1/customers/{id}/…: consents, notes, related customers and the timeline."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse
from google.protobuf.json_format import MessageToDict
from moodline.customer.v1 import customer_pb2

from gateway.auth import Principal
from gateway.deps import Upstreams, metadata, upstreams
from gateway.permissions import Permission, require
from gateway.presenters import ERRORS, api_time, with_etag
from gateway.schemas import (
    ConsentIn,
    CustomerOut,
    NoteIn,
    NoteList,
    NoteOut,
    RelationIn,
    TimelinePage,
)
from gateway.validation import PathId

router = APIRouter(prefix="/api/v1/customers", tags=["customers"])

can_read = require(Permission.CUSTOMERS_READ)
can_write = require(Permission.CUSTOMERS_WRITE)
can_delete = require(Permission.CUSTOMERS_DELETE)


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
    return with_etag(updated)


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
                "changed_at": api_time(r.changed_at),
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
        "created_at": api_time(n.created_at),
    }


@router.post("/{customer_id}/notes", status_code=201, response_model=NoteOut, responses=ERRORS)
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


@router.get("/{customer_id}/notes", response_model=NoteList, responses=ERRORS)
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
    return with_etag(updated)


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
    return with_etag(updated)


@router.get("/{customer_id}/timeline", response_model=TimelinePage, responses=ERRORS)
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
                "occurred_at": api_time(e.occurred_at),
            }
            for e in page.entries
        ],
        "next_cursor": page.next_page_token or None,
    }
