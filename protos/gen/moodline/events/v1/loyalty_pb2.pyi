from moodline.loyalty.v1 import loyalty_pb2 as _loyalty_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class LoyaltyEnrolmentCreated(_message.Message):
    __slots__ = ("enrolment_id", "program_id", "customer_id", "program_type", "starting_balance", "expires_on")
    ENROLMENT_ID_FIELD_NUMBER: _ClassVar[int]
    PROGRAM_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    PROGRAM_TYPE_FIELD_NUMBER: _ClassVar[int]
    STARTING_BALANCE_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_ON_FIELD_NUMBER: _ClassVar[int]
    enrolment_id: str
    program_id: str
    customer_id: str
    program_type: _loyalty_pb2.ProgramType
    starting_balance: int
    expires_on: str
    def __init__(self, enrolment_id: _Optional[str] = ..., program_id: _Optional[str] = ..., customer_id: _Optional[str] = ..., program_type: _Optional[_Union[_loyalty_pb2.ProgramType, str]] = ..., starting_balance: _Optional[int] = ..., expires_on: _Optional[str] = ...) -> None: ...

class LoyaltyEnrolmentRemoved(_message.Message):
    __slots__ = ("enrolment_id", "program_id", "customer_id", "final_balance", "reason")
    ENROLMENT_ID_FIELD_NUMBER: _ClassVar[int]
    PROGRAM_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    FINAL_BALANCE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    enrolment_id: str
    program_id: str
    customer_id: str
    final_balance: int
    reason: str
    def __init__(self, enrolment_id: _Optional[str] = ..., program_id: _Optional[str] = ..., customer_id: _Optional[str] = ..., final_balance: _Optional[int] = ..., reason: _Optional[str] = ...) -> None: ...

class LoyaltyEnrolmentExpired(_message.Message):
    __slots__ = ("enrolment_id", "program_id", "customer_id", "expired_balance")
    ENROLMENT_ID_FIELD_NUMBER: _ClassVar[int]
    PROGRAM_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    EXPIRED_BALANCE_FIELD_NUMBER: _ClassVar[int]
    enrolment_id: str
    program_id: str
    customer_id: str
    expired_balance: int
    def __init__(self, enrolment_id: _Optional[str] = ..., program_id: _Optional[str] = ..., customer_id: _Optional[str] = ..., expired_balance: _Optional[int] = ...) -> None: ...

class LoyaltyBalanceAdjusted(_message.Message):
    __slots__ = ("enrolment_id", "program_id", "customer_id", "ledger_entry_id", "sequence", "delta", "balance_after", "reason", "source_ref")
    ENROLMENT_ID_FIELD_NUMBER: _ClassVar[int]
    PROGRAM_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    LEDGER_ENTRY_ID_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    DELTA_FIELD_NUMBER: _ClassVar[int]
    BALANCE_AFTER_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    SOURCE_REF_FIELD_NUMBER: _ClassVar[int]
    enrolment_id: str
    program_id: str
    customer_id: str
    ledger_entry_id: str
    sequence: int
    delta: int
    balance_after: int
    reason: _loyalty_pb2.LedgerReason
    source_ref: str
    def __init__(self, enrolment_id: _Optional[str] = ..., program_id: _Optional[str] = ..., customer_id: _Optional[str] = ..., ledger_entry_id: _Optional[str] = ..., sequence: _Optional[int] = ..., delta: _Optional[int] = ..., balance_after: _Optional[int] = ..., reason: _Optional[_Union[_loyalty_pb2.LedgerReason, str]] = ..., source_ref: _Optional[str] = ...) -> None: ...

class LoyaltyCustomerReassigned(_message.Message):
    __slots__ = ("operation_id", "from_customer_id", "to_customer_id")
    OPERATION_ID_FIELD_NUMBER: _ClassVar[int]
    FROM_CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    TO_CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    operation_id: str
    from_customer_id: str
    to_customer_id: str
    def __init__(self, operation_id: _Optional[str] = ..., from_customer_id: _Optional[str] = ..., to_customer_id: _Optional[str] = ...) -> None: ...

class LoyaltyCustomerErased(_message.Message):
    __slots__ = ("operation_id", "customer_id")
    OPERATION_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    operation_id: str
    customer_id: str
    def __init__(self, operation_id: _Optional[str] = ..., customer_id: _Optional[str] = ...) -> None: ...
