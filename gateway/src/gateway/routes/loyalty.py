"""/api/v1/loyalty and /api/v1/customers/{id}/loyalty: translate HTTP <-> gRPC; the loyalty
service owns every rule (balances, lots, expiry, idempotency)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

import grpc
from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from fastapi.responses import JSONResponse
from google.protobuf.field_mask_pb2 import FieldMask
from moodline.customer.v1 import customer_pb2
from moodline.loyalty.v1 import loyalty_pb2 as pb
from moodline.loyalty.v1 import loyalty_pb2_grpc
from moodline_kit.grpc.structs import fields_of
from pydantic import BaseModel, Field, field_validator

from gateway.auth import Principal
from gateway.deps import Upstreams, metadata, principal, upstreams
from gateway.permissions import Permission, require
from gateway.problems import renamed_invalid_argument
from gateway.schemas import Strict
from gateway.validation import INT64_MAX, BodyId, PathId
from gateway.visibility import guarded

router = APIRouter(tags=["loyalty"])
can_read = require(Permission.LOYALTY_READ)
can_adjust = require(Permission.LOYALTY_ADJUST)
can_manage = require(Permission.LOYALTY_MANAGE)

PROBLEM = {"content": {"application/problem+json": {}}}
ERRORS = {401: PROBLEM, 403: PROBLEM, 404: PROBLEM, 409: PROBLEM, 422: PROBLEM, 503: PROBLEM}
PROGRAMS = "/api/v1/loyalty/programs"
ENROLMENTS = "/api/v1/loyalty/enrolments"

Kind = Literal["points", "credits"]
Trigger = Literal["payment_succeeded", "booking_completed"]
RoundingName = Literal["down", "nearest", "up"]
Policy = Literal["never", "after_days"]
AdjustReason = Literal["earned", "redeemed", "manual_adjustment", "reversal"]

KINDS = {"points": pb.PROGRAM_TYPE_POINTS, "credits": pb.PROGRAM_TYPE_CREDITS}
TRIGGERS = {
    "payment_succeeded": pb.EARN_TRIGGER_PAYMENT_SUCCEEDED,
    "booking_completed": pb.EARN_TRIGGER_BOOKING_COMPLETED,
}
ROUNDINGS = {"down": pb.ROUNDING_DOWN, "nearest": pb.ROUNDING_NEAREST, "up": pb.ROUNDING_UP}
POLICIES = {"never": pb.EXPIRY_POLICY_NEVER, "after_days": pb.EXPIRY_POLICY_AFTER_DAYS}
REASONS = {
    "starting_balance": pb.LEDGER_REASON_STARTING_BALANCE,
    "earned": pb.LEDGER_REASON_EARNED,
    "redeemed": pb.LEDGER_REASON_REDEEMED,
    "manual_adjustment": pb.LEDGER_REASON_MANUAL_ADJUSTMENT,
    "expired": pb.LEDGER_REASON_EXPIRED,
    "reversal": pb.LEDGER_REASON_REVERSAL,
    "removed": pb.LEDGER_REASON_REMOVED,
    "merged": pb.LEDGER_REASON_MERGED,
}
STATUSES = {
    pb.ENROLMENT_STATUS_ACTIVE: "active",
    pb.ENROLMENT_STATUS_REMOVED: "removed",
    pb.ENROLMENT_STATUS_EXPIRED: "expired",
}


def _key(mapping: dict[str, int], value: int) -> str:
    return next((k for k, v in mapping.items() if v == value), "")


# --- shapes -----------------------------------------------------------------------------------


class EarnRuleIn(Strict):
    trigger: Trigger
    amount_per_unit: int = Field(default=0, ge=0, le=INT64_MAX, description="per spend unit")
    spend_unit_minor: int = Field(default=0, ge=0, le=INT64_MAX, description="e.g. 100 = per $1")
    fixed_amount: int = Field(
        default=0, ge=0, le=INT64_MAX, description="per triggering event (visit)"
    )
    currency: str = Field(default="", max_length=3, description="ISO 4217; empty: the program's")
    multiplier_percent: int = Field(default=100, ge=1, le=10_000, description="150 = x1.5")


class ProgramPatch(Strict):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=2000)
    earn_rules: list[EarnRuleIn] | None = Field(default=None, max_length=10)
    rounding: RoundingName | None = None
    expiry_policy: Policy | None = None
    expire_after_days: int | None = Field(default=None, ge=0, le=3650)
    min_redemption: int | None = Field(default=None, ge=0, le=INT64_MAX)
    allow_negative_balance: bool | None = None


class ProgramIn(ProgramPatch):
    name: str = Field(min_length=1, max_length=200)  # type: ignore[assignment]
    kind: Kind
    currency: str = Field(default="", max_length=3, description="ISO 4217; required for credits")


class EarnRuleOut(BaseModel):
    trigger: str
    amount_per_unit: int
    spend_unit_minor: int
    fixed_amount: int
    currency: str
    multiplier_percent: int


class ProgramOut(BaseModel):
    id: str
    name: str
    description: str
    kind: str
    currency: str
    earn_rules: list[EarnRuleOut]
    rounding: str
    expiry_policy: str
    expire_after_days: int
    min_redemption: int
    allow_negative_balance: bool
    archived: bool
    created_at: datetime
    updated_at: datetime


class ProgramPage(BaseModel):
    items: list[ProgramOut]
    next_cursor: str | None


class EnrolIn(Strict):
    program_id: BodyId
    starting_balance: int = Field(default=0, ge=-INT64_MAX, le=INT64_MAX)
    expires_on: date | None = None
    notes: str = Field(default="", max_length=2000)


class EnrolmentPatch(Strict):
    expires_on: date | None = Field(default=None, description="null clears it")
    notes: str | None = Field(default=None, max_length=2000)


class EnrolmentOut(BaseModel):
    id: str
    program_id: str
    program_name: str
    kind: str
    customer_id: str
    status: str
    balance: int
    lifetime_earned: int
    expires_on: date | None
    notes: str
    enrolled_at: datetime
    removed_at: datetime | None
    next_expiry_at: datetime | None = Field(description="when the soonest unspent credits expire")
    next_expiry_amount: int
    last_activity_at: datetime | None
    ledger_sequence: int


class EnrolmentPage(BaseModel):
    items: list[EnrolmentOut]
    next_cursor: str | None


class AdjustmentIn(Strict):
    points: int = Field(
        ge=-INT64_MAX,
        le=INT64_MAX,
        description="positive credits, negative debits (points or credit minor units)",
    )
    reason: AdjustReason
    idempotency_key: str = Field(min_length=1, max_length=128)
    note: str = Field(default="", max_length=500)
    source_ref: str = Field(default="", max_length=128, description="e.g. a booking id")

    @field_validator("points")
    @classmethod
    def _not_zero(cls, value: int) -> int:
        if value == 0:
            raise ValueError("must not be 0")
        return value


class DrawOut(BaseModel):
    lot_entry_id: str
    lot_sequence: int
    points: int


class EntryOut(BaseModel):
    id: str
    sequence: int
    points: int
    balance_after: int
    reason: str
    note: str
    idempotency_key: str
    source_ref: str
    actor_id: str
    expires_at: datetime | None
    created_at: datetime
    draws: list[DrawOut]
    remaining: int


class AdjustmentOut(BaseModel):
    entry: EntryOut
    enrolment: EnrolmentOut
    replayed: bool


class LedgerPage(BaseModel):
    items: list[EntryOut]
    next_cursor: str | None


class BulkEntryIn(Strict):
    customer_id: str = Field(min_length=1, max_length=64)
    starting_balance: int | None = Field(default=None, ge=-INT64_MAX, le=INT64_MAX)
    expires_on: date | None = None
    notes: str | None = Field(default=None, max_length=2000)


class BulkIn(Strict):
    entries: list[BulkEntryIn] = Field(min_length=1, max_length=5000)
    # Used for entries that leave them out (the import's "default values").
    starting_balance: int = Field(default=0, ge=-INT64_MAX, le=INT64_MAX)
    expires_on: date | None = None
    notes: str = Field(default="", max_length=2000)


class BulkResultOut(BaseModel):
    index: int
    customer_id: str
    outcome: Literal["enrolled", "already_enrolled", "failed"]
    enrolment_id: str | None
    error: str | None


class BulkOut(BaseModel):
    enrolled: int
    already_enrolled: int
    failed: int
    results: list[BulkResultOut]


# --- translation ------------------------------------------------------------------------------


def _time(ts) -> str | None:  # type: ignore[no-untyped-def]
    if not ts.seconds and not ts.nanos:
        return None
    return ts.ToDatetime().isoformat() + "Z"


def program_json(p: pb.Program) -> dict:
    return {
        "id": p.id,
        "name": p.name,
        "description": p.description,
        "kind": _key(KINDS, p.type),
        "currency": p.currency,
        "earn_rules": [
            {"trigger": _key(TRIGGERS, r.trigger), **fields_of(r, but=("trigger",))}
            for r in p.earn_rules
        ],
        "rounding": _key(ROUNDINGS, p.rounding),
        "expiry_policy": _key(POLICIES, p.expiry_policy),
        "expire_after_days": p.earned_expire_after_days,
        "min_redemption": p.min_redemption,
        "allow_negative_balance": p.allow_negative_balance,
        "archived": p.archived,
        "created_at": _time(p.created_at),
        "updated_at": _time(p.updated_at),
    }


def enrolment_json(e: pb.Enrolment) -> dict:
    return {
        "id": e.id,
        "program_id": e.program_id,
        "program_name": e.program_name,
        "kind": _key(KINDS, e.program_type),
        "customer_id": e.customer_id,
        "status": STATUSES.get(e.status, ""),
        "balance": e.balance,
        "lifetime_earned": e.lifetime_earned,
        "expires_on": e.expires_on or None,
        "notes": e.notes,
        "enrolled_at": _time(e.enrolled_at),
        "removed_at": _time(e.removed_at),
        "next_expiry_at": _time(e.next_expiry_at),
        "next_expiry_amount": e.next_expiry_amount,
        "last_activity_at": _time(e.last_activity_at),
        "ledger_sequence": e.ledger_sequence,
    }


def entry_json(x: pb.LedgerEntry) -> dict:
    return {
        "id": x.id,
        "sequence": x.sequence,
        "points": x.delta,
        "balance_after": x.balance_after,
        "reason": _key(REASONS, x.reason),
        "note": x.note,
        "idempotency_key": x.idempotency_key,
        "source_ref": x.source_ref,
        "actor_id": x.actor_id,
        "expires_at": _time(x.expires_at),
        "created_at": _time(x.created_at),
        "draws": [
            {"lot_entry_id": d.lot_entry_id, "lot_sequence": d.lot_sequence, "points": d.amount}
            for d in x.draws
        ],
        "remaining": x.remaining,
    }


def _program_message(body: ProgramPatch, program_id: str = "") -> pb.Program:
    p = pb.Program(id=program_id)
    for name in ("name", "description", "min_redemption", "allow_negative_balance"):
        value = getattr(body, name)
        if value is not None:
            setattr(p, name, value)
    if isinstance(body, ProgramIn):
        p.type = KINDS[body.kind]
        p.currency = body.currency
    if body.rounding is not None:
        p.rounding = ROUNDINGS[body.rounding]
    if body.expiry_policy is not None:
        p.expiry_policy = POLICIES[body.expiry_policy]
    if body.expire_after_days is not None:
        p.earned_expire_after_days = body.expire_after_days
    for rule in body.earn_rules or ():
        p.earn_rules.append(
            # The body's fields are the contract's, by name; only the trigger is translated.
            pb.EarnRule(**{**rule.model_dump(), "trigger": TRIGGERS[rule.trigger]})
        )
    return p


# gRPC field -> JSON body field, where they differ.
PROGRAM_FIELDS = {"type": "kind", "earned_expire_after_days": "expire_after_days"}
ADJUST_FIELDS = {"delta": "points"}


async def _stub(
    request: Request, who: Principal = Depends(principal)
) -> loyalty_pb2_grpc.LoyaltyServiceStub:
    """Guarded for principals limited to folders or assigned customers (visibility.py)."""
    up = request.app.state.upstreams
    return guarded(up.loyalty, up, who)


Stub = Annotated[loyalty_pb2_grpc.LoyaltyServiceStub, Depends(_stub)]


# --- programs ---------------------------------------------------------------------------------


@router.post(PROGRAMS, status_code=201, response_model=ProgramOut, responses=ERRORS)
async def create_program(
    body: ProgramIn, request: Request, stub: Stub, who: Principal = Depends(can_manage)
) -> JSONResponse:
    try:
        p = await stub.CreateProgram(
            pb.CreateProgramRequest(program=_program_message(body)), metadata=metadata(who)
        )
    except grpc.aio.AioRpcError as exc:
        return renamed_invalid_argument(exc, request, PROGRAM_FIELDS)
    return JSONResponse(program_json(p), status_code=201)


@router.get(PROGRAMS, response_model=ProgramPage, responses=ERRORS)
async def list_programs(
    stub: Stub,
    include_archived: bool = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str, Query(max_length=512)] = "",
    who: Principal = Depends(can_read),
) -> dict:
    page = await stub.ListPrograms(
        pb.ListProgramsRequest(
            include_archived=include_archived, page_size=limit, page_token=cursor
        ),
        metadata=metadata(who),
    )
    return {
        "items": [program_json(p) for p in page.programs],
        "next_cursor": page.next_page_token or None,
    }


@router.get(PROGRAMS + "/{program_id}", response_model=ProgramOut, responses=ERRORS)
async def get_program(program_id: PathId, stub: Stub, who: Principal = Depends(can_read)) -> dict:
    return program_json(
        await stub.GetProgram(pb.GetProgramRequest(id=program_id), metadata=metadata(who))
    )


@router.patch(PROGRAMS + "/{program_id}", response_model=ProgramOut, responses=ERRORS)
async def update_program(
    program_id: PathId,
    body: ProgramPatch,
    request: Request,
    stub: Stub,
    who: Principal = Depends(can_manage),
) -> dict | JSONResponse:
    paths = [
        {"expire_after_days": "earned_expire_after_days"}.get(name, name)
        for name in sorted(body.model_fields_set)
    ]
    try:
        p = await stub.UpdateProgram(
            pb.UpdateProgramRequest(
                program=_program_message(body, program_id), update_mask=FieldMask(paths=paths)
            ),
            metadata=metadata(who),
        )
    except grpc.aio.AioRpcError as exc:
        return renamed_invalid_argument(exc, request, PROGRAM_FIELDS)
    return program_json(p)


@router.post(PROGRAMS + "/{program_id}/archive", response_model=ProgramOut, responses=ERRORS)
async def archive_program(
    program_id: PathId, stub: Stub, who: Principal = Depends(can_manage)
) -> dict:
    return program_json(
        await stub.ArchiveProgram(pb.ArchiveProgramRequest(id=program_id), metadata=metadata(who))
    )


@router.post(PROGRAMS + "/{program_id}/enrolments:bulk", response_model=BulkOut, responses=ERRORS)
async def bulk_enrol(
    program_id: PathId, body: BulkIn, stub: Stub, who: Principal = Depends(can_manage)
) -> dict:
    """Enrol up to 5000 customers at once (the import uses it): per-row outcomes; a customer
    already enrolled is reported and left unchanged, so a retried request enrols nobody
    twice."""
    default_expiry = body.expires_on.isoformat() if body.expires_on else ""
    entries = [
        pb.BulkEnrolEntry(
            customer_id=e.customer_id,
            starting_balance=body.starting_balance
            if e.starting_balance is None
            else e.starting_balance,
            expires_on=e.expires_on.isoformat() if e.expires_on else default_expiry,
            notes=body.notes if e.notes is None else e.notes,
        )
        for e in body.entries
    ]
    out = await stub.BulkEnrol(
        pb.BulkEnrolRequest(program_id=program_id, entries=entries, actor_id=str(who.actor)),
        metadata=metadata(who),
    )
    outcomes = {
        pb.BULK_ENROL_OUTCOME_ENROLLED: "enrolled",
        pb.BULK_ENROL_OUTCOME_ALREADY_ENROLLED: "already_enrolled",
        pb.BULK_ENROL_OUTCOME_FAILED: "failed",
    }
    return {
        "enrolled": out.enrolled_count,
        "already_enrolled": out.already_enrolled_count,
        "failed": out.failed_count,
        "results": [
            {
                "index": r.index,
                "customer_id": r.customer_id,
                "outcome": outcomes[r.outcome],
                "enrolment_id": r.enrolment_id or None,
                "error": r.error or None,
            }
            for r in out.results
        ],
    }


# --- a customer's programs ----------------------------------------------------------------


@router.get(
    "/api/v1/customers/{customer_id}/loyalty", response_model=EnrolmentPage, responses=ERRORS
)
async def customer_programs(
    customer_id: PathId,
    stub: Stub,
    include_ended: bool = Query(False, description="also removed and expired enrolments"),
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str, Query(max_length=512)] = "",
    who: Principal = Depends(can_read),
    up: Upstreams = Depends(upstreams),
) -> dict:
    """The customer's programs with balance, next expiry and last activity."""
    await up.customers.GetCustomer(
        customer_pb2.GetCustomerRequest(id=customer_id), metadata=metadata(who)
    )
    page = await stub.ListEnrolments(
        pb.ListEnrolmentsRequest(
            customer_id=customer_id,
            status=pb.ENROLMENT_STATUS_UNSPECIFIED if include_ended else pb.ENROLMENT_STATUS_ACTIVE,
            page_size=limit,
            page_token=cursor,
        ),
        metadata=metadata(who),
    )
    return {
        "items": [enrolment_json(e) for e in page.enrolments],
        "next_cursor": page.next_page_token or None,
    }


@router.post(
    "/api/v1/customers/{customer_id}/loyalty",
    status_code=201,
    response_model=EnrolmentOut,
    responses=ERRORS,
)
async def enrol(
    customer_id: PathId,
    body: EnrolIn,
    stub: Stub,
    who: Principal = Depends(can_adjust),
    up: Upstreams = Depends(upstreams),
) -> JSONResponse:
    # The customer must exist in this tenant (another tenant's is a 404).
    await up.customers.GetCustomer(
        customer_pb2.GetCustomerRequest(id=customer_id), metadata=metadata(who)
    )
    e = await stub.Enrol(
        pb.EnrolRequest(
            program_id=body.program_id,
            customer_id=customer_id,
            starting_balance=body.starting_balance,
            expires_on=body.expires_on.isoformat() if body.expires_on else "",
            notes=body.notes,
            actor_id=str(who.actor),
        ),
        metadata=metadata(who),
    )
    return JSONResponse(enrolment_json(e), status_code=201)


# --- enrolments -------------------------------------------------------------------------------


@router.get(ENROLMENTS + "/{enrolment_id}", response_model=EnrolmentOut, responses=ERRORS)
async def get_enrolment(
    enrolment_id: PathId, stub: Stub, who: Principal = Depends(can_read)
) -> dict:
    return enrolment_json(
        await stub.GetEnrolment(pb.GetEnrolmentRequest(id=enrolment_id), metadata=metadata(who))
    )


@router.patch(ENROLMENTS + "/{enrolment_id}", response_model=EnrolmentOut, responses=ERRORS)
async def update_enrolment(
    enrolment_id: PathId, body: EnrolmentPatch, stub: Stub, who: Principal = Depends(can_adjust)
) -> dict:
    paths = sorted(body.model_fields_set)
    if not paths:
        raise HTTPException(422, "body: name expires_on and/or notes")
    e = await stub.UpdateEnrolment(
        pb.UpdateEnrolmentRequest(
            id=enrolment_id,
            expires_on=body.expires_on.isoformat() if body.expires_on else "",
            notes=body.notes or "",
            update_mask=FieldMask(paths=paths),
        ),
        metadata=metadata(who),
    )
    return enrolment_json(e)


@router.delete(ENROLMENTS + "/{enrolment_id}", response_model=EnrolmentOut, responses=ERRORS)
async def remove_enrolment(
    enrolment_id: PathId,
    stub: Stub,
    confirm: bool = Query(False, description="must be true: removal cannot be undone"),
    reason: Annotated[str, Query(max_length=500)] = "",
    who: Principal = Depends(can_manage),
) -> dict:
    e = await stub.RemoveEnrolment(
        pb.RemoveEnrolmentRequest(
            id=enrolment_id, confirm=confirm, reason=reason, actor_id=str(who.actor)
        ),
        metadata=metadata(who),
    )
    return enrolment_json(e)


@router.post(
    ENROLMENTS + "/{enrolment_id}/adjustments",
    status_code=201,
    response_model=AdjustmentOut,
    responses={
        **ERRORS,
        200: {"model": AdjustmentOut, "description": "a replay: the first result, nothing changed"},
    },
)
async def adjust(
    enrolment_id: PathId,
    body: AdjustmentIn,
    request: Request,
    response: Response,
    stub: Stub,
    who: Principal = Depends(can_adjust),
) -> JSONResponse:
    """Credit or debit the balance once per idempotency_key: a replay answers 200 with the
    first result (`replayed: true`); the same key with another request is a 409."""
    try:
        out = await stub.AdjustBalance(
            pb.AdjustBalanceRequest(
                enrolment_id=enrolment_id,
                delta=body.points,
                reason=REASONS[body.reason],
                note=body.note,
                idempotency_key=body.idempotency_key,
                source_ref=body.source_ref,
                actor_id=str(who.actor),
            ),
            metadata=metadata(who),
        )
    except grpc.aio.AioRpcError as exc:
        return renamed_invalid_argument(exc, request, ADJUST_FIELDS)
    return JSONResponse(
        {
            "entry": entry_json(out.entry),
            "enrolment": enrolment_json(out.enrolment),
            "replayed": out.replayed,
        },
        status_code=200 if out.replayed else 201,
    )


@router.get(ENROLMENTS + "/{enrolment_id}/ledger", response_model=LedgerPage, responses=ERRORS)
async def ledger(
    enrolment_id: PathId,
    stub: Stub,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: Annotated[str, Query(max_length=512)] = "",
    who: Principal = Depends(can_read),
) -> dict:
    """Newest entry first; debits list the lots they drew from."""
    page = await stub.GetLedger(
        pb.GetLedgerRequest(enrolment_id=enrolment_id, page_size=limit, page_token=cursor),
        metadata=metadata(who),
    )
    return {
        "items": [entry_json(x) for x in page.entries],
        "next_cursor": page.next_page_token or None,
    }
