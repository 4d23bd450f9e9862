"""Public JSON shapes of /api/v1/conversations (snake_case). Unknown fields are refused."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from moodline.conversation.v1 import conversation_pb2 as pb
from pydantic import BaseModel, ConfigDict, Field, model_validator

from gateway.proto_models import proto_model
from gateway.validation import Instant

Channel = Literal["phone", "sms", "whatsapp", "email", "webchat"]
Status = Literal["open", "resolved"]
Direction = Literal["inbound", "outbound"]
Author = Literal["customer", "agent", "ai"]
AgentKind = Literal["human", "ai"]

MAX_TEXT_CHARS = 10_000
MAX_BATCH = 500


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CustomerRef(Strict):
    """Who the message is with: exactly one of phone (E.164 or national), email, id."""

    phone: str | None = Field(default=None, min_length=1, max_length=32)
    email: str | None = Field(default=None, min_length=1, max_length=254)
    id: str | None = Field(default=None, min_length=1, max_length=64)
    display_name: str = Field(
        default="", max_length=200, description="used only when a Prospect is created"
    )

    @model_validator(mode="after")
    def _exactly_one(self) -> CustomerRef:
        given = [v for v in (self.phone, self.email, self.id) if v is not None and v.strip()]
        if len(given) != 1:
            raise ValueError("give exactly one of phone, email or id")
        return self


class MessageIn(Strict):
    provider_message_id: str = Field(
        min_length=1, max_length=200, description="the provider's id: the idempotency key"
    )
    channel: Channel
    customer: CustomerRef
    direction: Direction
    author: Author
    author_id: str = Field(default="", max_length=200, description="staff or AI agent id")
    text: str = Field(min_length=1, max_length=MAX_TEXT_CHARS, pattern=r"\S")
    sent_at: Instant
    conversation_id: str | None = Field(
        default=None,
        max_length=64,
        description="append to this conversation; else the customer's open one on the channel",
    )


class MessageBatchIn(Strict):
    messages: list[MessageIn] = Field(min_length=1, max_length=MAX_BATCH)


class IngestedOut(BaseModel):
    message_id: str
    conversation_id: str
    customer_id: str
    duplicate: bool
    customer_created: bool
    conversation_opened: bool


class IngestErrorOut(BaseModel):
    code: str
    message: str
    field: str | None


class BatchResultOut(BaseModel):
    index: int
    status: Literal["accepted", "duplicate", "failed"]
    result: IngestedOut | None = None
    error: IngestErrorOut | None = None


class BatchOut(BaseModel):
    results: list[BatchResultOut]


class AgentOut(BaseModel):
    agent_id: str
    kind: AgentKind
    assigned_at: datetime
    unassigned_at: datetime | None
    handoff_reason: str


class ConversationOut(BaseModel):
    id: str
    customer_id: str
    channel: Channel
    status: Status
    agents: list[AgentOut]
    escalated: bool
    started_at: datetime
    ended_at: datetime | None
    duration_seconds: float | None
    csat: int | None
    topic: str
    summary: str
    message_count: int
    last_message_at: datetime | None
    created_at: datetime
    updated_at: datetime


# A message as a conversation lists it; its delivery (outbound only) is what the send endpoint
# answers (OutboundOut), not part of this shape.
MessageOut = proto_model(
    "MessageOut", pb.Message.DESCRIPTOR, but=("delivery_status", "delivery_error")
)


class ConversationPage(BaseModel):
    items: list[ConversationOut]
    next_cursor: str | None


class ConversationWithMessages(ConversationOut):
    messages: list[MessageOut]
    next_message_cursor: str | None


class HandoffIn(Strict):
    agent_id: str = Field(min_length=1, max_length=200)
    kind: AgentKind
    reason: str = Field(default="", max_length=500)


class ConversationPatch(Strict):
    status: Status | None = None
    handoff: HandoffIn | None = None
    csat: int | None = Field(default=None, ge=1, le=5)
    topic: str | None = Field(default=None, max_length=200)
    summary: str | None = Field(default=None, max_length=4000)


class ConversationClose(Strict):
    csat: int | None = Field(default=None, ge=1, le=5)
    summary: str | None = Field(default=None, max_length=4000)
    ended_at: Instant | None = None


class HighlightOut(BaseModel):
    start: int
    end: int


class SearchHitOut(BaseModel):
    message: MessageOut
    rank: float
    snippet: str
    highlights: list[HighlightOut]


class SearchPage(BaseModel):
    items: list[SearchHitOut]
    customer_ids: list[str]
    next_cursor: str | None
