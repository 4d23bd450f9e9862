"""Message templates: text with `{{customer.first_name}}`-style placeholders, filled from a flat
mapping of allowed names. Shared by the conversation service (outbound messages) and the
automation service (task titles, dry runs), so both accept exactly the same placeholders."""

from __future__ import annotations

import re
from collections.abc import Mapping

from moodline_kit.errors import InvalidArgument

PLACEHOLDER = re.compile(r"{{\s*([a-zA-Z_][a-zA-Z0-9_.]*)\s*}}")


def placeholders(template: str) -> list[str]:
    return PLACEHOLDER.findall(template)


def unknown_placeholders(template: str, known: Mapping[str, object]) -> list[str]:
    return [
        name
        for name in placeholders(template)
        if name not in known and not name.startswith("customer.custom.")
    ]


def render(template: str, values: Mapping[str, object], *, field: str = "template") -> str:
    """Fill every placeholder; an unknown one fails with InvalidArgument naming `field`.
    `customer.custom.<key>` reads a custom field and is empty when the customer has none."""
    unknown = unknown_placeholders(template, values)
    if unknown:
        raise InvalidArgument.of(field, f"unknown placeholder {{{{{unknown[0]}}}}}")

    def fill(match: re.Match[str]) -> str:
        value = values.get(match.group(1))
        return "" if value is None else str(value)

    return PLACEHOLDER.sub(fill, template)


def customer_values(customer: object) -> dict[str, object]:
    """The placeholders a `moodline.customer.v1.Customer` fills (see the services' READMEs)."""
    c = customer  # a customer_pb2.Customer; typed loosely so the kit needs no service import
    emails = list(c.emails)  # type: ignore[attr-defined]
    phones = list(c.phones)  # type: ignore[attr-defined]
    email = next((e.address for e in emails if e.primary), emails[0].address if emails else "")
    phone = next((p.number for p in phones if p.primary), phones[0].number if phones else "")
    first, last = c.first_name, c.last_name  # type: ignore[attr-defined]
    values: dict[str, object] = {
        "customer.id": c.id,  # type: ignore[attr-defined]
        "customer.first_name": first,
        "customer.last_name": last,
        "customer.full_name": " ".join(p for p in (first, last) if p),
        "customer.company": c.company,  # type: ignore[attr-defined]
        "customer.email": email,
        "customer.phone": phone,
        "customer.lifecycle_stage": c.lifecycle_stage,  # type: ignore[attr-defined]
        "customer.preferred_channel": c.preferred_channel,  # type: ignore[attr-defined]
        "customer.language": c.language,  # type: ignore[attr-defined]
        "customer.folder": c.folder,  # type: ignore[attr-defined]
        "customer.call_status": c.call_status,  # type: ignore[attr-defined]
        "customer.tags": ", ".join(c.tags),  # type: ignore[attr-defined]
        "customer.sentiment": c.sentiment.label,  # type: ignore[attr-defined]
    }
    for key, value in c.custom_fields.items():  # type: ignore[attr-defined]
        values[f"customer.custom.{key}"] = value
    return values
