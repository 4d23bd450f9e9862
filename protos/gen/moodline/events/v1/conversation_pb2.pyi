import datetime

from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from moodline.conversation.v1 import conversation_pb2 as _conversation_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class MessageReceived(_message.Message):
    __slots__ = ("message_id", "conversation_id", "customer_id", "channel", "direction", "author", "author_id", "text", "sent_at")
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    DIRECTION_FIELD_NUMBER: _ClassVar[int]
    AUTHOR_FIELD_NUMBER: _ClassVar[int]
    AUTHOR_ID_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    SENT_AT_FIELD_NUMBER: _ClassVar[int]
    message_id: str
    conversation_id: str
    customer_id: str
    channel: _conversation_pb2.Channel
    direction: _conversation_pb2.Direction
    author: _conversation_pb2.Author
    author_id: str
    text: str
    sent_at: _timestamp_pb2.Timestamp
    def __init__(self, message_id: _Optional[str] = ..., conversation_id: _Optional[str] = ..., customer_id: _Optional[str] = ..., channel: _Optional[_Union[_conversation_pb2.Channel, str]] = ..., direction: _Optional[_Union[_conversation_pb2.Direction, str]] = ..., author: _Optional[_Union[_conversation_pb2.Author, str]] = ..., author_id: _Optional[str] = ..., text: _Optional[str] = ..., sent_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ConversationOpened(_message.Message):
    __slots__ = ("conversation_id", "customer_id", "channel", "started_at", "agent_id", "agent_kind")
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    STARTED_AT_FIELD_NUMBER: _ClassVar[int]
    AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    AGENT_KIND_FIELD_NUMBER: _ClassVar[int]
    conversation_id: str
    customer_id: str
    channel: _conversation_pb2.Channel
    started_at: _timestamp_pb2.Timestamp
    agent_id: str
    agent_kind: _conversation_pb2.AgentKind
    def __init__(self, conversation_id: _Optional[str] = ..., customer_id: _Optional[str] = ..., channel: _Optional[_Union[_conversation_pb2.Channel, str]] = ..., started_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., agent_id: _Optional[str] = ..., agent_kind: _Optional[_Union[_conversation_pb2.AgentKind, str]] = ...) -> None: ...

class ConversationEscalated(_message.Message):
    __slots__ = ("conversation_id", "customer_id", "channel", "from_agent_id", "to_agent_id", "reason")
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    FROM_AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    TO_AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    conversation_id: str
    customer_id: str
    channel: _conversation_pb2.Channel
    from_agent_id: str
    to_agent_id: str
    reason: str
    def __init__(self, conversation_id: _Optional[str] = ..., customer_id: _Optional[str] = ..., channel: _Optional[_Union[_conversation_pb2.Channel, str]] = ..., from_agent_id: _Optional[str] = ..., to_agent_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class ConversationRated(_message.Message):
    __slots__ = ("conversation_id", "customer_id", "csat")
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    CSAT_FIELD_NUMBER: _ClassVar[int]
    conversation_id: str
    customer_id: str
    csat: int
    def __init__(self, conversation_id: _Optional[str] = ..., customer_id: _Optional[str] = ..., csat: _Optional[int] = ...) -> None: ...

class ConversationClosed(_message.Message):
    __slots__ = ("conversation_id", "customer_id", "channel", "started_at", "ended_at", "duration", "csat", "escalated", "message_count", "topic", "summary", "agent_ids")
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    STARTED_AT_FIELD_NUMBER: _ClassVar[int]
    ENDED_AT_FIELD_NUMBER: _ClassVar[int]
    DURATION_FIELD_NUMBER: _ClassVar[int]
    CSAT_FIELD_NUMBER: _ClassVar[int]
    ESCALATED_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_COUNT_FIELD_NUMBER: _ClassVar[int]
    TOPIC_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    AGENT_IDS_FIELD_NUMBER: _ClassVar[int]
    conversation_id: str
    customer_id: str
    channel: _conversation_pb2.Channel
    started_at: _timestamp_pb2.Timestamp
    ended_at: _timestamp_pb2.Timestamp
    duration: _duration_pb2.Duration
    csat: int
    escalated: bool
    message_count: int
    topic: str
    summary: str
    agent_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, conversation_id: _Optional[str] = ..., customer_id: _Optional[str] = ..., channel: _Optional[_Union[_conversation_pb2.Channel, str]] = ..., started_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., ended_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., duration: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., csat: _Optional[int] = ..., escalated: _Optional[bool] = ..., message_count: _Optional[int] = ..., topic: _Optional[str] = ..., summary: _Optional[str] = ..., agent_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class ConversationReopened(_message.Message):
    __slots__ = ("conversation_id", "customer_id")
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    conversation_id: str
    customer_id: str
    def __init__(self, conversation_id: _Optional[str] = ..., customer_id: _Optional[str] = ...) -> None: ...

class OutboundMessageChanged(_message.Message):
    __slots__ = ("message", "previous_status")
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_STATUS_FIELD_NUMBER: _ClassVar[int]
    message: _conversation_pb2.OutboundMessage
    previous_status: _conversation_pb2.DeliveryStatus
    def __init__(self, message: _Optional[_Union[_conversation_pb2.OutboundMessage, _Mapping]] = ..., previous_status: _Optional[_Union[_conversation_pb2.DeliveryStatus, str]] = ...) -> None: ...

class ConversationCustomerReassigned(_message.Message):
    __slots__ = ("operation_id", "from_customer_id", "to_customer_id")
    OPERATION_ID_FIELD_NUMBER: _ClassVar[int]
    FROM_CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    TO_CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    operation_id: str
    from_customer_id: str
    to_customer_id: str
    def __init__(self, operation_id: _Optional[str] = ..., from_customer_id: _Optional[str] = ..., to_customer_id: _Optional[str] = ...) -> None: ...

class ConversationCustomerErased(_message.Message):
    __slots__ = ("operation_id", "customer_id")
    OPERATION_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    operation_id: str
    customer_id: str
    def __init__(self, operation_id: _Optional[str] = ..., customer_id: _Optional[str] = ...) -> None: ...
