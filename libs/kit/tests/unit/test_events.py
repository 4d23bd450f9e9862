import uuid

import pytest
from moodline.customer.v1 import customer_pb2
from moodline.events.v1 import customer_pb2 as customer_events
from moodline.events.v1 import envelope_pb2
from moodline_kit.events import Event, to_envelope, unpack
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider


def test_envelope_carries_identity_tenant_payload_and_trace_context():
    tracer = TracerProvider().get_tracer("test")
    tenant = uuid.uuid4()
    event = Event(
        subject="customer.customer.created",
        tenant_id=tenant,
        aggregate_id="c1",
        payload=customer_events.CustomerCreated(customer=customer_pb2.Customer(id="c1")),
    )
    with tracer.start_as_current_span("work") as span:
        envelope = to_envelope(event, source="customer")
        trace_id = format(span.get_span_context().trace_id, "032x")
    decoded = envelope_pb2.EventEnvelope.FromString(envelope.SerializeToString())
    assert decoded.event_id == str(event.event_id)
    assert decoded.type == "customer.customer.created"
    assert decoded.tenant_id == str(tenant)
    assert decoded.source == "customer"
    assert trace_id in decoded.trace_context["traceparent"]
    assert unpack(decoded, customer_events.CustomerCreated).customer.id == "c1"
    assert trace.get_current_span() is not None


def test_unpacking_the_wrong_type_fails_loudly():
    event = Event(
        "customer.customer.created", uuid.uuid4(), "c1", customer_events.CustomerCreated()
    )
    with pytest.raises(ValueError, match="does not carry"):
        unpack(to_envelope(event, source="customer"), customer_pb2.Phone)
