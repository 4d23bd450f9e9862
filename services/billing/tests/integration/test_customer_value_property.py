"""LTV = confirmed/completed booking revenue attributed to the customer (party shares
included) minus refunds, across any sequence of create / confirm / cancel / complete / pay /
refund — checked by hypothesis against the real service on real PostgreSQL."""

import uuid
from datetime import timedelta

import grpc
import pytest
from billing.testing import BASE, booking_request, usd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from moodline.billing.v1 import billing_pb2 as pb
from moodline_kit.grpc.client import tenant_metadata

pytestmark = pytest.mark.integration

CUSTOMERS = 3  # indexes into a fresh tenant's customer ids

create = st.tuples(
    st.just("create"),
    st.integers(0, CUSTOMERS - 1),  # who books
    st.integers(0, 50_000),  # price
    st.lists(st.tuples(st.integers(0, CUSTOMERS - 1), st.integers(0, 20_000)), max_size=2),
    st.booleans(),  # created confirmed
)
act = st.tuples(
    st.sampled_from(["confirm", "cancel", "complete", "no_show", "pay", "refund"]),
    st.integers(0, 20),  # which booking / payment (modulo how many exist)
    st.integers(1, 60_000),  # amount for pay / refund
)
ops = st.lists(st.one_of(create, act), min_size=1, max_size=14)


class Model:
    """What the figures must be: the rules written down independently of the service."""

    def __init__(self) -> None:
        self.bookings: list[dict] = []  # {"id", "status", "attr": {cust: minor}}
        self.payments: list[dict] = []  # {"id", "booking", "payer", "amount", "refunded"}

    def ltv(self, customer: str) -> int:
        counted = {b["id"] for b in self.bookings if b["status"] in ("confirmed", "completed")}
        total = sum(b["attr"].get(customer, 0) for b in self.bookings if b["id"] in counted)
        total -= sum(
            p["refunded"]
            for p in self.payments
            if p["payer"] == customer and p["booking"] in counted
        )
        return max(total, 0)


async def _apply(stub, tenant, customers, model, op) -> None:
    kind = op[0]
    if kind == "create":
        _, who, price, members, confirmed = op
        booker = customers[who]
        party, attr, seen = [], {booker: price}, {booker}
        for idx, share in members:
            member = customers[idx]
            if member in seen:
                continue
            seen.add(member)
            party.append(pb.PartyMember(customer_id=member, share=usd(share)))
            attr[member] = share
        shares = sum(attr[c] for c in attr if c != booker)
        try:
            b = await stub.CreateBooking(
                booking_request(
                    booker,
                    start=BASE + timedelta(hours=len(model.bookings)),
                    price=price,
                    party=party,
                    confirm=confirmed,
                ),
                metadata=tenant,
            )
        except grpc.aio.AioRpcError as exc:
            assert exc.code() == grpc.StatusCode.INVALID_ARGUMENT
            assert shares > price  # the only invalid thing generated
            return
        assert shares <= price
        attr[booker] = price - shares
        model.bookings.append(
            {
                "id": b.id,
                "status": "confirmed" if confirmed else "pending",
                "attr": attr,
                "price": price,
            }
        )
        return
    _, which, amount = op
    if kind in ("confirm", "cancel", "complete", "no_show"):
        if not model.bookings:
            return
        b = model.bookings[which % len(model.bookings)]
        allowed = {
            "confirm": ({"pending"}, "confirmed"),
            "cancel": ({"pending", "confirmed"}, "cancelled"),
            "complete": ({"confirmed"}, "completed"),
            "no_show": ({"confirmed"}, "no_show"),
        }[kind]
        call = {
            "confirm": lambda: stub.ConfirmBooking(
                pb.ConfirmBookingRequest(id=b["id"]), metadata=tenant
            ),
            "cancel": lambda: stub.CancelBooking(
                pb.CancelBookingRequest(id=b["id"]), metadata=tenant
            ),
            "complete": lambda: stub.CompleteBooking(
                pb.CompleteBookingRequest(id=b["id"]), metadata=tenant
            ),
            "no_show": lambda: stub.CompleteBooking(
                pb.CompleteBookingRequest(id=b["id"], no_show=True), metadata=tenant
            ),
        }[kind]
        try:
            await call()
        except grpc.aio.AioRpcError as exc:
            assert exc.code() == grpc.StatusCode.ABORTED
            assert b["status"] not in allowed[0]
            return
        assert b["status"] in allowed[0]
        b["status"] = allowed[1]
    elif kind == "pay":
        if not model.bookings:
            return
        b = model.bookings[which % len(model.bookings)]
        payer = next(iter(b["attr"]))  # who booked
        paid = sum(p["amount"] - p["refunded"] for p in model.payments if p["booking"] == b["id"])
        try:
            p = await stub.RecordPayment(
                pb.RecordPaymentRequest(
                    customer_id=payer,
                    booking_id=b["id"],
                    amount=usd(amount),
                    status=pb.PAYMENT_STATUS_SUCCEEDED,
                    method=pb.PAYMENT_METHOD_CARD,
                    provider="manual",
                    provider_payment_id=str(uuid.uuid4()),
                ),
                metadata=tenant,
            )
        except grpc.aio.AioRpcError as exc:
            assert exc.code() == grpc.StatusCode.INVALID_ARGUMENT
            assert b["status"] in ("cancelled", "no_show") or amount > b["price"] - paid
            return
        assert b["status"] not in ("cancelled", "no_show") and amount <= b["price"] - paid
        model.payments.append(
            {"id": p.id, "booking": b["id"], "payer": payer, "amount": amount, "refunded": 0}
        )
    elif kind == "refund":
        if not model.payments:
            return
        p = model.payments[which % len(model.payments)]
        try:
            await stub.RefundPayment(
                pb.RefundPaymentRequest(
                    id=p["id"], amount=usd(amount), idempotency_key=str(uuid.uuid4())
                ),
                metadata=tenant,
            )
        except grpc.aio.AioRpcError as exc:
            assert exc.code() == grpc.StatusCode.INVALID_ARGUMENT
            assert amount > p["amount"] - p["refunded"]
            return
        assert amount <= p["amount"] - p["refunded"]
        p["refunded"] += amount


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sequence=ops)
async def test_ltv_is_counted_revenue_minus_refunds(billing_service, sequence):
    stub = billing_service.stub
    tenant = tenant_metadata(str(uuid.uuid4()))
    customers = [str(uuid.uuid4()) for _ in range(CUSTOMERS)]
    model = Model()
    for op in sequence:
        await _apply(stub, tenant, customers, model, op)
    for customer in customers:
        value = await stub.GetCustomerValue(
            pb.GetCustomerValueRequest(customer_id=customer), metadata=tenant
        )
        assert value.lifetime_value.amount_minor == model.ltv(customer), (customer, sequence)
        assert value.lifetime_value.currency == "USD"
        counted = [
            b
            for b in model.bookings
            if b["status"] in ("confirmed", "completed") and customer in b["attr"]
        ]
        assert value.bookings_count == len(counted)
