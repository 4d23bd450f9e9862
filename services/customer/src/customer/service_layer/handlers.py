"""Use cases. Keyword-only, one unit of work each; no SQL and no protobuf parsing here."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from moodline.events.v1 import subjects
from moodline_kit.errors import DomainError, FieldViolation, InvalidArgument, NotFound
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
        await _add_new(work, [customer])
        await work.commit()
    return customer


@dataclass(frozen=True)
class ResolveCustomer:
    tenant_id: uuid.UUID
    phone: str = ""
    email: str = ""
    display_name: str = ""


@dataclass(frozen=True)
class ContactToResolve:
    phone: str = ""
    email: str = ""
    display_name: str = ""


@dataclass(frozen=True)
class ResolveCustomers:
    tenant_id: uuid.UUID
    contacts: tuple[ContactToResolve, ...]


MAX_RESOLVE_BATCH = 500
Resolved = tuple[Customer, bool]


async def resolve_customer(*, command: ResolveCustomer, uow: UowFactory) -> Resolved:
    """The customer owning the phone/email, or a new Prospect; (customer, created). A batch of
    one: the single call and the batch resolve alike by construction."""
    contact = ContactToResolve(command.phone, command.email, command.display_name)
    (answer,) = await resolve_customers(
        command=ResolveCustomers(command.tenant_id, (contact,)), uow=uow
    )
    if isinstance(answer, DomainError):
        raise answer
    return answer


async def resolve_customers(
    *, command: ResolveCustomers, uow: UowFactory
) -> list[Resolved | DomainError]:
    """Each contact's (customer, created), in one transaction: every contact locked as a single
    resolve locks it (one statement, one order), the owners found in one statement per kind,
    the new Prospects written together. A contact repeated in the batch (as written or once
    normalised) is answered by its first, created only there; one a single resolve would refuse
    is its own error, the others resolved all the same."""
    tenant_id, asked = command.tenant_id, command.contacts
    if not 1 <= len(asked) <= MAX_RESOLVE_BATCH:
        raise InvalidArgument.of("contacts", f"must hold 1 to {MAX_RESOLVE_BATCH} contacts")
    answers: list[Resolved | DomainError | None] = [None] * len(asked)
    async with uow() as work:
        region = (
            await work.tenants.default_country(tenant_id) if any(a.phone for a in asked) else ""
        )
        keys: list[tuple[str, str] | None] = []
        for i, contact in enumerate(asked):
            try:
                keys.append(_normalised(contact, region))
            except InvalidArgument as exc:
                answers[i] = exc
                keys.append(None)
        wanted = list(dict.fromkeys(k for k in keys if k is not None))
        if wanted:
            await work.customers.lock_contacts(tenant_id, [value for _, value in wanted])
        owners = await work.customers.find_by_contacts(tenant_id, wanted) if wanted else {}
        new: list[Customer] = []
        for i, (contact, key) in enumerate(zip(asked, keys, strict=True)):
            if key is None:
                continue
            owner = owners.get(key)
            if owner is not None:
                answers[i] = (owner, False)
                continue
            try:
                owner = _prospect(tenant_id, key, contact.display_name)
            except InvalidArgument as exc:
                answers[i] = exc
                continue
            owners[key] = owner
            new.append(owner)
            answers[i] = (owner, True)
        if new:
            await _add_new(work, new)
            await work.commit()
    assert all(a is not None for a in answers)
    return answers  # type: ignore[return-value]


def _normalised(contact: ContactToResolve, region: str) -> tuple[str, str]:
    """("phone", E.164) or ("email", normalised address); InvalidArgument naming the field."""
    if bool(contact.phone) == bool(contact.email):
        raise InvalidArgument.of("phone", "give exactly one of phone or email")
    try:
        if contact.phone:
            return "phone", contacts.normalise_phone(contact.phone, region)
        return "email", contacts.normalise_email(contact.email)
    except contacts.ContactError as exc:
        raise InvalidArgument.of("phone" if contact.phone else "email", str(exc)) from exc


def _prospect(tenant_id: uuid.UUID, key: tuple[str, str], display_name: str) -> Customer:
    kind, value = key
    name = (" ".join(display_name.split()) or value)[: model.MAX_NAME_LENGTH]
    return create_customer(
        tenant_id=tenant_id,
        first_name=name,
        phones=[(value, True)] if kind == "phone" else [],
        emails=[(value, True)] if kind == "email" else [],
        default_region="",
    )


async def _add_new(work: CustomerUnitOfWork, new: Sequence[Customer]) -> None:
    """New customers of one tenant: rows, contacts, first timeline entries and stages, their
    customer.customer.created events; a few statements whatever their number."""
    await work.customers.add_many(new)
    await work.customers.add_timeline_many(
        new[0].tenant_id,
        [(customer.id, customer.created_at) for customer in new],
        kind="profile",
        type=subjects.CUSTOMER_CUSTOMER_CREATED,
        summary="Customer created (Prospect)",
    )
    await lifecycle.record_initial_stages(work, new)
    for customer in new:
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
