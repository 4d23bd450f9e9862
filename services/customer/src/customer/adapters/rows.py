"""Customer aggregate <-> customers row."""

from __future__ import annotations

from typing import Any

from customer.adapters.tables import customers
from customer.domain.model import Customer, Email, LifecycleStage, Phone, ReadModel

c = customers.c


def row_values(customer: Customer) -> dict[str, Any]:
    r = customer.read
    return {
        "first_name": customer.first_name,
        "last_name": customer.last_name,
        "company": customer.company,
        "lifecycle_stage": customer.lifecycle_stage.value,
        "search_doc": customer.search_document,
        "sort_name": customer.sort_name,
        "phones": [{"number": p.number, "primary": p.primary} for p in customer.phones],
        "emails": [{"address": e.address, "primary": e.primary} for e in customer.emails],
        "addresses": customer.addresses,
        "preferred_channel": customer.preferred_channel,
        "preferred_contact_time": customer.preferred_contact_time,
        "language": customer.language,
        "timezone": customer.timezone,
        "tags": customer.tags,
        "folder": customer.folder,
        "custom_fields": customer.custom_fields,
        "workers": customer.workers,
        "call_status": customer.call_status,
        "is_vip": customer.is_vip,
        "vip_manual": customer.vip_manual,
        "consents": customer.consents,
        "avatar_color": customer.avatar_color,
        "qualified": customer.qualified,
        "ltv_minor": r.ltv_minor,
        "currency": r.currency,
        "bookings_count": r.bookings_count,
        "purchases_count": r.purchases_count,
        "aov_minor": r.aov_minor,
        "interactions_count": r.interactions_count,
        "channel_counts": r.channel_counts,
        "most_common_channel": r.most_common_channel,
        "last_contact_at": r.last_contact_at,
        "last_purchase_at": r.last_purchase_at,
        "last_activity_at": r.last_activity_at or customer.created_at,
        "sentiment_label": r.sentiment_label,
        "sentiment_score": r.sentiment_score,
        "sentiment_emotions": r.sentiment_emotions,
        "sentiment_trend": r.sentiment_trend,
        "payment_failed_at": r.payment_failed_at,
        "payment_succeeded_at": r.payment_succeeded_at,
        "value_as_of": r.value_as_of,
        "stage_changed_at": customer.stage_changed_at,
        "updated_at": customer.updated_at,
    }


def customer_from_row(r: Any) -> Customer:
    return Customer(
        id=r.id,
        tenant_id=r.tenant_id,
        first_name=r.first_name,
        last_name=r.last_name,
        company=r.company,
        phones=[Phone(p["number"], p["primary"]) for p in r.phones],
        emails=[Email(e["address"], e["primary"]) for e in r.emails],
        lifecycle_stage=LifecycleStage(r.lifecycle_stage),
        created_at=r.created_at,
        updated_at=r.updated_at,
        version=r.version,
        addresses=list(r.addresses),
        preferred_channel=r.preferred_channel,
        preferred_contact_time=r.preferred_contact_time,
        language=r.language,
        timezone=r.timezone,
        tags=list(r.tags),
        folder=r.folder,
        custom_fields=dict(r.custom_fields),
        workers=list(r.workers),
        call_status=r.call_status,
        is_vip=r.is_vip,
        vip_manual=r.vip_manual,
        consents=dict(r.consents),
        avatar_color=r.avatar_color,
        qualified=r.qualified,
        stage_changed_at=r.stage_changed_at,
        read=ReadModel(
            ltv_minor=r.ltv_minor,
            currency=r.currency,
            bookings_count=r.bookings_count,
            purchases_count=r.purchases_count,
            aov_minor=r.aov_minor,
            interactions_count=r.interactions_count,
            channel_counts=dict(r.channel_counts),
            most_common_channel=r.most_common_channel,
            last_contact_at=r.last_contact_at,
            last_purchase_at=r.last_purchase_at,
            last_activity_at=r.last_activity_at,
            sentiment_label=r.sentiment_label,
            sentiment_score=r.sentiment_score,
            sentiment_emotions=dict(r.sentiment_emotions),
            sentiment_trend=r.sentiment_trend,
            payment_failed_at=r.payment_failed_at,
            payment_succeeded_at=r.payment_succeeded_at,
            value_as_of=r.value_as_of,
        ),
    )


# An aggregate reads every column but the search document.
CUSTOMER_COLUMNS = [col for col in customers.c if col.name not in ("search_doc",)]
