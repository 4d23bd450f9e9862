import datetime

from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ProgramType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PROGRAM_TYPE_UNSPECIFIED: _ClassVar[ProgramType]
    PROGRAM_TYPE_POINTS: _ClassVar[ProgramType]
    PROGRAM_TYPE_CREDITS: _ClassVar[ProgramType]

class EarnTrigger(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    EARN_TRIGGER_UNSPECIFIED: _ClassVar[EarnTrigger]
    EARN_TRIGGER_PAYMENT_SUCCEEDED: _ClassVar[EarnTrigger]
    EARN_TRIGGER_BOOKING_COMPLETED: _ClassVar[EarnTrigger]

class Rounding(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ROUNDING_UNSPECIFIED: _ClassVar[Rounding]
    ROUNDING_DOWN: _ClassVar[Rounding]
    ROUNDING_NEAREST: _ClassVar[Rounding]
    ROUNDING_UP: _ClassVar[Rounding]

class ExpiryPolicy(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    EXPIRY_POLICY_UNSPECIFIED: _ClassVar[ExpiryPolicy]
    EXPIRY_POLICY_NEVER: _ClassVar[ExpiryPolicy]
    EXPIRY_POLICY_AFTER_DAYS: _ClassVar[ExpiryPolicy]

class EnrolmentStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ENROLMENT_STATUS_UNSPECIFIED: _ClassVar[EnrolmentStatus]
    ENROLMENT_STATUS_ACTIVE: _ClassVar[EnrolmentStatus]
    ENROLMENT_STATUS_REMOVED: _ClassVar[EnrolmentStatus]
    ENROLMENT_STATUS_EXPIRED: _ClassVar[EnrolmentStatus]

class LedgerReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LEDGER_REASON_UNSPECIFIED: _ClassVar[LedgerReason]
    LEDGER_REASON_STARTING_BALANCE: _ClassVar[LedgerReason]
    LEDGER_REASON_EARNED: _ClassVar[LedgerReason]
    LEDGER_REASON_REDEEMED: _ClassVar[LedgerReason]
    LEDGER_REASON_MANUAL_ADJUSTMENT: _ClassVar[LedgerReason]
    LEDGER_REASON_EXPIRED: _ClassVar[LedgerReason]
    LEDGER_REASON_REVERSAL: _ClassVar[LedgerReason]
    LEDGER_REASON_REMOVED: _ClassVar[LedgerReason]
    LEDGER_REASON_MERGED: _ClassVar[LedgerReason]

class BulkEnrolOutcome(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    BULK_ENROL_OUTCOME_UNSPECIFIED: _ClassVar[BulkEnrolOutcome]
    BULK_ENROL_OUTCOME_ENROLLED: _ClassVar[BulkEnrolOutcome]
    BULK_ENROL_OUTCOME_ALREADY_ENROLLED: _ClassVar[BulkEnrolOutcome]
    BULK_ENROL_OUTCOME_FAILED: _ClassVar[BulkEnrolOutcome]
PROGRAM_TYPE_UNSPECIFIED: ProgramType
PROGRAM_TYPE_POINTS: ProgramType
PROGRAM_TYPE_CREDITS: ProgramType
EARN_TRIGGER_UNSPECIFIED: EarnTrigger
EARN_TRIGGER_PAYMENT_SUCCEEDED: EarnTrigger
EARN_TRIGGER_BOOKING_COMPLETED: EarnTrigger
ROUNDING_UNSPECIFIED: Rounding
ROUNDING_DOWN: Rounding
ROUNDING_NEAREST: Rounding
ROUNDING_UP: Rounding
EXPIRY_POLICY_UNSPECIFIED: ExpiryPolicy
EXPIRY_POLICY_NEVER: ExpiryPolicy
EXPIRY_POLICY_AFTER_DAYS: ExpiryPolicy
ENROLMENT_STATUS_UNSPECIFIED: EnrolmentStatus
ENROLMENT_STATUS_ACTIVE: EnrolmentStatus
ENROLMENT_STATUS_REMOVED: EnrolmentStatus
ENROLMENT_STATUS_EXPIRED: EnrolmentStatus
LEDGER_REASON_UNSPECIFIED: LedgerReason
LEDGER_REASON_STARTING_BALANCE: LedgerReason
LEDGER_REASON_EARNED: LedgerReason
LEDGER_REASON_REDEEMED: LedgerReason
LEDGER_REASON_MANUAL_ADJUSTMENT: LedgerReason
LEDGER_REASON_EXPIRED: LedgerReason
LEDGER_REASON_REVERSAL: LedgerReason
LEDGER_REASON_REMOVED: LedgerReason
LEDGER_REASON_MERGED: LedgerReason
BULK_ENROL_OUTCOME_UNSPECIFIED: BulkEnrolOutcome
BULK_ENROL_OUTCOME_ENROLLED: BulkEnrolOutcome
BULK_ENROL_OUTCOME_ALREADY_ENROLLED: BulkEnrolOutcome
BULK_ENROL_OUTCOME_FAILED: BulkEnrolOutcome

class EarnRule(_message.Message):
    __slots__ = ("trigger", "amount_per_unit", "spend_unit_minor", "fixed_amount", "currency", "multiplier_percent")
    TRIGGER_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_PER_UNIT_FIELD_NUMBER: _ClassVar[int]
    SPEND_UNIT_MINOR_FIELD_NUMBER: _ClassVar[int]
    FIXED_AMOUNT_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    MULTIPLIER_PERCENT_FIELD_NUMBER: _ClassVar[int]
    trigger: EarnTrigger
    amount_per_unit: int
    spend_unit_minor: int
    fixed_amount: int
    currency: str
    multiplier_percent: int
    def __init__(self, trigger: _Optional[_Union[EarnTrigger, str]] = ..., amount_per_unit: _Optional[int] = ..., spend_unit_minor: _Optional[int] = ..., fixed_amount: _Optional[int] = ..., currency: _Optional[str] = ..., multiplier_percent: _Optional[int] = ...) -> None: ...

class Program(_message.Message):
    __slots__ = ("id", "name", "description", "type", "currency", "earn_rules", "earned_expire_after_days", "archived", "created_at", "updated_at", "rounding", "expiry_policy", "min_redemption", "allow_negative_balance")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    EARN_RULES_FIELD_NUMBER: _ClassVar[int]
    EARNED_EXPIRE_AFTER_DAYS_FIELD_NUMBER: _ClassVar[int]
    ARCHIVED_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    ROUNDING_FIELD_NUMBER: _ClassVar[int]
    EXPIRY_POLICY_FIELD_NUMBER: _ClassVar[int]
    MIN_REDEMPTION_FIELD_NUMBER: _ClassVar[int]
    ALLOW_NEGATIVE_BALANCE_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    description: str
    type: ProgramType
    currency: str
    earn_rules: _containers.RepeatedCompositeFieldContainer[EarnRule]
    earned_expire_after_days: int
    archived: bool
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    rounding: Rounding
    expiry_policy: ExpiryPolicy
    min_redemption: int
    allow_negative_balance: bool
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., description: _Optional[str] = ..., type: _Optional[_Union[ProgramType, str]] = ..., currency: _Optional[str] = ..., earn_rules: _Optional[_Iterable[_Union[EarnRule, _Mapping]]] = ..., earned_expire_after_days: _Optional[int] = ..., archived: _Optional[bool] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., rounding: _Optional[_Union[Rounding, str]] = ..., expiry_policy: _Optional[_Union[ExpiryPolicy, str]] = ..., min_redemption: _Optional[int] = ..., allow_negative_balance: _Optional[bool] = ...) -> None: ...

class CreateProgramRequest(_message.Message):
    __slots__ = ("program",)
    PROGRAM_FIELD_NUMBER: _ClassVar[int]
    program: Program
    def __init__(self, program: _Optional[_Union[Program, _Mapping]] = ...) -> None: ...

class GetProgramRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class ListProgramsRequest(_message.Message):
    __slots__ = ("include_archived", "page_size", "page_token")
    INCLUDE_ARCHIVED_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    include_archived: bool
    page_size: int
    page_token: str
    def __init__(self, include_archived: _Optional[bool] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListProgramsResponse(_message.Message):
    __slots__ = ("programs", "next_page_token")
    PROGRAMS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    programs: _containers.RepeatedCompositeFieldContainer[Program]
    next_page_token: str
    def __init__(self, programs: _Optional[_Iterable[_Union[Program, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UpdateProgramRequest(_message.Message):
    __slots__ = ("program", "update_mask")
    PROGRAM_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    program: Program
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, program: _Optional[_Union[Program, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class ArchiveProgramRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class Enrolment(_message.Message):
    __slots__ = ("id", "program_id", "customer_id", "status", "balance", "lifetime_earned", "expires_on", "notes", "enrolled_at", "removed_at", "ledger_sequence", "program_name", "program_type", "next_expiry_at", "next_expiry_amount", "last_activity_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    PROGRAM_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    BALANCE_FIELD_NUMBER: _ClassVar[int]
    LIFETIME_EARNED_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_ON_FIELD_NUMBER: _ClassVar[int]
    NOTES_FIELD_NUMBER: _ClassVar[int]
    ENROLLED_AT_FIELD_NUMBER: _ClassVar[int]
    REMOVED_AT_FIELD_NUMBER: _ClassVar[int]
    LEDGER_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    PROGRAM_NAME_FIELD_NUMBER: _ClassVar[int]
    PROGRAM_TYPE_FIELD_NUMBER: _ClassVar[int]
    NEXT_EXPIRY_AT_FIELD_NUMBER: _ClassVar[int]
    NEXT_EXPIRY_AMOUNT_FIELD_NUMBER: _ClassVar[int]
    LAST_ACTIVITY_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    program_id: str
    customer_id: str
    status: EnrolmentStatus
    balance: int
    lifetime_earned: int
    expires_on: str
    notes: str
    enrolled_at: _timestamp_pb2.Timestamp
    removed_at: _timestamp_pb2.Timestamp
    ledger_sequence: int
    program_name: str
    program_type: ProgramType
    next_expiry_at: _timestamp_pb2.Timestamp
    next_expiry_amount: int
    last_activity_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., program_id: _Optional[str] = ..., customer_id: _Optional[str] = ..., status: _Optional[_Union[EnrolmentStatus, str]] = ..., balance: _Optional[int] = ..., lifetime_earned: _Optional[int] = ..., expires_on: _Optional[str] = ..., notes: _Optional[str] = ..., enrolled_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., removed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., ledger_sequence: _Optional[int] = ..., program_name: _Optional[str] = ..., program_type: _Optional[_Union[ProgramType, str]] = ..., next_expiry_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., next_expiry_amount: _Optional[int] = ..., last_activity_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class EnrolRequest(_message.Message):
    __slots__ = ("program_id", "customer_id", "starting_balance", "expires_on", "notes", "actor_id")
    PROGRAM_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    STARTING_BALANCE_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_ON_FIELD_NUMBER: _ClassVar[int]
    NOTES_FIELD_NUMBER: _ClassVar[int]
    ACTOR_ID_FIELD_NUMBER: _ClassVar[int]
    program_id: str
    customer_id: str
    starting_balance: int
    expires_on: str
    notes: str
    actor_id: str
    def __init__(self, program_id: _Optional[str] = ..., customer_id: _Optional[str] = ..., starting_balance: _Optional[int] = ..., expires_on: _Optional[str] = ..., notes: _Optional[str] = ..., actor_id: _Optional[str] = ...) -> None: ...

class BulkEnrolRequest(_message.Message):
    __slots__ = ("program_id", "entries", "actor_id")
    PROGRAM_ID_FIELD_NUMBER: _ClassVar[int]
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    ACTOR_ID_FIELD_NUMBER: _ClassVar[int]
    program_id: str
    entries: _containers.RepeatedCompositeFieldContainer[BulkEnrolEntry]
    actor_id: str
    def __init__(self, program_id: _Optional[str] = ..., entries: _Optional[_Iterable[_Union[BulkEnrolEntry, _Mapping]]] = ..., actor_id: _Optional[str] = ...) -> None: ...

class BulkEnrolEntry(_message.Message):
    __slots__ = ("customer_id", "starting_balance", "expires_on", "notes")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    STARTING_BALANCE_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_ON_FIELD_NUMBER: _ClassVar[int]
    NOTES_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    starting_balance: int
    expires_on: str
    notes: str
    def __init__(self, customer_id: _Optional[str] = ..., starting_balance: _Optional[int] = ..., expires_on: _Optional[str] = ..., notes: _Optional[str] = ...) -> None: ...

class BulkEnrolResult(_message.Message):
    __slots__ = ("index", "customer_id", "outcome", "enrolment_id", "error")
    INDEX_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    ENROLMENT_ID_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    index: int
    customer_id: str
    outcome: BulkEnrolOutcome
    enrolment_id: str
    error: str
    def __init__(self, index: _Optional[int] = ..., customer_id: _Optional[str] = ..., outcome: _Optional[_Union[BulkEnrolOutcome, str]] = ..., enrolment_id: _Optional[str] = ..., error: _Optional[str] = ...) -> None: ...

class BulkEnrolResponse(_message.Message):
    __slots__ = ("results", "enrolled_count", "already_enrolled_count", "failed_count")
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    ENROLLED_COUNT_FIELD_NUMBER: _ClassVar[int]
    ALREADY_ENROLLED_COUNT_FIELD_NUMBER: _ClassVar[int]
    FAILED_COUNT_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[BulkEnrolResult]
    enrolled_count: int
    already_enrolled_count: int
    failed_count: int
    def __init__(self, results: _Optional[_Iterable[_Union[BulkEnrolResult, _Mapping]]] = ..., enrolled_count: _Optional[int] = ..., already_enrolled_count: _Optional[int] = ..., failed_count: _Optional[int] = ...) -> None: ...

class GetEnrolmentRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class ListEnrolmentsRequest(_message.Message):
    __slots__ = ("program_id", "customer_id", "status", "page_size", "page_token")
    PROGRAM_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    program_id: str
    customer_id: str
    status: EnrolmentStatus
    page_size: int
    page_token: str
    def __init__(self, program_id: _Optional[str] = ..., customer_id: _Optional[str] = ..., status: _Optional[_Union[EnrolmentStatus, str]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListEnrolmentsResponse(_message.Message):
    __slots__ = ("enrolments", "next_page_token")
    ENROLMENTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    enrolments: _containers.RepeatedCompositeFieldContainer[Enrolment]
    next_page_token: str
    def __init__(self, enrolments: _Optional[_Iterable[_Union[Enrolment, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UpdateEnrolmentRequest(_message.Message):
    __slots__ = ("id", "expires_on", "notes", "update_mask")
    ID_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_ON_FIELD_NUMBER: _ClassVar[int]
    NOTES_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    id: str
    expires_on: str
    notes: str
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, id: _Optional[str] = ..., expires_on: _Optional[str] = ..., notes: _Optional[str] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class RemoveEnrolmentRequest(_message.Message):
    __slots__ = ("id", "reason", "confirm", "actor_id")
    ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    CONFIRM_FIELD_NUMBER: _ClassVar[int]
    ACTOR_ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    reason: str
    confirm: bool
    actor_id: str
    def __init__(self, id: _Optional[str] = ..., reason: _Optional[str] = ..., confirm: _Optional[bool] = ..., actor_id: _Optional[str] = ...) -> None: ...

class AdjustBalanceRequest(_message.Message):
    __slots__ = ("enrolment_id", "delta", "reason", "note", "idempotency_key", "source_ref", "actor_id")
    ENROLMENT_ID_FIELD_NUMBER: _ClassVar[int]
    DELTA_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    SOURCE_REF_FIELD_NUMBER: _ClassVar[int]
    ACTOR_ID_FIELD_NUMBER: _ClassVar[int]
    enrolment_id: str
    delta: int
    reason: LedgerReason
    note: str
    idempotency_key: str
    source_ref: str
    actor_id: str
    def __init__(self, enrolment_id: _Optional[str] = ..., delta: _Optional[int] = ..., reason: _Optional[_Union[LedgerReason, str]] = ..., note: _Optional[str] = ..., idempotency_key: _Optional[str] = ..., source_ref: _Optional[str] = ..., actor_id: _Optional[str] = ...) -> None: ...

class LedgerEntry(_message.Message):
    __slots__ = ("id", "enrolment_id", "program_id", "customer_id", "sequence", "delta", "balance_after", "reason", "note", "idempotency_key", "source_ref", "actor_id", "expires_at", "created_at", "draws", "remaining")
    ID_FIELD_NUMBER: _ClassVar[int]
    ENROLMENT_ID_FIELD_NUMBER: _ClassVar[int]
    PROGRAM_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    DELTA_FIELD_NUMBER: _ClassVar[int]
    BALANCE_AFTER_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    SOURCE_REF_FIELD_NUMBER: _ClassVar[int]
    ACTOR_ID_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    DRAWS_FIELD_NUMBER: _ClassVar[int]
    REMAINING_FIELD_NUMBER: _ClassVar[int]
    id: str
    enrolment_id: str
    program_id: str
    customer_id: str
    sequence: int
    delta: int
    balance_after: int
    reason: LedgerReason
    note: str
    idempotency_key: str
    source_ref: str
    actor_id: str
    expires_at: _timestamp_pb2.Timestamp
    created_at: _timestamp_pb2.Timestamp
    draws: _containers.RepeatedCompositeFieldContainer[LotDraw]
    remaining: int
    def __init__(self, id: _Optional[str] = ..., enrolment_id: _Optional[str] = ..., program_id: _Optional[str] = ..., customer_id: _Optional[str] = ..., sequence: _Optional[int] = ..., delta: _Optional[int] = ..., balance_after: _Optional[int] = ..., reason: _Optional[_Union[LedgerReason, str]] = ..., note: _Optional[str] = ..., idempotency_key: _Optional[str] = ..., source_ref: _Optional[str] = ..., actor_id: _Optional[str] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., draws: _Optional[_Iterable[_Union[LotDraw, _Mapping]]] = ..., remaining: _Optional[int] = ...) -> None: ...

class LotDraw(_message.Message):
    __slots__ = ("lot_entry_id", "lot_sequence", "amount")
    LOT_ENTRY_ID_FIELD_NUMBER: _ClassVar[int]
    LOT_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    lot_entry_id: str
    lot_sequence: int
    amount: int
    def __init__(self, lot_entry_id: _Optional[str] = ..., lot_sequence: _Optional[int] = ..., amount: _Optional[int] = ...) -> None: ...

class AdjustBalanceResponse(_message.Message):
    __slots__ = ("entry", "enrolment", "replayed")
    ENTRY_FIELD_NUMBER: _ClassVar[int]
    ENROLMENT_FIELD_NUMBER: _ClassVar[int]
    REPLAYED_FIELD_NUMBER: _ClassVar[int]
    entry: LedgerEntry
    enrolment: Enrolment
    replayed: bool
    def __init__(self, entry: _Optional[_Union[LedgerEntry, _Mapping]] = ..., enrolment: _Optional[_Union[Enrolment, _Mapping]] = ..., replayed: _Optional[bool] = ...) -> None: ...

class GetLedgerRequest(_message.Message):
    __slots__ = ("enrolment_id", "page_size", "page_token")
    ENROLMENT_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    enrolment_id: str
    page_size: int
    page_token: str
    def __init__(self, enrolment_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class GetLedgerResponse(_message.Message):
    __slots__ = ("entries", "next_page_token")
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedCompositeFieldContainer[LedgerEntry]
    next_page_token: str
    def __init__(self, entries: _Optional[_Iterable[_Union[LedgerEntry, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...
