"""Public JSON shapes of the billing routes (snake_case; unknown fields are refused). Money is
always `*_minor` (integer minor units) next to an ISO 4217 `currency`; amounts, currencies and
time ranges are validated by the billing service, whose 422 names the same fields."""

from __future__ import annotations

from typing import Annotated, Generic, Literal, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StrictInt

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


# ---------------------------------------------------------------------- responses
# Times are RFC 3339 UTC strings with microseconds ("2027-05-03T10:00:00.000000Z"), null when
# unset.
Time = Annotated[str | None, Field(json_schema_extra={"format": "date-time"})]


class Out(BaseModel):
    """A response shape: exactly these fields (a test holds every route's answers to it)."""

    model_config = ConfigDict(extra="forbid")


class BillingSettingsOut(Out):
    currency: str


class ServiceOut(Out):
    id: str
    status: Literal["active", "inactive"]
    name: str
    duration_minutes: int
    price_minor: int
    currency: str
    created_at: Time


class StaffOut(Out):
    id: str
    status: Literal["active", "inactive"]
    name: str
    colour: str
    user_id: str | None
    created_at: Time


class PartyMemberOut(Out):
    customer_id: str | None
    name: str
    share_minor: int


class BookingOut(Out):
    id: str
    status: Literal["requested", "confirmed", "completed", "cancelled", "no_show"]
    customer_id: str
    service_id: str | None
    service_name: str
    staff_id: str | None
    starts_at: Time
    ends_at: Time
    amount_minor: int
    currency: str
    party: list[PartyMemberOut]
    notes: str
    location: str
    cancellation_reason: str
    cancelled_at: Time
    created_at: Time
    updated_at: Time


class LineItemOut(Out):
    description: str
    quantity: int
    unit_price_minor: int
    total_minor: int


class InvoiceOut(Out):
    id: str
    status: Literal["draft", "open", "paid", "overdue", "void"]
    number: str | None
    customer_id: str
    booking_id: str | None
    quote_id: str | None
    subscription_id: str | None
    items: list[LineItemOut]
    subtotal_minor: int
    tax_minor: int
    total_minor: int
    amount_paid_minor: int
    amount_due_minor: int
    currency: str
    issued_at: Time
    due_at: Time
    paid_at: Time
    voided_at: Time
    void_reason: str
    created_at: Time


class QuoteOut(Out):
    id: str
    status: Literal["open", "converted", "declined"]
    number: str
    customer_id: str
    items: list[LineItemOut]
    subtotal_minor: int
    tax_minor: int
    total_minor: int
    currency: str
    valid_until: Time
    invoice_id: str | None
    created_at: Time


class OrderLineOut(LineItemOut):
    service_id: str | None


class OrderOut(Out):
    id: str
    status: Literal["placed", "paid", "cancelled", "refunded"]
    customer_id: str
    booking_id: str | None
    items: list[OrderLineOut]
    total_minor: int
    amount_paid_minor: int
    amount_due_minor: int
    currency: str
    paid_at: Time
    cancelled_at: Time
    created_at: Time
    updated_at: Time


class PaymentOut(Out):
    id: str
    status: Literal["succeeded", "failed", "refunded", "partially_refunded"]
    customer_id: str
    booking_id: str | None
    invoice_id: str | None
    order_id: str | None
    subscription_id: str | None
    amount_minor: int
    refunded_minor: int
    currency: str
    method: Literal["card", "cash", "transfer", "wallet", "other"]
    provider: str
    provider_payment_id: str
    failure_code: str
    failure_message: str
    created_at: Time
    updated_at: Time


class SubscriptionOut(Out):
    id: str
    status: Literal["active", "past_due", "cancelled"]
    customer_id: str
    plan_name: str
    price_minor: int
    currency: str
    interval: Literal["weekly", "monthly", "yearly"]
    started_at: Time
    current_period_end: Time
    cancel_at_period_end: bool
    cancelled_at: Time
    provider: str
    failed_charges: int
    next_charge_at: Time


class CustomerValueOut(Out):
    customer_id: str
    lifetime_value_minor: int
    currency: str
    bookings_count: int
    purchases_count: int
    average_order_value_minor: int
    total_paid_minor: int
    outstanding_minor: int
    overdue_invoices_count: int
    recent_failed_payments_count: int
    first_purchase_at: Time
    last_purchase_at: Time


class WebhookEndpointOut(Out):
    id: str
    status: Literal["active"]
    provider: str
    secret: str
    url: str
    headers: list[str]


class WebhookReceiptOut(Out):
    status: Literal["applied", "duplicate"]
    event_id: str
    payment: PaymentOut | None


T = TypeVar("T")


class BillingPage(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None
