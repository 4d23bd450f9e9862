import datetime

from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Channel(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CHANNEL_UNSPECIFIED: _ClassVar[Channel]
    CHANNEL_PHONE: _ClassVar[Channel]
    CHANNEL_SMS: _ClassVar[Channel]
    CHANNEL_WHATSAPP: _ClassVar[Channel]
    CHANNEL_EMAIL: _ClassVar[Channel]
    CHANNEL_WEBCHAT: _ClassVar[Channel]

class ConversationStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CONVERSATION_STATUS_UNSPECIFIED: _ClassVar[ConversationStatus]
    CONVERSATION_STATUS_OPEN: _ClassVar[ConversationStatus]
    CONVERSATION_STATUS_RESOLVED: _ClassVar[ConversationStatus]

class Direction(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DIRECTION_UNSPECIFIED: _ClassVar[Direction]
    DIRECTION_INBOUND: _ClassVar[Direction]
    DIRECTION_OUTBOUND: _ClassVar[Direction]

class Author(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    AUTHOR_UNSPECIFIED: _ClassVar[Author]
    AUTHOR_CUSTOMER: _ClassVar[Author]
    AUTHOR_AGENT: _ClassVar[Author]
    AUTHOR_AI: _ClassVar[Author]
    AUTHOR_AUTOMATION: _ClassVar[Author]

class DeliveryStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DELIVERY_STATUS_UNSPECIFIED: _ClassVar[DeliveryStatus]
    DELIVERY_STATUS_QUEUED: _ClassVar[DeliveryStatus]
    DELIVERY_STATUS_SENT: _ClassVar[DeliveryStatus]
    DELIVERY_STATUS_DELIVERED: _ClassVar[DeliveryStatus]
    DELIVERY_STATUS_FAILED: _ClassVar[DeliveryStatus]

class AgentKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    AGENT_KIND_UNSPECIFIED: _ClassVar[AgentKind]
    AGENT_KIND_HUMAN: _ClassVar[AgentKind]
    AGENT_KIND_AI: _ClassVar[AgentKind]
CHANNEL_UNSPECIFIED: Channel
CHANNEL_PHONE: Channel
CHANNEL_SMS: Channel
CHANNEL_WHATSAPP: Channel
CHANNEL_EMAIL: Channel
CHANNEL_WEBCHAT: Channel
CONVERSATION_STATUS_UNSPECIFIED: ConversationStatus
CONVERSATION_STATUS_OPEN: ConversationStatus
CONVERSATION_STATUS_RESOLVED: ConversationStatus
DIRECTION_UNSPECIFIED: Direction
DIRECTION_INBOUND: Direction
DIRECTION_OUTBOUND: Direction
AUTHOR_UNSPECIFIED: Author
AUTHOR_CUSTOMER: Author
AUTHOR_AGENT: Author
AUTHOR_AI: Author
AUTHOR_AUTOMATION: Author
DELIVERY_STATUS_UNSPECIFIED: DeliveryStatus
DELIVERY_STATUS_QUEUED: DeliveryStatus
DELIVERY_STATUS_SENT: DeliveryStatus
DELIVERY_STATUS_DELIVERED: DeliveryStatus
DELIVERY_STATUS_FAILED: DeliveryStatus
AGENT_KIND_UNSPECIFIED: AgentKind
AGENT_KIND_HUMAN: AgentKind
AGENT_KIND_AI: AgentKind

class AgentAssignment(_message.Message):
    __slots__ = ("agent_id", "kind", "assigned_at", "unassigned_at", "handoff_reason")
    AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    ASSIGNED_AT_FIELD_NUMBER: _ClassVar[int]
    UNASSIGNED_AT_FIELD_NUMBER: _ClassVar[int]
    HANDOFF_REASON_FIELD_NUMBER: _ClassVar[int]
    agent_id: str
    kind: AgentKind
    assigned_at: _timestamp_pb2.Timestamp
    unassigned_at: _timestamp_pb2.Timestamp
    handoff_reason: str
    def __init__(self, agent_id: _Optional[str] = ..., kind: _Optional[_Union[AgentKind, str]] = ..., assigned_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., unassigned_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., handoff_reason: _Optional[str] = ...) -> None: ...

class Conversation(_message.Message):
    __slots__ = ("id", "customer_id", "channel", "status", "agents", "escalated", "started_at", "ended_at", "duration", "csat", "topic", "summary", "message_count", "last_message_at", "created_at", "updated_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    AGENTS_FIELD_NUMBER: _ClassVar[int]
    ESCALATED_FIELD_NUMBER: _ClassVar[int]
    STARTED_AT_FIELD_NUMBER: _ClassVar[int]
    ENDED_AT_FIELD_NUMBER: _ClassVar[int]
    DURATION_FIELD_NUMBER: _ClassVar[int]
    CSAT_FIELD_NUMBER: _ClassVar[int]
    TOPIC_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_COUNT_FIELD_NUMBER: _ClassVar[int]
    LAST_MESSAGE_AT_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    customer_id: str
    channel: Channel
    status: ConversationStatus
    agents: _containers.RepeatedCompositeFieldContainer[AgentAssignment]
    escalated: bool
    started_at: _timestamp_pb2.Timestamp
    ended_at: _timestamp_pb2.Timestamp
    duration: _duration_pb2.Duration
    csat: int
    topic: str
    summary: str
    message_count: int
    last_message_at: _timestamp_pb2.Timestamp
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., customer_id: _Optional[str] = ..., channel: _Optional[_Union[Channel, str]] = ..., status: _Optional[_Union[ConversationStatus, str]] = ..., agents: _Optional[_Iterable[_Union[AgentAssignment, _Mapping]]] = ..., escalated: _Optional[bool] = ..., started_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., ended_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., duration: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., csat: _Optional[int] = ..., topic: _Optional[str] = ..., summary: _Optional[str] = ..., message_count: _Optional[int] = ..., last_message_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Message(_message.Message):
    __slots__ = ("id", "conversation_id", "customer_id", "channel", "direction", "author", "author_id", "text", "sent_at", "provider_message_id", "created_at", "delivery_status", "delivery_error")
    ID_FIELD_NUMBER: _ClassVar[int]
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    DIRECTION_FIELD_NUMBER: _ClassVar[int]
    AUTHOR_FIELD_NUMBER: _ClassVar[int]
    AUTHOR_ID_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    SENT_AT_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    DELIVERY_STATUS_FIELD_NUMBER: _ClassVar[int]
    DELIVERY_ERROR_FIELD_NUMBER: _ClassVar[int]
    id: str
    conversation_id: str
    customer_id: str
    channel: Channel
    direction: Direction
    author: Author
    author_id: str
    text: str
    sent_at: _timestamp_pb2.Timestamp
    provider_message_id: str
    created_at: _timestamp_pb2.Timestamp
    delivery_status: DeliveryStatus
    delivery_error: str
    def __init__(self, id: _Optional[str] = ..., conversation_id: _Optional[str] = ..., customer_id: _Optional[str] = ..., channel: _Optional[_Union[Channel, str]] = ..., direction: _Optional[_Union[Direction, str]] = ..., author: _Optional[_Union[Author, str]] = ..., author_id: _Optional[str] = ..., text: _Optional[str] = ..., sent_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., provider_message_id: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., delivery_status: _Optional[_Union[DeliveryStatus, str]] = ..., delivery_error: _Optional[str] = ...) -> None: ...

class IngestMessageRequest(_message.Message):
    __slots__ = ("provider_message_id", "channel", "customer_phone", "customer_email", "customer_id", "customer_display_name", "conversation_id", "direction", "author", "author_id", "text", "sent_at")
    PROVIDER_MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_PHONE_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_EMAIL_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    DIRECTION_FIELD_NUMBER: _ClassVar[int]
    AUTHOR_FIELD_NUMBER: _ClassVar[int]
    AUTHOR_ID_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    SENT_AT_FIELD_NUMBER: _ClassVar[int]
    provider_message_id: str
    channel: Channel
    customer_phone: str
    customer_email: str
    customer_id: str
    customer_display_name: str
    conversation_id: str
    direction: Direction
    author: Author
    author_id: str
    text: str
    sent_at: _timestamp_pb2.Timestamp
    def __init__(self, provider_message_id: _Optional[str] = ..., channel: _Optional[_Union[Channel, str]] = ..., customer_phone: _Optional[str] = ..., customer_email: _Optional[str] = ..., customer_id: _Optional[str] = ..., customer_display_name: _Optional[str] = ..., conversation_id: _Optional[str] = ..., direction: _Optional[_Union[Direction, str]] = ..., author: _Optional[_Union[Author, str]] = ..., author_id: _Optional[str] = ..., text: _Optional[str] = ..., sent_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class IngestMessageResponse(_message.Message):
    __slots__ = ("message", "conversation", "duplicate", "customer_created", "conversation_opened")
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    CONVERSATION_FIELD_NUMBER: _ClassVar[int]
    DUPLICATE_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_CREATED_FIELD_NUMBER: _ClassVar[int]
    CONVERSATION_OPENED_FIELD_NUMBER: _ClassVar[int]
    message: Message
    conversation: Conversation
    duplicate: bool
    customer_created: bool
    conversation_opened: bool
    def __init__(self, message: _Optional[_Union[Message, _Mapping]] = ..., conversation: _Optional[_Union[Conversation, _Mapping]] = ..., duplicate: _Optional[bool] = ..., customer_created: _Optional[bool] = ..., conversation_opened: _Optional[bool] = ...) -> None: ...

class IngestMessagesRequest(_message.Message):
    __slots__ = ("messages",)
    MESSAGES_FIELD_NUMBER: _ClassVar[int]
    messages: _containers.RepeatedCompositeFieldContainer[IngestMessageRequest]
    def __init__(self, messages: _Optional[_Iterable[_Union[IngestMessageRequest, _Mapping]]] = ...) -> None: ...

class IngestMessagesResponse(_message.Message):
    __slots__ = ("results",)
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[IngestMessageResult]
    def __init__(self, results: _Optional[_Iterable[_Union[IngestMessageResult, _Mapping]]] = ...) -> None: ...

class IngestMessageResult(_message.Message):
    __slots__ = ("index", "ingested", "failed")
    INDEX_FIELD_NUMBER: _ClassVar[int]
    INGESTED_FIELD_NUMBER: _ClassVar[int]
    FAILED_FIELD_NUMBER: _ClassVar[int]
    index: int
    ingested: IngestMessageResponse
    failed: IngestFailure
    def __init__(self, index: _Optional[int] = ..., ingested: _Optional[_Union[IngestMessageResponse, _Mapping]] = ..., failed: _Optional[_Union[IngestFailure, _Mapping]] = ...) -> None: ...

class IngestFailure(_message.Message):
    __slots__ = ("code", "message", "field")
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    FIELD_FIELD_NUMBER: _ClassVar[int]
    code: str
    message: str
    field: str
    def __init__(self, code: _Optional[str] = ..., message: _Optional[str] = ..., field: _Optional[str] = ...) -> None: ...

class ListConversationsRequest(_message.Message):
    __slots__ = ("customer_id", "started_after", "started_before", "channels", "status", "agent_id", "page_size", "page_token")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    STARTED_AFTER_FIELD_NUMBER: _ClassVar[int]
    STARTED_BEFORE_FIELD_NUMBER: _ClassVar[int]
    CHANNELS_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    started_after: _timestamp_pb2.Timestamp
    started_before: _timestamp_pb2.Timestamp
    channels: _containers.RepeatedScalarFieldContainer[Channel]
    status: ConversationStatus
    agent_id: str
    page_size: int
    page_token: str
    def __init__(self, customer_id: _Optional[str] = ..., started_after: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., started_before: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., channels: _Optional[_Iterable[_Union[Channel, str]]] = ..., status: _Optional[_Union[ConversationStatus, str]] = ..., agent_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListConversationsResponse(_message.Message):
    __slots__ = ("conversations", "next_page_token")
    CONVERSATIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    conversations: _containers.RepeatedCompositeFieldContainer[Conversation]
    next_page_token: str
    def __init__(self, conversations: _Optional[_Iterable[_Union[Conversation, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetConversationRequest(_message.Message):
    __slots__ = ("id", "message_page_size", "message_page_token")
    ID_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    id: str
    message_page_size: int
    message_page_token: str
    def __init__(self, id: _Optional[str] = ..., message_page_size: _Optional[int] = ..., message_page_token: _Optional[str] = ...) -> None: ...

class GetConversationResponse(_message.Message):
    __slots__ = ("conversation", "messages", "next_message_page_token")
    CONVERSATION_FIELD_NUMBER: _ClassVar[int]
    MESSAGES_FIELD_NUMBER: _ClassVar[int]
    NEXT_MESSAGE_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    conversation: Conversation
    messages: _containers.RepeatedCompositeFieldContainer[Message]
    next_message_page_token: str
    def __init__(self, conversation: _Optional[_Union[Conversation, _Mapping]] = ..., messages: _Optional[_Iterable[_Union[Message, _Mapping]]] = ..., next_message_page_token: _Optional[str] = ...) -> None: ...

class AgentHandoff(_message.Message):
    __slots__ = ("agent_id", "kind", "reason")
    AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    agent_id: str
    kind: AgentKind
    reason: str
    def __init__(self, agent_id: _Optional[str] = ..., kind: _Optional[_Union[AgentKind, str]] = ..., reason: _Optional[str] = ...) -> None: ...

class UpdateConversationRequest(_message.Message):
    __slots__ = ("id", "status", "handoff", "csat", "topic", "summary")
    ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    HANDOFF_FIELD_NUMBER: _ClassVar[int]
    CSAT_FIELD_NUMBER: _ClassVar[int]
    TOPIC_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    id: str
    status: ConversationStatus
    handoff: AgentHandoff
    csat: int
    topic: str
    summary: str
    def __init__(self, id: _Optional[str] = ..., status: _Optional[_Union[ConversationStatus, str]] = ..., handoff: _Optional[_Union[AgentHandoff, _Mapping]] = ..., csat: _Optional[int] = ..., topic: _Optional[str] = ..., summary: _Optional[str] = ...) -> None: ...

class CloseConversationRequest(_message.Message):
    __slots__ = ("id", "csat", "summary", "ended_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    CSAT_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    ENDED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    csat: int
    summary: str
    ended_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., csat: _Optional[int] = ..., summary: _Optional[str] = ..., ended_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class SearchMessagesRequest(_message.Message):
    __slots__ = ("query", "customer_id", "channels", "sent_after", "sent_before", "page_size", "page_token", "customers_only")
    QUERY_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    CHANNELS_FIELD_NUMBER: _ClassVar[int]
    SENT_AFTER_FIELD_NUMBER: _ClassVar[int]
    SENT_BEFORE_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    CUSTOMERS_ONLY_FIELD_NUMBER: _ClassVar[int]
    query: str
    customer_id: str
    channels: _containers.RepeatedScalarFieldContainer[Channel]
    sent_after: _timestamp_pb2.Timestamp
    sent_before: _timestamp_pb2.Timestamp
    page_size: int
    page_token: str
    customers_only: bool
    def __init__(self, query: _Optional[str] = ..., customer_id: _Optional[str] = ..., channels: _Optional[_Iterable[_Union[Channel, str]]] = ..., sent_after: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., sent_before: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., customers_only: _Optional[bool] = ...) -> None: ...

class Highlight(_message.Message):
    __slots__ = ("start", "end")
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    start: int
    end: int
    def __init__(self, start: _Optional[int] = ..., end: _Optional[int] = ...) -> None: ...

class MessageHit(_message.Message):
    __slots__ = ("message", "rank", "snippet", "highlights")
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    RANK_FIELD_NUMBER: _ClassVar[int]
    SNIPPET_FIELD_NUMBER: _ClassVar[int]
    HIGHLIGHTS_FIELD_NUMBER: _ClassVar[int]
    message: Message
    rank: float
    snippet: str
    highlights: _containers.RepeatedCompositeFieldContainer[Highlight]
    def __init__(self, message: _Optional[_Union[Message, _Mapping]] = ..., rank: _Optional[float] = ..., snippet: _Optional[str] = ..., highlights: _Optional[_Iterable[_Union[Highlight, _Mapping]]] = ...) -> None: ...

class SearchMessagesResponse(_message.Message):
    __slots__ = ("hits", "customer_ids", "next_page_token")
    HITS_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_IDS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    hits: _containers.RepeatedCompositeFieldContainer[MessageHit]
    customer_ids: _containers.RepeatedScalarFieldContainer[str]
    next_page_token: str
    def __init__(self, hits: _Optional[_Iterable[_Union[MessageHit, _Mapping]]] = ..., customer_ids: _Optional[_Iterable[str]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class SendMessageRequest(_message.Message):
    __slots__ = ("customer_id", "channel", "text", "template", "subject", "author", "author_id", "marketing", "idempotency_key", "staff_email", "dry_run")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    TEMPLATE_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    AUTHOR_FIELD_NUMBER: _ClassVar[int]
    AUTHOR_ID_FIELD_NUMBER: _ClassVar[int]
    MARKETING_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    STAFF_EMAIL_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    channel: Channel
    text: str
    template: str
    subject: str
    author: Author
    author_id: str
    marketing: bool
    idempotency_key: str
    staff_email: str
    dry_run: bool
    def __init__(self, customer_id: _Optional[str] = ..., channel: _Optional[_Union[Channel, str]] = ..., text: _Optional[str] = ..., template: _Optional[str] = ..., subject: _Optional[str] = ..., author: _Optional[_Union[Author, str]] = ..., author_id: _Optional[str] = ..., marketing: _Optional[bool] = ..., idempotency_key: _Optional[str] = ..., staff_email: _Optional[str] = ..., dry_run: _Optional[bool] = ...) -> None: ...

class OutboundMessage(_message.Message):
    __slots__ = ("id", "customer_id", "channel", "recipient", "to_staff", "subject", "text", "status", "error", "message_id", "conversation_id", "provider_message_id", "author", "author_id", "created_at", "updated_at", "duplicate")
    ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_FIELD_NUMBER: _ClassVar[int]
    TO_STAFF_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    AUTHOR_FIELD_NUMBER: _ClassVar[int]
    AUTHOR_ID_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    DUPLICATE_FIELD_NUMBER: _ClassVar[int]
    id: str
    customer_id: str
    channel: Channel
    recipient: str
    to_staff: bool
    subject: str
    text: str
    status: DeliveryStatus
    error: str
    message_id: str
    conversation_id: str
    provider_message_id: str
    author: Author
    author_id: str
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    duplicate: bool
    def __init__(self, id: _Optional[str] = ..., customer_id: _Optional[str] = ..., channel: _Optional[_Union[Channel, str]] = ..., recipient: _Optional[str] = ..., to_staff: _Optional[bool] = ..., subject: _Optional[str] = ..., text: _Optional[str] = ..., status: _Optional[_Union[DeliveryStatus, str]] = ..., error: _Optional[str] = ..., message_id: _Optional[str] = ..., conversation_id: _Optional[str] = ..., provider_message_id: _Optional[str] = ..., author: _Optional[_Union[Author, str]] = ..., author_id: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., duplicate: _Optional[bool] = ...) -> None: ...

class GetOutboundMessageRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class RecordDeliveryStatusRequest(_message.Message):
    __slots__ = ("body", "signature")
    BODY_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    body: bytes
    signature: str
    def __init__(self, body: _Optional[bytes] = ..., signature: _Optional[str] = ...) -> None: ...
