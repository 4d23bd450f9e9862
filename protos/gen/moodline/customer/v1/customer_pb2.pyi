import datetime

from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class MergeField(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MERGE_FIELD_UNSPECIFIED: _ClassVar[MergeField]
    MERGE_FIELD_FIRST_NAME: _ClassVar[MergeField]
    MERGE_FIELD_LAST_NAME: _ClassVar[MergeField]
    MERGE_FIELD_COMPANY: _ClassVar[MergeField]
    MERGE_FIELD_PREFERRED_CHANNEL: _ClassVar[MergeField]
    MERGE_FIELD_PREFERRED_CONTACT_TIME: _ClassVar[MergeField]
    MERGE_FIELD_LANGUAGE: _ClassVar[MergeField]
    MERGE_FIELD_TIMEZONE: _ClassVar[MergeField]
    MERGE_FIELD_FOLDER: _ClassVar[MergeField]
    MERGE_FIELD_CALL_STATUS: _ClassVar[MergeField]
    MERGE_FIELD_CUSTOM_FIELDS: _ClassVar[MergeField]
MERGE_FIELD_UNSPECIFIED: MergeField
MERGE_FIELD_FIRST_NAME: MergeField
MERGE_FIELD_LAST_NAME: MergeField
MERGE_FIELD_COMPANY: MergeField
MERGE_FIELD_PREFERRED_CHANNEL: MergeField
MERGE_FIELD_PREFERRED_CONTACT_TIME: MergeField
MERGE_FIELD_LANGUAGE: MergeField
MERGE_FIELD_TIMEZONE: MergeField
MERGE_FIELD_FOLDER: MergeField
MERGE_FIELD_CALL_STATUS: MergeField
MERGE_FIELD_CUSTOM_FIELDS: MergeField

class DuplicateReason(_message.Message):
    __slots__ = ("kind", "detail")
    KIND_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    kind: str
    detail: str
    def __init__(self, kind: _Optional[str] = ..., detail: _Optional[str] = ...) -> None: ...

class DuplicatePair(_message.Message):
    __slots__ = ("customer", "duplicate", "score", "reasons")
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    DUPLICATE_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    REASONS_FIELD_NUMBER: _ClassVar[int]
    customer: Customer
    duplicate: Customer
    score: int
    reasons: _containers.RepeatedCompositeFieldContainer[DuplicateReason]
    def __init__(self, customer: _Optional[_Union[Customer, _Mapping]] = ..., duplicate: _Optional[_Union[Customer, _Mapping]] = ..., score: _Optional[int] = ..., reasons: _Optional[_Iterable[_Union[DuplicateReason, _Mapping]]] = ...) -> None: ...

class ListDuplicatesRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "min_score")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    MIN_SCORE_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    min_score: int
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., min_score: _Optional[int] = ...) -> None: ...

class ListDuplicatesResponse(_message.Message):
    __slots__ = ("pairs", "next_page_token")
    PAIRS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    pairs: _containers.RepeatedCompositeFieldContainer[DuplicatePair]
    next_page_token: str
    def __init__(self, pairs: _Optional[_Iterable[_Union[DuplicatePair, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class FindLikelyDuplicatesRequest(_message.Message):
    __slots__ = ("first_name", "last_name", "company", "phones", "emails", "exclude_id", "limit")
    FIRST_NAME_FIELD_NUMBER: _ClassVar[int]
    LAST_NAME_FIELD_NUMBER: _ClassVar[int]
    COMPANY_FIELD_NUMBER: _ClassVar[int]
    PHONES_FIELD_NUMBER: _ClassVar[int]
    EMAILS_FIELD_NUMBER: _ClassVar[int]
    EXCLUDE_ID_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    first_name: str
    last_name: str
    company: str
    phones: _containers.RepeatedScalarFieldContainer[str]
    emails: _containers.RepeatedScalarFieldContainer[str]
    exclude_id: str
    limit: int
    def __init__(self, first_name: _Optional[str] = ..., last_name: _Optional[str] = ..., company: _Optional[str] = ..., phones: _Optional[_Iterable[str]] = ..., emails: _Optional[_Iterable[str]] = ..., exclude_id: _Optional[str] = ..., limit: _Optional[int] = ...) -> None: ...

class LikelyDuplicate(_message.Message):
    __slots__ = ("customer", "score", "reasons")
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    REASONS_FIELD_NUMBER: _ClassVar[int]
    customer: Customer
    score: int
    reasons: _containers.RepeatedCompositeFieldContainer[DuplicateReason]
    def __init__(self, customer: _Optional[_Union[Customer, _Mapping]] = ..., score: _Optional[int] = ..., reasons: _Optional[_Iterable[_Union[DuplicateReason, _Mapping]]] = ...) -> None: ...

class FindLikelyDuplicatesResponse(_message.Message):
    __slots__ = ("matches",)
    MATCHES_FIELD_NUMBER: _ClassVar[int]
    matches: _containers.RepeatedCompositeFieldContainer[LikelyDuplicate]
    def __init__(self, matches: _Optional[_Iterable[_Union[LikelyDuplicate, _Mapping]]] = ...) -> None: ...

class MergeCustomersRequest(_message.Message):
    __slots__ = ("customer_id", "duplicate_id", "fields")
    class FieldsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    DUPLICATE_ID_FIELD_NUMBER: _ClassVar[int]
    FIELDS_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    duplicate_id: str
    fields: _containers.ScalarMap[str, str]
    def __init__(self, customer_id: _Optional[str] = ..., duplicate_id: _Optional[str] = ..., fields: _Optional[_Mapping[str, str]] = ...) -> None: ...

class MergePreview(_message.Message):
    __slots__ = ("survivor", "duplicate", "result", "sources")
    class SourcesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    SURVIVOR_FIELD_NUMBER: _ClassVar[int]
    DUPLICATE_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    SOURCES_FIELD_NUMBER: _ClassVar[int]
    survivor: Customer
    duplicate: Customer
    result: Customer
    sources: _containers.ScalarMap[str, str]
    def __init__(self, survivor: _Optional[_Union[Customer, _Mapping]] = ..., duplicate: _Optional[_Union[Customer, _Mapping]] = ..., result: _Optional[_Union[Customer, _Mapping]] = ..., sources: _Optional[_Mapping[str, str]] = ...) -> None: ...

class OperationStep(_message.Message):
    __slots__ = ("service", "status", "completed_at")
    SERVICE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    COMPLETED_AT_FIELD_NUMBER: _ClassVar[int]
    service: str
    status: str
    completed_at: _timestamp_pb2.Timestamp
    def __init__(self, service: _Optional[str] = ..., status: _Optional[str] = ..., completed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CustomerOperation(_message.Message):
    __slots__ = ("id", "kind", "customer_id", "duplicate_id", "status", "steps", "created_at", "completed_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    DUPLICATE_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    STEPS_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    COMPLETED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    kind: str
    customer_id: str
    duplicate_id: str
    status: str
    steps: _containers.RepeatedCompositeFieldContainer[OperationStep]
    created_at: _timestamp_pb2.Timestamp
    completed_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., kind: _Optional[str] = ..., customer_id: _Optional[str] = ..., duplicate_id: _Optional[str] = ..., status: _Optional[str] = ..., steps: _Optional[_Iterable[_Union[OperationStep, _Mapping]]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., completed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetCustomerOperationRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class GetTombstoneRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class Tombstone(_message.Message):
    __slots__ = ("customer_id", "merged_into_id", "operation_id", "merged_at")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    MERGED_INTO_ID_FIELD_NUMBER: _ClassVar[int]
    OPERATION_ID_FIELD_NUMBER: _ClassVar[int]
    MERGED_AT_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    merged_into_id: str
    operation_id: str
    merged_at: _timestamp_pb2.Timestamp
    def __init__(self, customer_id: _Optional[str] = ..., merged_into_id: _Optional[str] = ..., operation_id: _Optional[str] = ..., merged_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class EraseCustomerRequest(_message.Message):
    __slots__ = ("id", "confirm")
    ID_FIELD_NUMBER: _ClassVar[int]
    CONFIRM_FIELD_NUMBER: _ClassVar[int]
    id: str
    confirm: bool
    def __init__(self, id: _Optional[str] = ..., confirm: _Optional[bool] = ...) -> None: ...

class ExportCustomerDataRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class CustomerDataExport(_message.Message):
    __slots__ = ("customer", "notes", "consent_history", "timeline")
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    NOTES_FIELD_NUMBER: _ClassVar[int]
    CONSENT_HISTORY_FIELD_NUMBER: _ClassVar[int]
    TIMELINE_FIELD_NUMBER: _ClassVar[int]
    customer: Customer
    notes: _containers.RepeatedCompositeFieldContainer[Note]
    consent_history: _containers.RepeatedCompositeFieldContainer[Consent]
    timeline: _containers.RepeatedCompositeFieldContainer[TimelineEntry]
    def __init__(self, customer: _Optional[_Union[Customer, _Mapping]] = ..., notes: _Optional[_Iterable[_Union[Note, _Mapping]]] = ..., consent_history: _Optional[_Iterable[_Union[Consent, _Mapping]]] = ..., timeline: _Optional[_Iterable[_Union[TimelineEntry, _Mapping]]] = ...) -> None: ...

class Folder(_message.Message):
    __slots__ = ("id", "name", "position", "colour", "customer_count")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    COLOUR_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_COUNT_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    position: int
    colour: str
    customer_count: int
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., position: _Optional[int] = ..., colour: _Optional[str] = ..., customer_count: _Optional[int] = ...) -> None: ...

class ListFoldersRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListFoldersResponse(_message.Message):
    __slots__ = ("folders",)
    FOLDERS_FIELD_NUMBER: _ClassVar[int]
    folders: _containers.RepeatedCompositeFieldContainer[Folder]
    def __init__(self, folders: _Optional[_Iterable[_Union[Folder, _Mapping]]] = ...) -> None: ...

class CreateFolderRequest(_message.Message):
    __slots__ = ("name", "position", "colour")
    NAME_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    COLOUR_FIELD_NUMBER: _ClassVar[int]
    name: str
    position: int
    colour: str
    def __init__(self, name: _Optional[str] = ..., position: _Optional[int] = ..., colour: _Optional[str] = ...) -> None: ...

class UpdateFolderRequest(_message.Message):
    __slots__ = ("id", "update_mask", "name", "position", "colour")
    ID_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    COLOUR_FIELD_NUMBER: _ClassVar[int]
    id: str
    update_mask: _containers.RepeatedScalarFieldContainer[str]
    name: str
    position: int
    colour: str
    def __init__(self, id: _Optional[str] = ..., update_mask: _Optional[_Iterable[str]] = ..., name: _Optional[str] = ..., position: _Optional[int] = ..., colour: _Optional[str] = ...) -> None: ...

class DeleteFolderRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class DeleteFolderResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class FilterVisibleCustomersRequest(_message.Message):
    __slots__ = ("ids",)
    IDS_FIELD_NUMBER: _ClassVar[int]
    ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, ids: _Optional[_Iterable[str]] = ...) -> None: ...

class FilterVisibleCustomersResponse(_message.Message):
    __slots__ = ("ids",)
    IDS_FIELD_NUMBER: _ClassVar[int]
    ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, ids: _Optional[_Iterable[str]] = ...) -> None: ...

class Phone(_message.Message):
    __slots__ = ("number", "primary")
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    PRIMARY_FIELD_NUMBER: _ClassVar[int]
    number: str
    primary: bool
    def __init__(self, number: _Optional[str] = ..., primary: _Optional[bool] = ...) -> None: ...

class Email(_message.Message):
    __slots__ = ("address", "primary")
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    PRIMARY_FIELD_NUMBER: _ClassVar[int]
    address: str
    primary: bool
    def __init__(self, address: _Optional[str] = ..., primary: _Optional[bool] = ...) -> None: ...

class Customer(_message.Message):
    __slots__ = ("id", "first_name", "last_name", "company", "phones", "emails", "lifecycle_stage", "created_at", "updated_at", "version", "addresses", "preferred_channel", "preferred_contact_time", "language", "timezone", "tags", "folder", "custom_fields", "relations", "workers", "call_status", "vip", "vip_manual", "consents", "avatar_color", "lifetime_value_minor", "currency", "bookings_count", "purchases_count", "average_order_value_minor", "interactions_count", "last_contact_at", "most_common_channel", "sentiment", "last_activity_at", "stage_history")
    ID_FIELD_NUMBER: _ClassVar[int]
    FIRST_NAME_FIELD_NUMBER: _ClassVar[int]
    LAST_NAME_FIELD_NUMBER: _ClassVar[int]
    COMPANY_FIELD_NUMBER: _ClassVar[int]
    PHONES_FIELD_NUMBER: _ClassVar[int]
    EMAILS_FIELD_NUMBER: _ClassVar[int]
    LIFECYCLE_STAGE_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    ADDRESSES_FIELD_NUMBER: _ClassVar[int]
    PREFERRED_CHANNEL_FIELD_NUMBER: _ClassVar[int]
    PREFERRED_CONTACT_TIME_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    TIMEZONE_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    FOLDER_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_FIELDS_FIELD_NUMBER: _ClassVar[int]
    RELATIONS_FIELD_NUMBER: _ClassVar[int]
    WORKERS_FIELD_NUMBER: _ClassVar[int]
    CALL_STATUS_FIELD_NUMBER: _ClassVar[int]
    VIP_FIELD_NUMBER: _ClassVar[int]
    VIP_MANUAL_FIELD_NUMBER: _ClassVar[int]
    CONSENTS_FIELD_NUMBER: _ClassVar[int]
    AVATAR_COLOR_FIELD_NUMBER: _ClassVar[int]
    LIFETIME_VALUE_MINOR_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    BOOKINGS_COUNT_FIELD_NUMBER: _ClassVar[int]
    PURCHASES_COUNT_FIELD_NUMBER: _ClassVar[int]
    AVERAGE_ORDER_VALUE_MINOR_FIELD_NUMBER: _ClassVar[int]
    INTERACTIONS_COUNT_FIELD_NUMBER: _ClassVar[int]
    LAST_CONTACT_AT_FIELD_NUMBER: _ClassVar[int]
    MOST_COMMON_CHANNEL_FIELD_NUMBER: _ClassVar[int]
    SENTIMENT_FIELD_NUMBER: _ClassVar[int]
    LAST_ACTIVITY_AT_FIELD_NUMBER: _ClassVar[int]
    STAGE_HISTORY_FIELD_NUMBER: _ClassVar[int]
    id: str
    first_name: str
    last_name: str
    company: str
    phones: _containers.RepeatedCompositeFieldContainer[Phone]
    emails: _containers.RepeatedCompositeFieldContainer[Email]
    lifecycle_stage: str
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    version: int
    addresses: _containers.RepeatedCompositeFieldContainer[Address]
    preferred_channel: str
    preferred_contact_time: str
    language: str
    timezone: str
    tags: _containers.RepeatedScalarFieldContainer[str]
    folder: str
    custom_fields: _struct_pb2.Struct
    relations: _containers.RepeatedCompositeFieldContainer[Relation]
    workers: _containers.RepeatedScalarFieldContainer[str]
    call_status: str
    vip: bool
    vip_manual: bool
    consents: _containers.RepeatedCompositeFieldContainer[Consent]
    avatar_color: str
    lifetime_value_minor: int
    currency: str
    bookings_count: int
    purchases_count: int
    average_order_value_minor: int
    interactions_count: int
    last_contact_at: _timestamp_pb2.Timestamp
    most_common_channel: str
    sentiment: CustomerSentiment
    last_activity_at: _timestamp_pb2.Timestamp
    stage_history: _containers.RepeatedCompositeFieldContainer[StageChange]
    def __init__(self, id: _Optional[str] = ..., first_name: _Optional[str] = ..., last_name: _Optional[str] = ..., company: _Optional[str] = ..., phones: _Optional[_Iterable[_Union[Phone, _Mapping]]] = ..., emails: _Optional[_Iterable[_Union[Email, _Mapping]]] = ..., lifecycle_stage: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., version: _Optional[int] = ..., addresses: _Optional[_Iterable[_Union[Address, _Mapping]]] = ..., preferred_channel: _Optional[str] = ..., preferred_contact_time: _Optional[str] = ..., language: _Optional[str] = ..., timezone: _Optional[str] = ..., tags: _Optional[_Iterable[str]] = ..., folder: _Optional[str] = ..., custom_fields: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., relations: _Optional[_Iterable[_Union[Relation, _Mapping]]] = ..., workers: _Optional[_Iterable[str]] = ..., call_status: _Optional[str] = ..., vip: _Optional[bool] = ..., vip_manual: _Optional[bool] = ..., consents: _Optional[_Iterable[_Union[Consent, _Mapping]]] = ..., avatar_color: _Optional[str] = ..., lifetime_value_minor: _Optional[int] = ..., currency: _Optional[str] = ..., bookings_count: _Optional[int] = ..., purchases_count: _Optional[int] = ..., average_order_value_minor: _Optional[int] = ..., interactions_count: _Optional[int] = ..., last_contact_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., most_common_channel: _Optional[str] = ..., sentiment: _Optional[_Union[CustomerSentiment, _Mapping]] = ..., last_activity_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., stage_history: _Optional[_Iterable[_Union[StageChange, _Mapping]]] = ...) -> None: ...

class Address(_message.Message):
    __slots__ = ("label", "line1", "line2", "city", "state", "postal_code", "country")
    LABEL_FIELD_NUMBER: _ClassVar[int]
    LINE1_FIELD_NUMBER: _ClassVar[int]
    LINE2_FIELD_NUMBER: _ClassVar[int]
    CITY_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    POSTAL_CODE_FIELD_NUMBER: _ClassVar[int]
    COUNTRY_FIELD_NUMBER: _ClassVar[int]
    label: str
    line1: str
    line2: str
    city: str
    state: str
    postal_code: str
    country: str
    def __init__(self, label: _Optional[str] = ..., line1: _Optional[str] = ..., line2: _Optional[str] = ..., city: _Optional[str] = ..., state: _Optional[str] = ..., postal_code: _Optional[str] = ..., country: _Optional[str] = ...) -> None: ...

class Relation(_message.Message):
    __slots__ = ("customer_id", "role", "label")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    role: str
    label: str
    def __init__(self, customer_id: _Optional[str] = ..., role: _Optional[str] = ..., label: _Optional[str] = ...) -> None: ...

class Consent(_message.Message):
    __slots__ = ("kind", "granted", "changed_at", "source")
    KIND_FIELD_NUMBER: _ClassVar[int]
    GRANTED_FIELD_NUMBER: _ClassVar[int]
    CHANGED_AT_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    kind: str
    granted: bool
    changed_at: _timestamp_pb2.Timestamp
    source: str
    def __init__(self, kind: _Optional[str] = ..., granted: _Optional[bool] = ..., changed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., source: _Optional[str] = ...) -> None: ...

class CustomerSentiment(_message.Message):
    __slots__ = ("label", "score", "frustration", "satisfaction", "confusion", "urgency", "trend")
    LABEL_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    FRUSTRATION_FIELD_NUMBER: _ClassVar[int]
    SATISFACTION_FIELD_NUMBER: _ClassVar[int]
    CONFUSION_FIELD_NUMBER: _ClassVar[int]
    URGENCY_FIELD_NUMBER: _ClassVar[int]
    TREND_FIELD_NUMBER: _ClassVar[int]
    label: str
    score: float
    frustration: float
    satisfaction: float
    confusion: float
    urgency: float
    trend: str
    def __init__(self, label: _Optional[str] = ..., score: _Optional[float] = ..., frustration: _Optional[float] = ..., satisfaction: _Optional[float] = ..., confusion: _Optional[float] = ..., urgency: _Optional[float] = ..., trend: _Optional[str] = ...) -> None: ...

class StageChange(_message.Message):
    __slots__ = ("from_stage", "to_stage", "reason", "changed_at")
    FROM_STAGE_FIELD_NUMBER: _ClassVar[int]
    TO_STAGE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    CHANGED_AT_FIELD_NUMBER: _ClassVar[int]
    from_stage: str
    to_stage: str
    reason: str
    changed_at: _timestamp_pb2.Timestamp
    def __init__(self, from_stage: _Optional[str] = ..., to_stage: _Optional[str] = ..., reason: _Optional[str] = ..., changed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class UpdateCustomerRequest(_message.Message):
    __slots__ = ("id", "expected_version", "update_mask", "first_name", "last_name", "company", "phones", "emails", "addresses", "preferred_channel", "preferred_contact_time", "language", "timezone", "tags", "folder", "custom_fields", "workers", "call_status", "vip", "lifecycle_stage", "avatar_color")
    ID_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    FIRST_NAME_FIELD_NUMBER: _ClassVar[int]
    LAST_NAME_FIELD_NUMBER: _ClassVar[int]
    COMPANY_FIELD_NUMBER: _ClassVar[int]
    PHONES_FIELD_NUMBER: _ClassVar[int]
    EMAILS_FIELD_NUMBER: _ClassVar[int]
    ADDRESSES_FIELD_NUMBER: _ClassVar[int]
    PREFERRED_CHANNEL_FIELD_NUMBER: _ClassVar[int]
    PREFERRED_CONTACT_TIME_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    TIMEZONE_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    FOLDER_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_FIELDS_FIELD_NUMBER: _ClassVar[int]
    WORKERS_FIELD_NUMBER: _ClassVar[int]
    CALL_STATUS_FIELD_NUMBER: _ClassVar[int]
    VIP_FIELD_NUMBER: _ClassVar[int]
    LIFECYCLE_STAGE_FIELD_NUMBER: _ClassVar[int]
    AVATAR_COLOR_FIELD_NUMBER: _ClassVar[int]
    id: str
    expected_version: int
    update_mask: _containers.RepeatedScalarFieldContainer[str]
    first_name: str
    last_name: str
    company: str
    phones: _containers.RepeatedCompositeFieldContainer[Phone]
    emails: _containers.RepeatedCompositeFieldContainer[Email]
    addresses: _containers.RepeatedCompositeFieldContainer[Address]
    preferred_channel: str
    preferred_contact_time: str
    language: str
    timezone: str
    tags: _containers.RepeatedScalarFieldContainer[str]
    folder: str
    custom_fields: _struct_pb2.Struct
    workers: _containers.RepeatedScalarFieldContainer[str]
    call_status: str
    vip: bool
    lifecycle_stage: str
    avatar_color: str
    def __init__(self, id: _Optional[str] = ..., expected_version: _Optional[int] = ..., update_mask: _Optional[_Iterable[str]] = ..., first_name: _Optional[str] = ..., last_name: _Optional[str] = ..., company: _Optional[str] = ..., phones: _Optional[_Iterable[_Union[Phone, _Mapping]]] = ..., emails: _Optional[_Iterable[_Union[Email, _Mapping]]] = ..., addresses: _Optional[_Iterable[_Union[Address, _Mapping]]] = ..., preferred_channel: _Optional[str] = ..., preferred_contact_time: _Optional[str] = ..., language: _Optional[str] = ..., timezone: _Optional[str] = ..., tags: _Optional[_Iterable[str]] = ..., folder: _Optional[str] = ..., custom_fields: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., workers: _Optional[_Iterable[str]] = ..., call_status: _Optional[str] = ..., vip: _Optional[bool] = ..., lifecycle_stage: _Optional[str] = ..., avatar_color: _Optional[str] = ...) -> None: ...

class DeleteCustomerRequest(_message.Message):
    __slots__ = ("id", "expected_version", "confirm")
    ID_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    CONFIRM_FIELD_NUMBER: _ClassVar[int]
    id: str
    expected_version: int
    confirm: bool
    def __init__(self, id: _Optional[str] = ..., expected_version: _Optional[int] = ..., confirm: _Optional[bool] = ...) -> None: ...

class DeleteCustomerResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ModifyTagsRequest(_message.Message):
    __slots__ = ("id", "add", "remove")
    ID_FIELD_NUMBER: _ClassVar[int]
    ADD_FIELD_NUMBER: _ClassVar[int]
    REMOVE_FIELD_NUMBER: _ClassVar[int]
    id: str
    add: _containers.RepeatedScalarFieldContainer[str]
    remove: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, id: _Optional[str] = ..., add: _Optional[_Iterable[str]] = ..., remove: _Optional[_Iterable[str]] = ...) -> None: ...

class RecordConsentRequest(_message.Message):
    __slots__ = ("id", "kind", "granted", "source")
    ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    GRANTED_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    id: str
    kind: str
    granted: bool
    source: str
    def __init__(self, id: _Optional[str] = ..., kind: _Optional[str] = ..., granted: _Optional[bool] = ..., source: _Optional[str] = ...) -> None: ...

class ListConsentHistoryRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class ListConsentHistoryResponse(_message.Message):
    __slots__ = ("records",)
    RECORDS_FIELD_NUMBER: _ClassVar[int]
    records: _containers.RepeatedCompositeFieldContainer[Consent]
    def __init__(self, records: _Optional[_Iterable[_Union[Consent, _Mapping]]] = ...) -> None: ...

class Note(_message.Message):
    __slots__ = ("id", "customer_id", "text", "author", "created_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    AUTHOR_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    customer_id: str
    text: str
    author: str
    created_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., customer_id: _Optional[str] = ..., text: _Optional[str] = ..., author: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class AddNoteRequest(_message.Message):
    __slots__ = ("id", "text", "author")
    ID_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    AUTHOR_FIELD_NUMBER: _ClassVar[int]
    id: str
    text: str
    author: str
    def __init__(self, id: _Optional[str] = ..., text: _Optional[str] = ..., author: _Optional[str] = ...) -> None: ...

class ListNotesRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class ListNotesResponse(_message.Message):
    __slots__ = ("notes",)
    NOTES_FIELD_NUMBER: _ClassVar[int]
    notes: _containers.RepeatedCompositeFieldContainer[Note]
    def __init__(self, notes: _Optional[_Iterable[_Union[Note, _Mapping]]] = ...) -> None: ...

class SetRelationRequest(_message.Message):
    __slots__ = ("parent_id", "child_id", "label")
    PARENT_ID_FIELD_NUMBER: _ClassVar[int]
    CHILD_ID_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    parent_id: str
    child_id: str
    label: str
    def __init__(self, parent_id: _Optional[str] = ..., child_id: _Optional[str] = ..., label: _Optional[str] = ...) -> None: ...

class RemoveRelationRequest(_message.Message):
    __slots__ = ("parent_id", "child_id")
    PARENT_ID_FIELD_NUMBER: _ClassVar[int]
    CHILD_ID_FIELD_NUMBER: _ClassVar[int]
    parent_id: str
    child_id: str
    def __init__(self, parent_id: _Optional[str] = ..., child_id: _Optional[str] = ...) -> None: ...

class CustomFieldDefinition(_message.Message):
    __slots__ = ("key", "label", "type", "options")
    KEY_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    key: str
    label: str
    type: str
    options: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, key: _Optional[str] = ..., label: _Optional[str] = ..., type: _Optional[str] = ..., options: _Optional[_Iterable[str]] = ...) -> None: ...

class ListCustomFieldDefinitionsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListCustomFieldDefinitionsResponse(_message.Message):
    __slots__ = ("definitions",)
    DEFINITIONS_FIELD_NUMBER: _ClassVar[int]
    definitions: _containers.RepeatedCompositeFieldContainer[CustomFieldDefinition]
    def __init__(self, definitions: _Optional[_Iterable[_Union[CustomFieldDefinition, _Mapping]]] = ...) -> None: ...

class GetCustomerStatsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class CustomerStats(_message.Message):
    __slots__ = ("total", "vip", "happy", "problem", "total_ltv_minor", "average_ltv_minor")
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    VIP_FIELD_NUMBER: _ClassVar[int]
    HAPPY_FIELD_NUMBER: _ClassVar[int]
    PROBLEM_FIELD_NUMBER: _ClassVar[int]
    TOTAL_LTV_MINOR_FIELD_NUMBER: _ClassVar[int]
    AVERAGE_LTV_MINOR_FIELD_NUMBER: _ClassVar[int]
    total: int
    vip: int
    happy: int
    problem: int
    total_ltv_minor: int
    average_ltv_minor: int
    def __init__(self, total: _Optional[int] = ..., vip: _Optional[int] = ..., happy: _Optional[int] = ..., problem: _Optional[int] = ..., total_ltv_minor: _Optional[int] = ..., average_ltv_minor: _Optional[int] = ...) -> None: ...

class GetTimelineRequest(_message.Message):
    __slots__ = ("id", "page_size", "page_token")
    ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    id: str
    page_size: int
    page_token: str
    def __init__(self, id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class TimelineEntry(_message.Message):
    __slots__ = ("id", "kind", "type", "summary", "data", "occurred_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    OCCURRED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    kind: str
    type: str
    summary: str
    data: _struct_pb2.Struct
    occurred_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., kind: _Optional[str] = ..., type: _Optional[str] = ..., summary: _Optional[str] = ..., data: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., occurred_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetTimelineResponse(_message.Message):
    __slots__ = ("entries", "next_page_token")
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedCompositeFieldContainer[TimelineEntry]
    next_page_token: str
    def __init__(self, entries: _Optional[_Iterable[_Union[TimelineEntry, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class CreateCustomerRequest(_message.Message):
    __slots__ = ("first_name", "last_name", "company", "phones", "emails")
    FIRST_NAME_FIELD_NUMBER: _ClassVar[int]
    LAST_NAME_FIELD_NUMBER: _ClassVar[int]
    COMPANY_FIELD_NUMBER: _ClassVar[int]
    PHONES_FIELD_NUMBER: _ClassVar[int]
    EMAILS_FIELD_NUMBER: _ClassVar[int]
    first_name: str
    last_name: str
    company: str
    phones: _containers.RepeatedCompositeFieldContainer[Phone]
    emails: _containers.RepeatedCompositeFieldContainer[Email]
    def __init__(self, first_name: _Optional[str] = ..., last_name: _Optional[str] = ..., company: _Optional[str] = ..., phones: _Optional[_Iterable[_Union[Phone, _Mapping]]] = ..., emails: _Optional[_Iterable[_Union[Email, _Mapping]]] = ...) -> None: ...

class GetCustomerRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class ListCustomersRequest(_message.Message):
    __slots__ = ("query", "page_size", "page_token", "segment", "sort", "stage", "tag", "folder", "channel", "sentiment", "min_ltv_minor", "min_conversations", "last_contact_within_days", "custom_fields")
    class CustomFieldsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    QUERY_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    SEGMENT_FIELD_NUMBER: _ClassVar[int]
    SORT_FIELD_NUMBER: _ClassVar[int]
    STAGE_FIELD_NUMBER: _ClassVar[int]
    TAG_FIELD_NUMBER: _ClassVar[int]
    FOLDER_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    SENTIMENT_FIELD_NUMBER: _ClassVar[int]
    MIN_LTV_MINOR_FIELD_NUMBER: _ClassVar[int]
    MIN_CONVERSATIONS_FIELD_NUMBER: _ClassVar[int]
    LAST_CONTACT_WITHIN_DAYS_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_FIELDS_FIELD_NUMBER: _ClassVar[int]
    query: str
    page_size: int
    page_token: str
    segment: str
    sort: str
    stage: str
    tag: str
    folder: str
    channel: str
    sentiment: str
    min_ltv_minor: int
    min_conversations: int
    last_contact_within_days: int
    custom_fields: _containers.ScalarMap[str, str]
    def __init__(self, query: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., segment: _Optional[str] = ..., sort: _Optional[str] = ..., stage: _Optional[str] = ..., tag: _Optional[str] = ..., folder: _Optional[str] = ..., channel: _Optional[str] = ..., sentiment: _Optional[str] = ..., min_ltv_minor: _Optional[int] = ..., min_conversations: _Optional[int] = ..., last_contact_within_days: _Optional[int] = ..., custom_fields: _Optional[_Mapping[str, str]] = ...) -> None: ...

class ListCustomersResponse(_message.Message):
    __slots__ = ("customers", "next_page_token")
    CUSTOMERS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    customers: _containers.RepeatedCompositeFieldContainer[Customer]
    next_page_token: str
    def __init__(self, customers: _Optional[_Iterable[_Union[Customer, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ResolveCustomerRequest(_message.Message):
    __slots__ = ("phone", "email", "display_name")
    PHONE_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    phone: str
    email: str
    display_name: str
    def __init__(self, phone: _Optional[str] = ..., email: _Optional[str] = ..., display_name: _Optional[str] = ...) -> None: ...

class ResolveCustomerResponse(_message.Message):
    __slots__ = ("customer", "created")
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    customer: Customer
    created: bool
    def __init__(self, customer: _Optional[_Union[Customer, _Mapping]] = ..., created: _Optional[bool] = ...) -> None: ...

class ResolveCustomersRequest(_message.Message):
    __slots__ = ("contacts",)
    CONTACTS_FIELD_NUMBER: _ClassVar[int]
    contacts: _containers.RepeatedCompositeFieldContainer[ResolveCustomerRequest]
    def __init__(self, contacts: _Optional[_Iterable[_Union[ResolveCustomerRequest, _Mapping]]] = ...) -> None: ...

class ResolveCustomersResponse(_message.Message):
    __slots__ = ("results",)
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[ResolveCustomerResult]
    def __init__(self, results: _Optional[_Iterable[_Union[ResolveCustomerResult, _Mapping]]] = ...) -> None: ...

class ResolveCustomerResult(_message.Message):
    __slots__ = ("resolved", "failed")
    RESOLVED_FIELD_NUMBER: _ClassVar[int]
    FAILED_FIELD_NUMBER: _ClassVar[int]
    resolved: ResolveCustomerResponse
    failed: ResolveFailure
    def __init__(self, resolved: _Optional[_Union[ResolveCustomerResponse, _Mapping]] = ..., failed: _Optional[_Union[ResolveFailure, _Mapping]] = ...) -> None: ...

class ResolveFailure(_message.Message):
    __slots__ = ("code", "message", "violations")
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    VIOLATIONS_FIELD_NUMBER: _ClassVar[int]
    code: str
    message: str
    violations: _containers.RepeatedCompositeFieldContainer[ResolveFieldViolation]
    def __init__(self, code: _Optional[str] = ..., message: _Optional[str] = ..., violations: _Optional[_Iterable[_Union[ResolveFieldViolation, _Mapping]]] = ...) -> None: ...

class ResolveFieldViolation(_message.Message):
    __slots__ = ("field", "description")
    FIELD_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    field: str
    description: str
    def __init__(self, field: _Optional[str] = ..., description: _Optional[str] = ...) -> None: ...

class GetTenantSettingsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class TenantSettings(_message.Message):
    __slots__ = ("default_country", "high_value_ltv_minor", "recent_days", "inactive_days")
    DEFAULT_COUNTRY_FIELD_NUMBER: _ClassVar[int]
    HIGH_VALUE_LTV_MINOR_FIELD_NUMBER: _ClassVar[int]
    RECENT_DAYS_FIELD_NUMBER: _ClassVar[int]
    INACTIVE_DAYS_FIELD_NUMBER: _ClassVar[int]
    default_country: str
    high_value_ltv_minor: int
    recent_days: int
    inactive_days: int
    def __init__(self, default_country: _Optional[str] = ..., high_value_ltv_minor: _Optional[int] = ..., recent_days: _Optional[int] = ..., inactive_days: _Optional[int] = ...) -> None: ...
