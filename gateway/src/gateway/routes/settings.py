"""/api/v1/custom-fields and /api/v1/settings/customers: per-tenant customer configuration."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from moodline.customer.v1 import customer_pb2

from gateway.auth import Principal
from gateway.deps import Upstreams, metadata, upstreams
from gateway.permissions import Permission, require
from gateway.schemas import (
    CustomFieldDefinitionList,
    CustomFieldDefinitionOut,
    CustomFieldIn,
    SettingsIn,
)

router = APIRouter(prefix="/api/v1", tags=["customer settings"])

can_read = require(Permission.SETTINGS_READ)
can_write = require(Permission.SETTINGS_WRITE)


def _definition(d: customer_pb2.CustomFieldDefinition) -> dict:
    return {"key": d.key, "label": d.label, "type": d.type, "options": list(d.options)}


@router.get("/custom-fields", response_model=CustomFieldDefinitionList)
async def list_custom_fields(
    who: Principal = Depends(can_read), up: Upstreams = Depends(upstreams)
) -> dict:
    found = await up.customers.ListCustomFieldDefinitions(
        customer_pb2.ListCustomFieldDefinitionsRequest(), metadata=metadata(who)
    )
    return {"items": [_definition(d) for d in found.definitions]}


@router.put("/custom-fields/{key}", response_model=CustomFieldDefinitionOut)
async def put_custom_field(
    key: str,
    body: CustomFieldIn,
    who: Principal = Depends(can_write),
    up: Upstreams = Depends(upstreams),
) -> dict:
    saved = await up.customers.UpsertCustomFieldDefinition(
        customer_pb2.CustomFieldDefinition(
            key=key, label=body.label, type=body.type, options=body.options
        ),
        metadata=metadata(who),
    )
    return _definition(saved)


def _settings(s: customer_pb2.TenantSettings) -> dict:
    return {
        "default_country": s.default_country,
        "high_value_ltv_minor": s.high_value_ltv_minor,
        "recent_days": s.recent_days,
        "inactive_days": s.inactive_days,
    }


@router.get("/settings/customers")
async def get_settings(
    who: Principal = Depends(can_read), up: Upstreams = Depends(upstreams)
) -> dict:
    return _settings(
        await up.customers.GetTenantSettings(
            customer_pb2.GetTenantSettingsRequest(), metadata=metadata(who)
        )
    )


@router.patch("/settings/customers")
async def update_settings(
    body: SettingsIn, who: Principal = Depends(can_write), up: Upstreams = Depends(upstreams)
) -> dict:
    return _settings(
        await up.customers.UpdateTenantSettings(
            customer_pb2.TenantSettings(**body.model_dump()), metadata=metadata(who)
        )
    )
