"""Outbound messages: what `POST /api/v1/customers/{id}/messages` takes and answers."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, model_validator

from gateway.schemas import Strict

SendChannel = Literal["email", "sms", "whatsapp"]
DeliveryStatus = Literal["queued", "sent", "delivered", "failed"]


class MessageSend(Strict):
    channel: SendChannel
    text: str = Field(default="", max_length=10_000)
    template: str = Field(
        default="",
        max_length=10_000,
        description="Text with placeholders such as {{customer.first_name}} (see the "
        "conversation service README)",
    )
    subject: str = Field(default="", max_length=300, description="E-mail only")
    marketing: bool = Field(
        default=False, description="Marketing messages also need marketing consent"
    )
    idempotency_key: str = Field(default="", max_length=200)

    @model_validator(mode="after")
    def one_body(self) -> MessageSend:
        if bool(self.text) == bool(self.template):
            raise ValueError("give exactly one of text and template")
        return self


class OutboundOut(BaseModel):
    id: str
    customer_id: str
    channel: str
    recipient: str
    subject: str
    text: str
    status: DeliveryStatus
    error: str
    author: str
    author_id: str
    message_id: str | None
    conversation_id: str | None
    created_at: datetime
    updated_at: datetime
