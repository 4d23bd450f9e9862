"""Contact keys of the contact -> customer mapping, computed exactly as the customer service
normalises contacts (customer/domain/contacts.py), so a key found here is the contact the customer
service would look up.

- phone: E.164 via `phonenumbers`, numbers without a country code read in the tenant's default
  country (a number written with `+` does not depend on it);
- email: stripped and lower-cased. The customer service stores `email-validator`'s normalised
  form lower-cased, which for any address it accepts is the same string; an address that differs
  only in Unicode normalisation merely misses the mapping and is resolved over gRPC.

None means "cannot tell here": the message goes to ResolveCustomer, which reports the error.
"""

from __future__ import annotations

from functools import lru_cache

import phonenumbers

from conversation.domain.model import Contact, ContactKind

MAX_PHONE_CHARS = 32


def needs_region(contact: Contact) -> bool:
    """Whether the key depends on the tenant's default country."""
    return contact.kind is ContactKind.PHONE and not contact.value.strip().startswith("+")


def contact_key(contact: Contact, default_region: str) -> tuple[str, str] | None:
    value = contact.value.strip()
    if not value:
        return None
    if contact.kind is ContactKind.EMAIL:
        return ("email", value.lower()) if "@" in value else None
    if contact.kind is ContactKind.PHONE:
        e164 = normalise_phone(value, default_region.upper())
        return ("phone", e164) if e164 else None
    return None


@lru_cache(maxsize=65_536)
def normalise_phone(text: str, region: str) -> str | None:
    if len(text) > MAX_PHONE_CHARS:
        return None
    try:
        number = phonenumbers.parse(text, region or None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
