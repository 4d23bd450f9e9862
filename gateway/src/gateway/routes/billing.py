"""/api/v1 billing resources: services, staff, bookings, invoices, quotes, payments,
subscriptions, a customer's value, billing settings. Translation only; the billing service owns
every rule (its 422s name the JSON fields used here)."""

from __future__ import annotations

import inspect
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from inspect import Parameter, Signature
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Request
from fastapi.responses import JSONResponse
from google.protobuf import field_mask_pb2
from google.protobuf.message import Message
from moodline.billing.v1 import billing_pb2 as pb
from moodline.billing.v1 import billing_pb2_grpc
from moodline_kit.timestamps import to_proto

from gateway.auth import Principal
from gateway.billing_schemas import (
    BillingPage,
    BillingSettingsIn,
    BillingSettingsOut,
    BookingIn,
    BookingOut,
    BookingPatch,
    ConvertIn,
    CustomerValueOut,
    InvoiceIn,
    InvoiceOut,
    LineItemIn,
    PartyMemberIn,
    PaymentIn,
    PaymentOut,
    QuoteIn,
    QuoteOut,
    ReasonIn,
    RefundIn,
    ServiceIn,
    ServiceOut,
    StaffIn,
    StaffOut,
    SubscriptionCancelIn,
    SubscriptionIn,
    SubscriptionOut,
)
from gateway.deps import metadata, principal
from gateway.permissions import Permission, require
from gateway.presenters import api_time
from gateway.responses import FastJSONResponse
from gateway.upstreams import Upstreams
from gateway.visibility import guarded

router = APIRouter(prefix="/api/v1", tags=["billing"])

can_read = require(Permission.BILLING_READ)
can_write = require(Permission.BILLING_WRITE)
can_manage = require(Permission.BILLING_MANAGE)
can_read_settings = require(Permission.SETTINGS_READ)
can_change_settings = require(Permission.SETTINGS_WRITE)

PROBLEM = {"content": {"application/problem+json": {}}}
ERRORS = {401: PROBLEM, 403: PROBLEM, 404: PROBLEM, 409: PROBLEM, 422: PROBLEM, 503: PROBLEM}

BOOKING_STATUS = {
    pb.BOOKING_STATUS_PENDING: "requested",
    pb.BOOKING_STATUS_CONFIRMED: "confirmed",
    pb.BOOKING_STATUS_COMPLETED: "completed",
    pb.BOOKING_STATUS_CANCELLED: "cancelled",
    pb.BOOKING_STATUS_NO_SHOW: "no_show",
}
INVOICE_STATUS = {
    pb.INVOICE_STATUS_DRAFT: "draft",
    pb.INVOICE_STATUS_UNPAID: "open",
    pb.INVOICE_STATUS_PAID: "paid",
    pb.INVOICE_STATUS_OVERDUE: "overdue",
    pb.INVOICE_STATUS_VOID: "void",
}
QUOTE_STATUS = {
    pb.QUOTE_STATUS_OPEN: "open",
    pb.QUOTE_STATUS_CONVERTED: "converted",
    pb.QUOTE_STATUS_DECLINED: "declined",
}
PAYMENT_STATUS = {
    pb.PAYMENT_STATUS_SUCCEEDED: "succeeded",
    pb.PAYMENT_STATUS_FAILED: "failed",
    pb.PAYMENT_STATUS_REFUNDED: "refunded",
    pb.PAYMENT_STATUS_PARTIALLY_REFUNDED: "partially_refunded",
}
PAYMENT_METHOD = {
    pb.PAYMENT_METHOD_CARD: "card",
    pb.PAYMENT_METHOD_CASH: "cash",
    pb.PAYMENT_METHOD_BANK_TRANSFER: "transfer",
    pb.PAYMENT_METHOD_WALLET: "wallet",
    pb.PAYMENT_METHOD_OTHER: "other",
}
INTERVAL = {
    pb.SUBSCRIPTION_INTERVAL_WEEKLY: "weekly",
    pb.SUBSCRIPTION_INTERVAL_MONTHLY: "monthly",
    pb.SUBSCRIPTION_INTERVAL_YEARLY: "yearly",
}
SUBSCRIPTION_STATUS = {
    pb.SUBSCRIPTION_STATUS_ACTIVE: "active",
    pb.SUBSCRIPTION_STATUS_PAST_DUE: "past_due",
    pb.SUBSCRIPTION_STATUS_CANCELLED: "cancelled",
}


def _inverse(mapping: dict[int, str]) -> dict[str, int]:
    return {v: k for k, v in mapping.items()}


async def raw_billing_stub(request: Request) -> billing_pb2_grpc.BillingServiceStub:
    # async: a plain `def` dependency is run in the thread pool (a thread hop on every request).
    upstreams: Upstreams = request.app.state.upstreams
    return upstreams.billing  # 503 when BILLING_ADDR is not set


async def billing_stub(
    request: Request, who: Principal = Depends(principal)
) -> billing_pb2_grpc.BillingServiceStub:
    """The billing stub as the caller may use it: a principal limited to folders or assigned
    customers reaches only the bookings, invoices... of customers it may see (visibility.py)."""
    upstreams: Upstreams = request.app.state.upstreams
    return guarded(upstreams.billing, upstreams, who)


Stub = Annotated[billing_pb2_grpc.BillingServiceStub, Depends(billing_stub)]
# for callers without a credential (a payment provider's signed webhook)
RawStub = Annotated[billing_pb2_grpc.BillingServiceStub, Depends(raw_billing_stub)]
Limit = Annotated[int, Query(ge=1, le=200)]
Cursor = Annotated[str, Query(max_length=512)]
IdempotencyKey = Annotated[
    str | None,
    Header(
        max_length=200,
        description="a retry with the same key returns the first result instead of acting twice",
    ),
]


@dataclass(frozen=True)
class ListQuery:
    """The query of every newest-first billing list (invoices, quotes, payments,
    subscriptions)."""

    customer_id: str
    status: str
    limit: int
    cursor: str

    def fields(self, statuses: dict[int, str]) -> dict:
        """The List*Request fields, `status` parsed against this resource's names."""
        return {
            "customer_id": self.customer_id,
            "statuses": _statuses(self.status, statuses),
            "page_size": self.limit,
            "page_token": self.cursor,
        }


def list_query(
    customer_id: Annotated[str, Query(max_length=64)] = "",
    status: Annotated[str, Query(max_length=200, description="comma-separated statuses")] = "",
    limit: Limit = 50,
    cursor: Cursor = "",
) -> ListQuery:
    return ListQuery(customer_id, status, limit, cursor)


Listing = Annotated[ListQuery, Depends(list_query)]


def _statuses(value: str, mapping: dict[int, str]) -> list[int]:
    """Comma-separated status names -> enum values; an unknown name is a 422 naming `status`."""
    if not value:
        return []
    names = _inverse(mapping)
    out = []
    for name in value.split(","):
        if name.strip() not in names:
            raise HTTPException(422, f"status: {name.strip()!r} is not one of {', '.join(names)}")
        out.append(names[name.strip()])
    return out


def _money(amount_minor: int, currency: str) -> pb.Money:
    return pb.Money(amount_minor=amount_minor, currency=currency)


def _items(items: list[LineItemIn], currency: str) -> list[pb.LineItem]:
    return [
        pb.LineItem(
            description=i.description,
            quantity=i.quantity,
            unit_price=_money(i.unit_price_minor, currency),
        )
        for i in items
    ]


def _priced(body: InvoiceIn | QuoteIn) -> dict[str, Any]:
    """The customer, line items and tax of a new invoice or quote, in the body's currency."""
    return {
        "customer_id": body.customer_id,
        "items": _items(body.items, body.currency),
        "tax": _money(body.tax_minor, body.currency),
    }


def _party(members: list[PartyMemberIn], currency: str) -> list[pb.PartyMember]:
    return [
        pb.PartyMember(
            customer_id=m.customer_id or "", name=m.name, share=_money(m.share_minor, currency)
        )
        for m in members
    ]


def _created(body: dict, path: str) -> JSONResponse:
    return FastJSONResponse(body, status_code=201, headers={"Location": f"{path}/{body['id']}"})


# ---------------------------------------------------------------------- JSON shapes
def service_json(s: pb.CatalogService) -> dict:
    return {
        "id": s.id,
        "status": "active" if s.active else "inactive",
        "name": s.name,
        "duration_minutes": s.duration_minutes,
        "price_minor": s.price.amount_minor,
        "currency": s.price.currency,
        "created_at": api_time(s.created_at),
    }


def staff_json(s: pb.StaffMember) -> dict:
    return {
        "id": s.id,
        "status": "active" if s.active else "inactive",
        "name": s.name,
        "colour": s.colour,
        "user_id": s.user_id or None,
        "created_at": api_time(s.created_at),
    }


def booking_json(b: pb.Booking) -> dict:
    return {
        "id": b.id,
        "status": BOOKING_STATUS[b.status],
        "customer_id": b.customer_id,
        "service_id": b.service_id or None,
        "service_name": b.service_name,
        "staff_id": b.staff_id or None,
        "starts_at": api_time(b.start_time),
        "ends_at": api_time(b.end_time),
        "amount_minor": b.price.amount_minor,
        "currency": b.price.currency,
        "party": [
            {
                "customer_id": m.customer_id or None,
                "name": m.name,
                "share_minor": m.share.amount_minor,
            }
            for m in b.party_members
        ],
        "notes": b.notes,
        "location": b.location,
        "cancellation_reason": b.cancellation_reason,
        "cancelled_at": api_time(b.cancelled_at),
        "created_at": api_time(b.created_at),
        "updated_at": api_time(b.updated_at),
    }


def _items_json(items) -> list[dict]:  # type: ignore[no-untyped-def]
    return [
        {
            "description": i.description,
            "quantity": i.quantity,
            "unit_price_minor": i.unit_price.amount_minor,
            "total_minor": i.total.amount_minor,
        }
        for i in items
    ]


def invoice_json(i: pb.Invoice) -> dict:
    return {
        "id": i.id,
        "status": INVOICE_STATUS[i.status],
        "number": i.number or None,
        "customer_id": i.customer_id,
        "booking_id": i.booking_id or None,
        "quote_id": i.quote_id or None,
        "subscription_id": i.subscription_id or None,
        "items": _items_json(i.items),
        "subtotal_minor": i.subtotal.amount_minor,
        "tax_minor": i.tax.amount_minor,
        "total_minor": i.total.amount_minor,
        "amount_paid_minor": i.amount_paid.amount_minor,
        "amount_due_minor": i.amount_due.amount_minor,
        "currency": i.total.currency,
        "issued_at": api_time(i.issued_at),
        "due_at": api_time(i.due_at),
        "paid_at": api_time(i.paid_at),
        "voided_at": api_time(i.voided_at),
        "void_reason": i.void_reason,
        "created_at": api_time(i.created_at),
    }


def quote_json(q: pb.Quote) -> dict:
    return {
        "id": q.id,
        "status": QUOTE_STATUS[q.status],
        "number": q.number,
        "customer_id": q.customer_id,
        "items": _items_json(q.items),
        "subtotal_minor": q.subtotal.amount_minor,
        "tax_minor": q.tax.amount_minor,
        "total_minor": q.total.amount_minor,
        "currency": q.total.currency,
        "valid_until": api_time(q.valid_until),
        "invoice_id": q.invoice_id or None,
        "created_at": api_time(q.created_at),
    }


def payment_json(p: pb.Payment) -> dict:
    return {
        "id": p.id,
        "status": PAYMENT_STATUS[p.status],
        "customer_id": p.customer_id,
        "booking_id": p.booking_id or None,
        "invoice_id": p.invoice_id or None,
        "order_id": p.order_id or None,
        "subscription_id": p.subscription_id or None,
        "amount_minor": p.amount.amount_minor,
        "refunded_minor": p.refunded_amount.amount_minor,
        "currency": p.amount.currency,
        "method": PAYMENT_METHOD[p.method],
        "provider": p.provider,
        "provider_payment_id": p.provider_payment_id,
        "failure_code": p.failure_code,
        "failure_message": p.failure_message,
        "created_at": api_time(p.created_at),
        "updated_at": api_time(p.updated_at),
    }


def subscription_json(s: pb.Subscription) -> dict:
    return {
        "id": s.id,
        "status": SUBSCRIPTION_STATUS[s.status],
        "customer_id": s.customer_id,
        "plan_name": s.plan_name,
        "price_minor": s.price.amount_minor,
        "currency": s.price.currency,
        "interval": INTERVAL[s.interval],
        "started_at": api_time(s.started_at),
        "current_period_end": api_time(s.current_period_end),
        "cancel_at_period_end": s.cancel_at_period_end,
        "cancelled_at": api_time(s.cancelled_at),
        "provider": s.provider,
        "failed_charges": s.failed_charges,
        "next_charge_at": api_time(s.next_charge_at),
    }


def value_json(v: pb.CustomerValue) -> dict:
    return {
        "customer_id": v.customer_id,
        "lifetime_value_minor": v.lifetime_value.amount_minor,
        "currency": v.lifetime_value.currency,
        "bookings_count": v.bookings_count,
        "purchases_count": v.purchases_count,
        "average_order_value_minor": v.average_order_value.amount_minor,
        "total_paid_minor": v.total_paid.amount_minor,
        "outstanding_minor": v.outstanding.amount_minor,
        "overdue_invoices_count": v.overdue_invoices_count,
        "recent_failed_payments_count": v.recent_failed_payments_count,
        "first_purchase_at": api_time(v.first_purchase_at),
        "last_purchase_at": api_time(v.last_purchase_at),
    }


def _page(items: list[dict], next_token: str) -> JSONResponse:
    return FastJSONResponse({"items": items, "next_cursor": next_token or None})


def reads(
    target: APIRouter,
    resource: str,
    model: type,
    present: Callable[[Any], dict],
    statuses: dict[int, str],
    *,
    rpc: str,
) -> None:
    """The two reads every listed billing resource has, added to `target`: GET /<resource>s (a
    newest-first page; customer, status, limit, cursor) and GET /<resource>s/{<resource>_id},
    through List<rpc>s / Get<rpc> (the contract names them alike for every resource)."""
    plural = f"{resource}s"
    ident = f"{resource}_id"

    async def listed(q: ListQuery, stub: Any, who: Principal) -> JSONResponse:
        request = getattr(pb, f"List{rpc}sRequest")(**q.fields(statuses))
        found = await getattr(stub, f"List{rpc}s")(request, metadata=metadata(who))
        return _page([present(m) for m in getattr(found, plural)], found.next_page_token)

    async def read(stub: Any, who: Principal, **key: str) -> dict:
        request = getattr(pb, f"Get{rpc}Request")(id=key[ident])
        return present(await getattr(stub, f"Get{rpc}")(request, metadata=metadata(who)))

    # FastAPI takes the parameters from the signature (the id by the path's own name) and the
    # operation ids from the names: the same as if each were written out.
    kw = Parameter.KEYWORD_ONLY

    def signature(first: Parameter, returns: type) -> Signature:
        who = Parameter("who", kw, default=Depends(can_read), annotation=Principal)
        return Signature(
            [first, Parameter("stub", kw, annotation=Stub), who], return_annotation=returns
        )

    listed.__signature__ = signature(Parameter("q", kw, annotation=Listing), JSONResponse)  # type: ignore[attr-defined]
    read.__signature__ = signature(Parameter(ident, kw, annotation=str), dict)  # type: ignore[attr-defined]
    listed.__name__, read.__name__ = f"list_{plural}", f"get_{resource}"
    target.get(f"/{plural}", response_model=BillingPage[model], responses=ERRORS)(listed)
    target.get(f"/{plural}/{{{ident}}}", response_model=model, responses=ERRORS)(read)


def calls(
    target: APIRouter,
    path: str,
    model: type,
    present: Callable[[Any], dict],
    *,
    rpc: str,
    allowed: Callable[..., Any] = can_write,
    created: bool = False,
) -> Callable[[Callable[..., Message]], Callable[..., Any]]:
    """A POST route of `target` made from a function that only builds the request: it is called
    with the route's own parameters (path id, body, headers, by its signature), the request goes
    to the stub's `rpc` and the reply is presented as `model`. `created`: a 201 with the new
    resource's Location (the create routes); otherwise a 200 (the actions on one resource)."""
    location = f"{target.prefix}{path}"

    def route(build: Callable[..., Message]) -> Callable[..., Any]:
        async def endpoint(stub: Any, who: Principal, **given: Any) -> Any:
            reply = await getattr(stub, rpc)(build(**given), metadata=metadata(who))
            return _created(present(reply), location) if created else present(reply)

        # FastAPI reads the parameters from the signature: the builder's, then the stub and the
        # caller's permission; the name and docstring give the operation id and description.
        kw = Parameter.KEYWORD_ONLY
        built = inspect.signature(build, eval_str=True).parameters.values()
        own = [p.replace(kind=kw) for p in built]
        endpoint.__signature__ = Signature(  # type: ignore[attr-defined]
            [
                *own,
                Parameter("stub", kw, annotation=Stub),
                Parameter("who", kw, default=Depends(allowed), annotation=Principal),
            ],
            return_annotation=JSONResponse if created else dict,
        )
        endpoint.__name__, endpoint.__doc__ = build.__name__, build.__doc__
        status = {"status_code": 201} if created else {}
        target.post(path, **status, response_model=model, responses=ERRORS)(endpoint)
        return endpoint

    return route


# ---------------------------------------------------------------------- settings, catalogue
@router.get("/settings/billing", response_model=BillingSettingsOut, responses=ERRORS)
async def get_billing_settings(stub: Stub, who: Principal = Depends(can_read_settings)) -> dict:
    found = await stub.GetBillingSettings(pb.GetBillingSettingsRequest(), metadata=metadata(who))
    return {"currency": found.currency}


@router.put("/settings/billing", response_model=BillingSettingsOut, responses=ERRORS)
async def put_billing_settings(
    body: BillingSettingsIn, stub: Stub, who: Principal = Depends(can_change_settings)
) -> dict:
    saved = await stub.UpdateBillingSettings(
        pb.UpdateBillingSettingsRequest(currency=body.currency), metadata=metadata(who)
    )
    return {"currency": saved.currency}


@calls(
    router, "/services", ServiceOut, service_json,
    rpc="CreateCatalogService", allowed=can_manage, created=True,
)  # fmt: skip
def create_service(body: ServiceIn) -> pb.CreateCatalogServiceRequest:
    return pb.CreateCatalogServiceRequest(
        name=body.name,
        duration_minutes=body.duration_minutes,
        price=_money(body.price_minor, body.currency),
    )


@router.get("/services", response_model=BillingPage[ServiceOut], responses=ERRORS)
async def list_services(stub: Stub, who: Principal = Depends(can_read)) -> JSONResponse:
    found = await stub.ListCatalogServices(pb.ListCatalogServicesRequest(), metadata=metadata(who))
    return _page([service_json(s) for s in found.services], "")


@router.get("/services/{service_id}", response_model=ServiceOut, responses=ERRORS)
async def get_service(service_id: str, stub: Stub, who: Principal = Depends(can_read)) -> dict:
    found = await stub.GetCatalogService(
        pb.GetCatalogServiceRequest(id=service_id), metadata=metadata(who)
    )
    return service_json(found)


@calls(
    router, "/staff", StaffOut, staff_json,
    rpc="CreateStaffMember", allowed=can_manage, created=True,
)  # fmt: skip
def create_staff(body: StaffIn) -> pb.CreateStaffMemberRequest:
    return pb.CreateStaffMemberRequest(name=body.name, colour=body.colour, user_id=body.user_id)


@router.get("/staff", response_model=BillingPage[StaffOut], responses=ERRORS)
async def list_staff(stub: Stub, who: Principal = Depends(can_read)) -> JSONResponse:
    found = await stub.ListStaffMembers(pb.ListStaffMembersRequest(), metadata=metadata(who))
    return _page([staff_json(s) for s in found.staff], "")


@router.get("/staff/{staff_id}", response_model=StaffOut, responses=ERRORS)
async def get_staff(staff_id: str, stub: Stub, who: Principal = Depends(can_read)) -> dict:
    found = await stub.GetStaffMember(pb.GetStaffMemberRequest(id=staff_id), metadata=metadata(who))
    return staff_json(found)


# ---------------------------------------------------------------------- bookings
@calls(router, "/bookings", BookingOut, booking_json, rpc="CreateBooking", created=True)
def create_booking(body: BookingIn) -> pb.CreateBookingRequest:
    booking = pb.Booking(
        customer_id=body.customer_id,
        service_id=body.service_id or "",
        staff_id=body.staff_id or "",
        start_time=to_proto(body.starts_at),
        end_time=to_proto(body.ends_at),
        party_members=_party(body.party, body.currency),
        notes=body.notes,
        location=body.location,
    )
    if body.amount_minor is not None:
        booking.price.CopyFrom(_money(body.amount_minor, body.currency))
    return pb.CreateBookingRequest(booking=booking, confirm=body.confirm)


@router.get("/bookings", response_model=BillingPage[BookingOut], responses=ERRORS)
async def list_bookings(
    stub: Stub,
    customer_id: Annotated[str, Query(max_length=64)] = "",
    staff_id: Annotated[str, Query(max_length=64)] = "",
    status: Annotated[str, Query(max_length=200, description="comma-separated statuses")] = "",
    from_: Annotated[datetime | None, Query(alias="from", description="starts at or after")] = None,
    to: Annotated[datetime | None, Query(description="starts before")] = None,
    limit: Limit = 50,
    cursor: Cursor = "",
    who: Principal = Depends(can_read),
) -> JSONResponse:
    found = await stub.ListBookings(
        pb.ListBookingsRequest(
            customer_id=customer_id,
            staff_id=staff_id,
            statuses=_statuses(status, BOOKING_STATUS),
            start_after=to_proto(from_),
            start_before=to_proto(to),
            page_size=limit,
            page_token=cursor,
        ),
        metadata=metadata(who),
    )
    return _page([booking_json(b) for b in found.bookings], found.next_page_token)


@router.get("/bookings/{booking_id}", response_model=BookingOut, responses=ERRORS)
async def get_booking(booking_id: str, stub: Stub, who: Principal = Depends(can_read)) -> dict:
    return booking_json(
        await stub.GetBooking(pb.GetBookingRequest(id=booking_id), metadata=metadata(who))
    )


@router.patch("/bookings/{booking_id}", response_model=BookingOut, responses=ERRORS)
async def update_booking(
    booking_id: str, body: BookingPatch, stub: Stub, who: Principal = Depends(can_write)
) -> dict:
    given = body.model_fields_set
    booking = pb.Booking(id=booking_id)
    paths = []
    currency = ""
    if "amount_minor" in given or "party" in given:
        current = await stub.GetBooking(pb.GetBookingRequest(id=booking_id), metadata=metadata(who))
        currency = current.price.currency
    for name, path in (
        ("starts_at", "start_time"),
        ("ends_at", "end_time"),
        ("staff_id", "staff_id"),
        ("service_id", "service_id"),
        ("amount_minor", "price"),
        ("party", "party_members"),
        ("notes", "notes"),
        ("location", "location"),
    ):
        if name not in given:
            continue
        value = getattr(body, name)
        paths.append(path)
        if name in ("starts_at", "ends_at"):
            if value is None:
                raise HTTPException(422, f"{name}: must not be null")
            getattr(booking, path).CopyFrom(to_proto(value))
        elif name == "amount_minor":
            if value is None:
                raise HTTPException(422, "amount_minor: must not be null")
            booking.price.CopyFrom(_money(value, currency))
        elif name == "party":
            booking.party_members.extend(_party(value or [], currency))
        else:
            setattr(booking, path, value or "")
    updated = await stub.UpdateBooking(
        pb.UpdateBookingRequest(booking=booking, update_mask=field_mask_pb2.FieldMask(paths=paths)),
        metadata=metadata(who),
    )
    return booking_json(updated)


@calls(router, "/bookings/{booking_id}/confirm", BookingOut, booking_json, rpc="ConfirmBooking")
def confirm_booking(booking_id: str) -> pb.ConfirmBookingRequest:
    return pb.ConfirmBookingRequest(id=booking_id)


@calls(router, "/bookings/{booking_id}/cancel", BookingOut, booking_json, rpc="CancelBooking")
def cancel_booking(booking_id: str, body: ReasonIn | None = None) -> pb.CancelBookingRequest:
    return pb.CancelBookingRequest(id=booking_id, reason=body.reason if body else "")


@calls(router, "/bookings/{booking_id}/complete", BookingOut, booking_json, rpc="CompleteBooking")
def complete_booking(booking_id: str) -> pb.CompleteBookingRequest:
    return pb.CompleteBookingRequest(id=booking_id)


@calls(router, "/bookings/{booking_id}/no-show", BookingOut, booking_json, rpc="CompleteBooking")
def no_show_booking(booking_id: str) -> pb.CompleteBookingRequest:
    return pb.CompleteBookingRequest(id=booking_id, no_show=True)


# ---------------------------------------------------------------------- invoices, quotes
@calls(router, "/invoices", InvoiceOut, invoice_json, rpc="CreateInvoice", created=True)
def create_invoice(body: InvoiceIn) -> pb.CreateInvoiceRequest:
    return pb.CreateInvoiceRequest(
        **_priced(body),
        due_at=to_proto(body.due_at),
        booking_id=body.booking_id or "",
        draft=body.draft,
    )


reads(router, "invoice", InvoiceOut, invoice_json, INVOICE_STATUS, rpc="Invoice")


@calls(router, "/invoices/{invoice_id}/issue", InvoiceOut, invoice_json, rpc="IssueInvoice")
def issue_invoice(invoice_id: str) -> pb.IssueInvoiceRequest:
    return pb.IssueInvoiceRequest(id=invoice_id)


@calls(
    router, "/invoices/{invoice_id}/void", InvoiceOut, invoice_json,
    rpc="VoidInvoice", allowed=can_manage,
)  # fmt: skip
def void_invoice(invoice_id: str, body: ReasonIn | None = None) -> pb.VoidInvoiceRequest:
    return pb.VoidInvoiceRequest(id=invoice_id, reason=body.reason if body else "")


@calls(router, "/quotes", QuoteOut, quote_json, rpc="CreateQuote", created=True)
def create_quote(body: QuoteIn) -> pb.CreateQuoteRequest:
    return pb.CreateQuoteRequest(**_priced(body), valid_until=to_proto(body.valid_until))


reads(router, "quote", QuoteOut, quote_json, QUOTE_STATUS, rpc="Quote")


@calls(router, "/quotes/{quote_id}/convert", QuoteOut, quote_json, rpc="ConvertQuote")
def convert_quote(quote_id: str, body: ConvertIn | None = None) -> pb.ConvertQuoteRequest:
    return pb.ConvertQuoteRequest(id=quote_id, due_at=to_proto(body.due_at) if body else None)


@calls(router, "/quotes/{quote_id}/decline", QuoteOut, quote_json, rpc="DeclineQuote")
def decline_quote(quote_id: str) -> pb.DeclineQuoteRequest:
    return pb.DeclineQuoteRequest(id=quote_id)


# ---------------------------------------------------------------------- payments
@calls(router, "/payments", PaymentOut, payment_json, rpc="RecordPayment", created=True)
def record_payment(
    body: PaymentIn, idempotency_key: IdempotencyKey = None
) -> pb.RecordPaymentRequest:
    """A payment staff record (provider `manual`); `Idempotency-Key` makes a retry safe."""
    return pb.RecordPaymentRequest(
        customer_id=body.customer_id,
        booking_id=body.booking_id or "",
        invoice_id=body.invoice_id or "",
        order_id=body.order_id or "",
        amount=_money(body.amount_minor, body.currency),
        status=_inverse(PAYMENT_STATUS)[body.status],
        method=_inverse(PAYMENT_METHOD)[body.method],
        provider="manual",
        provider_payment_id=idempotency_key or str(uuid.uuid4()),
        failure_code=body.failure_code,
        failure_message=body.failure_message,
    )


reads(router, "payment", PaymentOut, payment_json, PAYMENT_STATUS, rpc="Payment")


@calls(
    router, "/payments/{payment_id}/refund", PaymentOut, payment_json,
    rpc="RefundPayment", allowed=can_manage,
)  # fmt: skip
def refund_payment(
    payment_id: str, body: RefundIn | None = None, idempotency_key: IdempotencyKey = None
) -> pb.RefundPaymentRequest:
    request = pb.RefundPaymentRequest(
        id=payment_id,
        reason=body.reason if body else "",
        idempotency_key=idempotency_key or str(uuid.uuid4()),
    )
    if body is not None and body.amount_minor is not None:
        request.amount.amount_minor = body.amount_minor
    return request


# ---------------------------------------------------------------------- subscriptions
@calls(
    router, "/subscriptions", SubscriptionOut, subscription_json,
    rpc="CreateSubscription", created=True,
)  # fmt: skip
def create_subscription(body: SubscriptionIn) -> pb.CreateSubscriptionRequest:
    return pb.CreateSubscriptionRequest(
        customer_id=body.customer_id,
        plan_name=body.plan_name,
        price=_money(body.price_minor, body.currency),
        interval=_inverse(INTERVAL)[body.interval],
        start_at=to_proto(body.start_at),
        provider=body.provider,
    )


reads(
    router,
    "subscription",
    SubscriptionOut,
    subscription_json,
    SUBSCRIPTION_STATUS,
    rpc="Subscription",
)


@calls(
    router, "/subscriptions/{subscription_id}/cancel", SubscriptionOut, subscription_json,
    rpc="CancelSubscription",
)  # fmt: skip
def cancel_subscription(
    subscription_id: str, body: SubscriptionCancelIn | None = None
) -> pb.CancelSubscriptionRequest:
    return pb.CancelSubscriptionRequest(
        id=subscription_id,
        at_period_end=body.at_period_end if body else False,
        reason=body.reason if body else "",
    )


# ---------------------------------------------------------------------- customer value
@router.get("/customers/{customer_id}/value", response_model=CustomerValueOut, responses=ERRORS)
async def customer_value(customer_id: str, stub: Stub, who: Principal = Depends(can_read)) -> dict:
    """LTV, purchases, AOV, paid, outstanding: computed by billing now (the customer resource
    carries the same figures as of the last billing.customer_value.changed)."""
    found = await stub.GetCustomerValue(
        pb.GetCustomerValueRequest(customer_id=customer_id), metadata=metadata(who)
    )
    return value_json(found)
