"""gRPC entrypoint: translate requests into commands/queries, results into messages."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import grpc
from moodline.billing.v1 import billing_pb2 as pb
from moodline.billing.v1 import billing_pb2_grpc
from moodline_kit.errors import InvalidArgument
from moodline_kit.grpc.enums import inverse
from moodline_kit.grpc.methods import Read, paged, read, read_id, reads, rpc
from moodline_kit.tenancy import current_tenant

from billing.adapters import proto
from billing.adapters.repository import BookingFilter
from billing.domain.bookings import PartyMember
from billing.domain.invoices import LineItem
from billing.domain.orders import OrderLine
from billing.service_layer import (
    bookings,
    catalog,
    invoices,
    orders,
    payments,
    subscriptions,
    value,
    webhooks,
)
from billing.service_layer.value import UowFactory

Ctx = grpc.aio.ServicerContext

_BOOKING_STATUS = inverse(proto.BOOKING_STATUS)
_INVOICE_STATUS = inverse(proto.INVOICE_STATUS)
_QUOTE_STATUS = inverse(proto.QUOTE_STATUS)
_ORDER_STATUS = inverse(proto.ORDER_STATUS)
_PAYMENT_STATUS = inverse(proto.PAYMENT_STATUS)
_PAYMENT_METHOD = inverse(proto.PAYMENT_METHOD)
_INTERVAL = inverse(proto.INTERVAL)
_SUBSCRIPTION_STATUS = inverse(proto.SUBSCRIPTION_STATUS)


def _uuid(value: str, field: str, *, required: bool = True) -> uuid.UUID | None:
    if not value:
        if required:
            raise InvalidArgument.of(field, "required")
        return None
    try:
        return uuid.UUID(value)
    except ValueError as exc:
        raise InvalidArgument.of(field, "must be a UUID") from exc


def _id(value: str, field: str = "id") -> uuid.UUID:
    found = _uuid(value, field)
    assert found is not None
    return found


def _when(message: object, name: str) -> datetime | None:
    return getattr(message, name).ToDatetime(tzinfo=UTC) if message.HasField(name) else None  # type: ignore[attr-defined]


def _statuses(values, mapping: dict, field: str = "statuses") -> tuple:  # type: ignore[no-untyped-def]
    out = []
    for i, v in enumerate(values):
        if v not in mapping:
            raise InvalidArgument.of(f"{field}[{i}]", "unknown status")
        out.append(mapping[v])
    return tuple(out)


def _listing(statuses: dict) -> dict[str, Read]:  # type: ignore[type-arg]
    """The use-case arguments of a List*Request (orders, invoices, quotes, payments,
    subscriptions): customer, statuses, page size (0: the default), cursor."""
    return {
        "customer_id": lambda r: _uuid(r.customer_id, "customer_id", required=False),
        "statuses": lambda r: _statuses(r.statuses, statuses, "status"),
        "limit": read("page_size"),
        "cursor": read("page_token"),
    }


def _party(members) -> tuple[PartyMember, ...]:  # type: ignore[no-untyped-def]
    return tuple(
        PartyMember(
            _uuid(m.customer_id, f"party[{i}].customer_id", required=False),
            m.name,
            m.share.amount_minor,
        )
        for i, m in enumerate(members)
    )


def _items(items) -> tuple[tuple[LineItem, ...], str]:  # type: ignore[no-untyped-def]
    """Line items and their currency (every item's; a mix is reported on the item)."""
    currency = items[0].unit_price.currency if items else ""
    for i, item in enumerate(items):
        if item.unit_price.currency != currency:
            raise InvalidArgument.of(f"items[{i}].currency", "every item in one currency")
    return (
        tuple(LineItem(i.description, i.quantity, i.unit_price.amount_minor) for i in items),
        currency,
    )


def _settings(currency: str) -> pb.BillingSettings:
    return pb.BillingSettings(currency=currency)


class BillingServicer(billing_pb2_grpc.BillingServiceServicer):
    def __init__(self, uow: UowFactory, *, webhook_tolerance: int = 300) -> None:
        self._uow = uow
        self._tolerance = webhook_tolerance

    # ------------------------------------------------------------------ translation only
    GetCatalogService = rpc(catalog.get_service, proto.service_to_proto, service_id=read_id())
    GetStaffMember = rpc(catalog.get_staff_member, proto.staff_to_proto, staff_id=read_id())
    GetBooking = rpc(bookings.get_booking, proto.booking_to_proto, booking_id=read_id())
    IssueInvoice = rpc(invoices.issue_invoice, proto.invoice_to_proto, invoice_id=read_id())
    GetInvoice = rpc(invoices.get_invoice, proto.invoice_to_proto, invoice_id=read_id())
    ListInvoices = rpc(
        invoices.list_invoices,
        paged(pb.ListInvoicesResponse, "invoices", proto.invoice_to_proto),
        **_listing(_INVOICE_STATUS),
    )
    VoidInvoice = rpc(
        invoices.void_invoice, proto.invoice_to_proto, invoice_id=read_id(), reason=read("reason")
    )
    GetQuote = rpc(invoices.get_quote, proto.quote_to_proto, quote_id=read_id())
    ListQuotes = rpc(
        invoices.list_quotes,
        paged(pb.ListQuotesResponse, "quotes", proto.quote_to_proto),
        **_listing(_QUOTE_STATUS),
    )
    DeclineQuote = rpc(invoices.decline_quote, proto.quote_to_proto, quote_id=read_id())
    GetOrder = rpc(orders.get_order, proto.order_to_proto, order_id=read_id())
    ListOrders = rpc(
        orders.list_orders,
        paged(pb.ListOrdersResponse, "orders", proto.order_to_proto),
        **_listing(_ORDER_STATUS),
    )
    CancelOrder = rpc(
        orders.cancel_order, proto.order_to_proto, order_id=read_id(), reason=read("reason")
    )
    GetPayment = rpc(payments.get_payment, proto.payment_to_proto, payment_id=read_id())
    ListPayments = rpc(
        payments.list_payments,
        paged(pb.ListPaymentsResponse, "payments", proto.payment_to_proto),
        **_listing(_PAYMENT_STATUS),
    )
    GetSubscription = rpc(
        subscriptions.get_subscription, proto.subscription_to_proto, subscription_id=read_id()
    )
    ListSubscriptions = rpc(
        subscriptions.list_subscriptions,
        paged(pb.ListSubscriptionsResponse, "subscriptions", proto.subscription_to_proto),
        **_listing(_SUBSCRIPTION_STATUS),
    )
    CancelSubscription = rpc(
        subscriptions.cancel_subscription,
        proto.subscription_to_proto,
        subscription_id=read_id(),
        at_period_end=read("at_period_end"),
        reason=read("reason"),
    )

    # ------------------------------------------------------------------ settings, catalogue
    GetBillingSettings = rpc(catalog.get_currency, _settings)
    UpdateBillingSettings = rpc(catalog.set_currency, _settings, currency=read("currency"))
    CreateCatalogService = rpc(
        catalog.create_service,
        proto.service_to_proto,
        **reads("name", "duration_minutes"),
        price_minor=lambda r: r.price.amount_minor,
        currency=lambda r: r.price.currency,
    )
    ListCatalogServices = rpc(
        catalog.list_services,
        lambda found: pb.ListCatalogServicesResponse(
            services=[proto.service_to_proto(s) for s in found]
        ),
    )
    CreateStaffMember = rpc(
        catalog.create_staff_member, proto.staff_to_proto, **reads("name", "colour", "user_id")
    )
    ListStaffMembers = rpc(
        catalog.list_staff,
        lambda found: pb.ListStaffMembersResponse(staff=[proto.staff_to_proto(s) for s in found]),
    )
    GetCustomerValue = rpc(
        value.get_customer_value,
        proto.value_to_proto,
        customer_id=lambda r: _id(r.customer_id, "customer_id"),
    )
    CreateWebhookEndpoint = rpc(
        webhooks.create_endpoint,
        lambda e: pb.WebhookEndpoint(id=str(e.id), provider=e.provider, secret=e.secret),
        provider_name=read("provider"),
    )

    # ------------------------------------------------------------------ bookings
    async def CreateBooking(self, request: pb.CreateBookingRequest, context: Ctx) -> pb.Booking:
        b = request.booking
        starts_at = _when(b, "start_time")
        if starts_at is None:
            raise InvalidArgument.of("starts_at", "required")
        command = bookings.CreateBooking(
            tenant_id=current_tenant(),
            customer_id=_id(b.customer_id, "customer_id"),
            service_id=_uuid(b.service_id, "service_id", required=False),
            staff_id=_uuid(b.staff_id, "staff_id", required=False),
            starts_at=starts_at,
            ends_at=_when(b, "end_time"),
            price_minor=b.price.amount_minor if b.HasField("price") else None,
            currency=b.price.currency if b.HasField("price") else "",
            party=_party(b.party_members),
            notes=b.notes,
            location=b.location,
            confirm=request.confirm,
        )
        if command.price_minor is None and command.service_id is None:
            raise InvalidArgument.of("amount_minor", "required without a service_id")
        booking = await bookings.create_booking(command=command, uow=self._uow)
        return proto.booking_to_proto(booking)

    async def ListBookings(
        self, request: pb.ListBookingsRequest, context: Ctx
    ) -> pb.ListBookingsResponse:
        filters = BookingFilter(
            customer_id=_uuid(request.customer_id, "customer_id", required=False),
            staff_id=_uuid(request.staff_id, "staff_id", required=False),
            statuses=_statuses(request.statuses, _BOOKING_STATUS, "status"),
            starts_from=_when(request, "start_after"),
            starts_before=_when(request, "start_before"),
        )
        page = await bookings.list_bookings(
            tenant_id=current_tenant(),
            filters=filters,
            limit=request.page_size,
            cursor=request.page_token,
            uow=self._uow,
        )
        return pb.ListBookingsResponse(
            bookings=[proto.booking_to_proto(b) for b in page.items],
            next_page_token=page.next_cursor,
        )

    async def UpdateBooking(self, request: pb.UpdateBookingRequest, context: Ctx) -> pb.Booking:
        b = request.booking
        changes: dict[str, object] = {}
        for name in dict.fromkeys(request.update_mask.paths):
            if name == "start_time":
                changes["starts_at"] = _when(b, "start_time")
                if changes["starts_at"] is None:
                    raise InvalidArgument.of("starts_at", "required")
            elif name == "end_time":
                changes["ends_at"] = _when(b, "end_time")
                if changes["ends_at"] is None:
                    raise InvalidArgument.of("ends_at", "required")
            elif name == "staff_id":
                changes["staff_id"] = _uuid(b.staff_id, "staff_id", required=False)
            elif name == "service_id":
                changes["service_id"] = _uuid(b.service_id, "service_id", required=False)
            elif name == "party_members":
                changes["party"] = list(_party(b.party_members))
            elif name == "price":
                changes["amount_minor"] = b.price.amount_minor
            elif name in ("notes", "location"):
                changes[name] = getattr(b, name)
            else:
                changes[name] = None  # reported by the domain as not changeable
        booking = await bookings.update_booking(
            command=bookings.UpdateBooking(
                tenant_id=current_tenant(), booking_id=_id(b.id), changes=changes
            ),
            uow=self._uow,
        )
        return proto.booking_to_proto(booking)

    async def _transition(self, booking_id: str, action: str, reason: str = "") -> pb.Booking:
        booking = await bookings.transition_booking(
            tenant_id=current_tenant(),
            booking_id=_id(booking_id),
            action=action,
            reason=reason,
            uow=self._uow,
        )
        return proto.booking_to_proto(booking)

    async def ConfirmBooking(self, request: pb.ConfirmBookingRequest, context: Ctx) -> pb.Booking:
        return await self._transition(request.id, "confirm")

    async def CancelBooking(self, request: pb.CancelBookingRequest, context: Ctx) -> pb.Booking:
        return await self._transition(request.id, "cancel", request.reason)

    async def CompleteBooking(self, request: pb.CompleteBookingRequest, context: Ctx) -> pb.Booking:
        return await self._transition(request.id, "no_show" if request.no_show else "complete")

    # ------------------------------------------------------------------ invoices, quotes
    async def CreateInvoice(self, request: pb.CreateInvoiceRequest, context: Ctx) -> pb.Invoice:
        items, currency = _items(request.items)
        if request.HasField("tax") and request.tax.currency and request.tax.currency != currency:
            raise InvalidArgument.of("tax.currency", "the items' currency")
        invoice = await invoices.create_invoice(
            command=invoices.CreateInvoice(
                tenant_id=current_tenant(),
                customer_id=_id(request.customer_id, "customer_id"),
                items=items,
                currency=currency,
                tax_minor=request.tax.amount_minor,
                due_at=_when(request, "due_at"),
                booking_id=_uuid(request.booking_id, "booking_id", required=False),
                draft=request.draft,
            ),
            uow=self._uow,
        )
        return proto.invoice_to_proto(invoice)

    async def CreateQuote(self, request: pb.CreateQuoteRequest, context: Ctx) -> pb.Quote:
        items, currency = _items(request.items)
        quote = await invoices.create_quote(
            command=invoices.CreateQuote(
                tenant_id=current_tenant(),
                customer_id=_id(request.customer_id, "customer_id"),
                items=items,
                currency=currency,
                tax_minor=request.tax.amount_minor,
                valid_until=_when(request, "valid_until"),
            ),
            uow=self._uow,
        )
        return proto.quote_to_proto(quote)

    async def ConvertQuote(self, request: pb.ConvertQuoteRequest, context: Ctx) -> pb.Quote:
        quote = await invoices.convert_quote(
            tenant_id=current_tenant(),
            quote_id=_id(request.id),
            due_at=_when(request, "due_at"),
            uow=self._uow,
        )
        return proto.quote_to_proto(quote)

    # ------------------------------------------------------------------ orders
    async def CreateOrder(self, request: pb.CreateOrderRequest, context: Ctx) -> pb.Order:
        order = await orders.place_order(
            command=orders.PlaceOrder(
                tenant_id=current_tenant(),
                customer_id=_id(request.customer_id, "customer_id"),
                lines=tuple(
                    OrderLine(
                        _uuid(item.service_id, f"items[{i}].service_id", required=False),
                        item.quantity,
                    )
                    for i, item in enumerate(request.items)
                ),
                booking_id=_uuid(request.booking_id, "booking_id", required=False),
                request_id=request.request_id,
            ),
            uow=self._uow,
        )
        return proto.order_to_proto(order)

    # ------------------------------------------------------------------ payments
    async def RecordPayment(self, request: pb.RecordPaymentRequest, context: Ctx) -> pb.Payment:
        if request.method not in _PAYMENT_METHOD:
            raise InvalidArgument.of("method", "required: card, cash, transfer, wallet or other")
        status = _PAYMENT_STATUS.get(request.status or pb.PAYMENT_STATUS_SUCCEEDED)
        if status is None:
            raise InvalidArgument.of("status", "succeeded or failed")
        payment, _ = await payments.record_payment(
            command=payments.RecordPayment(
                tenant_id=current_tenant(),
                customer_id=_id(request.customer_id, "customer_id"),
                amount_minor=request.amount.amount_minor,
                currency=request.amount.currency,
                method=_PAYMENT_METHOD[request.method],
                provider=request.provider,
                provider_payment_id=request.provider_payment_id,
                status=status,
                booking_id=_uuid(request.booking_id, "booking_id", required=False),
                invoice_id=_uuid(request.invoice_id, "invoice_id", required=False),
                order_id=_uuid(request.order_id, "order_id", required=False),
                subscription_id=_uuid(request.subscription_id, "subscription_id", required=False),
                failure_code=request.failure_code,
                failure_message=request.failure_message,
            ),
            uow=self._uow,
        )
        return proto.payment_to_proto(payment)

    async def RefundPayment(self, request: pb.RefundPaymentRequest, context: Ctx) -> pb.Payment:
        payment, _ = await payments.refund_payment(
            command=payments.RefundPayment(
                tenant_id=current_tenant(),
                payment_id=_id(request.id),
                amount_minor=request.amount.amount_minor if request.HasField("amount") else None,
                idempotency_key=request.idempotency_key,
                reason=request.reason,
            ),
            uow=self._uow,
        )
        return proto.payment_to_proto(payment)

    # ------------------------------------------------------------------ subscriptions
    async def CreateSubscription(
        self, request: pb.CreateSubscriptionRequest, context: Ctx
    ) -> pb.Subscription:
        if request.interval not in _INTERVAL:
            raise InvalidArgument.of("interval", "required: weekly, monthly or yearly")
        sub = await subscriptions.create_subscription(
            command=subscriptions.CreateSubscription(
                tenant_id=current_tenant(),
                customer_id=_id(request.customer_id, "customer_id"),
                plan_name=request.plan_name,
                price_minor=request.price.amount_minor,
                currency=request.price.currency,
                interval=_INTERVAL[request.interval],
                start_at=_when(request, "start_at"),
                provider=request.provider or "manual",
            ),
            uow=self._uow,
        )
        return proto.subscription_to_proto(sub)

    # ------------------------------------------------------------------ value, webhooks
    async def IngestProviderEvent(
        self, request: pb.IngestProviderEventRequest, context: Ctx
    ) -> pb.IngestProviderEventResponse:
        result = await webhooks.ingest(
            delivery=webhooks.Delivery(
                provider=request.provider,
                endpoint_id=request.endpoint_id,
                timestamp=request.timestamp,
                signature=request.signature,
                body=request.body,
            ),
            uow=self._uow,
            tolerance=self._tolerance,
        )
        return pb.IngestProviderEventResponse(
            status=pb.INGEST_STATUS_APPLIED if result.applied else pb.INGEST_STATUS_DUPLICATE,
            event_id=result.event_id,
            payment=proto.payment_to_proto(result.payment) if result.payment else None,
        )
