"""Catalogue and settings use cases."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from moodline_kit.errors import Conflict, InvalidArgument, NotFound

from billing.domain.catalog import CatalogService, StaffMember, new_service, new_staff_member
from billing.domain.money import is_currency
from billing.service_layer.value import UowFactory


async def get_currency(*, tenant_id: uuid.UUID, uow: UowFactory) -> str:
    async with uow() as work:
        return await work.settings.currency(tenant_id)


async def set_currency(*, tenant_id: uuid.UUID, currency: str, uow: UowFactory) -> str:
    """The tenant's currency; fixed once any amount was recorded (Conflict)."""
    if not is_currency(currency):
        raise InvalidArgument.of("currency", f"{currency!r} is not an ISO 4217 currency code")
    async with uow() as work:
        if currency != await work.settings.currency(tenant_id) and await work.settings.has_money(
            tenant_id
        ):
            raise Conflict("the currency is fixed once amounts are recorded")
        await work.settings.set_currency(tenant_id, currency)
        await work.commit()
    return currency


async def create_service(
    *,
    tenant_id: uuid.UUID,
    name: str,
    duration_minutes: int,
    price_minor: int,
    currency: str,
    uow: UowFactory,
) -> CatalogService:
    async with uow() as work:
        service = new_service(
            tenant_id=tenant_id,
            name=name,
            duration_minutes=duration_minutes,
            price_minor=price_minor,
            currency=currency,
            tenant_currency=await work.settings.currency(tenant_id),
            now=datetime.now(UTC),
        )
        await work.catalog.add_service(service)
        await work.commit()
    return service


async def get_service(
    *, tenant_id: uuid.UUID, service_id: uuid.UUID, uow: UowFactory
) -> CatalogService:
    async with uow() as work:
        found = await work.catalog.get_service(tenant_id, service_id)
    return NotFound.unless(found, f"service {service_id} not found")


async def list_services(*, tenant_id: uuid.UUID, uow: UowFactory) -> list[CatalogService]:
    async with uow() as work:
        return await work.catalog.list_services(tenant_id)


async def create_staff_member(
    *, tenant_id: uuid.UUID, name: str, colour: str, user_id: str, uow: UowFactory
) -> StaffMember:
    async with uow() as work:
        member = new_staff_member(
            tenant_id=tenant_id,
            name=name,
            colour=colour,
            user_id=user_id,
            existing=await work.catalog.count_staff(tenant_id),
            now=datetime.now(UTC),
        )
        await work.catalog.add_staff(member)
        await work.commit()
    return member


async def get_staff_member(
    *, tenant_id: uuid.UUID, staff_id: uuid.UUID, uow: UowFactory
) -> StaffMember:
    async with uow() as work:
        found = await work.catalog.get_staff(tenant_id, staff_id)
    return NotFound.unless(found, f"staff member {staff_id} not found")


async def list_staff(*, tenant_id: uuid.UUID, uow: UowFactory) -> list[StaffMember]:
    async with uow() as work:
        return await work.catalog.list_staff(tenant_id)
