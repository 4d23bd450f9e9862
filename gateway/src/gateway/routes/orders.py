"""/api/v1/orders: catalogue services sold to a customer (lines priced by billing from its
catalogue), paid through POST /api/v1/payments with `order_id`. Translation only."""

from __future__ import annotations

from fastapi import APIRouter
from moodline.billing.v1 import billing_pb2 as pb

from gateway.billing_schemas import OrderIn, OrderOut, ReasonIn
from gateway.presenters import api_time
from gateway.routes.billing import IdempotencyKey, _items_json, calls, reads

router = APIRouter(prefix="/api/v1", tags=["billing"])

ORDER_STATUS = {
    pb.ORDER_STATUS_PLACED: "placed",
    pb.ORDER_STATUS_PAID: "paid",
    pb.ORDER_STATUS_CANCELLED: "cancelled",
    pb.ORDER_STATUS_REFUNDED: "refunded",
}


def order_json(o: pb.Order) -> dict:
    return {
        "id": o.id,
        "status": ORDER_STATUS[o.status],
        "customer_id": o.customer_id,
        "booking_id": o.booking_id or None,
        "items": [
            {"service_id": i.service_id or None, **line}
            for i, line in zip(o.items, _items_json(o.items), strict=True)
        ],
        "total_minor": o.total.amount_minor,
        "amount_paid_minor": o.amount_paid.amount_minor,
        "amount_due_minor": o.amount_due.amount_minor,
        "currency": o.total.currency,
        "paid_at": api_time(o.paid_at),
        "cancelled_at": api_time(o.cancelled_at),
        "created_at": api_time(o.created_at),
        "updated_at": api_time(o.updated_at),
    }


@calls(router, "/orders", OrderOut, order_json, rpc="CreateOrder", created=True)
def create_order(body: OrderIn, idempotency_key: IdempotencyKey = None) -> pb.CreateOrderRequest:
    """Lines name catalogue services (billing prices them); `Idempotency-Key` makes a retry
    return the first order instead of placing a second."""
    return pb.CreateOrderRequest(
        customer_id=body.customer_id,
        items=[pb.LineItem(service_id=i.service_id, quantity=i.quantity) for i in body.items],
        booking_id=body.booking_id or "",
        request_id=idempotency_key or "",
    )


reads(router, "order", OrderOut, order_json, ORDER_STATUS, rpc="Order")


@calls(router, "/orders/{order_id}/cancel", OrderOut, order_json, rpc="CancelOrder")
def cancel_order(order_id: str, body: ReasonIn | None = None) -> pb.CancelOrderRequest:
    return pb.CancelOrderRequest(id=order_id, reason=body.reason if body else "")
