"""Profile use cases: update (optimistic concurrency), tags, delete; the loading and storing
the other customer use cases share."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from moodline.events.v1 import subjects
from moodline_kit.errors import (
    FieldViolation,
    InvalidArgument,
    NotFound,
    PreconditionFailed,
)
from moodline_kit.events import Event

from customer.adapters import events
from customer.adapters.visibility import current_visibility
from customer.domain.model import Customer
from customer.domain.profile import ProfileChanges, apply_changes, normalise_tags
from customer.service_layer import lifecycle
from customer.service_layer.handlers import UowFactory, parse_customer_id
from customer.service_layer.unit_of_work import CustomerUnitOfWork

log = logging.getLogger(__name__)


def customer_event(customer: Customer, subject: str, payload) -> Event:  # type: ignore[no-untyped-def]
    return Event(
        subject=subject,
        tenant_id=customer.tenant_id,
        aggregate_id=str(customer.id),
        payload=payload,
    )


async def load_for_update(
    work: CustomerUnitOfWork, tenant_id: uuid.UUID, customer_id: str, *, full: bool = False
) -> Customer:
    customer = await work.customers.get(
        tenant_id, parse_customer_id(customer_id), for_update=True, full=full
    )
    return NotFound.unless(customer, f"customer {customer_id} not found")


async def store(
    work: CustomerUnitOfWork,
    customer: Customer,
    *,
    expected_version: int | None,
    contacts_changed: bool = False,
) -> None:
    customer.updated_at = datetime.now(UTC)
    if not await work.customers.save(
        customer, expected_version=expected_version, contacts_changed=contacts_changed
    ):
        raise PreconditionFailed(
            f"customer {customer.id} changed since version {expected_version}; re-read it"
        )


@dataclass(frozen=True)
class UpdateCustomer:
    tenant_id: uuid.UUID
    customer_id: str
    expected_version: int | None
    changes: ProfileChanges


async def check_folder(work: CustomerUnitOfWork, tenant_id: uuid.UUID, folder: str) -> None:
    """A customer may be put only into an existing folder the caller may see."""
    if folder and not await work.folders.exists(tenant_id, folder):
        raise InvalidArgument.of("folder", f"unknown folder {folder!r} (see ListFolders)")
    visibility = current_visibility()
    if visibility is not None and not visibility.allows_folder(folder):
        raise InvalidArgument.of("folder", "not a folder you may use")


async def update_customer(*, command: UpdateCustomer, uow: UowFactory) -> Customer:
    async with uow() as work:
        region = await work.tenants.default_country(command.tenant_id)
        definitions = await work.tenants.definitions(command.tenant_id)
        customer = await load_for_update(work, command.tenant_id, command.customer_id, full=True)
        if command.expected_version is not None and customer.version != command.expected_version:
            raise PreconditionFailed(
                f"customer {customer.id} is at version {customer.version}, "
                f"not {command.expected_version}; re-read it"
            )
        before = replace(customer, tags=list(customer.tags))
        changed = apply_changes(
            customer, command.changes, default_region=region, definitions=definitions
        )
        if not changed:
            return customer
        if "folder" in changed:
            await check_folder(work, command.tenant_id, customer.folder)
        await lifecycle.reevaluate(work, customer)
        await store(
            work,
            customer,
            expected_version=command.expected_version,
            contacts_changed=bool({"phones", "emails"} & set(changed)),
        )
        emit_changes(work, before, customer, changed)
        await work.customers.add_timeline(
            customer.tenant_id,
            customer.id,
            kind="profile",
            type=subjects.CUSTOMER_CUSTOMER_UPDATED,
            summary="Profile updated: " + ", ".join(changed),
            data={"fields": changed},
        )
        await work.commit()
    return customer


def emit_changes(
    work: CustomerUnitOfWork, before: Customer, after: Customer, changed: list[str]
) -> None:
    work.emit(
        customer_event(
            after,
            subjects.CUSTOMER_CUSTOMER_UPDATED,
            events.customer_updated(after, changed),
        )
    )
    if "folder" in changed:
        work.emit(
            customer_event(
                after,
                subjects.CUSTOMER_FOLDER_CHANGED,
                events.folder_changed(before, after),
            )
        )
    if "call_status" in changed:
        work.emit(
            customer_event(
                after,
                subjects.CUSTOMER_STATUS_CHANGED,
                events.status_changed(before, after),
            )
        )
    if "tags" in changed:
        for tag in [t for t in after.tags if t not in before.tags]:
            work.emit(
                customer_event(
                    after,
                    subjects.CUSTOMER_TAG_ADDED,
                    events.tag_added(after, tag),
                )
            )
        for tag in [t for t in before.tags if t not in after.tags]:
            work.emit(
                customer_event(
                    after,
                    subjects.CUSTOMER_TAG_REMOVED,
                    events.tag_removed(after, tag),
                )
            )


async def modify_tags(
    *, tenant_id: uuid.UUID, customer_id: str, add: list[str], remove: list[str], uow: UowFactory
) -> Customer:
    violations: list[FieldViolation] = []
    add = normalise_tags(add, "add", violations)
    remove = normalise_tags(remove, "remove", violations)
    if violations:
        raise InvalidArgument("invalid tags", violations)
    async with uow() as work:
        customer = await load_for_update(work, tenant_id, customer_id, full=True)
        tags = [t for t in customer.tags if t not in remove]
        tags += [t for t in add if t not in tags]
        return await _apply_simple(
            work, customer, ProfileChanges({"tags": tags}), expected_version=None
        )


async def _apply_simple(
    work: CustomerUnitOfWork,
    customer: Customer,
    changes: ProfileChanges,
    *,
    expected_version: int | None,
) -> Customer:
    before = replace(customer, tags=list(customer.tags))
    changed = apply_changes(customer, changes, default_region="", definitions={})
    if changed:
        await store(work, customer, expected_version=expected_version)
        emit_changes(work, before, customer, changed)
        await work.customers.add_timeline(
            customer.tenant_id,
            customer.id,
            kind="profile",
            type=subjects.CUSTOMER_CUSTOMER_UPDATED,
            summary="Profile updated: " + ", ".join(changed),
            data={"fields": changed},
        )
        await work.commit()
    return customer


async def delete_customer(
    *,
    tenant_id: uuid.UUID,
    customer_id: str,
    expected_version: int | None,
    confirm: bool,
    uow: UowFactory,
) -> None:
    if not confirm:
        raise InvalidArgument.of("confirm", "deleting a customer is irreversible; confirm it")
    ident = parse_customer_id(customer_id)
    async with uow() as work:
        if not await work.customers.exists(tenant_id, ident):
            raise NotFound(f"customer {customer_id} not found")
        if not await work.customers.delete(tenant_id, ident, expected_version):
            raise PreconditionFailed(
                f"customer {customer_id} changed since version {expected_version}; re-read it"
            )
        work.emit(
            Event(
                subject=subjects.CUSTOMER_CUSTOMER_DELETED,
                tenant_id=tenant_id,
                aggregate_id=str(ident),
                payload=events.customer_deleted(ident),
            )
        )
        await work.commit()
