"""Money: integer minor units + ISO 4217 code. No floats anywhere."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import pycountry
from moodline_kit.errors import FieldViolation

# Upper bound of one amount (10^13 minor units = 100 billion in a 2-decimal currency): far above
# any real booking, far below int64, so sums of many amounts never overflow.
MAX_AMOUNT_MINOR = 10**13


@cache
def is_currency(code: str) -> bool:
    """An active ISO 4217 code (upper case, e.g. "USD")."""
    return len(code) == 3 and code.isupper() and pycountry.currencies.get(alpha_3=code) is not None


@dataclass(frozen=True)
class Money:
    amount_minor: int
    currency: str


def check_amount(
    field: str,
    amount_minor: int,
    currency: str,
    *,
    tenant_currency: str,
    positive: bool = False,
) -> list[FieldViolation]:
    """Violations of one amount: sign and range, a known currency, the tenant's currency.
    `field` is the amount's field name; the currency is reported as its sibling `currency`."""
    out: list[FieldViolation] = []
    if positive and amount_minor <= 0:
        out.append(FieldViolation(field, "must be positive (integer minor units)"))
    elif amount_minor < 0:
        out.append(FieldViolation(field, "must not be negative (integer minor units)"))
    elif amount_minor > MAX_AMOUNT_MINOR:
        out.append(FieldViolation(field, f"must be at most {MAX_AMOUNT_MINOR}"))
    prefix = field.rsplit(".", 1)[0] + "." if "." in field else ""
    cur_field = f"{prefix}currency"
    if not is_currency(currency):
        out.append(FieldViolation(cur_field, f"{currency!r} is not an ISO 4217 currency code"))
    elif currency != tenant_currency:
        out.append(FieldViolation(cur_field, f"must be the business's currency {tenant_currency}"))
    return out
