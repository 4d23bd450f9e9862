import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from moodline.customer.v1 import customer_pb2 as _customer_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Import(_message.Message):
    __slots__ = ("id", "status", "filename", "format", "encoding", "delimiter", "headers", "mapping", "suggested_mapping", "default_country", "on_match", "total", "processed", "created", "updated", "skipped", "failed", "created_at", "started_at", "finished_at", "error", "preview", "size_bytes", "loyalty_program_id", "mapping_complete", "possible_duplicates")
    class MappingEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    class SuggestedMappingEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    FILENAME_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    ENCODING_FIELD_NUMBER: _ClassVar[int]
    DELIMITER_FIELD_NUMBER: _ClassVar[int]
    HEADERS_FIELD_NUMBER: _ClassVar[int]
    MAPPING_FIELD_NUMBER: _ClassVar[int]
    SUGGESTED_MAPPING_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_COUNTRY_FIELD_NUMBER: _ClassVar[int]
    ON_MATCH_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    PROCESSED_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    UPDATED_FIELD_NUMBER: _ClassVar[int]
    SKIPPED_FIELD_NUMBER: _ClassVar[int]
    FAILED_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    STARTED_AT_FIELD_NUMBER: _ClassVar[int]
    FINISHED_AT_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    PREVIEW_FIELD_NUMBER: _ClassVar[int]
    SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    LOYALTY_PROGRAM_ID_FIELD_NUMBER: _ClassVar[int]
    MAPPING_COMPLETE_FIELD_NUMBER: _ClassVar[int]
    POSSIBLE_DUPLICATES_FIELD_NUMBER: _ClassVar[int]
    id: str
    status: str
    filename: str
    format: str
    encoding: str
    delimiter: str
    headers: _containers.RepeatedScalarFieldContainer[str]
    mapping: _containers.ScalarMap[str, str]
    suggested_mapping: _containers.ScalarMap[str, str]
    default_country: str
    on_match: str
    total: int
    processed: int
    created: int
    updated: int
    skipped: int
    failed: int
    created_at: _timestamp_pb2.Timestamp
    started_at: _timestamp_pb2.Timestamp
    finished_at: _timestamp_pb2.Timestamp
    error: str
    preview: _containers.RepeatedCompositeFieldContainer[PreviewRow]
    size_bytes: int
    loyalty_program_id: str
    mapping_complete: bool
    possible_duplicates: int
    def __init__(self, id: _Optional[str] = ..., status: _Optional[str] = ..., filename: _Optional[str] = ..., format: _Optional[str] = ..., encoding: _Optional[str] = ..., delimiter: _Optional[str] = ..., headers: _Optional[_Iterable[str]] = ..., mapping: _Optional[_Mapping[str, str]] = ..., suggested_mapping: _Optional[_Mapping[str, str]] = ..., default_country: _Optional[str] = ..., on_match: _Optional[str] = ..., total: _Optional[int] = ..., processed: _Optional[int] = ..., created: _Optional[int] = ..., updated: _Optional[int] = ..., skipped: _Optional[int] = ..., failed: _Optional[int] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., started_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., finished_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., error: _Optional[str] = ..., preview: _Optional[_Iterable[_Union[PreviewRow, _Mapping]]] = ..., size_bytes: _Optional[int] = ..., loyalty_program_id: _Optional[str] = ..., mapping_complete: _Optional[bool] = ..., possible_duplicates: _Optional[int] = ...) -> None: ...

class PreviewRow(_message.Message):
    __slots__ = ("row_number", "cells", "error")
    ROW_NUMBER_FIELD_NUMBER: _ClassVar[int]
    CELLS_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    row_number: int
    cells: _containers.RepeatedCompositeFieldContainer[PreviewCell]
    error: str
    def __init__(self, row_number: _Optional[int] = ..., cells: _Optional[_Iterable[_Union[PreviewCell, _Mapping]]] = ..., error: _Optional[str] = ...) -> None: ...

class PreviewCell(_message.Message):
    __slots__ = ("header", "value", "field", "error", "normalised")
    HEADER_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    FIELD_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    NORMALISED_FIELD_NUMBER: _ClassVar[int]
    header: str
    value: str
    field: str
    error: str
    normalised: str
    def __init__(self, header: _Optional[str] = ..., value: _Optional[str] = ..., field: _Optional[str] = ..., error: _Optional[str] = ..., normalised: _Optional[str] = ...) -> None: ...

class CreateImportRequest(_message.Message):
    __slots__ = ("filename", "default_country")
    FILENAME_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_COUNTRY_FIELD_NUMBER: _ClassVar[int]
    filename: str
    default_country: str
    def __init__(self, filename: _Optional[str] = ..., default_country: _Optional[str] = ...) -> None: ...

class AppendImportChunkRequest(_message.Message):
    __slots__ = ("import_id", "seq", "data")
    IMPORT_ID_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    import_id: str
    seq: int
    data: bytes
    def __init__(self, import_id: _Optional[str] = ..., seq: _Optional[int] = ..., data: _Optional[bytes] = ...) -> None: ...

class AppendImportChunkResponse(_message.Message):
    __slots__ = ("size_bytes",)
    SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    size_bytes: int
    def __init__(self, size_bytes: _Optional[int] = ...) -> None: ...

class FinishImportUploadRequest(_message.Message):
    __slots__ = ("import_id",)
    IMPORT_ID_FIELD_NUMBER: _ClassVar[int]
    import_id: str
    def __init__(self, import_id: _Optional[str] = ...) -> None: ...

class RunImportRequest(_message.Message):
    __slots__ = ("import_id", "mapping", "default_country", "on_match", "loyalty_program_id")
    class MappingEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    IMPORT_ID_FIELD_NUMBER: _ClassVar[int]
    MAPPING_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_COUNTRY_FIELD_NUMBER: _ClassVar[int]
    ON_MATCH_FIELD_NUMBER: _ClassVar[int]
    LOYALTY_PROGRAM_ID_FIELD_NUMBER: _ClassVar[int]
    import_id: str
    mapping: _containers.ScalarMap[str, str]
    default_country: str
    on_match: str
    loyalty_program_id: str
    def __init__(self, import_id: _Optional[str] = ..., mapping: _Optional[_Mapping[str, str]] = ..., default_country: _Optional[str] = ..., on_match: _Optional[str] = ..., loyalty_program_id: _Optional[str] = ...) -> None: ...

class GetImportRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class CancelImportRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class ListImportErrorsRequest(_message.Message):
    __slots__ = ("import_id", "after_row", "page_size")
    IMPORT_ID_FIELD_NUMBER: _ClassVar[int]
    AFTER_ROW_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    import_id: str
    after_row: int
    page_size: int
    def __init__(self, import_id: _Optional[str] = ..., after_row: _Optional[int] = ..., page_size: _Optional[int] = ...) -> None: ...

class ImportError(_message.Message):
    __slots__ = ("row_number", "cells", "reason")
    ROW_NUMBER_FIELD_NUMBER: _ClassVar[int]
    CELLS_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    row_number: int
    cells: _containers.RepeatedScalarFieldContainer[str]
    reason: str
    def __init__(self, row_number: _Optional[int] = ..., cells: _Optional[_Iterable[str]] = ..., reason: _Optional[str] = ...) -> None: ...

class ListImportErrorsResponse(_message.Message):
    __slots__ = ("headers", "errors", "next_after_row")
    HEADERS_FIELD_NUMBER: _ClassVar[int]
    ERRORS_FIELD_NUMBER: _ClassVar[int]
    NEXT_AFTER_ROW_FIELD_NUMBER: _ClassVar[int]
    headers: _containers.RepeatedScalarFieldContainer[str]
    errors: _containers.RepeatedCompositeFieldContainer[ImportError]
    next_after_row: int
    def __init__(self, headers: _Optional[_Iterable[str]] = ..., errors: _Optional[_Iterable[_Union[ImportError, _Mapping]]] = ..., next_after_row: _Optional[int] = ...) -> None: ...

class ListImportDuplicatesRequest(_message.Message):
    __slots__ = ("import_id", "after_row", "page_size")
    IMPORT_ID_FIELD_NUMBER: _ClassVar[int]
    AFTER_ROW_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    import_id: str
    after_row: int
    page_size: int
    def __init__(self, import_id: _Optional[str] = ..., after_row: _Optional[int] = ..., page_size: _Optional[int] = ...) -> None: ...

class ImportDuplicate(_message.Message):
    __slots__ = ("row_number", "customer_id", "duplicate_id", "score", "reason")
    ROW_NUMBER_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    DUPLICATE_ID_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    row_number: int
    customer_id: str
    duplicate_id: str
    score: int
    reason: str
    def __init__(self, row_number: _Optional[int] = ..., customer_id: _Optional[str] = ..., duplicate_id: _Optional[str] = ..., score: _Optional[int] = ..., reason: _Optional[str] = ...) -> None: ...

class ListImportDuplicatesResponse(_message.Message):
    __slots__ = ("duplicates", "next_after_row")
    DUPLICATES_FIELD_NUMBER: _ClassVar[int]
    NEXT_AFTER_ROW_FIELD_NUMBER: _ClassVar[int]
    duplicates: _containers.RepeatedCompositeFieldContainer[ImportDuplicate]
    next_after_row: int
    def __init__(self, duplicates: _Optional[_Iterable[_Union[ImportDuplicate, _Mapping]]] = ..., next_after_row: _Optional[int] = ...) -> None: ...

class Export(_message.Message):
    __slots__ = ("id", "status", "format", "total", "processed", "size_bytes", "filename", "content_type", "created_at", "finished_at", "expires_at", "error", "chunks")
    ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    PROCESSED_FIELD_NUMBER: _ClassVar[int]
    SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    FILENAME_FIELD_NUMBER: _ClassVar[int]
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    FINISHED_AT_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    CHUNKS_FIELD_NUMBER: _ClassVar[int]
    id: str
    status: str
    format: str
    total: int
    processed: int
    size_bytes: int
    filename: str
    content_type: str
    created_at: _timestamp_pb2.Timestamp
    finished_at: _timestamp_pb2.Timestamp
    expires_at: _timestamp_pb2.Timestamp
    error: str
    chunks: int
    def __init__(self, id: _Optional[str] = ..., status: _Optional[str] = ..., format: _Optional[str] = ..., total: _Optional[int] = ..., processed: _Optional[int] = ..., size_bytes: _Optional[int] = ..., filename: _Optional[str] = ..., content_type: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., finished_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., error: _Optional[str] = ..., chunks: _Optional[int] = ...) -> None: ...

class CreateExportRequest(_message.Message):
    __slots__ = ("format", "filter", "ids")
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    IDS_FIELD_NUMBER: _ClassVar[int]
    format: str
    filter: _customer_pb2.ListCustomersRequest
    ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, format: _Optional[str] = ..., filter: _Optional[_Union[_customer_pb2.ListCustomersRequest, _Mapping]] = ..., ids: _Optional[_Iterable[str]] = ...) -> None: ...

class GetExportRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class ReadExportChunkRequest(_message.Message):
    __slots__ = ("export_id", "seq")
    EXPORT_ID_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    export_id: str
    seq: int
    def __init__(self, export_id: _Optional[str] = ..., seq: _Optional[int] = ...) -> None: ...

class ExportChunk(_message.Message):
    __slots__ = ("data", "last")
    DATA_FIELD_NUMBER: _ClassVar[int]
    LAST_FIELD_NUMBER: _ClassVar[int]
    data: bytes
    last: bool
    def __init__(self, data: _Optional[bytes] = ..., last: _Optional[bool] = ...) -> None: ...
