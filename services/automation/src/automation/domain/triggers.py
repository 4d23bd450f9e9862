"""Which workflow triggers an event fires. The event arrives as a plain mapping (enum values
as lower-case names: `frustrated`, `inbound`, `sms`). No I/O."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from moodline.events.v1 import subjects

# subject -> (trigger, the payload field holding the new value for `to`)
SIMPLE: dict[str, tuple[str, str]] = {
    subjects.CUSTOMER_CUSTOMER_CREATED: ("customer.created", ""),
    subjects.CUSTOMER_STAGE_CHANGED: ("customer.stage_changed", "to_stage"),
    subjects.CUSTOMER_STATUS_CHANGED: ("customer.status_changed", "to_status"),
    subjects.CUSTOMER_FOLDER_CHANGED: ("customer.folder_changed", "to_folder"),
    subjects.CUSTOMER_TAG_ADDED: ("customer.tag_added", "tag"),
    subjects.BILLING_PAYMENT_SUCCEEDED: ("payment.succeeded", ""),
    subjects.BILLING_PAYMENT_FAILED: ("payment.failed", ""),
    subjects.BILLING_BOOKING_CONFIRMED: ("booking.confirmed", ""),
    subjects.BILLING_BOOKING_CANCELLED: ("booking.cancelled", ""),
    subjects.BILLING_INVOICE_OVERDUE: ("invoice.overdue", ""),
}
SENTIMENT_CHANGED = subjects.SENTIMENT_CUSTOMER_CHANGED
MESSAGE_RECEIVED = subjects.CONVERSATION_MESSAGE_RECEIVED
SUBJECTS = (*SIMPLE, SENTIMENT_CHANGED, MESSAGE_RECEIVED)


@dataclass(frozen=True)
class FireTriggers:
    """An event a workflow may trigger on (entrypoints/consumers.py reads it off NATS)."""

    tenant_id: uuid.UUID
    event_id: str
    subject: str
    payload: dict[str, Any]


@dataclass(frozen=True)
class Fired:
    trigger: str
    customer_id: str
    to: str = ""


def customer_of(payload: dict[str, Any]) -> str:
    if payload.get("customer_id"):
        return str(payload["customer_id"])
    customer = payload.get("customer")
    return str(customer.get("id", "")) if isinstance(customer, dict) else ""


def fired_by(subject: str, payload: dict[str, Any]) -> list[Fired]:
    customer = customer_of(payload)
    if not customer:
        return []
    if subject in SIMPLE:
        trigger, to_field = SIMPLE[subject]
        return [Fired(trigger, customer, str(payload.get(to_field, "")) if to_field else "")]
    if subject == SENTIMENT_CHANGED:
        label = (payload.get("sentiment") or {}).get("label", "")
        out = [Fired("sentiment.changed", customer, label)]
        if label == "frustrated" and payload.get("previous_label") != "frustrated":
            out.append(Fired("sentiment.turned_frustrated", customer))
        return out
    if subject == MESSAGE_RECEIVED and payload.get("direction") == "inbound":
        return [Fired("message.received", customer)]
    return []


def matches(trigger: dict[str, Any], fired: Fired) -> bool:
    if trigger.get("type") != fired.trigger:
        return False
    to = str(trigger.get("to") or "")
    return to == "" or to.lower() == fired.to.lower()
