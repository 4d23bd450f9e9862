from moodline.customer.v1 import customer_pb2 as _customer_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CustomerCreated(_message.Message):
    __slots__ = ("customer",)
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    customer: _customer_pb2.Customer
    def __init__(self, customer: _Optional[_Union[_customer_pb2.Customer, _Mapping]] = ...) -> None: ...

class CustomerUpdated(_message.Message):
    __slots__ = ("customer", "changed_fields")
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    CHANGED_FIELDS_FIELD_NUMBER: _ClassVar[int]
    customer: _customer_pb2.Customer
    changed_fields: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, customer: _Optional[_Union[_customer_pb2.Customer, _Mapping]] = ..., changed_fields: _Optional[_Iterable[str]] = ...) -> None: ...

class CustomerDeleted(_message.Message):
    __slots__ = ("customer_id",)
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    def __init__(self, customer_id: _Optional[str] = ...) -> None: ...

class CustomerStageChanged(_message.Message):
    __slots__ = ("customer_id", "from_stage", "to_stage", "reason")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    FROM_STAGE_FIELD_NUMBER: _ClassVar[int]
    TO_STAGE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    from_stage: str
    to_stage: str
    reason: str
    def __init__(self, customer_id: _Optional[str] = ..., from_stage: _Optional[str] = ..., to_stage: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class CustomerStatusChanged(_message.Message):
    __slots__ = ("customer_id", "from_status", "to_status")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    FROM_STATUS_FIELD_NUMBER: _ClassVar[int]
    TO_STATUS_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    from_status: str
    to_status: str
    def __init__(self, customer_id: _Optional[str] = ..., from_status: _Optional[str] = ..., to_status: _Optional[str] = ...) -> None: ...

class CustomerFolderChanged(_message.Message):
    __slots__ = ("customer_id", "from_folder", "to_folder")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    FROM_FOLDER_FIELD_NUMBER: _ClassVar[int]
    TO_FOLDER_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    from_folder: str
    to_folder: str
    def __init__(self, customer_id: _Optional[str] = ..., from_folder: _Optional[str] = ..., to_folder: _Optional[str] = ...) -> None: ...

class CustomerTagAdded(_message.Message):
    __slots__ = ("customer_id", "tag")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    TAG_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    tag: str
    def __init__(self, customer_id: _Optional[str] = ..., tag: _Optional[str] = ...) -> None: ...

class CustomerTagRemoved(_message.Message):
    __slots__ = ("customer_id", "tag")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    TAG_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    tag: str
    def __init__(self, customer_id: _Optional[str] = ..., tag: _Optional[str] = ...) -> None: ...

class CustomerConsentChanged(_message.Message):
    __slots__ = ("customer_id", "consent")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    CONSENT_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    consent: _customer_pb2.Consent
    def __init__(self, customer_id: _Optional[str] = ..., consent: _Optional[_Union[_customer_pb2.Consent, _Mapping]] = ...) -> None: ...

class CustomerNoteAdded(_message.Message):
    __slots__ = ("note",)
    NOTE_FIELD_NUMBER: _ClassVar[int]
    note: _customer_pb2.Note
    def __init__(self, note: _Optional[_Union[_customer_pb2.Note, _Mapping]] = ...) -> None: ...

class CustomerMerged(_message.Message):
    __slots__ = ("operation_id", "customer_id", "duplicate_id")
    OPERATION_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    DUPLICATE_ID_FIELD_NUMBER: _ClassVar[int]
    operation_id: str
    customer_id: str
    duplicate_id: str
    def __init__(self, operation_id: _Optional[str] = ..., customer_id: _Optional[str] = ..., duplicate_id: _Optional[str] = ...) -> None: ...

class CustomerErased(_message.Message):
    __slots__ = ("operation_id", "customer_id")
    OPERATION_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    operation_id: str
    customer_id: str
    def __init__(self, operation_id: _Optional[str] = ..., customer_id: _Optional[str] = ...) -> None: ...

class ImportProgressed(_message.Message):
    __slots__ = ("import_id", "status", "total", "processed", "created", "updated", "skipped", "failed")
    IMPORT_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    PROCESSED_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    UPDATED_FIELD_NUMBER: _ClassVar[int]
    SKIPPED_FIELD_NUMBER: _ClassVar[int]
    FAILED_FIELD_NUMBER: _ClassVar[int]
    import_id: str
    status: str
    total: int
    processed: int
    created: int
    updated: int
    skipped: int
    failed: int
    def __init__(self, import_id: _Optional[str] = ..., status: _Optional[str] = ..., total: _Optional[int] = ..., processed: _Optional[int] = ..., created: _Optional[int] = ..., updated: _Optional[int] = ..., skipped: _Optional[int] = ..., failed: _Optional[int] = ...) -> None: ...

class CustomersImported(_message.Message):
    __slots__ = ("import_id", "created_ids", "updated_ids", "loyalty_program_id")
    IMPORT_ID_FIELD_NUMBER: _ClassVar[int]
    CREATED_IDS_FIELD_NUMBER: _ClassVar[int]
    UPDATED_IDS_FIELD_NUMBER: _ClassVar[int]
    LOYALTY_PROGRAM_ID_FIELD_NUMBER: _ClassVar[int]
    import_id: str
    created_ids: _containers.RepeatedScalarFieldContainer[str]
    updated_ids: _containers.RepeatedScalarFieldContainer[str]
    loyalty_program_id: str
    def __init__(self, import_id: _Optional[str] = ..., created_ids: _Optional[_Iterable[str]] = ..., updated_ids: _Optional[_Iterable[str]] = ..., loyalty_program_id: _Optional[str] = ...) -> None: ...

class ExportProgressed(_message.Message):
    __slots__ = ("export_id", "status", "total", "processed")
    EXPORT_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    PROCESSED_FIELD_NUMBER: _ClassVar[int]
    export_id: str
    status: str
    total: int
    processed: int
    def __init__(self, export_id: _Optional[str] = ..., status: _Optional[str] = ..., total: _Optional[int] = ..., processed: _Optional[int] = ...) -> None: ...
