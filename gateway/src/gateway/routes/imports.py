"""/api/v1/imports: customer imports from CSV or Excel files (customer service, DataOpsService).

The upload is a multipart form: Starlette spools the file to disk past 1 MiB, and it is sent
on to the customer service in 1 MiB chunks, so the gateway's memory stays flat whatever the
file's size (the body limit of this path is `MAX_IMPORT_BYTES`, counted while streaming)."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, File, Form, Query, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response, StreamingResponse
from google.protobuf.timestamp_pb2 import Timestamp
from moodline.customer.v1 import dataops_pb2
from moodline_kit.grpc.structs import fields_of
from pydantic import BaseModel, Field

from gateway.auth import Principal
from gateway.deps import Upstreams, metadata, upstreams
from gateway.permissions import Permission, require
from gateway.schemas import Strict
from gateway.validation import PathId

router = APIRouter(prefix="/api/v1/imports", tags=["imports"])

can_import = require(Permission.CUSTOMERS_IMPORT)

CHUNK_BYTES = 1024 * 1024
FILE_TYPES = (".csv", ".tsv", ".txt", ".xlsx")
_PROBLEM = {"content": {"application/problem+json": {}}}
ERRORS = {
    401: {"description": "no valid credential", **_PROBLEM},
    403: {"description": "role lacks the permission", **_PROBLEM},
    404: {"description": "no such import in this tenant", **_PROBLEM},
    412: {"description": "the import is not in a state that allows this", **_PROBLEM},
    413: {"description": "the file is larger than the limit", **_PROBLEM},
    422: {"description": "bad file type, unreadable file, bad mapping or options", **_PROBLEM},
}
FIELDS = (
    "first_name", "last_name", "full_name", "company", "phone", "email", "address", "city",
    "state", "postal_code", "country", "tags", "folder",
)  # fmt: skip
TEMPLATE_HEADERS = (
    "First Name", "Last Name", "Company", "Phone", "Email", "Address", "City", "State",
    "Zip Code", "Country", "Tags", "Folder",
)  # fmt: skip
TEMPLATE_EXAMPLE = (
    "Ann", "Lee", "Lee Studio", "(415) 555-0134", "ann@example.com", "1 Market St",
    "San Francisco", "CA", "94105", "US", "vip; newsletter", "",
)  # fmt: skip

ImportStatus = Literal[
    "uploading", "previewed", "queued", "running", "completed", "failed", "cancelled"
]


class PreviewCellOut(BaseModel):
    header: str
    value: str = Field(description="the cell as uploaded")
    field: str = Field(description="the field its column maps to; empty when unmapped")
    error: str = Field(description="why the value is invalid for its field; empty when valid")
    normalised: str = Field(description="the value as it would be stored (e.g. E.164)")


class PreviewRowOut(BaseModel):
    row_number: int = Field(description="the row in the file (the header is row 1)")
    cells: list[PreviewCellOut]
    error: str = Field(description="why the row would be rejected; empty when it is valid")


class ImportOut(BaseModel):
    id: str
    status: ImportStatus
    filename: str
    format: str = Field(description="csv or xlsx")
    encoding: str = Field(description="utf-8, utf-8-sig, cp1252 or latin-1 (CSV)")
    delimiter: str
    headers: list[str]
    mapping: dict[str, str] = Field(description="header -> field, as it runs")
    suggested_mapping: dict[str, str]
    mapping_complete: bool = Field(description="the suggested mapping can run as it is")
    fields: list[str] = Field(description="the fields a column may map to (and cf.<key>)")
    default_country: str
    on_match: Literal["update", "skip"]
    loyalty_program_id: str | None
    size_bytes: int
    total: int = Field(description="data rows in the file (0 until the job has counted)")
    processed: int
    created: int
    updated: int
    skipped: int = Field(description="matched rows left as they were (skip, or no change)")
    failed: int
    possible_duplicates: int = Field(
        description="created rows that look like a customer already there (same name, similar "
        "company): listed at duplicates_url"
    )
    progress: float = Field(description="processed / total, 0..1")
    eta_seconds: float | None = Field(description="estimated seconds left while running")
    error: str
    preview: list[PreviewRowOut]
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    errors_url: str
    duplicates_url: str


class ImportDuplicateOut(BaseModel):
    row_number: int = Field(description="the row in the file (the header is row 1)")
    customer_id: str = Field(description="the customer the row created")
    duplicate_id: str = Field(description="the customer it looks like")
    score: int = Field(description="0..100, as /api/v1/customers/duplicates scores it")
    reason: str


class ImportDuplicatesOut(BaseModel):
    duplicates: list[ImportDuplicateOut]
    next_after_row: int = Field(description="pass as after_row for the next page; 0: no more")


class ImportRun(Strict):
    mapping: dict[str, str] | None = Field(
        default=None, description="header -> field; omitted: the suggested mapping"
    )
    default_country: str | None = Field(default=None, max_length=2)
    on_match: Literal["update", "skip"] = "update"
    loyalty_program_id: str | None = Field(
        default=None,
        pattern=r"^[0-9a-fA-F-]{36}$",
        description="enrol every created or matched customer in this loyalty program",
    )


def _time(ts: Timestamp, present: bool = True) -> datetime | None:
    if not present:
        return None
    return ts.ToDatetime(tzinfo=UTC)


def import_out(m: dataops_pb2.Import) -> ImportOut:
    progress = (
        min(1.0, m.processed / m.total) if m.total else (1.0 if m.status == "completed" else 0.0)
    )
    eta = None
    if m.status == "running" and m.processed and m.total and m.HasField("started_at"):
        elapsed = (datetime.now(UTC) - m.started_at.ToDatetime(tzinfo=UTC)).total_seconds()
        eta = round(max(0.0, (m.total - m.processed) * elapsed / m.processed), 1)
    return ImportOut(
        id=m.id,
        status=m.status,  # type: ignore[arg-type]
        filename=m.filename,
        format=m.format,
        encoding=m.encoding,
        delimiter=m.delimiter,
        headers=list(m.headers),
        mapping=dict(m.mapping),
        suggested_mapping=dict(m.suggested_mapping),
        mapping_complete=m.mapping_complete,
        fields=list(FIELDS),
        default_country=m.default_country,
        on_match=m.on_match or "update",  # type: ignore[arg-type]
        loyalty_program_id=m.loyalty_program_id or None,
        size_bytes=m.size_bytes,
        total=m.total,
        processed=m.processed,
        created=m.created,
        updated=m.updated,
        skipped=m.skipped,
        failed=m.failed,
        possible_duplicates=m.possible_duplicates,
        progress=round(progress, 4),
        eta_seconds=eta,
        error=m.error,
        preview=[
            PreviewRowOut(
                row_number=r.row_number,
                error=r.error,
                cells=[PreviewCellOut(**fields_of(c)) for c in r.cells],
            )
            for r in m.preview
        ],
        created_at=m.created_at.ToDatetime(tzinfo=UTC),
        started_at=_time(m.started_at, m.HasField("started_at")),
        finished_at=_time(m.finished_at, m.HasField("finished_at")),
        errors_url=f"/api/v1/imports/{m.id}/errors",
        duplicates_url=f"/api/v1/imports/{m.id}/duplicates",
    )


def _file_problem(message: str) -> RequestValidationError:
    return RequestValidationError(
        [{"loc": ("body", "file"), "msg": message, "type": "value_error"}]
    )


@router.get(
    "/template",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "a CSV with the columns"}},
)
async def import_template(_: Principal = Depends(can_import)) -> Response:
    """A CSV template with every column an import recognises and an example row."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(TEMPLATE_HEADERS)
    writer.writerow(TEMPLATE_EXAMPLE)
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="moodline-import-template.csv"'},
    )


@router.post("", status_code=201, response_model=ImportOut, responses=ERRORS)
async def upload_import(
    file: Annotated[UploadFile, File(description="CSV (UTF-8, Windows-1252, Latin-1) or .xlsx")],
    default_country: Annotated[
        str, Form(max_length=2, description="ISO 3166 alpha-2 of numbers without +")
    ] = "",
    who: Principal = Depends(can_import),
    up: Upstreams = Depends(upstreams),
) -> ImportOut:
    """Upload a file: answers with its headers, the suggested mapping and a preview of the first
    rows with every cell validated (status `previewed`). Start it with POST /{id}/run."""
    name = (file.filename or "").strip()
    if not name.lower().endswith(FILE_TYPES):
        raise _file_problem(f"must be a CSV or .xlsx file (one of {', '.join(FILE_TYPES)})")
    stub = up.dataops
    meta = metadata(who)
    created = await stub.CreateImport(
        dataops_pb2.CreateImportRequest(filename=name, default_country=default_country),
        metadata=meta,
    )
    seq = 0
    while data := await file.read(CHUNK_BYTES):
        await stub.AppendImportChunk(
            dataops_pb2.AppendImportChunkRequest(import_id=created.id, seq=seq, data=data),
            metadata=meta,
        )
        seq += 1
    if seq == 0:
        raise _file_problem("the file is empty")
    finished = await stub.FinishImportUpload(
        dataops_pb2.FinishImportUploadRequest(import_id=created.id), metadata=meta
    )
    return import_out(finished)


@router.get("/{import_id}", response_model=ImportOut, responses=ERRORS)
async def get_import(
    import_id: PathId, who: Principal = Depends(can_import), up: Upstreams = Depends(upstreams)
) -> ImportOut:
    """Status, counts, progress and ETA (also on /api/v1/events as customer.import.progressed)."""
    found = await up.dataops.GetImport(
        dataops_pb2.GetImportRequest(id=import_id), metadata=metadata(who)
    )
    return import_out(found)


@router.post("/{import_id}/run", status_code=202, response_model=ImportOut, responses=ERRORS)
async def run_import(
    import_id: PathId,
    body: ImportRun | None = None,
    who: Principal = Depends(can_import),
    up: Upstreams = Depends(upstreams),
) -> ImportOut:
    """Start a previewed import with the mapping (default: the suggested one), default
    country and what to do with rows matching a customer by phone or e-mail."""
    body = body or ImportRun()
    request = dataops_pb2.RunImportRequest(
        import_id=import_id,
        mapping=body.mapping or {},
        default_country=body.default_country or "",
        on_match=body.on_match,
        loyalty_program_id=body.loyalty_program_id or "",
    )
    return import_out(await up.dataops.RunImport(request, metadata=metadata(who)))


@router.post("/{import_id}/cancel", response_model=ImportOut, responses=ERRORS)
async def cancel_import(
    import_id: PathId, who: Principal = Depends(can_import), up: Upstreams = Depends(upstreams)
) -> ImportOut:
    """Stop the import after its current chunk (what was committed stays)."""
    found = await up.dataops.CancelImport(
        dataops_pb2.CancelImportRequest(id=import_id), metadata=metadata(who)
    )
    return import_out(found)


@router.get(
    "/{import_id}/errors",
    response_class=StreamingResponse,
    responses={
        **ERRORS,
        200: {
            "content": {"text/csv": {}},
            "description": "the rejected rows as uploaded, with `row_number` and `reason` added",
        },
    },
)
async def import_errors(
    import_id: PathId, who: Principal = Depends(can_import), up: Upstreams = Depends(upstreams)
) -> StreamingResponse:
    """The rejected rows as a CSV (the file's columns, then `row_number` and `reason`): fix
    them and upload the file again."""
    meta = metadata(who)
    first = await up.dataops.ListImportErrors(
        dataops_pb2.ListImportErrorsRequest(import_id=import_id, page_size=1000), metadata=meta
    )

    async def rows() -> AsyncIterator[str]:
        page = first
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow([*page.headers, "row_number", "reason"])
        while True:
            for error in page.errors:
                writer.writerow([*error.cells, error.row_number, error.reason])
            yield out.getvalue()
            out.seek(0)
            out.truncate()
            if not page.next_after_row:
                return
            page = await up.dataops.ListImportErrors(
                dataops_pb2.ListImportErrorsRequest(
                    import_id=import_id, after_row=page.next_after_row, page_size=1000
                ),
                metadata=meta,
            )

    return StreamingResponse(
        rows(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="import-{import_id}-errors.csv"'},
    )


@router.get("/{import_id}/duplicates", response_model=ImportDuplicatesOut, responses=ERRORS)
async def import_duplicates(
    import_id: PathId,
    after_row: Annotated[int, Query(ge=0)] = 0,
    page_size: Annotated[int, Query(ge=1, le=5000)] = 1000,
    who: Principal = Depends(can_import),
    up: Upstreams = Depends(upstreams),
) -> ImportDuplicatesOut:
    """The customers the import created that look like one already there (the import warns;
    merge them with POST /api/v1/customers/{id}/merge, or keep both), in file order."""
    page = await up.dataops.ListImportDuplicates(
        dataops_pb2.ListImportDuplicatesRequest(
            import_id=import_id, after_row=after_row, page_size=page_size
        ),
        metadata=metadata(who),
    )
    return ImportDuplicatesOut(
        duplicates=[ImportDuplicateOut(**fields_of(d)) for d in page.duplicates],
        next_after_row=page.next_after_row,
    )
