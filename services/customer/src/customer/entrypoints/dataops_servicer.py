"""gRPC entrypoint of imports and exports (DataOpsService): requests into use cases, results
into messages; jobs are queued once the use case has committed."""

from __future__ import annotations

from typing import Any

import grpc
from google.protobuf.json_format import MessageToDict
from moodline.customer.v1 import dataops_pb2, dataops_pb2_grpc
from moodline_kit import auth
from moodline_kit.errors import Unauthenticated
from moodline_kit.grpc.methods import read, reads, rpc
from moodline_kit.tenancy import current_tenant
from moodline_kit.timestamps import to_proto

from customer.adapters.exports_repository import ExportRecord
from customer.adapters.imports_repository import ImportRecord
from customer.adapters.job_queue import RUN_EXPORT, RUN_IMPORT, JobQueue
from customer.domain.exports import CONTENT_TYPES, ExportFormat
from customer.service_layer import exports, imports
from customer.service_layer.handlers import UowFactory

Ctx = grpc.aio.ServicerContext


def _actor() -> str:
    try:
        return auth.current_claims().subject
    except Unauthenticated:
        return ""


def import_to_proto(record: ImportRecord) -> dataops_pb2.Import:
    message = dataops_pb2.Import(
        id=str(record.id),
        status=record.status,
        filename=record.filename,
        format=record.format,
        encoding=record.encoding,
        delimiter=record.delimiter,
        headers=record.headers,
        mapping=record.mapping,
        suggested_mapping=record.suggested_mapping,
        default_country=record.default_country,
        on_match=record.on_match,
        total=record.total,
        processed=record.processed,
        created=record.created,
        updated=record.updated,
        skipped=record.skipped,
        failed=record.failed,
        possible_duplicates=record.possible_duplicates,
        created_at=to_proto(record.created_at),
        error=record.error,
        size_bytes=record.size_bytes,
        loyalty_program_id=record.loyalty_program_id,
    )
    if record.started_at:
        message.started_at.CopyFrom(to_proto(record.started_at))
    if record.finished_at:
        message.finished_at.CopyFrom(to_proto(record.finished_at))
    if record.headers:
        message.mapping_complete = not imports.rules.mapping_problems(
            record.suggested_mapping, record.headers
        )
    for row in record.preview:
        message.preview.add(
            row_number=row["row_number"],
            error=row["error"],
            cells=[dataops_pb2.PreviewCell(**cell) for cell in row["cells"]],
        )
    return message


def export_to_proto(record: ExportRecord) -> dataops_pb2.Export:
    kind = ExportFormat(record.format)
    message = dataops_pb2.Export(
        id=str(record.id),
        status=record.status,
        format=record.format,
        total=record.total,
        processed=record.processed,
        size_bytes=record.size_bytes,
        filename=f"customers-{record.created_at:%Y%m%d-%H%M%S}.{kind.value}",
        content_type=CONTENT_TYPES[kind],
        created_at=to_proto(record.created_at),
        error=record.error,
        chunks=record.chunks,
    )
    if record.finished_at:
        message.finished_at.CopyFrom(to_proto(record.finished_at))
    if record.expires_at:
        message.expires_at.CopyFrom(to_proto(record.expires_at))
    return message


def _import_errors(found: tuple[Any, Any, int]) -> dataops_pb2.ListImportErrorsResponse:
    headers, errors, following = found
    return dataops_pb2.ListImportErrorsResponse(
        headers=headers,
        errors=[
            dataops_pb2.ImportError(row_number=n, cells=cells, reason=reason)
            for n, cells, reason in errors
        ],
        next_after_row=following,
    )


def _import_duplicates(found: tuple[Any, int]) -> dataops_pb2.ListImportDuplicatesResponse:
    duplicates, following = found
    return dataops_pb2.ListImportDuplicatesResponse(
        duplicates=[
            dataops_pb2.ImportDuplicate(
                row_number=n,
                customer_id=str(customer_id),
                duplicate_id=str(duplicate_id),
                score=score,
                reason=reason,
            )
            for n, customer_id, duplicate_id, score, reason in duplicates
        ],
        next_after_row=following,
    )


class DataOpsServicer(dataops_pb2_grpc.DataOpsServiceServicer):
    def __init__(self, uow: UowFactory, queue: JobQueue, *, max_import_bytes: int) -> None:
        self._uow = uow
        self._queue = queue
        self._max_bytes = max_import_bytes

    CreateImport = rpc(
        imports.create_import,
        import_to_proto,
        **reads("filename", "default_country"),
        actor=lambda _: _actor(),
    )
    AppendImportChunk = rpc(
        imports.append_chunk,
        lambda size: dataops_pb2.AppendImportChunkResponse(size_bytes=size),
        servicer=("max_bytes",),
        **reads("import_id", "seq", "data"),
    )
    FinishImportUpload = rpc(imports.finish_upload, import_to_proto, import_id=read("import_id"))
    GetImport = rpc(imports.get_import, import_to_proto, import_id=read("id"))
    CancelImport = rpc(imports.cancel_import, import_to_proto, import_id=read("id"))
    ListImportErrors = rpc(
        imports.list_errors, _import_errors, **reads("import_id", "after_row", "page_size")
    )
    ListImportDuplicates = rpc(
        imports.list_duplicates,
        _import_duplicates,
        **reads("import_id", "after_row", "page_size"),
    )
    GetExport = rpc(exports.get_export, export_to_proto, export_id=read("id"))
    ReadExportChunk = rpc(
        exports.read_chunk,
        lambda found: dataops_pb2.ExportChunk(data=found[0], last=found[1]),
        **reads("export_id", "seq"),
    )

    async def RunImport(
        self, request: dataops_pb2.RunImportRequest, context: Ctx
    ) -> dataops_pb2.Import:
        record = await imports.run_import(
            tenant_id=current_tenant(),
            import_id=request.import_id,
            mapping=dict(request.mapping),
            default_country=request.default_country,
            on_match=request.on_match,
            loyalty_program_id=request.loyalty_program_id,
            uow=self._uow,
        )
        await self._queue.enqueue(RUN_IMPORT, record.tenant_id, record.id)
        return import_to_proto(record)

    async def CreateExport(
        self, request: dataops_pb2.CreateExportRequest, context: Ctx
    ) -> dataops_pb2.Export:
        filter_ = {}
        if request.HasField("filter"):
            filter_ = MessageToDict(request.filter, preserving_proto_field_name=True)
            for name in ("page_size", "page_token"):
                filter_.pop(name, None)
            for name in ("min_ltv_minor",):
                if name in filter_:
                    filter_[name] = int(filter_[name])
        record = await exports.create_export(
            tenant_id=current_tenant(),
            format=request.format,
            filter_=filter_,
            ids=list(request.ids),
            actor=_actor(),
            uow=self._uow,
        )
        await self._queue.enqueue(RUN_EXPORT, record.tenant_id, record.id)
        return export_to_proto(record)
