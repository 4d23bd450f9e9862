"""Orders against the real service: lines priced from the catalogue, idempotent placing, paid
through payments (and counted in the customer's value), refunds, cancelling, bad input."""

import asyncio
import uuid

import grpc
import pytest
from billing.testing import new_id, usd
from moodline.billing.v1 import billing_pb2 as pb
from moodline_kit.grpc.client import tenant_metadata
from moodline_kit.grpc.status import field_violations

pytestmark = pytest.mark.integration


async def _service(stub, tenant, name="Gel manicure", price=4_500, minutes=45) -> str:
    created = await stub.CreateCatalogService(
        pb.CreateCatalogServiceRequest(name=name, duration_minutes=minutes, price=usd(price)),
        metadata=tenant,
    )
    return created.id


def _order(customer_id, *lines, request_id="", booking_id=""):
    return pb.CreateOrderRequest(
        customer_id=customer_id,
        items=[pb.LineItem(service_id=s, quantity=q) for s, q in lines],
        request_id=request_id,
        booking_id=booking_id,
    )


def _pay(customer_id, order_id, amount, key=None):
    return pb.RecordPaymentRequest(
        customer_id=customer_id,
        order_id=order_id,
        amount=usd(amount),
        status=pb.PAYMENT_STATUS_SUCCEEDED,
        method=pb.PAYMENT_METHOD_CARD,
        provider="manual",
        provider_payment_id=key or str(uuid.uuid4()),
    )


async def _violations(call) -> dict[str, str]:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await call
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    return {v.field: v.description for v in field_violations(caught.value)}


async def test_order_lines_come_from_the_catalogue_and_payments_settle_it(billing_service, tenant):
    stub = billing_service.stub
    customer = new_id()
    manicure = await _service(stub, tenant)
    polish = await _service(stub, tenant, "Polish", 1_250, 15)
    order = await stub.CreateOrder(_order(customer, (manicure, 1), (polish, 2)), metadata=tenant)
    assert order.status == pb.ORDER_STATUS_PLACED
    assert [(i.description, i.quantity, i.unit_price.amount_minor) for i in order.items] == [
        ("Gel manicure", 1, 4_500),
        ("Polish", 2, 1_250),
    ]
    assert [i.total.amount_minor for i in order.items] == [4_500, 2_500]
    assert [i.service_id for i in order.items] == [manicure, polish]
    assert (order.total.amount_minor, order.total.currency) == (7_000, "USD")
    assert order.amount_due.amount_minor == 7_000

    await stub.RecordPayment(_pay(customer, order.id, 3_000), metadata=tenant)
    part = await stub.GetOrder(pb.GetOrderRequest(id=order.id), metadata=tenant)
    assert part.status == pb.ORDER_STATUS_PLACED
    assert (part.amount_paid.amount_minor, part.amount_due.amount_minor) == (3_000, 4_000)
    assert (
        await _violations(stub.RecordPayment(_pay(customer, order.id, 4_001), metadata=tenant))
    ).keys() == {"amount_minor"}
    payment = await stub.RecordPayment(_pay(customer, order.id, 4_000), metadata=tenant)
    assert payment.order_id == order.id
    paid = await stub.GetOrder(pb.GetOrderRequest(id=order.id), metadata=tenant)
    assert paid.status == pb.ORDER_STATUS_PAID and paid.HasField("paid_at")
    assert paid.amount_due.amount_minor == 0
    # a paid order takes no more payments
    assert "order_id" in await _violations(
        stub.RecordPayment(_pay(customer, order.id, 1), metadata=tenant)
    )

    # counted in the customer's value: one purchase of 70.00, whatever the number of payments
    value = await stub.GetCustomerValue(
        pb.GetCustomerValueRequest(customer_id=customer), metadata=tenant
    )
    assert value.lifetime_value.amount_minor == 7_000
    assert value.purchases_count == 1 and value.average_order_value.amount_minor == 7_000

    # refunds: the paid amount and LTV go down; all of it refunded -> REFUNDED
    await stub.RefundPayment(
        pb.RefundPaymentRequest(id=payment.id, idempotency_key="r1"), metadata=tenant
    )
    value = await stub.GetCustomerValue(
        pb.GetCustomerValueRequest(customer_id=customer), metadata=tenant
    )
    assert value.lifetime_value.amount_minor == 3_000
    first = (
        await stub.ListPayments(pb.ListPaymentsRequest(customer_id=customer), metadata=tenant)
    ).payments
    other = next(p for p in first if p.id != payment.id)
    await stub.RefundPayment(
        pb.RefundPaymentRequest(id=other.id, idempotency_key="r2"), metadata=tenant
    )
    refunded = await stub.GetOrder(pb.GetOrderRequest(id=order.id), metadata=tenant)
    assert refunded.status == pb.ORDER_STATUS_REFUNDED
    assert refunded.amount_paid.amount_minor == 0


async def test_placing_an_order_is_idempotent_on_the_request_id(billing_service, tenant):
    stub = billing_service.stub
    customer = new_id()
    service = await _service(stub, tenant, "Facial", 8_000, 60)
    request = _order(customer, (service, 1), request_id=f"req-{new_id()}")
    placed = await asyncio.gather(*(stub.CreateOrder(request, metadata=tenant) for _ in range(8)))
    assert len({o.id for o in placed}) == 1
    listed = await stub.ListOrders(pb.ListOrdersRequest(customer_id=customer), metadata=tenant)
    assert [o.id for o in listed.orders] == [placed[0].id]


async def test_orders_list_newest_first_by_customer_and_status_and_cancel(billing_service, tenant):
    stub = billing_service.stub
    customer = new_id()
    service = await _service(stub, tenant, "Cut", 3_000, 30)
    ids = [
        (await stub.CreateOrder(_order(customer, (service, 1)), metadata=tenant)).id
        for _ in range(3)
    ]
    cancelled = await stub.CancelOrder(
        pb.CancelOrderRequest(id=ids[0], reason="changed mind"), metadata=tenant
    )
    assert cancelled.status == pb.ORDER_STATUS_CANCELLED and cancelled.HasField("cancelled_at")
    with pytest.raises(grpc.aio.AioRpcError) as again:
        await stub.CancelOrder(pb.CancelOrderRequest(id=ids[0]), metadata=tenant)
    assert again.value.code() == grpc.StatusCode.ABORTED
    assert "order_id" in await _violations(
        stub.RecordPayment(_pay(customer, ids[0], 100), metadata=tenant)
    )

    page = await stub.ListOrders(
        pb.ListOrdersRequest(customer_id=customer, page_size=2), metadata=tenant
    )
    assert [o.id for o in page.orders] == [ids[2], ids[1]] and page.next_page_token
    rest = await stub.ListOrders(
        pb.ListOrdersRequest(customer_id=customer, page_size=2, page_token=page.next_page_token),
        metadata=tenant,
    )
    assert [o.id for o in rest.orders] == [ids[0]] and not rest.next_page_token
    placed = await stub.ListOrders(
        pb.ListOrdersRequest(customer_id=customer, statuses=[pb.ORDER_STATUS_PLACED]),
        metadata=tenant,
    )
    assert {o.id for o in placed.orders} == {ids[1], ids[2]}


async def test_bad_orders_name_the_field_and_store_nothing(billing_service, tenant):
    stub = billing_service.stub
    other_tenant = tenant_metadata(new_id())
    customer = new_id()
    service = await _service(stub, tenant, "Wax", 2_000, 20)
    foreign = await _service(stub, other_tenant, "Elsewhere", 1_000, 10)
    cases = [
        (_order(customer), {"items"}),
        (_order(customer, (service, 0)), {"items[0].quantity"}),
        (_order(customer, ("", 1)), {"items[0].service_id"}),
        (_order(customer, ("not-a-uuid", 1)), {"items[0].service_id"}),
        (_order(customer, (service, 1), (foreign, 1)), {"items[1].service_id"}),
        (_order(customer, (service, 1), booking_id=new_id()), {"booking_id"}),
        (_order("", (service, 1)), {"customer_id"}),
    ]
    for request, fields in cases:
        assert (await _violations(stub.CreateOrder(request, metadata=tenant))).keys() == fields
    listed = await stub.ListOrders(pb.ListOrdersRequest(customer_id=customer), metadata=tenant)
    assert list(listed.orders) == []
    with pytest.raises(grpc.aio.AioRpcError) as missing:
        await stub.GetOrder(pb.GetOrderRequest(id=new_id()), metadata=tenant)
    assert missing.value.code() == grpc.StatusCode.NOT_FOUND
    # another tenant does not see the order
    order = await stub.CreateOrder(_order(customer, (service, 1)), metadata=tenant)
    with pytest.raises(grpc.aio.AioRpcError) as hidden:
        await stub.GetOrder(pb.GetOrderRequest(id=order.id), metadata=other_tenant)
    assert hidden.value.code() == grpc.StatusCode.NOT_FOUND
