"""What a GDPR erasure leaves of a customer's profile. Pure rules, no I/O."""

from __future__ import annotations

from datetime import datetime

from customer.domain.model import Customer

ERASED_NAME = "Erased"


def anonymise(customer: Customer, now: datetime) -> None:
    """Names, contacts, addresses, custom fields, tags and consents go; the record stays (its id,
    stage and dates: the tenant's statistics)."""
    customer.first_name = ERASED_NAME
    customer.last_name = ""
    customer.company = ""
    customer.phones = []
    customer.emails = []
    customer.addresses = []
    customer.preferred_contact_time = ""
    customer.custom_fields = {}
    customer.tags = []
    customer.consents = {}
    customer.updated_at = now
