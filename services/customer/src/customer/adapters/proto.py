"""Domain <-> protobuf translation (entrypoints and events use it)."""

from __future__ import annotations

from google.protobuf import timestamp_pb2
from moodline.customer.v1 import customer_pb2

from customer.domain.model import Customer


def _ts(value) -> timestamp_pb2.Timestamp:  # type: ignore[no-untyped-def]
    ts = timestamp_pb2.Timestamp()
    ts.FromDatetime(value)
    return ts


def customer_to_proto(customer: Customer) -> customer_pb2.Customer:
    return customer_pb2.Customer(
        id=str(customer.id),
        first_name=customer.first_name,
        last_name=customer.last_name,
        company=customer.company,
        phones=[customer_pb2.Phone(number=p.number, primary=p.primary) for p in customer.phones],
        emails=[customer_pb2.Email(address=e.address, primary=e.primary) for e in customer.emails],
        lifecycle_stage=customer.lifecycle_stage.value,
        created_at=_ts(customer.created_at),
        updated_at=_ts(customer.updated_at),
    )
