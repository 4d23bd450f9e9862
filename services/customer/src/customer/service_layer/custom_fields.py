"""A tenant's custom field definitions, and typed filters on custom field values."""

from __future__ import annotations

import uuid

from moodline_kit.errors import (
    FieldViolation,
    InvalidArgument,
)

from customer.domain import custom_fields
from customer.domain.custom_fields import Definition
from customer.service_layer.handlers import UowFactory


async def list_definitions(*, tenant_id: uuid.UUID, uow: UowFactory) -> list[Definition]:
    async with uow() as work:
        return list((await work.tenants.definitions(tenant_id)).values())


async def upsert_definition(
    *,
    tenant_id: uuid.UUID,
    key: str,
    label: str,
    type_: str,
    options: list[str],
    uow: UowFactory,
) -> Definition:
    definition = custom_fields.define(key.strip(), label, type_.strip().lower(), options)
    async with uow() as work:
        existing = (await work.tenants.definitions(tenant_id)).get(definition.key)
        if existing is not None and existing.type is not definition.type:
            raise InvalidArgument.of("type", "the type of an existing field cannot change")
        await work.tenants.upsert_definition(tenant_id, definition)
        await work.commit()
    return definition


def custom_field_filter(
    raw: dict[str, str], definitions: dict[str, Definition]
) -> dict[str, object]:
    """Typed values for `custom_fields` equality filters (text in the request)."""
    violations: list[FieldViolation] = []
    out: dict[str, object] = {}
    for key, text in raw.items():
        definition = definitions.get(key)
        value: object = text
        if definition is not None:
            kind = definition.type
            if kind is custom_fields.FieldType.NUMBER:
                try:
                    value = float(text)
                    value = int(value) if value.is_integer() else value
                except ValueError:
                    value = text  # reported by validate_value
            elif kind is custom_fields.FieldType.CHECKBOX:
                value = {"true": True, "false": False}.get(text.lower(), text)
        out[key] = custom_fields.validate_value(definition, key, value, violations)
    if violations:
        raise InvalidArgument("invalid custom field filter", violations)
    return out
