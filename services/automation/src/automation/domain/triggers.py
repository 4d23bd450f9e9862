"""Which workflow triggers an event fires. The event arrives as a plain mapping (enum values
as lower-case names: `frustrated`, `inbound`, `sms`). No I/O."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# subject -> (trigger, the payload field holding the new value for `to`)
SIMPLE: dict[str, tuple[str, str]] = {
    "customer.customer.created": ("customer.created", ""),
    "customer.stage.changed": ("customer.stage_changed", "to_stage"),
    "customer.status.changed": ("customer.status_changed", "to_status"),
    "customer.folder.changed": ("customer.folder_changed", "to_folder"),
    "customer.tag.added": ("customer.tag_added", "tag"),
    "billing.payment.succeeded": ("payment.succeeded", ""),
    "billing.payment.failed": ("payment.failed", ""),
    "billing.booking.confirmed": ("booking.confirmed", ""),
    "billing.booking.cancelled": ("booking.cancelled", ""),
    "billing.invoice.overdue": ("invoice.overdue", ""),
}
SENTIMENT_CHANGED = "sentiment.customer.changed"
MESSAGE_RECEIVED = "conversation.message.received"
SUBJECTS = (*SIMPLE, SENTIMENT_CHANGED, MESSAGE_RECEIVED)


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
