"""Subjects this service publishes (`loyalty.<entity>.<past-tense-verb>`) and consumes."""

ENROLMENT_CREATED = "loyalty.enrolment.created"
ENROLMENT_REMOVED = "loyalty.enrolment.removed"
ENROLMENT_EXPIRED = "loyalty.enrolment.expired"
BALANCE_ADJUSTED = "loyalty.balance.adjusted"

PAYMENT_SUCCEEDED = "billing.payment.succeeded"
PAYMENT_REFUNDED = "billing.payment.refunded"
BOOKING_COMPLETED = "billing.booking.completed"
CUSTOMER_DELETED = "customer.customer.deleted"
