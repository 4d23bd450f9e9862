import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from moodline.automation.v1 import automation_pb2 as _automation_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class AutomationRunCompleted(_message.Message):
    __slots__ = ("run_id", "workflow_id", "workflow_name", "customer_id", "status", "trigger_type", "error", "started_at", "finished_at")
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    WORKFLOW_ID_FIELD_NUMBER: _ClassVar[int]
    WORKFLOW_NAME_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    TRIGGER_TYPE_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    STARTED_AT_FIELD_NUMBER: _ClassVar[int]
    FINISHED_AT_FIELD_NUMBER: _ClassVar[int]
    run_id: str
    workflow_id: str
    workflow_name: str
    customer_id: str
    status: _automation_pb2.RunStatus
    trigger_type: str
    error: str
    started_at: _timestamp_pb2.Timestamp
    finished_at: _timestamp_pb2.Timestamp
    def __init__(self, run_id: _Optional[str] = ..., workflow_id: _Optional[str] = ..., workflow_name: _Optional[str] = ..., customer_id: _Optional[str] = ..., status: _Optional[_Union[_automation_pb2.RunStatus, str]] = ..., trigger_type: _Optional[str] = ..., error: _Optional[str] = ..., started_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., finished_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class TaskCreated(_message.Message):
    __slots__ = ("customer_id", "task")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    TASK_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    task: _automation_pb2.Task
    def __init__(self, customer_id: _Optional[str] = ..., task: _Optional[_Union[_automation_pb2.Task, _Mapping]] = ...) -> None: ...

class TaskCompleted(_message.Message):
    __slots__ = ("customer_id", "task")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    TASK_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    task: _automation_pb2.Task
    def __init__(self, customer_id: _Optional[str] = ..., task: _Optional[_Union[_automation_pb2.Task, _Mapping]] = ...) -> None: ...

class AutomationCustomerReassigned(_message.Message):
    __slots__ = ("operation_id", "from_customer_id", "to_customer_id")
    OPERATION_ID_FIELD_NUMBER: _ClassVar[int]
    FROM_CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    TO_CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    operation_id: str
    from_customer_id: str
    to_customer_id: str
    def __init__(self, operation_id: _Optional[str] = ..., from_customer_id: _Optional[str] = ..., to_customer_id: _Optional[str] = ...) -> None: ...

class AutomationCustomerErased(_message.Message):
    __slots__ = ("operation_id", "customer_id")
    OPERATION_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    operation_id: str
    customer_id: str
    def __init__(self, operation_id: _Optional[str] = ..., customer_id: _Optional[str] = ...) -> None: ...
