"""The payment-provider boundary. A provider turns a webhook body into a ProviderEvent (the
service layer verifies the signature — one scheme for every provider: HMAC-SHA256 over
"<timestamp>." + body with the endpoint's secret — and applies the event), and charges a
subscription's renewal invoice (`charge`, keyed by an idempotency key so that a retried charge
is taken once).

Only the manual provider exists: payments staff record (cash, card terminal, bank transfer) and
the same facts delivered by a till or a booking tool as signed JSON. A card processor would be
one more class here translating its own event format; none is pretended to be wired up."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from moodline_kit.errors import FieldViolation, InvalidArgument

from billing.domain.payments import PaymentMethod


class EventKind(StrEnum):
    SUCCEEDED = "payment.succeeded"
    FAILED = "payment.failed"
    REFUNDED = "payment.refunded"


@dataclass(frozen=True)
class ProviderEvent:
    event_id: str
    kind: EventKind
    provider_payment_id: str
    customer_id: uuid.UUID | None = None
    amount_minor: int = 0
    currency: str = ""
    method: PaymentMethod = PaymentMethod.CARD
    invoice_id: uuid.UUID | None = None
    booking_id: uuid.UUID | None = None
    failure_code: str = ""
    failure_message: str = ""


class ChargeOutcome(StrEnum):
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    # The provider does not take money by itself (manual: staff collect the invoice).
    NOT_COLLECTED = "not_collected"


@dataclass(frozen=True)
class Charge:
    tenant_id: uuid.UUID
    customer_id: uuid.UUID
    amount_minor: int
    currency: str
    # The same key for a retry of one attempt: the provider takes the money once.
    idempotency_key: str
    description: str = ""


@dataclass(frozen=True)
class ChargeResult:
    outcome: ChargeOutcome
    provider_payment_id: str = ""
    method: PaymentMethod = PaymentMethod.CARD
    failure_code: str = ""
    failure_message: str = ""


class PaymentProvider(Protocol):
    name: str

    def parse_event(self, body: bytes) -> ProviderEvent:
        """The event a (signature-verified) webhook body reports; InvalidArgument naming the
        field when it is malformed."""
        ...

    async def charge(self, charge: Charge) -> ChargeResult:
        """Take `charge.amount_minor` from the customer's payment method on file; raises when
        the provider cannot be reached (the charge is tried again later, same key)."""
        ...


def _uuid(data: dict, name: str, v: list[FieldViolation], *, required: bool) -> uuid.UUID | None:
    raw = data.get(name)
    if raw in (None, ""):
        if required:
            v.append(FieldViolation(f"data.{name}", "required"))
        return None
    try:
        return uuid.UUID(str(raw))
    except ValueError:
        v.append(FieldViolation(f"data.{name}", "must be a UUID"))
        return None


class ManualProvider:
    """Body: {"id": "<event id>", "type": "payment.succeeded" | "payment.failed" |
    "payment.refunded", "data": {"payment_id", "customer_id", "amount_minor", "currency",
    "method"?, "invoice_id"?, "booking_id"?, "failure_code"?, "failure_message"?}}. For a
    refund, `amount_minor` is the amount refunded by this event."""

    name = "manual"

    def parse_event(self, body: bytes) -> ProviderEvent:
        try:
            doc = json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise InvalidArgument.of("body", "not JSON") from exc
        if not isinstance(doc, dict) or not isinstance(doc.get("data"), dict):
            raise InvalidArgument.of("data", "required object")
        data = doc["data"]
        v: list[FieldViolation] = []
        event_id = doc.get("id")
        if not isinstance(event_id, str) or not 1 <= len(event_id) <= 200:
            v.append(FieldViolation("id", "required string (1..200 characters)"))
        try:
            kind = EventKind(doc.get("type"))
        except ValueError:
            v.append(FieldViolation("type", f"one of {', '.join(k.value for k in EventKind)}"))
            kind = EventKind.SUCCEEDED
        payment_id = data.get("payment_id")
        if not isinstance(payment_id, str) or not payment_id:
            v.append(FieldViolation("data.payment_id", "required string"))
        amount = data.get("amount_minor")
        if not isinstance(amount, int) or isinstance(amount, bool):
            v.append(FieldViolation("data.amount_minor", "required integer (minor units)"))
            amount = 0
        customer_id = _uuid(data, "customer_id", v, required=kind is not EventKind.REFUNDED)
        invoice_id = _uuid(data, "invoice_id", v, required=False)
        booking_id = _uuid(data, "booking_id", v, required=False)
        try:
            method = PaymentMethod(data.get("method", "card"))
        except ValueError:
            v.append(FieldViolation("data.method", "unknown payment method"))
            method = PaymentMethod.OTHER
        if v:
            raise InvalidArgument.of_all(v)
        return ProviderEvent(
            event_id=str(event_id),
            kind=kind,
            provider_payment_id=str(payment_id),
            customer_id=customer_id,
            amount_minor=amount,
            currency=str(data.get("currency", "")),
            method=method,
            invoice_id=invoice_id,
            booking_id=booking_id,
            failure_code=str(data.get("failure_code", "")),
            failure_message=str(data.get("failure_message", "")),
        )

    async def charge(self, charge: Charge) -> ChargeResult:
        """Nothing is on file to take money from: the invoice stays open for staff to collect
        (and goes overdue like any other when it is not paid)."""
        return ChargeResult(ChargeOutcome.NOT_COLLECTED)


PROVIDERS: dict[str, PaymentProvider] = {p.name: p for p in (ManualProvider(),)}


def provider(name: str, field: str = "provider") -> PaymentProvider:
    found = PROVIDERS.get(name)
    if found is None:
        raise InvalidArgument.of(field, f"unknown payment provider (known: {', '.join(PROVIDERS)})")
    return found
