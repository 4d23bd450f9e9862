"""Profile use cases: update (optimistic concurrency), delete, tags, consent, notes, relations,
custom field definitions, list, stats, timeline."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from moodline.customer.v1 import customer_pb2
from moodline.events.v1 import customer_pb2 as customer_events
from moodline.events.v1 import subjects
from moodline_kit.errors import (
    FieldViolation,
    InvalidArgument,
    NotFound,
    PreconditionFailed,
)
from moodline_kit.events import Event
from moodline_kit.ids import as_uuid

from customer.adapters.proto import customer_to_proto
from customer.adapters.repository import ConsentRecord, Note, Page, Stats, TimelineEntry
from customer.adapters.visibility import current_visibility
from customer.domain import custom_fields
from customer.domain.custom_fields import Definition
from customer.domain.listing import ListQuery, Segment, Thresholds
from customer.domain.model import Customer
from customer.domain.profile import CONSENT_KINDS, ProfileChanges, apply_changes, normalise_tags
from customer.service_layer import lifecycle
from customer.service_layer.handlers import UowFactory, parse_customer_id
from customer.service_layer.unit_of_work import CustomerUnitOfWork

log = logging.getLogger(__name__)
MAX_PAGE_SIZE = 200
DEFAULT_PAGE_SIZE = 50
MAX_QUERY_LENGTH = 200
MAX_NOTE_LENGTH = 10_000
# Searches conversation content: (tenant, query) -> customer ids; may raise (then skipped).
MessageSearch = Callable[[uuid.UUID, str], Awaitable[list[str]]]


def _event(customer: Customer, subject: str, payload) -> Event:  # type: ignore[no-untyped-def]
    return Event(
        subject=subject,
        tenant_id=customer.tenant_id,
        aggregate_id=str(customer.id),
        payload=payload,
    )


async def _load(
    work: CustomerUnitOfWork, tenant_id: uuid.UUID, customer_id: str, *, full: bool = False
) -> Customer:
    customer = await work.customers.get(
        tenant_id, parse_customer_id(customer_id), for_update=True, full=full
    )
    if customer is None:
        raise NotFound(f"customer {customer_id} not found")
    return customer


async def _store(
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
        customer = await _load(work, command.tenant_id, command.customer_id, full=True)
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
        await _store(
            work,
            customer,
            expected_version=command.expected_version,
            contacts_changed=bool({"phones", "emails"} & set(changed)),
        )
        _emit_changes(work, before, customer, changed)
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


def _emit_changes(
    work: CustomerUnitOfWork, before: Customer, after: Customer, changed: list[str]
) -> None:
    work.emit(
        _event(
            after,
            subjects.CUSTOMER_CUSTOMER_UPDATED,
            customer_events.CustomerUpdated(
                customer=customer_to_proto(after), changed_fields=changed
            ),
        )
    )
    cid = str(after.id)
    if "folder" in changed:
        work.emit(
            _event(
                after,
                subjects.CUSTOMER_FOLDER_CHANGED,
                customer_events.CustomerFolderChanged(
                    customer_id=cid, from_folder=before.folder, to_folder=after.folder
                ),
            )
        )
    if "call_status" in changed:
        work.emit(
            _event(
                after,
                subjects.CUSTOMER_STATUS_CHANGED,
                customer_events.CustomerStatusChanged(
                    customer_id=cid, from_status=before.call_status, to_status=after.call_status
                ),
            )
        )
    if "tags" in changed:
        for tag in [t for t in after.tags if t not in before.tags]:
            work.emit(
                _event(
                    after,
                    subjects.CUSTOMER_TAG_ADDED,
                    customer_events.CustomerTagAdded(customer_id=cid, tag=tag),
                )
            )
        for tag in [t for t in before.tags if t not in after.tags]:
            work.emit(
                _event(
                    after,
                    subjects.CUSTOMER_TAG_REMOVED,
                    customer_events.CustomerTagRemoved(customer_id=cid, tag=tag),
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
        customer = await _load(work, tenant_id, customer_id, full=True)
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
        await _store(work, customer, expected_version=expected_version)
        _emit_changes(work, before, customer, changed)
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
                payload=customer_events.CustomerDeleted(customer_id=str(ident)),
            )
        )
        await work.commit()


async def record_consent(
    *,
    tenant_id: uuid.UUID,
    customer_id: str,
    kind: str,
    granted: bool,
    source: str,
    uow: UowFactory,
) -> Customer:
    kind = kind.strip().lower()
    if kind not in CONSENT_KINDS:
        raise InvalidArgument.of("kind", f"must be one of: {', '.join(CONSENT_KINDS)}")
    if len(source) > 200:
        raise InvalidArgument.of("source", "must be at most 200 characters")
    now = datetime.now(UTC)
    async with uow() as work:
        customer = await _load(work, tenant_id, customer_id, full=True)
        customer.consents[kind] = {"granted": granted, "source": source, "at": now.isoformat()}
        await work.customers.add_consent(
            tenant_id, customer.id, ConsentRecord(kind, granted, source, now)
        )
        await _store(work, customer, expected_version=None)
        verb = "opted in to" if granted else "opted out of"
        await work.customers.add_timeline(
            tenant_id,
            customer.id,
            kind="consent",
            type=subjects.CUSTOMER_CONSENT_CHANGED,
            summary=f"{verb} {kind.replace('_', ' ')}" + (f" ({source})" if source else ""),
            data={"kind": kind, "granted": granted, "source": source},
            occurred_at=now,
        )
        work.emit(
            _event(
                customer,
                subjects.CUSTOMER_CONSENT_CHANGED,
                customer_events.CustomerConsentChanged(
                    customer_id=str(customer.id),
                    consent=customer_to_proto(customer).consents[
                        sorted(customer.consents).index(kind)
                    ],
                ),
            )
        )
        await work.commit()
    return customer


async def consent_history(
    *, tenant_id: uuid.UUID, customer_id: str, uow: UowFactory
) -> list[ConsentRecord]:
    async with uow() as work:
        if not await work.customers.exists(tenant_id, parse_customer_id(customer_id)):
            raise NotFound(f"customer {customer_id} not found")
        return await work.customers.consent_history(tenant_id, parse_customer_id(customer_id))


async def add_note(
    *, tenant_id: uuid.UUID, customer_id: str, text: str, author: str, uow: UowFactory
) -> Note:
    text = text.strip()
    if not text:
        raise InvalidArgument.of("text", "is required")
    if len(text) > MAX_NOTE_LENGTH:
        raise InvalidArgument.of("text", f"must be at most {MAX_NOTE_LENGTH} characters")
    if len(author) > 100:
        raise InvalidArgument.of("author", "must be at most 100 characters")
    ident = parse_customer_id(customer_id)
    async with uow() as work:
        if not await work.customers.exists(tenant_id, ident):
            raise NotFound(f"customer {customer_id} not found")
        note = Note(uuid.uuid4(), ident, text, author.strip(), datetime.now(UTC))
        await work.customers.add_note(tenant_id, note)
        await work.customers.add_timeline(
            tenant_id,
            ident,
            kind="note",
            type=subjects.CUSTOMER_NOTE_ADDED,
            summary=text[:200],
            data={"note_id": str(note.id), "author": note.author},
            occurred_at=note.created_at,
        )
        work.emit(
            Event(
                subject=subjects.CUSTOMER_NOTE_ADDED,
                tenant_id=tenant_id,
                aggregate_id=str(ident),
                payload=customer_events.CustomerNoteAdded(note=note_to_proto(note)),
            )
        )
        await work.commit()
    return note


def note_to_proto(note: Note) -> customer_pb2.Note:
    out = customer_pb2.Note(
        id=str(note.id), customer_id=str(note.customer_id), text=note.text, author=note.author
    )
    out.created_at.FromDatetime(note.created_at)
    return out


async def list_notes(*, tenant_id: uuid.UUID, customer_id: str, uow: UowFactory) -> list[Note]:
    ident = parse_customer_id(customer_id)
    async with uow() as work:
        if not await work.customers.exists(tenant_id, ident):
            raise NotFound(f"customer {customer_id} not found")
        return await work.customers.notes(tenant_id, ident)


async def set_relation(
    *, tenant_id: uuid.UUID, parent_id: str, child_id: str, label: str, uow: UowFactory
) -> Customer:
    label = " ".join(label.split())
    if len(label) > 50:
        raise InvalidArgument.of("label", "must be at most 50 characters")
    parent, child = parse_customer_id(parent_id), parse_customer_id(child_id)
    async with uow() as work:
        for ident, name in ((parent, parent_id), (child, child_id)):
            if not await work.customers.exists(tenant_id, ident):
                raise NotFound(f"customer {name} not found")
        if await work.customers.is_ancestor(tenant_id, child, parent):
            raise InvalidArgument.of("child_id", "would make a cycle of related customers")
        await work.customers.set_relation(tenant_id, parent, child, label)
        for one, other, role in ((parent, child, "child"), (child, parent, "parent")):
            await work.customers.add_timeline(
                tenant_id,
                one,
                kind="relation",
                type="customer.relation.set",
                summary=f"Related {role} {other}" + (f" ({label})" if label else ""),
                data={"customer_id": str(other), "role": role, "label": label},
            )
        await work.commit()
        customer = await work.customers.get(tenant_id, parent)
    assert customer is not None
    return customer


async def remove_relation(
    *, tenant_id: uuid.UUID, parent_id: str, child_id: str, uow: UowFactory
) -> Customer:
    parent, child = parse_customer_id(parent_id), parse_customer_id(child_id)
    async with uow() as work:
        if not await work.customers.remove_relation(tenant_id, parent, child):
            raise NotFound(f"no relation {parent_id} -> {child_id}")
        await work.commit()
        customer = await work.customers.get(tenant_id, parent)
    if customer is None:
        raise NotFound(f"customer {parent_id} not found")
    return customer


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


THRESHOLD_SEGMENTS = (Segment.HIGH_VALUE, Segment.RECENT, Segment.INACTIVE)


async def list_customers(
    *,
    tenant_id: uuid.UUID,
    query: ListQuery,
    custom_field_values: dict[str, str],
    page_size: int,
    page_token: str,
    uow: UowFactory,
    message_search: MessageSearch | None = None,
) -> Page:
    if page_size < 0 or page_size > MAX_PAGE_SIZE:
        raise InvalidArgument.of("page_size", f"must be between 1 and {MAX_PAGE_SIZE}")
    if len(query.text) > MAX_QUERY_LENGTH:
        raise InvalidArgument.of("query", f"must be at most {MAX_QUERY_LENGTH} characters")
    if query.text and message_search is not None:
        try:
            ids = await message_search(tenant_id, query.text)
            valid = tuple(i for i in ids if as_uuid(i) is not None)
            query = replace(query, extra_ids=valid)
        except Exception as exc:  # degrade: profile fields are still searched
            log.warning("conversation search unavailable; skipped", extra={"error": repr(exc)})
    async with uow() as work:
        # Only three segments depend on the tenant's thresholds: skip that round trip otherwise.
        thresholds = (
            await work.tenants.thresholds(tenant_id)
            if query.segment in THRESHOLD_SEGMENTS
            else Thresholds()
        )
        if custom_field_values:
            definitions = await work.tenants.definitions(tenant_id)
            query = replace(
                query, custom_fields=custom_field_filter(custom_field_values, definitions)
            )
        return await work.customers.list(
            tenant_id,
            query,
            thresholds=thresholds,
            limit=page_size or DEFAULT_PAGE_SIZE,
            cursor=page_token,
        )


async def stats(*, tenant_id: uuid.UUID, uow: UowFactory) -> Stats:
    async with uow() as work:
        return await work.customers.stats(tenant_id)


async def timeline(
    *, tenant_id: uuid.UUID, customer_id: str, page_size: int, page_token: str, uow: UowFactory
) -> tuple[list[TimelineEntry], str]:
    if page_size < 0 or page_size > MAX_PAGE_SIZE:
        raise InvalidArgument.of("page_size", f"must be between 1 and {MAX_PAGE_SIZE}")
    ident = parse_customer_id(customer_id)
    async with uow() as work:
        if not await work.customers.exists(tenant_id, ident):
            raise NotFound(f"customer {customer_id} not found")
        return await work.customers.timeline(
            tenant_id, ident, limit=page_size or DEFAULT_PAGE_SIZE, cursor=page_token
        )
