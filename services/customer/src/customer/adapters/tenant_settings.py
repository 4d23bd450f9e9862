"""A tenant's settings: default country, segment thresholds, custom field definitions."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from customer.adapters.tables import custom_field_definitions, tenant_settings
from customer.domain.custom_fields import Definition, FieldType
from customer.domain.listing import Thresholds

DEFAULT_COUNTRY = "US"


class TenantSettingsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def default_country(self, tenant_id: uuid.UUID) -> str:
        value = await self._session.scalar(
            sa.select(tenant_settings.c.default_country).where(
                tenant_settings.c.tenant_id == tenant_id
            )
        )
        return value or DEFAULT_COUNTRY

    async def thresholds(self, tenant_id: uuid.UUID) -> Thresholds:
        t = tenant_settings.c
        row = (
            await self._session.execute(
                sa.select(t.high_value_ltv_minor, t.recent_days, t.inactive_days).where(
                    t.tenant_id == tenant_id
                )
            )
        ).first()
        return Thresholds(*row) if row else Thresholds()

    async def settings(self, tenant_id: uuid.UUID) -> tuple[str, Thresholds]:
        t = tenant_settings.c
        row = (
            await self._session.execute(
                sa.select(
                    t.default_country, t.high_value_ltv_minor, t.recent_days, t.inactive_days
                ).where(t.tenant_id == tenant_id)
            )
        ).first()
        if row is None:
            return DEFAULT_COUNTRY, Thresholds()
        return row[0], Thresholds(*row[1:])

    async def set_default_country(self, tenant_id: uuid.UUID, country: str) -> None:
        await self.update(tenant_id, {"default_country": country})

    async def update(self, tenant_id: uuid.UUID, values: dict[str, Any]) -> None:
        stmt = insert(tenant_settings).values(tenant_id=tenant_id, **values)
        await self._session.execute(
            stmt.on_conflict_do_update(
                index_elements=[tenant_settings.c.tenant_id],
                set_={**values, "updated_at": sa.func.now()},
            )
        )

    async def definitions(self, tenant_id: uuid.UUID) -> dict[str, Definition]:
        t = custom_field_definitions.c
        rows = await self._session.execute(
            sa.select(t.key, t.label, t.type, t.options)
            .where(t.tenant_id == tenant_id)
            .order_by(t.key)
        )
        return {
            key: Definition(key, label, FieldType(kind), tuple(options))
            for key, label, kind, options in rows
        }

    async def upsert_definition(self, tenant_id: uuid.UUID, definition: Definition) -> None:
        values = {
            "label": definition.label,
            "type": definition.type.value,
            "options": list(definition.options),
        }
        stmt = insert(custom_field_definitions).values(
            tenant_id=tenant_id, key=definition.key, **values
        )
        await self._session.execute(
            stmt.on_conflict_do_update(
                index_elements=[
                    custom_field_definitions.c.tenant_id,
                    custom_field_definitions.c.key,
                ],
                set_=values,
            )
        )
