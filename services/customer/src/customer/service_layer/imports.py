"""Import use cases: upload (in chunks), preview, run, progress, cancel, the error report, and
the background job that streams the file into the customers table a chunk of rows at a time.

The job commits each chunk of rows with its effects and the import's progress (`processed`,
counts, `done_through_row`) in one transaction; a job restarted after a crash skips the rows
already done, so nothing is written twice. New customers get ids derived from the import and
the row number, so even a replayed chunk could not create a second customer."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import uuid
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ProcessPoolExecutor
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

from moodline.events.v1 import subjects
from moodline_kit.errors import FieldViolation, InvalidArgument, NotFound, PreconditionFailed
from moodline_kit.events import Event
from moodline_kit.ids import as_uuid, existing_id

from customer.adapters import events, import_files
from customer.adapters.imports_repository import ImportRecord
from customer.adapters.visibility import current_visibility
from customer.domain import contacts
from customer.domain import duplicates as likeness
from customer.domain import imports as rules
from customer.domain.imports import ImportedRow, ImportStatus, OnMatch, RowError
from customer.domain.visibility import Visibility
from customer.service_layer.handlers import UowFactory

log = logging.getLogger(__name__)

MAX_CHUNK_BYTES = 1024 * 1024 + 1024
PREVIEW_ROWS = 20
JobLock = Callable[[uuid.UUID], AbstractAsyncContextManager[bool]]


def parse_import_id(value: str) -> uuid.UUID:
    return existing_id(value, what="import")


def visibility_record(visibility: Visibility | None) -> dict:
    if visibility is None:
        return {}
    return {
        "folders": None if visibility.folders is None else sorted(visibility.folders),
        "unfoldered": visibility.unfoldered,
        "assigned_to": visibility.assigned_to,
    }


def visibility_of(record: dict) -> Visibility | None:
    if not record:
        return None
    folders = record.get("folders")
    return Visibility(
        folders=None if folders is None else frozenset(folders),
        unfoldered=bool(record.get("unfoldered", True)),
        assigned_to=record.get("assigned_to"),
    )


def _region(country: str, field: str = "default_country") -> str:
    region = country.strip().upper()
    if region and not contacts.valid_region(region):
        raise InvalidArgument.of(field, f"unknown country {country!r} (ISO 3166 alpha-2)")
    return region


async def create_import(
    *, tenant_id: uuid.UUID, filename: str, default_country: str, actor: str, uow: UowFactory
) -> ImportRecord:
    region = _region(default_country)
    name = filename.strip()[:255] or "import"
    ident = uuid.uuid4()
    async with uow() as work:
        await work.imports.add(
            {
                "id": ident,
                "tenant_id": tenant_id,
                "status": ImportStatus.UPLOADING.value,
                "filename": name,
                "default_country": region or await work.tenants.default_country(tenant_id),
                "actor": actor,
                "visibility": visibility_record(current_visibility()),
            }
        )
        record = await work.imports.get(tenant_id, ident)
        await work.commit()
    assert record is not None
    return record


async def _get(work, tenant_id: uuid.UUID, import_id: str, *, for_update: bool = False):  # type: ignore[no-untyped-def]
    record = await work.imports.get(tenant_id, parse_import_id(import_id), for_update=for_update)
    return NotFound.unless(record, f"import {import_id} not found")


async def append_chunk(
    *,
    tenant_id: uuid.UUID,
    import_id: str,
    seq: int,
    data: bytes,
    max_bytes: int,
    uow: UowFactory,
) -> int:
    if len(data) > MAX_CHUNK_BYTES:
        raise InvalidArgument.of("data", f"a chunk is at most {MAX_CHUNK_BYTES} bytes")
    if seq < 0 or seq > 1_000_000:
        raise InvalidArgument.of("seq", "must be between 0 and 1000000")
    async with uow() as work:
        record = await _get(work, tenant_id, import_id, for_update=True)
        if record.status != ImportStatus.UPLOADING:
            raise PreconditionFailed(f"import {import_id} is {record.status}, not uploading")
        size = await work.imports.put_chunk(record.id, seq, data)
        if size > max_bytes:
            raise InvalidArgument.of(
                "file", f"the file is larger than {max_bytes // (1024 * 1024)} MiB"
            )
        await work.imports.update(record.id, size_bytes=size)
        await work.commit()
    return size


async def _read_head(work, record: ImportRecord) -> tuple[import_files.FileShape, list[list[str]]]:  # type: ignore[no-untyped-def]
    """The file's shape and its first records (header + preview rows)."""
    sample = await work.imports.head(record.id, import_files.SAMPLE_BYTES)
    try:
        shape = import_files.sniff(sample)
    except import_files.UnreadableFile as exc:
        raise InvalidArgument.of("file", str(exc)) from exc
    records: list[list[str]] = []
    if shape.format == "csv":
        reader = import_files.CsvRecords(shape.encoding, shape.delimiter)
        seq = 0
        while len(records) < PREVIEW_ROWS + 1:
            data = await work.imports.chunk(record.id, seq)
            if data is None:
                records += reader.feed(b"", final=True)
                break
            records += reader.feed(data)
            seq += 1
    else:
        spool = import_files.SpooledXlsx()
        try:
            seq = 0
            while (data := await work.imports.chunk(record.id, seq)) is not None:
                spool.write(data)
                seq += 1
            try:
                for cells in spool.rows():
                    records.append(cells)
                    if len(records) > PREVIEW_ROWS:
                        break
            except import_files.UnreadableFile as exc:
                raise InvalidArgument.of("file", str(exc)) from exc
        finally:
            spool.close()
    records = [r for r in records if any(cell.strip() for cell in r)]
    if not records:
        raise InvalidArgument.of("file", "the file has no header row")
    return shape, records[: PREVIEW_ROWS + 1]


async def _validator(work, record: ImportRecord, mapping: dict, region: str) -> rules.RowValidator:  # type: ignore[no-untyped-def]
    folders = await work.folders.list(record.tenant_id)
    visibility = visibility_of(record.visibility)
    return rules.RowValidator(
        headers=record.headers,
        mapping=mapping,
        default_region=region,
        folders={f.name.lower(): str(f.id) for f in folders},
        definitions=await work.tenants.definitions(record.tenant_id),
        allowed_folders=None if visibility is None else visibility.folders,
        unfoldered_allowed=True if visibility is None else visibility.unfoldered,
    )


def preview_rows(validator: rules.RowValidator, records: list[list[str]]) -> list[dict]:
    out = []
    for n, cells in enumerate(records, start=2):
        row = []
        for index, header in enumerate(validator.headers):
            value = cells[index] if index < len(cells) else ""
            name = validator.mapping.get(header, "")
            check = validator.check_cell(name, value) if name else rules.CellCheck("")
            row.append(
                {
                    "header": header,
                    "value": value,
                    "field": name,
                    "error": check.error,
                    "normalised": check.normalised,
                }
            )
        verdict = validator.validate(n, cells)
        error = verdict.reason if isinstance(verdict, RowError) else ""
        out.append({"row_number": n, "cells": row, "error": error})
    return out


async def finish_upload(*, tenant_id: uuid.UUID, import_id: str, uow: UowFactory) -> ImportRecord:
    async with uow() as work:
        record = await _get(work, tenant_id, import_id, for_update=True)
        if record.status != ImportStatus.UPLOADING:
            raise PreconditionFailed(f"import {import_id} is {record.status}, not uploading")
        if not await work.imports.chunk_count(record.id):
            raise InvalidArgument.of("file", "the file is empty")
        shape, records = await _read_head(work, record)
        headers = rules.header_names(records[0])
        definitions = await work.tenants.definitions(tenant_id)
        suggested = rules.suggest_mapping(headers, definitions)
        record.headers = headers
        validator = await _validator(work, record, suggested, record.default_country)
        preview = preview_rows(validator, records[1:])
        await work.imports.update(
            record.id,
            status=ImportStatus.PREVIEWED.value,
            **asdict(shape),  # format, encoding and delimiter, as sniffed
            headers=headers,
            suggested_mapping=suggested,
            mapping=suggested,
            preview=preview,
        )
        record = await work.imports.get(tenant_id, record.id)
        await work.commit()
    return record


def progressed(record: ImportRecord, status: str | None = None) -> Event:
    return Event(
        subject=subjects.CUSTOMER_IMPORT_PROGRESSED,
        tenant_id=record.tenant_id,
        aggregate_id=str(record.id),
        payload=events.import_progressed(record, status),
    )


async def run_import(
    *,
    tenant_id: uuid.UUID,
    import_id: str,
    mapping: dict[str, str],
    default_country: str,
    on_match: str,
    loyalty_program_id: str,
    uow: UowFactory,
) -> ImportRecord:
    try:
        policy = OnMatch(on_match or OnMatch.UPDATE)
    except ValueError as exc:
        raise InvalidArgument.of("on_match", "must be update or skip") from exc
    region = _region(default_country)
    if loyalty_program_id and as_uuid(loyalty_program_id) is None:
        raise InvalidArgument.of("loyalty_program_id", "not a loyalty program id")
    async with uow() as work:
        record = await _get(work, tenant_id, import_id, for_update=True)
        if record.status != ImportStatus.PREVIEWED:
            raise PreconditionFailed(f"import {import_id} is {record.status}, not previewed")
        chosen = dict(mapping) if mapping else dict(record.suggested_mapping)
        chosen = {h: f for h, f in chosen.items() if f}
        definitions = await work.tenants.definitions(tenant_id)
        rules.check_mapping(chosen, record.headers, definitions)
        await work.imports.update(
            record.id,
            status=ImportStatus.QUEUED.value,
            mapping=chosen,
            default_country=region or record.default_country,
            on_match=policy.value,
            loyalty_program_id=loyalty_program_id,
        )
        record = await work.imports.get(tenant_id, record.id)
        work.emit(progressed(record))
        await work.commit()
    return record


async def get_import(*, tenant_id: uuid.UUID, import_id: str, uow: UowFactory) -> ImportRecord:
    async with uow() as work:
        return await _get(work, tenant_id, import_id)


async def cancel_import(*, tenant_id: uuid.UUID, import_id: str, uow: UowFactory) -> ImportRecord:
    """A queued (or not yet started) import ends now; a running one after its current chunk."""
    async with uow() as work:
        record = await _get(work, tenant_id, import_id, for_update=True)
        if ImportStatus(record.status).ended:
            raise PreconditionFailed(f"import {import_id} has ended ({record.status})")
        if record.status == ImportStatus.RUNNING:
            await work.imports.update(record.id, cancel_requested=True)
        else:
            await work.imports.update(
                record.id,
                status=ImportStatus.CANCELLED.value,
                cancel_requested=True,
                finished_at=datetime.now(UTC),
            )
        record = await work.imports.get(tenant_id, record.id)
        if record.status == ImportStatus.CANCELLED:
            work.emit(progressed(record))
        await work.commit()
    return record


def _page_limit(page_size: int) -> int:
    if not 0 <= page_size <= 5000:
        raise InvalidArgument.of("page_size", "must be between 1 and 5000")
    return page_size or 1000


async def list_errors(
    *, tenant_id: uuid.UUID, import_id: str, after_row: int, page_size: int, uow: UowFactory
) -> tuple[list[str], list[tuple[int, list[str], str]], int]:
    limit = _page_limit(page_size)
    async with uow() as work:
        record = await _get(work, tenant_id, import_id)
        errors = await work.imports.errors(record.id, after_row=max(0, after_row), limit=limit)
    following = errors[-1][0] if len(errors) == limit else 0
    return record.headers, errors, following


async def list_duplicates(
    *, tenant_id: uuid.UUID, import_id: str, after_row: int, page_size: int, uow: UowFactory
) -> tuple[list[tuple[int, uuid.UUID, uuid.UUID, int, str]], int]:
    limit = _page_limit(page_size)
    async with uow() as work:
        record = await _get(work, tenant_id, import_id)
        found = await work.imports.duplicates(record.id, after_row=max(0, after_row), limit=limit)
    following = found[-1][0] if len(found) == limit else 0
    return found, following


# --- the job -----------------------------------------------------------------------------------


@dataclass
class ChunkOutcome:
    created: list[uuid.UUID] = field(default_factory=list)
    updated: list[uuid.UUID] = field(default_factory=list)
    skipped: int = 0
    errors: list[tuple[int, list[str], str]] = field(default_factory=list)
    # (row number, created customer, the customer it looks like, score, reason)
    duplicates: list[tuple[int, uuid.UUID, uuid.UUID, int, str]] = field(default_factory=list)


async def _chunks(uow: UowFactory, import_id: uuid.UUID) -> AsyncIterator[bytes]:
    seq = 0
    while True:
        async with uow() as work:
            data = await work.imports.chunk(import_id, seq)
        if data is None:
            return
        yield data
        seq += 1


async def _records(uow: UowFactory, record: ImportRecord) -> AsyncIterator[list[list[str]]]:
    """The file's records (header first), a batch at a time."""
    if record.format == "csv":
        async for batch in import_files.csv_rows(
            _chunks(uow, record.id), record.encoding, record.delimiter
        ):
            yield batch
        return
    spool = import_files.SpooledXlsx()
    try:
        async for data in _chunks(uow, record.id):
            spool.write(data)
        batch: list[list[str]] = []
        for cells in spool.rows():
            batch.append(cells)
            if len(batch) >= 1000:
                yield batch
                batch = []
        if batch:
            yield batch
    finally:
        spool.close()


async def _count(uow: UowFactory, record: ImportRecord) -> int:
    """Data rows of the file (header and blank lines of a CSV's end excluded), before the
    rows are processed: a quick pass over the raw chunks for a CSV."""
    if record.format == "csv":
        counter = import_files.RecordCounter()
        async for data in _chunks(uow, record.id):
            counter.feed(data)
        return max(0, counter.total - 1)
    total = 0
    async for batch in _records(uow, record):
        total += sum(1 for r in batch if any(c.strip() for c in r))
    return max(0, total - 1)


def _rounds(rows: list[ImportedRow]) -> list[list[ImportedRow]]:
    """Rows in rounds where no two rows share a contact: a later row with a contact of an
    earlier one waits for the next round (and then matches the customer the earlier made)."""
    rounds: list[list[ImportedRow]] = []
    pending = rows
    while pending:
        seen: set[str] = set()
        now, later = [], []
        for row in pending:
            keys = row.contact_keys
            if any(k in seen for k in keys):
                later.append(row)
            else:
                seen.update(keys)
                now.append(row)
        rounds.append(now)
        pending = later
    return rounds


async def _write_chunk(
    work,  # type: ignore[no-untyped-def]
    record: ImportRecord,
    rows: list[ImportedRow],
    outcome: ChunkOutcome,
    cells_of: dict[int, list[str]],
    now: datetime,
) -> None:
    visibility = visibility_of(record.visibility)
    pending = rows
    while pending:
        rounds = _rounds(pending)
        current, pending = rounds[0], [r for later in rounds[1:] for r in later]
        phones = [p for row in current for p in row.phones]
        emails = [e for row in current for e in row.emails]
        matches = await work.imports.match(record.tenant_id, phones, emails)
        creates: list[tuple[uuid.UUID, ImportedRow]] = []
        targets: dict[uuid.UUID, ImportedRow] = {}
        for row in current:
            found = [matches[k] for k in row.contact_keys if k in matches]
            if not found:
                creates.append((rules.customer_id_for(record.id, row.row_number), row))
            elif found[0] in targets:
                pending.append(row)  # two rows of one customer: one per round
            else:
                targets[found[0]] = row
        pending.sort(key=lambda r: r.row_number)
        existing = await work.imports.existing(record.tenant_id, list(targets))
        updates = []
        for ident, row in targets.items():
            current_row = existing.get(ident)
            if current_row is None:
                continue
            if visibility is not None and not visibility.allows(
                current_row.folder, current_row.workers
            ):
                outcome.errors.append(
                    (
                        row.row_number,
                        cells_of[row.row_number],
                        "matches a customer outside the folders you may see",
                    )
                )
                continue
            if record.on_match == OnMatch.SKIP:
                outcome.skipped += 1
                continue
            merged, changed = rules.merge_row(vars(current_row), row)
            if not changed:
                outcome.skipped += 1
                continue
            keys: list[str] = []
            for phone in merged["phones"]:
                keys += contacts.phone_search_keys(phone["number"])
            merged.update(
                id=ident,
                search_doc=rules.search_document(merged, keys),
                sort_name=f"{merged['first_name']} {merged['last_name']}".strip().lower(),
                old_phones=len(current_row.phones),
                old_emails=len(current_row.emails),
                changed=changed,
            )
            updates.append(merged)
            outcome.updated.append(ident)
        await work.imports.insert_new(record.tenant_id, record.id, creates, now)
        await work.imports.apply_updates(record.tenant_id, record.id, updates, now)
        outcome.created += [ident for ident, _ in creates]
        outcome.duplicates += await _possible_duplicates(work, record, creates, visibility)


def _person(first_name: str, last_name: str, company: str) -> likeness.Person:
    return likeness.Person(first_name, last_name, company, frozenset(), frozenset())


async def _possible_duplicates(
    work,  # type: ignore[no-untyped-def]
    record: ImportRecord,
    creates: list[tuple[uuid.UUID, ImportedRow]],
    visibility: Visibility | None,
) -> list[tuple[int, uuid.UUID, uuid.UUID, int, str]]:
    """Created rows that look like another customer (already there, or made by an earlier row
    of the file): the same name and a similar company. One indexed look-up of the chunk's names
    (after its rows are written), then rapidfuzz on those few candidates; each row reports its
    most alike customer it may see."""
    wanted = {ident: row for ident, row in creates if row.company}
    if not wanted:
        return []
    names = {ident: rules.sort_name(row) for ident, row in wanted.items()}
    found = await work.imports.same_names(record.tenant_id, sorted(set(names.values())))
    by_name: dict[str, list] = {}
    for other in found:
        by_name.setdefault(other.sort_name, []).append(other)
    row_of = {ident: row.row_number for ident, row in creates}
    out = []
    for ident, row in wanted.items():
        best: tuple[int, uuid.UUID, str] | None = None
        for other in by_name.get(names[ident], ()):
            # Itself, or a later row of this chunk (that row reports this one).
            if other.id == ident or row_of.get(other.id, 0) > row.row_number:
                continue
            if visibility is not None and not visibility.allows(other.folder, other.workers):
                continue
            alike = likeness.same_person_at_company(
                _person(row.first_name, row.last_name, row.company),
                _person(other.first_name, other.last_name, other.company),
            )
            if alike is not None and (best is None or alike.value > best[0]):
                reason = "; ".join(r.detail for r in alike.reasons) or "same name and company"
                best = (alike.value, other.id, reason)
        if best is not None:
            out.append((row.row_number, ident, best[1], best[0], best[2]))
    return sorted(out)


@dataclass
class Validated:
    """One chunk of rows, validated (off the event loop, while the chunk before is written)."""

    batch: list[tuple[int, list[str]]]
    valid: list[ImportedRow]
    cells_of: dict[int, list[str]]
    errors: list[tuple[int, list[str], str]]


def _validate(validator: rules.RowValidator, batch: list[tuple[int, list[str]]]) -> Validated:
    done = Validated(batch, [], {}, [])
    for number, cells in batch:
        verdict = validator.validate(number, cells)
        if isinstance(verdict, RowError):
            done.errors.append((number, cells, verdict.reason))
        else:
            done.valid.append(verdict)
            done.cells_of[number] = cells
    return done


_child_validator: rules.RowValidator | None = None


def _start_child(validator: rules.RowValidator) -> None:
    global _child_validator
    _child_validator = validator


def _validate_in_child(batch: list[tuple[int, list[str]]]) -> Validated:
    assert _child_validator is not None
    return _validate(_child_validator, batch)


Validate = Callable[[list[tuple[int, list[str]]]], "asyncio.Future[Validated]"]


@asynccontextmanager
async def _validation(validator: rules.RowValidator, in_process: bool) -> AsyncIterator[Validate]:
    """Where chunks are validated off the event loop: a thread, or (a large file) one child
    process, started for the job (spawned: nothing of the worker's connections is inherited)
    and stopped after it. A process uses the machine's second core: the job's own process is
    left with reading the file and writing the rows."""
    loop = asyncio.get_running_loop()

    def in_thread(batch: list[tuple[int, list[str]]]) -> asyncio.Future[Validated]:
        return asyncio.ensure_future(asyncio.to_thread(_validate, validator, batch))

    if not in_process:
        yield in_thread
        return
    pool = ProcessPoolExecutor(
        1,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_start_child,
        initargs=(validator,),
    )
    try:
        try:
            await asyncio.wrap_future(pool.submit(int), loop=loop)
        except Exception:  # e.g. a daemonic (prefork) worker may not start processes
            log.warning("import validation stays in a thread", exc_info=True)
            yield in_thread
            return
        yield lambda batch: asyncio.wrap_future(pool.submit(_validate_in_child, batch), loop=loop)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


async def _commit_chunk(
    uow: UowFactory, record: ImportRecord, chunk: Validated
) -> ImportRecord | None:
    """Write one validated chunk of rows with the import's progress; None when the import was
    cancelled (nothing of this chunk is written)."""
    batch, valid, cells_of = chunk.batch, chunk.valid, chunk.cells_of
    outcome = ChunkOutcome(errors=list(chunk.errors))
    now = datetime.now(UTC)
    async with uow() as work:
        await work.imports.lock_tenant_imports(record.tenant_id)
        current = await work.imports.get(record.tenant_id, record.id, for_update=True)
        if current is None or current.cancel_requested or current.status != "running":
            if current is not None and current.status == ImportStatus.RUNNING:
                await work.imports.update(
                    record.id, status=ImportStatus.CANCELLED.value, finished_at=now
                )
                current.status = ImportStatus.CANCELLED.value
                work.emit(progressed(current))
                await work.commit()
            return None
        await _write_chunk(work, current, valid, outcome, cells_of, now)
        outcome.errors.sort(key=lambda e: e[0])
        await work.imports.add_errors(record.id, outcome.errors)
        await work.imports.add_duplicates(record.id, outcome.duplicates)
        current.processed += len(batch)
        current.created += len(outcome.created)
        current.updated += len(outcome.updated)
        current.skipped += outcome.skipped
        current.failed += len(outcome.errors)
        current.possible_duplicates += len(outcome.duplicates)
        current.done_through_row = batch[-1][0]
        await work.imports.update(
            record.id,
            processed=current.processed,
            created=current.created,
            updated=current.updated,
            skipped=current.skipped,
            failed=current.failed,
            possible_duplicates=current.possible_duplicates,
            done_through_row=current.done_through_row,
        )
        work.emit(progressed(current))
        if outcome.created or outcome.updated:
            work.emit(
                Event(
                    subject=subjects.CUSTOMER_CUSTOMERS_IMPORTED,
                    tenant_id=record.tenant_id,
                    aggregate_id=str(record.id),
                    payload=events.customers_imported(record, outcome.created, outcome.updated),
                )
            )
        await work.commit()
    return current


async def execute_import(
    *,
    tenant_id: uuid.UUID,
    import_id: uuid.UUID,
    uow: UowFactory,
    job_lock: JobLock,
    batch_size: int = 5000,
    pause_between_chunks: float = 0.0,
    process_from_rows: int = 0,
) -> str:
    """Run (or resume) an import to its end; returns its final status, or "busy" when another
    worker is running it. `pause_between_chunks`: seconds to wait after each committed chunk
    (tests use it to stop a worker mid-way)."""
    async with job_lock(import_id) as acquired:
        if not acquired:
            return "busy"
        return await _execute(
            tenant_id, import_id, uow, batch_size, pause_between_chunks, process_from_rows
        )


async def _execute(
    tenant_id: uuid.UUID,
    import_id: uuid.UUID,
    uow: UowFactory,
    batch_size: int,
    pause: float,
    process_from_rows: int,
) -> str:
    async with uow() as work:
        record = await work.imports.get(tenant_id, import_id, for_update=True)
        if record is None:
            return "missing"
        if record.status not in (ImportStatus.QUEUED, ImportStatus.RUNNING):
            return record.status
        if record.cancel_requested:
            await work.imports.update(
                import_id, status=ImportStatus.CANCELLED.value, finished_at=datetime.now(UTC)
            )
            record.status = ImportStatus.CANCELLED.value
            work.emit(progressed(record))
            await work.commit()
            return record.status
        started = record.started_at or datetime.now(UTC)
        await work.imports.update(import_id, status=ImportStatus.RUNNING.value, started_at=started)
        validator = await _validator(work, record, record.mapping, record.default_country)
        await work.commit()
    record.status = ImportStatus.RUNNING.value
    try:
        if not record.total:
            total = await _count(uow, record)
            async with uow() as work:
                await work.imports.update(import_id, total=total)
                await work.commit()
            record.total = total
        left = record.total - record.processed
        in_process = bool(process_from_rows) and left >= process_from_rows
        async with _validation(validator, in_process) as validate:
            if not await _run_rows(uow, record, validate, batch_size, pause):
                return ImportStatus.CANCELLED.value
    except Exception as exc:
        log.exception("import failed", extra={"import_id": str(import_id)})
        await _finish(uow, tenant_id, import_id, ImportStatus.FAILED, error=repr(exc)[:500])
        return ImportStatus.FAILED.value
    return await _finish(uow, tenant_id, import_id, ImportStatus.COMPLETED)


async def _run_rows(
    uow: UowFactory, record: ImportRecord, validate: Validate, batch_size: int, pause: float
) -> bool:
    """Every row after the last committed chunk, a chunk at a time; False when cancelled.
    A chunk is validated (off the event loop) while the chunk before it is written (the event
    loop then waits on PostgreSQL): the two overlap."""
    row_number = 0
    batch: list[tuple[int, list[str]]] = []
    header_seen = False
    writing: Validated | None = None
    async for records in _records(uow, record):
        for cells in records:
            if not header_seen:
                if any(c.strip() for c in cells):
                    header_seen = True
                row_number += 1
                continue
            row_number += 1
            if row_number <= record.done_through_row or not any(c.strip() for c in cells):
                continue
            batch.append((row_number, cells))
            if len(batch) >= batch_size:
                validating = validate(batch)
                batch = []
                if writing is not None and not await _write(uow, record, writing, pause):
                    validating.cancel()
                    return False
                writing = await validating
    if batch:
        validating = validate(batch)
        if writing is not None and not await _write(uow, record, writing, pause):
            validating.cancel()
            return False
        writing = await validating
    return writing is None or await _commit_chunk(uow, record, writing) is not None


async def _write(uow: UowFactory, record: ImportRecord, chunk: Validated, pause: float) -> bool:
    """Commit a chunk (then wait `pause`); False when the import was cancelled."""
    if await _commit_chunk(uow, record, chunk) is None:
        return False
    if pause:
        await asyncio.sleep(pause)
    return True


async def _finish(
    uow: UowFactory,
    tenant_id: uuid.UUID,
    import_id: uuid.UUID,
    status: ImportStatus,
    *,
    error: str = "",
) -> str:
    async with uow() as work:
        record = await work.imports.get(tenant_id, import_id, for_update=True)
        if record is None:
            return "missing"
        if record.status != ImportStatus.RUNNING:
            return record.status
        values: dict = {"status": status.value, "finished_at": datetime.now(UTC), "error": error}
        if status is ImportStatus.COMPLETED and record.cancel_requested:
            values["status"] = ImportStatus.CANCELLED.value
        if status is ImportStatus.COMPLETED:
            values["total"] = record.processed
            record.total = record.processed
        await work.imports.update(import_id, **values)
        record.status = values["status"]
        work.emit(progressed(record))
        await work.commit()
    return record.status


async def resume_unfinished(
    *, uow: UowFactory, enqueue: Callable[[uuid.UUID, uuid.UUID], None]
) -> int:
    """Queue every queued or running import again (the job skips one another worker holds)."""
    async with uow() as work:
        found = await work.imports.unfinished()
    for tenant_id, import_id in found:
        enqueue(tenant_id, import_id)
    return len(found)


def eta(record: ImportRecord) -> float | None:
    if record.status != ImportStatus.RUNNING or record.started_at is None:
        return None
    elapsed = (datetime.now(UTC) - record.started_at).total_seconds()
    return rules.eta_seconds(record.processed, record.total, elapsed)


def mapping_violations(problems: list[str]) -> list[FieldViolation]:
    return [FieldViolation("mapping", p) for p in problems]
