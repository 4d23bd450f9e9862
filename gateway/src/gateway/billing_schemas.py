"""Public JSON shapes of the billing routes (snake_case; unknown fields are refused). Money is
always `*_minor` (integer minor units) next to an ISO 4217 `currency`; amounts, currencies and
time ranges are validated by the billing service, whose 422 names the same fields."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, Field, StrictInt

from gateway.schemas import Strict

Minor = StrictInt
Currency = Field(min_length=1, max_length=8, description="ISO 4217, the business's currency")
Id = Field(min_length=1, max_length=64)


class ServiceIn(Strict):
    name: str = Field(min_length=1, max_length=200)
    duration_minutes: StrictInt
    price_minor: Minor
    currency: str = Currency


class StaffIn(Strict):
    name: str = Field(min_length=1, max_length=200)
    colour: str = Field(default="", max_length=7, description="#rrggbb; empty: one is picked")
    user_id: str = Field(default="", max_length=64)


class PartyMemberIn(Strict):
    customer_id: str | None = Field(default=None, max_length=64)
    name: str = Field(default="", max_length=200)
    share_minor: Minor = 0


class BookingIn(Strict):
    customer_id: str = Id
    service_id: str | None = Field(default=None, max_length=64)
    staff_id: str | None = Field(default=None, max_length=64)
    starts_at: AwareDatetime
    ends_at: AwareDatetime | None = Field(
        default=None, description="default: + the service's duration"
    )
    amount_minor: Minor | None = Field(default=None, description="default: the service's price")
    currency: str = Currency
    party: list[PartyMemberIn] = Field(default_factory=list, max_length=50)
    notes: str = Field(default="", max_length=2000)
    location: str = Field(default="", max_length=200)
    confirm: bool = False


class BookingPatch(Strict):
    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime | None = None
    staff_id: str | None = Field(default=None, max_length=64)
    service_id: str | None = Field(default=None, max_length=64)
    amount_minor: Minor | None = None
    party: list[PartyMemberIn] | None = Field(default=None, max_length=50)
    notes: str | None = Field(default=None, max_length=2000)
    location: str | None = Field(default=None, max_length=200)


class ReasonIn(Strict):
    reason: str = Field(default="", max_length=2000)


class LineItemIn(Strict):
    description: str = Field(min_length=1, max_length=500)
    quantity: StrictInt = 1
    unit_price_minor: Minor


class InvoiceIn(Strict):
    customer_id: str = Id
    items: list[LineItemIn] = Field(min_length=1, max_length=100)
    currency: str = Currency
    tax_minor: Minor = 0
    due_at: AwareDatetime | None = Field(default=None, description="default: 14 days from now")
    booking_id: str | None = Field(default=None, max_length=64)
    draft: bool = False


class QuoteIn(Strict):
    customer_id: str = Id
    items: list[LineItemIn] = Field(min_length=1, max_length=100)
    currency: str = Currency
    tax_minor: Minor = 0
    valid_until: AwareDatetime | None = None


class ConvertIn(Strict):
    due_at: AwareDatetime | None = None


class OrderLineIn(Strict):
    service_id: str = Field(
        min_length=1, max_length=64, description="a catalogue service (its name and price)"
    )
    quantity: StrictInt = 1


class OrderIn(Strict):
    customer_id: str = Id
    items: list[OrderLineIn] = Field(min_length=1, max_length=100)
    booking_id: str | None = Field(default=None, max_length=64)


class PaymentIn(Strict):
    customer_id: str = Id
    amount_minor: Minor
    currency: str = Currency
    method: Literal["card", "cash", "transfer", "wallet", "other"]
    booking_id: str | None = Field(default=None, max_length=64)
    invoice_id: str | None = Field(default=None, max_length=64)
    order_id: str | None = Field(default=None, max_length=64)
    status: Literal["succeeded", "failed"] = "succeeded"
    failure_code: str = Field(default="", max_length=100)
    failure_message: str = Field(default="", max_length=500)


class RefundIn(Strict):
    amount_minor: Minor | None = Field(default=None, description="default: all not yet refunded")
    reason: str = Field(default="", max_length=2000)


class SubscriptionIn(Strict):
    customer_id: str = Id
    plan_name: str = Field(min_length=1, max_length=200)
    price_minor: Minor
    currency: str = Currency
    interval: Literal["weekly", "monthly", "yearly"]
    start_at: AwareDatetime | None = None
    provider: str = Field(
        default="manual", max_length=64, description="the payment provider charging renewals"
    )


class SubscriptionCancelIn(Strict):
    at_period_end: bool = False
    reason: str = Field(default="", max_length=2000)


class BillingSettingsIn(Strict):
    currency: str = Currency
