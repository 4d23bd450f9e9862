"""Phone and email normalisation: phones to E.164 with `phonenumbers`, emails with
`email-validator` (syntax only; deliverability is not checked on write)."""

from __future__ import annotations

import re

import phonenumbers
from email_validator import EmailNotValidError, validate_email

MAX_EMAIL_LENGTH = 254
_PHONE_CHARS = re.compile(r"^[0-9+().\-\s/]+$")


class ContactError(ValueError):
    pass


def normalise_phone(raw: str, default_region: str) -> str:
    """E.164 for `raw`, reading numbers without a country code in `default_region`."""
    text = (raw or "").strip()
    if not text:
        raise ContactError("phone number is empty")
    if len(text) > 32:
        raise ContactError("phone number is too long")
    try:
        number = phonenumbers.parse(text, default_region.upper() or None)
    except phonenumbers.NumberParseException as exc:
        raise ContactError(f"not a phone number ({exc.args[0] if exc.args else exc})") from exc
    if not phonenumbers.is_valid_number(number):
        region = phonenumbers.region_code_for_number(number) or default_region.upper()
        raise ContactError(f"not a valid phone number for region {region}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_search_keys(e164: str) -> list[str]:
    """Digit strings under which a phone is found: with country code and national (both with
    and without a national trunk prefix), so '+44 7700', '07700' and '7700' all match."""
    number = phonenumbers.parse(e164, None)
    national = str(number.national_number)
    keys = [e164.lstrip("+"), national]
    with_prefix = re.sub(
        r"\D",
        "",
        phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL),
    )
    if with_prefix and with_prefix not in keys:
        keys.append(with_prefix)
    return keys


def looks_like_phone(query: str) -> bool:
    return bool(_PHONE_CHARS.match(query)) and sum(c.isdigit() for c in query) >= 3


def digits(query: str) -> str:
    return re.sub(r"\D", "", query)


def normalise_email(raw: str) -> str:
    text = (raw or "").strip()
    if not text:
        raise ContactError("email address is empty")
    if len(text) > MAX_EMAIL_LENGTH:
        raise ContactError("email address is too long")
    try:
        result = validate_email(text, check_deliverability=False)
    except EmailNotValidError as exc:
        raise ContactError(str(exc)) from exc
    return result.normalized.lower()


def valid_region(region: str) -> bool:
    return region.upper() in phonenumbers.SUPPORTED_REGIONS
