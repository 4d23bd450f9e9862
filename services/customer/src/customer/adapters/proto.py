"""Domain <-> protobuf translation (entrypoints and events use it)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from google.protobuf import struct_pb2, timestamp_pb2
from moodline.customer.v1 import customer_pb2

from customer.domain.model import Customer, avatar_color_for

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _ts(value: datetime | None) -> timestamp_pb2.Timestamp | None:
    """Integer arithmetic: Timestamp.FromDatetime goes through utctimetuple/timegm and was a
    tenth of a list page's CPU (four timestamps a row). Naive datetimes are read as UTC."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    delta = value - _EPOCH
    return timestamp_pb2.Timestamp(
        seconds=delta.days * 86_400 + delta.seconds, nanos=delta.microseconds * 1000
    )


def struct(values: dict) -> struct_pb2.Struct:
    out = struct_pb2.Struct()
    out.update(values)
    return out


def _consents(consents: dict[str, dict]) -> list[customer_pb2.Consent]:
    return [
        customer_pb2.Consent(
            kind=kind,
            granted=state["granted"],
            source=state.get("source", ""),
            changed_at=_ts(datetime.fromisoformat(state["at"])),
        )
        for kind, state in sorted(consents.items())
    ]


def customer_to_proto(customer: Customer) -> customer_pb2.Customer:
    r = customer.read
    emotions = r.sentiment_emotions
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
        version=customer.version,
        addresses=[customer_pb2.Address(**a) for a in customer.addresses],
        preferred_channel=customer.preferred_channel,
        preferred_contact_time=customer.preferred_contact_time,
        language=customer.language,
        timezone=customer.timezone,
        tags=customer.tags,
        folder=customer.folder,
        custom_fields=struct(customer.custom_fields) if customer.custom_fields else None,
        relations=[
            customer_pb2.Relation(customer_id=str(x.customer_id), role=x.role, label=x.label)
            for x in customer.relations
        ],
        workers=customer.workers,
        call_status=customer.call_status,
        vip=customer.is_vip,
        vip_manual=customer.vip_manual,
        consents=_consents(customer.consents),
        avatar_color=customer.avatar_color,
        lifetime_value_minor=r.ltv_minor,
        currency=r.currency,
        bookings_count=r.bookings_count,
        purchases_count=r.purchases_count,
        average_order_value_minor=r.aov_minor,
        interactions_count=r.interactions_count,
        last_contact_at=_ts(r.last_contact_at),
        most_common_channel=r.most_common_channel,
        sentiment=customer_pb2.CustomerSentiment(
            label=r.sentiment_label,
            score=r.sentiment_score,
            frustration=emotions.get("frustration", 0.0),
            satisfaction=emotions.get("satisfaction", 0.0),
            confusion=emotions.get("confusion", 0.0),
            urgency=emotions.get("urgency", 0.0),
            trend=r.sentiment_trend,
        )
        if r.sentiment_label
        else None,
        last_activity_at=_ts(r.last_activity_at or customer.created_at),
        stage_history=[
            customer_pb2.StageChange(
                from_stage=s.from_stage,
                to_stage=s.to_stage,
                reason=s.reason,
                changed_at=_ts(s.changed_at),
            )
            for s in customer.stage_history
        ],
    )


def list_row_to_proto(r: Any) -> customer_pb2.Customer:
    """A list row (`repository.LIST_COLUMNS`) -> the same message `customer_to_proto` makes of
    the aggregate read from that row (no relations or stage history: a list shows neither),
    without building the aggregate: this runs for every row of every list page."""
    label = r.sentiment_label
    emotions = r.sentiment_emotions
    return customer_pb2.Customer(
        id=str(r.id),
        first_name=r.first_name,
        last_name=r.last_name,
        company=r.company,
        phones=[customer_pb2.Phone(number=p["number"], primary=p["primary"]) for p in r.phones],
        emails=[customer_pb2.Email(address=e["address"], primary=e["primary"]) for e in r.emails],
        lifecycle_stage=r.lifecycle_stage,
        created_at=_ts(r.created_at),
        updated_at=_ts(r.updated_at),
        version=r.version,
        addresses=[customer_pb2.Address(**a) for a in r.addresses],
        preferred_channel=r.preferred_channel,
        preferred_contact_time=r.preferred_contact_time,
        language=r.language,
        timezone=r.timezone,
        tags=r.tags,
        folder=r.folder,
        custom_fields=struct(r.custom_fields) if r.custom_fields else None,
        workers=r.workers,
        call_status=r.call_status,
        vip=r.is_vip,
        vip_manual=r.vip_manual,
        consents=_consents(r.consents) if r.consents else None,
        avatar_color=r.avatar_color or avatar_color_for(r.id),
        lifetime_value_minor=r.ltv_minor,
        currency=r.currency,
        bookings_count=r.bookings_count,
        purchases_count=r.purchases_count,
        average_order_value_minor=r.aov_minor,
        interactions_count=r.interactions_count,
        last_contact_at=_ts(r.last_contact_at),
        most_common_channel=r.most_common_channel,
        sentiment=customer_pb2.CustomerSentiment(
            label=label,
            score=r.sentiment_score,
            frustration=emotions.get("frustration", 0.0),
            satisfaction=emotions.get("satisfaction", 0.0),
            confusion=emotions.get("confusion", 0.0),
            urgency=emotions.get("urgency", 0.0),
            trend=r.sentiment_trend,
        )
        if label
        else None,
        last_activity_at=_ts(r.last_activity_at or r.created_at),
    )
