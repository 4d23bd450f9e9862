"""Phone and email normalisation: phones to E.164 with `phonenumbers`, emails with
`email-validator` (syntax only; deliverability is not checked on write)."""

from __future__ import annotations

import functools
import re

import phonenumbers
from email_validator import SPECIAL_USE_DOMAIN_NAMES, EmailNotValidError, validate_email

MAX_EMAIL_LENGTH = 254
_PHONE_CHARS = re.compile(r"^[0-9+().\-\s/]+$")
# The plain ASCII address most rows hold: dot-separated atoms of letters, digits and _%+-,
# and a domain of letter/digit labels (inner hyphens, never two in a row) under an alphabetic
# top-level domain. email-validator accepts every such address (special-use domains aside)
# and normalises it to itself with the domain lower-cased; checking it here costs ~1 us
# instead of ~50 us, which matters when an import validates a million rows. Anything else
# goes through email-validator.
_PLAIN_EMAIL = re.compile(
    r"[a-z0-9_%+-]+(?:\.[a-z0-9_%+-]+)*@"
    r"(?:[a-z0-9](?:[a-z0-9]|-(?!-)){0,61}(?<!-)\.)+[a-z]{2,63}",
    re.ASCII,
)
_SPECIAL_USE = tuple(SPECIAL_USE_DOMAIN_NAMES)


class ContactError(ValueError):
    pass


def normalise_phone(raw: str, default_region: str) -> str:
    """E.164 for `raw`, reading numbers without a country code in `default_region`."""
    return phonenumbers.format_number(
        _parse_valid(raw, default_region), phonenumbers.PhoneNumberFormat.E164
    )


def phone_with_search_keys(raw: str, default_region: str) -> tuple[str, list[str]]:
    """`normalise_phone` and `phone_search_keys` of the result, parsing the number once. The
    answer for each distinct (text, region) is remembered (bounded): files repeat numbers."""
    answer = _phone_and_keys(raw, default_region)
    if isinstance(answer, str):
        raise ContactError(answer)
    e164, keys = answer
    return e164, list(keys)


@functools.lru_cache(maxsize=16384)
def _phone_and_keys(raw: str, default_region: str) -> tuple[str, tuple[str, ...]] | str:
    try:
        number = _parse_valid(raw, default_region)
    except ContactError as exc:
        return str(exc)
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return e164, tuple(_search_keys(number, e164))


def _parse_valid(raw: str, default_region: str) -> phonenumbers.PhoneNumber:
    text = (raw or "").strip()
    if not text:
        raise ContactError("phone number is empty")
    if len(text) > 32:
        raise ContactError("phone number is too long")
    try:
        number = phonenumbers.parse(text, default_region.upper() or None)
    except phonenumbers.NumberParseException as exc:
        raise ContactError(_PARSE_PROBLEMS.get(exc.error_type, _NOT_A_NUMBER)) from exc
    if not phonenumbers.is_valid_number(number):
        region = phonenumbers.region_code_for_number(number) or default_region.upper()
        raise ContactError(
            f"not a valid phone number in {region}: check the digits, or write it with + "
            "and the country code"
        )
    return number


# What staff read in a field error or an import preview, instead of the library's message.
_NOT_A_NUMBER = "not a phone number: write it in digits, e.g. (415) 555-0134"
_PARSE_PROBLEMS = {
    phonenumbers.NumberParseException.INVALID_COUNTRY_CODE: (
        "not a phone number: unknown country code (write it with + and a country code, or set "
        "the default country)"
    ),
    phonenumbers.NumberParseException.NOT_A_NUMBER: _NOT_A_NUMBER,
    phonenumbers.NumberParseException.TOO_SHORT_AFTER_IDD: "not a phone number: too few digits",
    phonenumbers.NumberParseException.TOO_SHORT_NSN: "not a phone number: too few digits",
    phonenumbers.NumberParseException.TOO_LONG: "not a phone number: too many digits",
}


def phone_search_keys(e164: str) -> list[str]:
    """Digit strings under which a phone is found: with country code and national (both with
    and without a national trunk prefix), so '+44 7700', '07700' and '7700' all match."""
    return _search_keys(phonenumbers.parse(e164, None), e164)


def _search_keys(number: phonenumbers.PhoneNumber, e164: str) -> list[str]:
    national = str(number.national_number)
    keys = [e164.lstrip("+"), national]
    if _national_format_is_plain(number.country_code):
        # The national format's digits are the national significant number: no formatting
        # pattern of the country adds a trunk prefix or other digits (e.g. the US, Canada).
        with_prefix = phonenumbers.national_significant_number(number)
    else:
        with_prefix = re.sub(
            r"\D",
            "",
            phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL),
        )
    if with_prefix and with_prefix not in keys:
        keys.append(with_prefix)
    return keys


_GROUP_REFERENCE = re.compile(r"\\(\d)")


@functools.cache
def _national_format_is_plain(country_code: int) -> bool:
    """Whether every national formatting pattern of the country writes exactly the digits of
    the national significant number (each group once, no literal digits, no national prefix
    rule adding any): then the national format need not be rendered (~7 us a number)."""
    region = phonenumbers.region_code_for_country_code(country_code)
    metadata = phonenumbers.PhoneMetadata.metadata_for_region_or_calling_code(country_code, region)
    if metadata is None:
        return False
    for pattern in metadata.number_format:
        groups = re.compile(pattern.pattern).groups
        rule = pattern.format or ""
        if sorted(int(g) for g in _GROUP_REFERENCE.findall(rule)) != list(range(1, groups + 1)):
            return False
        if any(ch.isdigit() for ch in _GROUP_REFERENCE.sub("", rule)):
            return False
        prefix_rule = pattern.national_prefix_formatting_rule or ""
        if any(ch.isdigit() for ch in _GROUP_REFERENCE.sub("", prefix_rule)):
            return False
        if prefix_rule and _GROUP_REFERENCE.findall(prefix_rule) != ["1"]:
            return False
    return True


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
    lowered = text.lower()
    if (
        _PLAIN_EMAIL.fullmatch(lowered)
        and lowered.index("@") <= 64
        and not any(
            lowered.endswith("." + name) or lowered.endswith("@" + name) for name in _SPECIAL_USE
        )
    ):
        return lowered
    try:
        result = validate_email(text, check_deliverability=False)
    except EmailNotValidError as exc:
        raise ContactError(str(exc)) from exc
    return result.normalized.lower()


def valid_region(region: str) -> bool:
    return region.upper() in phonenumbers.SUPPORTED_REGIONS
