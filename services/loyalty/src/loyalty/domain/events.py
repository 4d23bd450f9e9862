"""Subjects this service publishes and consumes (constants generated from protos/)."""

from moodline.events.v1.subjects import (
    BILLING_BOOKING_COMPLETED as BOOKING_COMPLETED,
)
from moodline.events.v1.subjects import (
    BILLING_PAYMENT_REFUNDED as PAYMENT_REFUNDED,
)
from moodline.events.v1.subjects import (
    BILLING_PAYMENT_SUCCEEDED as PAYMENT_SUCCEEDED,
)
from moodline.events.v1.subjects import (
    CUSTOMER_CUSTOMER_DELETED as CUSTOMER_DELETED,
)
from moodline.events.v1.subjects import (
    CUSTOMER_CUSTOMERS_IMPORTED as CUSTOMERS_IMPORTED,
)
from moodline.events.v1.subjects import (
    LOYALTY_BALANCE_ADJUSTED as BALANCE_ADJUSTED,
)
from moodline.events.v1.subjects import (
    LOYALTY_ENROLMENT_CREATED as ENROLMENT_CREATED,
)
from moodline.events.v1.subjects import (
    LOYALTY_ENROLMENT_EXPIRED as ENROLMENT_EXPIRED,
)
from moodline.events.v1.subjects import (
    LOYALTY_ENROLMENT_REMOVED as ENROLMENT_REMOVED,
)

__all__ = [
    "BALANCE_ADJUSTED",
    "BOOKING_COMPLETED",
    "CUSTOMERS_IMPORTED",
    "CUSTOMER_DELETED",
    "ENROLMENT_CREATED",
    "ENROLMENT_EXPIRED",
    "ENROLMENT_REMOVED",
    "PAYMENT_REFUNDED",
    "PAYMENT_SUCCEEDED",
]
