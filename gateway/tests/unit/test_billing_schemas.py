"""The billing routes' JSON (built by routes/billing.py's *_json functions) and the models that
document it in the OpenAPI (where the web client's types come from) name the same fields, and
every answer the routes can build validates against its model."""

from __future__ import annotations

import pytest
from gateway.routes import billing as r
from gateway.routes import orders as o
from google.protobuf.timestamp_pb2 import Timestamp
from moodline.billing.v1 import billing_pb2 as pb

from gateway import billing_schemas as s

NOW = Timestamp(seconds=1_780_000_000)


def _full_booking() -> pb.Booking:
    return pb.Booking(
        id="b1",
        status=pb.BOOKING_STATUS_CONFIRMED,
        customer_id="c1",
        service_id="s1",
        service_name="Haircut",
        staff_id="st1",
        start_time=NOW,
        end_time=NOW,
        price=pb.Money(amount_minor=4500, currency="USD"),
        party_members=[
            pb.PartyMember(customer_id="c2", name="Ann", share=pb.Money(amount_minor=1))
        ],
        created_at=NOW,
    )


CASES = [
    (r.service_json, pb.CatalogService(id="s", name="Cut", created_at=NOW), s.ServiceOut),
    (r.staff_json, pb.StaffMember(id="st", name="Mia", active=True), s.StaffOut),
    (r.booking_json, _full_booking(), s.BookingOut),
    *[
        (r.booking_json, pb.Booking(id="b", status=status), s.BookingOut)
        for status in r.BOOKING_STATUS
    ],
    *[
        (
            r.invoice_json,
            pb.Invoice(id="i", status=status, items=[pb.LineItem(description="x", quantity=1)]),
            s.InvoiceOut,
        )
        for status in r.INVOICE_STATUS
    ],
    *[(r.quote_json, pb.Quote(id="q", status=status), s.QuoteOut) for status in r.QUOTE_STATUS],
    *[
        (r.payment_json, pb.Payment(id="p", status=status, method=method), s.PaymentOut)
        for status in r.PAYMENT_STATUS
        for method in r.PAYMENT_METHOD
    ],
    *[
        (
            r.subscription_json,
            pb.Subscription(id="u", status=status, interval=interval),
            s.SubscriptionOut,
        )
        for status in r.SUBSCRIPTION_STATUS
        for interval in r.INTERVAL
    ],
    *[
        (
            o.order_json,
            pb.Order(id="o", status=status, items=[pb.LineItem(service_id="s", quantity=2)]),
            s.OrderOut,
        )
        for status in o.ORDER_STATUS
    ],
    (r.value_json, pb.CustomerValue(customer_id="c", last_purchase_at=NOW), s.CustomerValueOut),
]


@pytest.mark.parametrize(("build", "message", "model"), CASES)
def test_each_answer_is_its_model(build, message, model) -> None:
    body = build(message)
    assert set(body) == set(model.model_fields), model.__name__
    assert model.model_validate(body).model_dump() == body


def test_every_route_documents_its_answer() -> None:
    from gateway.app import create_app
    from gateway.config import GatewaySettings

    document = create_app(GatewaySettings()).openapi()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if "billing" not in operation.get("tags", []):
                continue
            ok = next(code for code in operation["responses"] if code.startswith("2"))
            schema = operation["responses"][ok]["content"]["application/json"]["schema"]
            assert "$ref" in schema, f"{method.upper()} {path} answers an undocumented shape"
