"""Export use cases: queue an export (all, the list's filters, or selected ids), its status, its
file a chunk at a time; and the job that writes the file as the customers stream out of the
database a page at a time (memory stays flat whatever their number).

The job runs with the visibility of whoever asked (their folders), recorded with the export."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from moodline.events.v1 import subjects
from moodline_kit import auth
from moodline_kit.errors import FieldViolation, InvalidArgument, NotFound, PreconditionFailed
from moodline_kit.events import Event
from moodline_kit.ids import as_uuid, existing_id

from customer.adapters import events
from customer.adapters.export_writers import WRITERS
from customer.adapters.exports_repository import ExportRecord, keyset
from customer.adapters.visibility import current_visibility
from customer.domain import exports as rules
from customer.domain.exports import ExportFormat, ExportStatus
from customer.domain.listing import ListQuery, Thresholds, parse_list_query
from customer.service_layer.custom_fields import custom_field_filter
from customer.service_layer.handlers import UowFactory
from customer.service_layer.imports import visibility_of, visibility_record

log = logging.getLogger(__name__)
PAGE = 2000
JobLock = Callable[[uuid.UUID], AbstractAsyncContextManager[bool]]
FILTER_FIELDS = (
    "query", "segment", "sort", "stage", "tag", "folder", "channel", "sentiment",
    "min_ltv_minor", "min_conversations", "last_contact_within_days", "custom_fields",
)  # fmt: skip


def _query(filter_: dict) -> ListQuery:
    return parse_list_query(
        text=str(filter_.get("query", "")),
        segment=str(filter_.get("segment", "")),
        sort=str(filter_.get("sort", "")),
        stage=str(filter_.get("stage", "")),
        tag=str(filter_.get("tag", "")),
        folder=str(filter_.get("folder", "")),
        channel=str(filter_.get("channel", "")),
        sentiment=str(filter_.get("sentiment", "")),
        min_ltv_minor=filter_.get("min_ltv_minor"),
        min_conversations=filter_.get("min_conversations"),
        last_contact_within_days=filter_.get("last_contact_within_days"),
    )


def progressed(record: ExportRecord) -> Event:
    return Event(
        subject=subjects.CUSTOMER_EXPORT_PROGRESSED,
        tenant_id=record.tenant_id,
        aggregate_id=str(record.id),
        payload=events.export_progressed(record),
    )


async def create_export(
    *,
    tenant_id: uuid.UUID,
    format: str,
    filter_: dict,
    ids: list[str],
    actor: str,
    uow: UowFactory,
) -> ExportRecord:
    try:
        kind = ExportFormat((format or "").lower())
    except ValueError as exc:
        raise InvalidArgument.of("format", "must be one of: csv, xlsx, json, pdf") from exc
    if len(ids) > rules.MAX_IDS:
        raise InvalidArgument.of("ids", f"at most {rules.MAX_IDS} ids")
    bad = [
        FieldViolation(f"ids[{n}]", "not a customer id")
        for n, i in enumerate(ids)
        if as_uuid(i) is None
    ]
    if bad:
        raise InvalidArgument("invalid ids", bad)
    try:
        _query(filter_)
    except InvalidArgument as exc:
        raise InvalidArgument(
            str(exc), [FieldViolation(f"filter.{v.field}", v.description) for v in exc.violations]
        ) from exc
    ident = uuid.uuid4()
    async with uow() as work:
        if filter_.get("custom_fields"):
            definitions = await work.tenants.definitions(tenant_id)
            custom_field_filter(dict(filter_["custom_fields"]), definitions)
        await work.exports.add(
            {
                "id": ident,
                "tenant_id": tenant_id,
                "status": ExportStatus.QUEUED.value,
                "format": kind.value,
                "filter": filter_,
                "ids": list(dict.fromkeys(ids)),
                "actor": actor,
                "visibility": visibility_record(current_visibility()),
            }
        )
        record = await work.exports.get(tenant_id, ident)
        assert record is not None
        work.emit(progressed(record))
        await work.commit()
    return record


async def get_export(*, tenant_id: uuid.UUID, export_id: str, uow: UowFactory) -> ExportRecord:
    async with uow() as work:
        record = await work.exports.get(tenant_id, existing_id(export_id, what="export"))
    return NotFound.unless(record, f"export {export_id} not found")


async def read_chunk(
    *, tenant_id: uuid.UUID, export_id: str, seq: int, uow: UowFactory
) -> tuple[bytes, bool]:
    async with uow() as work:
        record = await work.exports.get(tenant_id, existing_id(export_id, what="export"))
        if record is None:
            raise NotFound(f"export {export_id} not found")
        if record.status != ExportStatus.COMPLETED:
            raise PreconditionFailed(f"export {export_id} is {record.status}, not completed")
        if record.expires_at and record.expires_at < datetime.now(UTC):
            raise NotFound(f"export {export_id} has expired")
        if seq < 0 or seq >= max(record.chunks, 1):
            raise NotFound(f"export {export_id} has no chunk {seq}")
        data = await work.exports.chunk(record.id, seq) if record.chunks else b""
    return data or b"", seq + 1 >= record.chunks


def _claims_for(record: ExportRecord) -> auth.Claims | None:
    visibility = visibility_of(record.visibility)
    if visibility is None:
        return None
    return auth.Claims(
        tenant_id=record.tenant_id,
        subject=record.actor,
        role="",
        folders=None
        if visibility.folders is None
        else frozenset(uuid.UUID(f) for f in visibility.folders),
        unfoldered=visibility.unfoldered,
        assigned_only=visibility.assigned_to is not None,
    )


async def execute_export(
    *,
    tenant_id: uuid.UUID,
    export_id: uuid.UUID,
    uow: UowFactory,
    job_lock: JobLock,
    ttl: timedelta,
) -> str:
    async with job_lock(export_id) as acquired:
        if not acquired:
            return "busy"
        async with uow() as work:
            record = await work.exports.get(tenant_id, export_id, for_update=True)
            if record is None:
                return "missing"
            if record.status not in (ExportStatus.QUEUED, ExportStatus.RUNNING):
                return record.status
            # A run cut short leaves partial chunks: start the file again.
            await work.exports.clear_chunks(export_id)
            await work.exports.update(export_id, status=ExportStatus.RUNNING.value, processed=0)
            record.status = ExportStatus.RUNNING.value
            work.emit(progressed(record))
            await work.commit()
        claims = _claims_for(record)
        token = auth.set_inbound("", claims) if claims is not None else None
        try:
            status = await _write(record, uow, ttl)
        except Exception as exc:
            log.exception("export failed", extra={"export_id": str(export_id)})
            async with uow() as work:
                await work.exports.update(
                    export_id,
                    status=ExportStatus.FAILED.value,
                    error=repr(exc)[:500],
                    finished_at=datetime.now(UTC),
                )
                record.status = ExportStatus.FAILED.value
                work.emit(progressed(record))
                await work.commit()
            return ExportStatus.FAILED.value
        finally:
            if token is not None:
                auth.reset_inbound(token)
        return status


async def _write(record: ExportRecord, uow: UowFactory, ttl: timedelta) -> str:
    query = _query(record.filter)
    ids = [uuid.UUID(i) for i in record.ids]
    now = datetime.now(UTC)
    async with uow() as work:
        thresholds = (
            await work.tenants.thresholds(record.tenant_id) if query.segment else Thresholds()
        )
        custom = dict(record.filter.get("custom_fields") or {})
        if custom:
            definitions = await work.tenants.definitions(record.tenant_id)
            query = replace(query, custom_fields=custom_field_filter(custom, definitions))
        folder_names = await work.exports.folder_names(record.tenant_id)
        definitions = await work.tenants.definitions(record.tenant_id)
    custom_keys = sorted(definitions)
    seq = 0

    async def sink(data: bytes) -> None:
        nonlocal seq
        async with uow() as work:
            await work.exports.add_chunk(record.id, seq, data)
            await work.commit()
        seq += 1

    kind = ExportFormat(record.format)
    writer = WRITERS[kind.value](sink)
    if kind is ExportFormat.PDF:
        columns = list(rules.PDF_COLUMNS)
    else:
        columns = [*rules.COLUMNS, *((definitions[k].label, f"cf.{k}") for k in custom_keys)]
    title = f"Customers — exported {now:%Y-%m-%d %H:%M} UTC"
    await writer.start(columns, title)
    after = None
    processed = 0
    left_out = 0
    while True:
        async with uow() as work:
            rows = await work.exports.page(
                record.tenant_id, query, ids=ids, thresholds=thresholds, after=after, limit=PAGE,
                now=now,
            )  # fmt: skip
        if not rows:
            break
        after = keyset(rows[-1], query)
        if kind is ExportFormat.PDF and processed + len(rows) > rules.MAX_PDF_ROWS:
            keep = rules.MAX_PDF_ROWS - processed
            left_out += len(rows) - keep
            rows = rows[:keep]
        if rows:
            await writer.rows([rules.readable(r, folder_names, custom_keys) for r in rows])
            processed += len(rows)
            async with uow() as work:
                await work.exports.update(record.id, processed=processed)
                await work.commit()
        if len(rows) < PAGE and not left_out:
            break
    note = (
        f"{left_out} more customers are not in this report (export CSV for all)" if left_out else ""
    )
    size = await writer.finish(note)
    async with uow() as work:
        finished = datetime.now(UTC)
        await work.exports.update(
            record.id,
            status=ExportStatus.COMPLETED.value,
            processed=processed,
            total=processed + left_out,
            size_bytes=size,
            chunks=seq,
            finished_at=finished,
            expires_at=finished + ttl,
        )
        record.status, record.processed, record.total = "completed", processed, processed + left_out
        work.emit(progressed(record))
        await work.commit()
    return ExportStatus.COMPLETED.value
