"""Use cases. Keyword-only, one unit of work each; no SQL and no protobuf parsing here."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from moodline.events.v1 import subjects
from moodline_kit.errors import FieldViolation, InvalidArgument, NotFound
from moodline_kit.events import Event
from moodline_kit.ids import existing_id

from customer.adapters import events
from customer.domain import contacts, model
from customer.domain.listing import Thresholds
from customer.domain.model import Customer, create_customer
from customer.service_layer import lifecycle
from customer.service_layer.unit_of_work import CustomerUnitOfWork

UowFactory = Callable[[], CustomerUnitOfWork]


@dataclass(frozen=True)
class CreateCustomer:
    tenant_id: uuid.UUID
    first_name: str
    last_name: str = ""
    company: str = ""
    phones: tuple[tuple[str, bool], ...] = ()
    emails: tuple[tuple[str, bool], ...] = ()


async def create_customer_handler(*, command: CreateCustomer, uow: UowFactory) -> Customer:
    async with uow() as work:
        region = await work.tenants.default_country(command.tenant_id)
        customer = create_customer(
            tenant_id=command.tenant_id,
            first_name=command.first_name,
            last_name=command.last_name,
            company=command.company,
            phones=list(command.phones),
            emails=list(command.emails),
            default_region=region,
        )
        await _add_new(work, customer)
        await work.commit()
    return customer


@dataclass(frozen=True)
class ResolveCustomer:
    tenant_id: uuid.UUID
    phone: str = ""
    email: str = ""
    display_name: str = ""


async def resolve_customer(*, command: ResolveCustomer, uow: UowFactory) -> tuple[Customer, bool]:
    """The customer owning the phone/email, or a new Prospect; (customer, created)."""
    if bool(command.phone) == bool(command.email):
        raise InvalidArgument.of("phone", "give exactly one of phone or email")
    async with uow() as work:
        if command.phone:
            region = await work.tenants.default_country(command.tenant_id)
            try:
                contact = contacts.normalise_phone(command.phone, region)
            except contacts.ContactError as exc:
                raise InvalidArgument.of("phone", str(exc)) from exc
        else:
            try:
                contact = contacts.normalise_email(command.email)
            except contacts.ContactError as exc:
                raise InvalidArgument.of("email", str(exc)) from exc
        await work.customers.lock_contact(command.tenant_id, contact)
        found = await (
            work.customers.find_by_phone(command.tenant_id, contact)
            if command.phone
            else work.customers.find_by_email(command.tenant_id, contact)
        )
        if found is not None:
            return found, False
        name = (" ".join(command.display_name.split()) or contact)[: model.MAX_NAME_LENGTH]
        customer = create_customer(
            tenant_id=command.tenant_id,
            first_name=name,
            phones=[(contact, True)] if command.phone else [],
            emails=[(contact, True)] if command.email else [],
            default_region="",
        )
        await _add_new(work, customer)
        await work.commit()
    return customer, True


async def _add_new(work: CustomerUnitOfWork, customer: Customer) -> None:
    await work.customers.add(customer)
    await work.customers.add_timeline(
        customer.tenant_id,
        customer.id,
        kind="profile",
        type=subjects.CUSTOMER_CUSTOMER_CREATED,
        summary="Customer created (Prospect)",
        occurred_at=customer.created_at,
    )
    await lifecycle.record_initial_stage(work, customer)
    work.emit(_created(customer))


def _created(customer: Customer) -> Event:
    return Event(
        subject=subjects.CUSTOMER_CUSTOMER_CREATED,
        tenant_id=customer.tenant_id,
        aggregate_id=str(customer.id),
        payload=events.customer_created(customer),
        occurred_at=customer.created_at,
    )


def parse_customer_id(value: str) -> uuid.UUID:
    return existing_id(value, what="customer")


async def get_customer(*, tenant_id: uuid.UUID, customer_id: str, uow: UowFactory) -> Customer:
    ident = parse_customer_id(customer_id)
    async with uow() as work:
        customer = await work.customers.get(tenant_id, ident)
    return NotFound.unless(customer, f"customer {customer_id} not found")


async def get_settings(*, tenant_id: uuid.UUID, uow: UowFactory) -> tuple[str, Thresholds]:
    async with uow() as work:
        return await work.tenants.settings(tenant_id)


async def update_settings(
    *,
    tenant_id: uuid.UUID,
    country: str,
    high_value_ltv_minor: int,
    recent_days: int,
    inactive_days: int,
    uow: UowFactory,
) -> tuple[str, Thresholds]:
    values: dict[str, object] = {}
    violations = []
    if country:
        region = country.strip().upper()
        if not contacts.valid_region(region):
            violations.append(FieldViolation("default_country", f"unknown region {country!r}"))
        values["default_country"] = region
    for name, value, top in (
        ("high_value_ltv_minor", high_value_ltv_minor, 10**12),
        ("recent_days", recent_days, 3650),
        ("inactive_days", inactive_days, 3650),
    ):
        if value < 0 or value > top:
            violations.append(FieldViolation(name, f"must be between 1 and {top}"))
        elif value:
            values[name] = value
    if violations:
        raise InvalidArgument("invalid tenant settings", violations)
    async with uow() as work:
        if values:
            await work.tenants.update(tenant_id, values)
        result = await work.tenants.settings(tenant_id)
        await work.commit()
    return result


async def get_default_country(*, tenant_id: uuid.UUID, uow: UowFactory) -> str:
    async with uow() as work:
        return await work.tenants.default_country(tenant_id)


async def set_default_country(*, tenant_id: uuid.UUID, country: str, uow: UowFactory) -> str:
    region = country.strip().upper()
    if not contacts.valid_region(region):
        raise InvalidArgument.of("default_country", f"unknown region {country!r}")
    async with uow() as work:
        await work.tenants.set_default_country(tenant_id, region)
        await work.commit()
    return region
