"""Outbound messages: who may be messaged on which channel, and the delivery status machine.
No I/O."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from moodline_kit.errors import FieldViolation, InvalidArgument, PreconditionFailed

from conversation.domain.model import MAX_AUTHOR_ID_CHARS, MAX_TEXT_CHARS, Author, Channel

MAX_SUBJECT_CHARS = 300
MAX_IDEMPOTENCY_KEY_CHARS = 200
DEFAULT_SUBJECT = "Message from your provider"
# Channels with an adapter; phone and web chat are live conversations, not sent from here.
SENDABLE = (Channel.EMAIL, Channel.SMS, Channel.WHATSAPP)
# A message claimed by a dispatcher that never reported back within this time (its process
# died mid-send) is failed rather than re-sent: the recipient may already have it.
CLAIM_LEASE = timedelta(minutes=5)


class DeliveryStatus(StrEnum):
    QUEUED = "queued"
    # Claimed by a dispatcher, being handed to the channel (shown as queued).
    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"
    FAILED = "failed"


# Where a status may go next; delivered/failed are final. A provider's callback may overtake
# the dispatcher's own "sent" (it can arrive while the send call is still returning).
TRANSITIONS: dict[DeliveryStatus, set[DeliveryStatus]] = {
    DeliveryStatus.QUEUED: {DeliveryStatus.SENDING, DeliveryStatus.FAILED},
    DeliveryStatus.SENDING: {
        DeliveryStatus.SENT,
        DeliveryStatus.DELIVERED,
        DeliveryStatus.FAILED,
    },
    DeliveryStatus.SENT: {DeliveryStatus.DELIVERED, DeliveryStatus.FAILED},
    DeliveryStatus.DELIVERED: set(),
    DeliveryStatus.FAILED: set(),
}


def can_move(current: DeliveryStatus, new: DeliveryStatus) -> bool:
    return new in TRANSITIONS[current]


class Refused(PreconditionFailed):
    """The customer may not get this message; the message says why (the caller is told)."""


@dataclass(frozen=True)
class SendRequest:
    customer_id: str
    channel: Channel | None
    text: str
    template: str
    subject: str
    author: Author | None
    author_id: str
    marketing: bool
    idempotency_key: str
    staff_email: str
    dry_run: bool = False


def validate_send(request: SendRequest) -> list[FieldViolation]:
    bad: list[FieldViolation] = []

    def check(ok: bool, name: str, description: str) -> None:
        if not ok:
            bad.append(FieldViolation(name, description))

    try:
        uuid.UUID(request.customer_id)
    except ValueError:
        bad.append(FieldViolation("customer_id", "is not a customer id"))
    check(
        request.channel in SENDABLE,
        "channel",
        "must be one of: " + ", ".join(c.value for c in SENDABLE),
    )
    if bool(request.text.strip()) == bool(request.template.strip()):
        bad.append(FieldViolation("text", "give exactly one of text and template"))
    for name, value in (("text", request.text), ("template", request.template)):
        check(len(value) <= MAX_TEXT_CHARS, name, f"must be at most {MAX_TEXT_CHARS} characters")
    check(len(request.subject) <= MAX_SUBJECT_CHARS, "subject", "is too long")
    check(
        request.author in (Author.AGENT, Author.AI, Author.AUTOMATION),
        "author",
        "must be agent, ai or automation",
    )
    check(len(request.author_id) <= MAX_AUTHOR_ID_CHARS, "author_id", "is too long")
    check(
        len(request.idempotency_key) <= MAX_IDEMPOTENCY_KEY_CHARS, "idempotency_key", "is too long"
    )
    if request.staff_email:
        check(request.channel is Channel.EMAIL, "staff_email", "is for the email channel only")
        check(
            "@" in request.staff_email and len(request.staff_email) <= 254,
            "staff_email",
            "is not an e-mail address",
        )
    return bad


def require_valid_send(request: SendRequest) -> None:
    bad = validate_send(request)
    if bad:
        raise InvalidArgument.of_all(bad)


@dataclass(frozen=True)
class CustomerContact:
    """What sending needs to know about the customer (from the customer service)."""

    email: str
    phone: str
    # Latest consent per kind (communication, marketing, email, sms, whatsapp, ...); a kind
    # never recorded is absent (treated as not withdrawn).
    consents: dict[str, bool] = field(default_factory=dict)


@dataclass(frozen=True)
class CustomerProfile:
    """A customer as sending sees it: whom to reach, and the values its templates may name
    (`customer.first_name`, `customer.custom.<key>`, ...; moodline_kit.templating)."""

    contact: CustomerContact
    values: Mapping[str, object] = field(default_factory=dict)


def refusal(contact: CustomerContact, channel: Channel, *, marketing: bool) -> Refused | None:
    """Why this customer may not get this message, or None. Consent first: an opted-out
    customer is never messaged, whatever else is true."""
    if contact.consents.get("communication") is False:
        return Refused("customer opted out of communication")
    if contact.consents.get(channel.value) is False:
        return Refused(f"customer opted out of {channel.value}")
    if marketing and contact.consents.get("marketing") is False:
        return Refused("customer opted out of marketing")
    if recipient_of(contact, channel) == "":
        kind = "e-mail address" if channel is Channel.EMAIL else "phone number"
        return Refused(f"customer has no {kind}")
    return None


def recipient_of(contact: CustomerContact, channel: Channel) -> str:
    return contact.email if channel is Channel.EMAIL else contact.phone


@dataclass
class OutboundMessage:
    id: uuid.UUID
    tenant_id: uuid.UUID
    customer_id: uuid.UUID
    channel: Channel
    recipient: str
    to_staff: bool
    subject: str
    text: str
    status: DeliveryStatus
    error: str
    message_id: uuid.UUID | None
    conversation_id: uuid.UUID | None
    provider_message_id: str
    author: Author
    author_id: str
    idempotency_key: str
    created_at: datetime
    updated_at: datetime
    attempts: int = 0
    duplicate: bool = False
