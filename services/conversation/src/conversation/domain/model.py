"""Conversations and messages: the rules, without I/O."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from moodline.enums import Channel
from moodline_kit.errors import FieldViolation, InvalidArgument, PreconditionFailed
from moodline_kit.ids import as_uuid
from moodline_kit.validation import instant_problem, text_problem

MAX_TEXT_CHARS = 10_000
MAX_PROVIDER_ID_CHARS = 200
MAX_AUTHOR_ID_CHARS = 200
MAX_DISPLAY_NAME_CHARS = 200
MAX_CONTACT_CHARS = 254
MAX_BATCH = 500
MAX_TOPIC_CHARS = 200
MAX_SUMMARY_CHARS = 4_000
# Pages: at most this many conversations / messages (the default when a request names none).
MAX_PAGE_SIZE = 200
DEFAULT_PAGE_SIZE = 50
MAX_MESSAGE_PAGE_SIZE = 500
DEFAULT_MESSAGE_PAGE_SIZE = 100
# Provider clocks drift; a send time further ahead than this is a bug on the sender's side.
MAX_CLOCK_SKEW = timedelta(hours=24)


class Status(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


class Direction(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


class Author(StrEnum):
    CUSTOMER = "customer"
    AGENT = "agent"
    AI = "ai"
    # An automation workflow (outbound messages only).
    AUTOMATION = "automation"


class AgentKind(StrEnum):
    HUMAN = "human"
    AI = "ai"


class ContactKind(StrEnum):
    PHONE = "phone"
    EMAIL = "email"
    CUSTOMER_ID = "customer_id"


@dataclass(frozen=True)
class Contact:
    """How an incoming message names its customer."""

    kind: ContactKind
    value: str

    @property
    def field(self) -> str:
        return "customer_id" if self.kind is ContactKind.CUSTOMER_ID else f"customer_{self.kind}"

    @property
    def key(self) -> tuple[str, str]:
        """Identity for de-duplicating lookups (emails are case-insensitive)."""
        value = self.value.strip()
        return (self.kind.value, value.lower() if self.kind is ContactKind.EMAIL else value)


@dataclass(frozen=True)
class IncomingMessage:
    """One message as a channel provider reports it (enum fields None when unspecified)."""

    provider_message_id: str
    channel: Channel | None
    contact: Contact | None
    direction: Direction | None
    author: Author | None
    text: str
    sent_at: datetime | None
    author_id: str = ""
    display_name: str = ""
    conversation_id: str = ""

    @property
    def idempotency_key(self) -> tuple[str, str]:
        assert self.channel is not None
        return (self.channel.value, self.provider_message_id)


def validate_incoming(message: IncomingMessage, *, now: datetime) -> list[FieldViolation]:
    """Every problem with the message at once (empty: it may be stored)."""
    bad: list[FieldViolation] = []

    def check(ok: bool, name: str, description: str) -> None:
        if not ok:
            bad.append(FieldViolation(name, description))

    pid = message.provider_message_id
    check(bool(pid.strip()), "provider_message_id", "is required")
    check(len(pid) <= MAX_PROVIDER_ID_CHARS, "provider_message_id", "is too long")
    check(
        message.channel is not None, "channel", "is required (phone, sms, whatsapp, email, webchat)"
    )
    if message.contact is None or not message.contact.value.strip():
        bad.append(FieldViolation("customer", "a phone, an email or a customer id is required"))
    else:
        contact = message.contact
        check(len(contact.value) <= MAX_CONTACT_CHARS, contact.field, "is too long")
        if contact.kind is ContactKind.CUSTOMER_ID:
            check(as_uuid(contact.value) is not None, contact.field, "is not a customer id")
    check(message.direction is not None, "direction", "is required (inbound, outbound)")
    check(message.author is not None, "author", "is required (customer, agent, ai)")
    if message.direction is not None and message.author is not None:
        inbound = message.author is Author.CUSTOMER
        check(
            (message.direction is Direction.INBOUND) == inbound,
            "direction",
            f"a message by the {message.author} is {'inbound' if inbound else 'outbound'}",
        )
    check(bool(message.text.strip()), "text", "must not be empty")
    check(
        len(message.text) <= MAX_TEXT_CHARS,
        "text",
        f"must be at most {MAX_TEXT_CHARS} characters",
    )
    check(len(message.author_id) <= MAX_AUTHOR_ID_CHARS, "author_id", "is too long")
    check(
        len(message.display_name) <= MAX_DISPLAY_NAME_CHARS, "customer_display_name", "is too long"
    )
    texts = {
        "provider_message_id": pid,
        "text": message.text,
        "author_id": message.author_id,
        "customer_display_name": message.display_name,
    }
    if message.contact is not None:
        texts[message.contact.field] = message.contact.value
    for name, value in texts.items():
        problem = text_problem(value)
        check(problem is None, name, problem or "")
    if message.sent_at is None:
        bad.append(FieldViolation("sent_at", "is required"))
    else:
        check(message.sent_at.tzinfo is not None, "sent_at", "needs a time zone")
        if message.sent_at.tzinfo is not None:
            check(message.sent_at <= now + MAX_CLOCK_SKEW, "sent_at", "is in the future")
            problem = instant_problem(message.sent_at)
            check(problem is None, "sent_at", problem or "")
    if message.conversation_id:
        check(
            as_uuid(message.conversation_id) is not None,
            "conversation_id",
            "is not a conversation id",
        )
    return bad


def require_valid(message: IncomingMessage, *, now: datetime) -> None:
    bad = validate_incoming(message, now=now)
    if bad:
        raise InvalidArgument.of_all(bad)


def agent_kind_of(author: Author) -> AgentKind | None:
    return {Author.AGENT: AgentKind.HUMAN, Author.AI: AgentKind.AI}.get(author)


def validate_csat(csat: int, name: str = "csat") -> None:
    if not 1 <= csat <= 5:
        raise InvalidArgument.of(name, "must be between 1 and 5")


@dataclass
class AgentAssignment:
    agent_id: str
    kind: AgentKind
    assigned_at: datetime
    unassigned_at: datetime | None = None
    handoff_reason: str = ""

    def to_json(self) -> dict:
        return {
            "agent_id": self.agent_id,
            "kind": self.kind.value,
            "assigned_at": self.assigned_at.isoformat(),
            "unassigned_at": self.unassigned_at.isoformat() if self.unassigned_at else None,
            "handoff_reason": self.handoff_reason,
        }

    @classmethod
    def from_json(cls, data: dict) -> AgentAssignment:
        return cls(
            agent_id=data["agent_id"],
            kind=AgentKind(data["kind"]),
            assigned_at=datetime.fromisoformat(data["assigned_at"]),
            unassigned_at=(
                datetime.fromisoformat(data["unassigned_at"]) if data.get("unassigned_at") else None
            ),
            handoff_reason=data.get("handoff_reason", ""),
        )


@dataclass(frozen=True)
class HandedOff:
    """A hand-off happened; `escalated` when it went from the AI to a human."""

    from_agent_id: str
    to_agent_id: str
    reason: str
    escalated: bool


@dataclass
class Conversation:
    id: uuid.UUID
    tenant_id: uuid.UUID
    customer_id: uuid.UUID
    channel: Channel
    status: Status
    started_at: datetime
    created_at: datetime
    updated_at: datetime
    ended_at: datetime | None = None
    csat: int | None = None
    topic: str = ""
    summary: str = ""
    escalated: bool = False
    message_count: int = 0
    last_message_at: datetime | None = None
    agents: list[AgentAssignment] = field(default_factory=list)
    version: int = 1

    @property
    def duration(self) -> timedelta | None:
        if self.ended_at is None:
            return None
        return max(self.ended_at - self.started_at, timedelta(0))

    @property
    def current_agent(self) -> AgentAssignment | None:
        return self.agents[-1] if self.agents else None

    @property
    def agent_ids(self) -> list[str]:
        return list(dict.fromkeys(a.agent_id for a in self.agents))

    def assign_first_agent(self, agent_id: str, kind: AgentKind, at: datetime) -> bool:
        """The first staff/AI author of a conversation becomes its agent (no hand-off)."""
        if self.agents or not agent_id:
            return False
        self.agents.append(AgentAssignment(agent_id, kind, at))
        return True

    def hand_off(self, agent_id: str, kind: AgentKind, reason: str, at: datetime) -> HandedOff:
        if not agent_id.strip():
            raise InvalidArgument.of("handoff.agent_id", "is required")
        if len(agent_id) > MAX_AUTHOR_ID_CHARS:
            raise InvalidArgument.of("handoff.agent_id", "is too long")
        current = self.current_agent
        if current is not None and current.agent_id == agent_id and current.kind is kind:
            raise PreconditionFailed(f"conversation is already handled by {agent_id}")
        if current is not None:
            current.unassigned_at = at
        self.agents.append(AgentAssignment(agent_id, kind, at, handoff_reason=reason))
        escalated = current is not None and current.kind is AgentKind.AI and kind is AgentKind.HUMAN
        self.escalated = self.escalated or escalated
        self.updated_at = at
        return HandedOff(current.agent_id if current else "", agent_id, reason, escalated)

    def rate(self, csat: int, at: datetime) -> bool:
        validate_csat(csat)
        changed = self.csat != csat
        self.csat = csat
        self.updated_at = at
        return changed

    def describe(self, *, topic: str | None, summary: str | None, at: datetime) -> None:
        if topic is not None:
            if len(topic) > MAX_TOPIC_CHARS:
                raise InvalidArgument.of("topic", f"must be at most {MAX_TOPIC_CHARS} characters")
            self.topic = topic.strip()
        if summary is not None:
            if len(summary) > MAX_SUMMARY_CHARS:
                raise InvalidArgument.of(
                    "summary", f"must be at most {MAX_SUMMARY_CHARS} characters"
                )
            self.summary = summary.strip()
        self.updated_at = at

    def close(self, *, ended_at: datetime, at: datetime) -> bool:
        """Resolve; False when it already was (closing twice changes nothing)."""
        if self.status is Status.RESOLVED:
            return False
        if ended_at < self.started_at:
            raise InvalidArgument.of("ended_at", "must not be before the conversation started")
        self.status = Status.RESOLVED
        self.ended_at = ended_at
        if self.current_agent is not None and self.current_agent.unassigned_at is None:
            self.current_agent.unassigned_at = ended_at
        self.updated_at = at
        return True

    def reopen(self, at: datetime) -> bool:
        if self.status is Status.OPEN:
            return False
        self.status = Status.OPEN
        self.ended_at = None
        self.updated_at = at
        return True


@dataclass(frozen=True)
class Message:
    id: uuid.UUID
    tenant_id: uuid.UUID
    conversation_id: uuid.UUID
    customer_id: uuid.UUID
    channel: Channel
    direction: Direction
    author: Author
    author_id: str
    text: str
    sent_at: datetime
    provider_message_id: str
    created_at: datetime
    # Outbound messages sent through Moodline only (None for ingested ones).
    delivery_status: str | None = None
    delivery_error: str = ""
