"""Domain objects <-> moodline.billing.v1 messages."""

from __future__ import annotations

from moodline.billing.v1 import billing_pb2 as pb
from moodline_kit.timestamps import to_proto

from billing.domain.bookings import Booking, BookingStatus
from billing.domain.catalog import CatalogService, StaffMember
from billing.domain.invoices import Invoice, InvoiceStatus, LineItem, Quote, QuoteStatus
from billing.domain.orders import Order, OrderStatus
from billing.domain.payments import Payment, PaymentMethod, PaymentStatus
from billing.domain.subscriptions import Interval, Subscription, SubscriptionStatus
from billing.domain.value import CustomerValue

BOOKING_STATUS = {
    BookingStatus.PENDING: pb.BOOKING_STATUS_PENDING,
    BookingStatus.CONFIRMED: pb.BOOKING_STATUS_CONFIRMED,
    BookingStatus.CANCELLED: pb.BOOKING_STATUS_CANCELLED,
    BookingStatus.COMPLETED: pb.BOOKING_STATUS_COMPLETED,
    BookingStatus.NO_SHOW: pb.BOOKING_STATUS_NO_SHOW,
}
INVOICE_STATUS = {
    InvoiceStatus.DRAFT: pb.INVOICE_STATUS_DRAFT,
    InvoiceStatus.OPEN: pb.INVOICE_STATUS_UNPAID,
    InvoiceStatus.PAID: pb.INVOICE_STATUS_PAID,
    InvoiceStatus.OVERDUE: pb.INVOICE_STATUS_OVERDUE,
    InvoiceStatus.VOID: pb.INVOICE_STATUS_VOID,
}
QUOTE_STATUS = {
    QuoteStatus.OPEN: pb.QUOTE_STATUS_OPEN,
    QuoteStatus.CONVERTED: pb.QUOTE_STATUS_CONVERTED,
    QuoteStatus.DECLINED: pb.QUOTE_STATUS_DECLINED,
}
ORDER_STATUS = {
    OrderStatus.PLACED: pb.ORDER_STATUS_PLACED,
    OrderStatus.PAID: pb.ORDER_STATUS_PAID,
    OrderStatus.CANCELLED: pb.ORDER_STATUS_CANCELLED,
    OrderStatus.REFUNDED: pb.ORDER_STATUS_REFUNDED,
}
PAYMENT_STATUS = {
    PaymentStatus.SUCCEEDED: pb.PAYMENT_STATUS_SUCCEEDED,
    PaymentStatus.FAILED: pb.PAYMENT_STATUS_FAILED,
    PaymentStatus.REFUNDED: pb.PAYMENT_STATUS_REFUNDED,
    PaymentStatus.PARTIALLY_REFUNDED: pb.PAYMENT_STATUS_PARTIALLY_REFUNDED,
}
PAYMENT_METHOD = {
    PaymentMethod.CARD: pb.PAYMENT_METHOD_CARD,
    PaymentMethod.CASH: pb.PAYMENT_METHOD_CASH,
    PaymentMethod.TRANSFER: pb.PAYMENT_METHOD_BANK_TRANSFER,
    PaymentMethod.WALLET: pb.PAYMENT_METHOD_WALLET,
    PaymentMethod.OTHER: pb.PAYMENT_METHOD_OTHER,
}
INTERVAL = {
    Interval.WEEKLY: pb.SUBSCRIPTION_INTERVAL_WEEKLY,
    Interval.MONTHLY: pb.SUBSCRIPTION_INTERVAL_MONTHLY,
    Interval.YEARLY: pb.SUBSCRIPTION_INTERVAL_YEARLY,
}
SUBSCRIPTION_STATUS = {
    SubscriptionStatus.ACTIVE: pb.SUBSCRIPTION_STATUS_ACTIVE,
    SubscriptionStatus.PAST_DUE: pb.SUBSCRIPTION_STATUS_PAST_DUE,
    SubscriptionStatus.CANCELLED: pb.SUBSCRIPTION_STATUS_CANCELLED,
}


def money(amount_minor: int, currency: str) -> pb.Money:
    return pb.Money(amount_minor=amount_minor, currency=currency)


def _id(value: object) -> str:
    return str(value) if value else ""


def service_to_proto(s: CatalogService) -> pb.CatalogService:
    return pb.CatalogService(
        id=str(s.id),
        name=s.name,
        duration_minutes=s.duration_minutes,
        price=money(s.price_minor, s.currency),
        active=s.active,
        created_at=to_proto(s.created_at),
    )


def staff_to_proto(s: StaffMember) -> pb.StaffMember:
    return pb.StaffMember(
        id=str(s.id),
        name=s.name,
        colour=s.colour,
        active=s.active,
        user_id=s.user_id,
        created_at=to_proto(s.created_at),
    )


def booking_to_proto(b: Booking) -> pb.Booking:
    return pb.Booking(
        id=str(b.id),
        customer_id=str(b.customer_id),
        service_id=_id(b.service_id),
        service_name=b.service_name,
        staff_id=_id(b.staff_id),
        start_time=to_proto(b.starts_at),
        end_time=to_proto(b.ends_at),
        status=BOOKING_STATUS[b.status],
        party_members=[
            pb.PartyMember(
                customer_id=_id(m.customer_id),
                name=m.name,
                share=money(m.share_minor, b.currency),
            )
            for m in b.party
        ],
        price=money(b.price_minor, b.currency),
        location=b.location,
        notes=b.notes,
        cancellation_reason=b.cancellation_reason,
        cancelled_at=to_proto(b.cancelled_at),
        created_at=to_proto(b.created_at),
        updated_at=to_proto(b.updated_at),
    )


def items_to_proto(items: list[LineItem], currency: str) -> list[pb.LineItem]:
    return [
        pb.LineItem(
            description=i.description,
            quantity=i.quantity,
            unit_price=money(i.unit_price_minor, currency),
            total=money(i.total_minor, currency),
            service_id=_id(getattr(i, "service_id", None)),
        )
        for i in items
    ]


def invoice_to_proto(i: Invoice) -> pb.Invoice:
    return pb.Invoice(
        id=str(i.id),
        number=i.number,
        customer_id=str(i.customer_id),
        booking_id=_id(i.booking_id),
        quote_id=_id(i.quote_id),
        subscription_id=_id(i.subscription_id),
        items=items_to_proto(i.items, i.currency),
        subtotal=money(i.subtotal_minor, i.currency),
        tax=money(i.tax_minor, i.currency),
        total=money(i.total_minor, i.currency),
        amount_paid=money(i.amount_paid_minor, i.currency),
        amount_due=money(i.amount_due_minor, i.currency),
        status=INVOICE_STATUS[i.status],
        issued_at=to_proto(i.issued_at),
        due_at=to_proto(i.due_at),
        paid_at=to_proto(i.paid_at),
        voided_at=to_proto(i.voided_at),
        void_reason=i.void_reason,
        created_at=to_proto(i.created_at),
    )


def order_to_proto(o: Order) -> pb.Order:
    return pb.Order(
        id=str(o.id),
        customer_id=str(o.customer_id),
        items=items_to_proto(list(o.items), o.currency),
        total=money(o.total_minor, o.currency),
        status=ORDER_STATUS[o.status],
        booking_id=_id(o.booking_id),
        created_at=to_proto(o.created_at),
        updated_at=to_proto(o.updated_at),
        amount_paid=money(o.amount_paid_minor, o.currency),
        amount_due=money(o.amount_due_minor, o.currency),
        paid_at=to_proto(o.paid_at),
        cancelled_at=to_proto(o.cancelled_at),
    )


def quote_to_proto(q: Quote) -> pb.Quote:
    return pb.Quote(
        id=str(q.id),
        number=q.number,
        customer_id=str(q.customer_id),
        items=items_to_proto(q.items, q.currency),
        subtotal=money(q.subtotal_minor, q.currency),
        tax=money(q.tax_minor, q.currency),
        total=money(q.total_minor, q.currency),
        status=QUOTE_STATUS[q.status],
        valid_until=to_proto(q.valid_until),
        invoice_id=_id(q.invoice_id),
        created_at=to_proto(q.created_at),
    )


def payment_to_proto(p: Payment) -> pb.Payment:
    return pb.Payment(
        id=str(p.id),
        customer_id=str(p.customer_id),
        invoice_id=_id(p.invoice_id),
        order_id=_id(p.order_id),
        booking_id=_id(p.booking_id),
        subscription_id=_id(p.subscription_id),
        amount=money(p.amount_minor, p.currency),
        status=PAYMENT_STATUS[p.status],
        method=PAYMENT_METHOD[p.method],
        provider=p.provider,
        provider_payment_id=p.provider_payment_id,
        failure_code=p.failure_code,
        failure_message=p.failure_message,
        refunded_amount=money(p.refunded_minor, p.currency),
        created_at=to_proto(p.created_at),
        updated_at=to_proto(p.updated_at),
    )


def subscription_to_proto(s: Subscription) -> pb.Subscription:
    return pb.Subscription(
        id=str(s.id),
        customer_id=str(s.customer_id),
        plan_name=s.plan_name,
        price=money(s.price_minor, s.currency),
        interval=INTERVAL[s.interval],
        status=SUBSCRIPTION_STATUS[s.status],
        started_at=to_proto(s.started_at),
        current_period_end=to_proto(s.current_period_end),
        cancel_at_period_end=s.cancel_at_period_end,
        cancelled_at=to_proto(s.cancelled_at),
        provider=s.provider,
        failed_charges=s.failed_charges,
        next_charge_at=to_proto(s.next_charge_at),
    )


def value_to_proto(v: CustomerValue) -> pb.CustomerValue:
    return pb.CustomerValue(
        customer_id=str(v.customer_id),
        lifetime_value=money(v.ltv_minor, v.currency),
        bookings_count=v.bookings_count,
        purchases_count=v.purchases_count,
        average_order_value=money(v.aov_minor, v.currency),
        total_paid=money(v.total_paid_minor, v.currency),
        outstanding=money(v.outstanding_minor, v.currency),
        overdue_invoices_count=v.overdue_invoices_count,
        recent_failed_payments_count=v.recent_failed_payments_count,
        first_purchase_at=to_proto(v.first_purchase_at),
        last_purchase_at=to_proto(v.last_purchase_at),
    )
