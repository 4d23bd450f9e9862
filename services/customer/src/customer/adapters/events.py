"""Domain -> the payloads of the events this service emits (moodline.events.v1.customer): the
service layer builds each `Event` with one of these and never touches protobuf itself."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from moodline.events.v1 import customer_pb2 as pb

from customer.adapters.exports_repository import ExportRecord
from customer.adapters.imports_repository import ImportRecord
from customer.adapters.proto import consent_state_to_proto, customer_to_proto, note_to_proto
from customer.domain.lifecycle import StageDecision
from customer.domain.model import Customer, LifecycleStage
from customer.domain.records import Note


def customer_created(customer: Customer) -> pb.CustomerCreated:
    return pb.CustomerCreated(customer=customer_to_proto(customer))


def customer_updated(customer: Customer, changed: list[str]) -> pb.CustomerUpdated:
    return pb.CustomerUpdated(customer=customer_to_proto(customer), changed_fields=changed)


def customer_deleted(customer_id: uuid.UUID) -> pb.CustomerDeleted:
    return pb.CustomerDeleted(customer_id=str(customer_id))


def consent_changed(customer: Customer, kind: str) -> pb.CustomerConsentChanged:
    return pb.CustomerConsentChanged(
        customer_id=str(customer.id),
        consent=consent_state_to_proto(kind, customer.consents[kind]),
    )


def folder_changed(before: Customer, after: Customer) -> pb.CustomerFolderChanged:
    return pb.CustomerFolderChanged(
        customer_id=str(after.id), from_folder=before.folder, to_folder=after.folder
    )


def status_changed(before: Customer, after: Customer) -> pb.CustomerStatusChanged:
    return pb.CustomerStatusChanged(
        customer_id=str(after.id), from_status=before.call_status, to_status=after.call_status
    )


def tag_added(customer: Customer, tag: str) -> pb.CustomerTagAdded:
    return pb.CustomerTagAdded(customer_id=str(customer.id), tag=tag)


def tag_removed(customer: Customer, tag: str) -> pb.CustomerTagRemoved:
    return pb.CustomerTagRemoved(customer_id=str(customer.id), tag=tag)


def stage_changed(
    customer: Customer, before: LifecycleStage, decision: StageDecision
) -> pb.CustomerStageChanged:
    return pb.CustomerStageChanged(
        customer_id=str(customer.id),
        from_stage=before.value,
        to_stage=decision.stage.value,
        reason=decision.reason,
    )


def note_added(note: Note) -> pb.CustomerNoteAdded:
    return pb.CustomerNoteAdded(note=note_to_proto(note))


def customer_merged(
    operation_id: uuid.UUID, survivor_id: uuid.UUID, duplicate_id: uuid.UUID
) -> pb.CustomerMerged:
    return pb.CustomerMerged(
        operation_id=str(operation_id),
        customer_id=str(survivor_id),
        duplicate_id=str(duplicate_id),
    )


def customer_erased(operation_id: uuid.UUID, customer_id: uuid.UUID) -> pb.CustomerErased:
    return pb.CustomerErased(operation_id=str(operation_id), customer_id=str(customer_id))


def export_progressed(r: ExportRecord) -> pb.ExportProgressed:
    return pb.ExportProgressed(
        export_id=str(r.id), status=r.status, total=r.total, processed=r.processed
    )


def import_progressed(record: ImportRecord, status: str | None = None) -> pb.ImportProgressed:
    """`status`: the import's own unless given (the status it is about to take)."""
    return pb.ImportProgressed(
        import_id=str(record.id),
        status=status or record.status,
        total=record.total,
        processed=record.processed,
        created=record.created,
        updated=record.updated,
        skipped=record.skipped,
        failed=record.failed,
    )


def customers_imported(
    record: ImportRecord, created: Iterable[uuid.UUID], updated: Iterable[uuid.UUID]
) -> pb.CustomersImported:
    return pb.CustomersImported(
        import_id=str(record.id),
        created_ids=[str(i) for i in created],
        updated_ids=[str(i) for i in updated],
        loyalty_program_id=record.loyalty_program_id,
    )
