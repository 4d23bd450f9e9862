"""Customer aggregate <-> customers row."""

from __future__ import annotations

from typing import Any

from moodline_kit.rows import from_row, values_of

from customer.adapters.tables import customers
from customer.domain.model import Customer, Email, LifecycleStage, Phone, ReadModel

c = customers.c


# Columns written from the aggregate's attributes of the same name.
_WRITTEN = (
    *("first_name", "last_name", "company", "lifecycle_stage", "sort_name", "addresses"),
    *("preferred_channel", "preferred_contact_time", "language", "timezone", "tags", "folder"),
    *("custom_fields", "workers", "call_status", "is_vip", "vip_manual", "consents"),
    *("avatar_color", "qualified", "stage_changed_at", "updated_at"),
)
# Columns read into the aggregate, each through what rebuilds it.
_READ = {
    "phones": lambda v: [Phone(p["number"], p["primary"]) for p in v],
    "emails": lambda v: [Email(e["address"], e["primary"]) for e in v],
    "lifecycle_stage": LifecycleStage,
    **dict.fromkeys(("addresses", "tags", "workers"), list),
    **dict.fromkeys(("custom_fields", "consents"), dict),
}


def row_values(customer: Customer) -> dict[str, Any]:
    r = customer.read
    return {
        **values_of(customer, _WRITTEN),
        "search_doc": customer.search_document,
        "phones": [{"number": p.number, "primary": p.primary} for p in customer.phones],
        "emails": [{"address": e.address, "primary": e.primary} for e in customer.emails],
        **values_of(r, last_activity_at=r.last_activity_at or customer.created_at),
    }


def customer_from_row(r: Any) -> Customer:
    customer = from_row(Customer, r, **_READ)
    customer.read = from_row(ReadModel, r, channel_counts=dict, sentiment_emotions=dict)
    return customer


# An aggregate reads every column but the search document.
CUSTOMER_COLUMNS = [col for col in customers.c if col.name not in ("search_doc",)]
