"""Subjects of the events this service publishes (`<service>.<entity>.<past-tense-verb>`)."""

CUSTOMER_CREATED = "customer.customer.created"
