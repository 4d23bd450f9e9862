"""Domain <-> protobuf (moodline.conversation.v1 messages and moodline.events.v1 payloads)."""

from __future__ import annotations

from datetime import timedelta

from google.protobuf import duration_pb2
from moodline.conversation.v1 import conversation_pb2 as pb
from moodline.events.v1 import conversation_pb2 as events_pb
from moodline_kit.grpc.enums import inverse
from moodline_kit.timestamps import to_proto

from conversation.domain.model import (
    AgentKind,
    Author,
    Channel,
    Conversation,
    Direction,
    HandedOff,
    Message,
    Status,
)
from conversation.domain.outbound import DeliveryStatus, OutboundMessage

CHANNELS = {
    Channel.PHONE: pb.CHANNEL_PHONE,
    Channel.SMS: pb.CHANNEL_SMS,
    Channel.WHATSAPP: pb.CHANNEL_WHATSAPP,
    Channel.EMAIL: pb.CHANNEL_EMAIL,
    Channel.WEBCHAT: pb.CHANNEL_WEBCHAT,
}
STATUSES = {
    Status.OPEN: pb.CONVERSATION_STATUS_OPEN,
    Status.RESOLVED: pb.CONVERSATION_STATUS_RESOLVED,
}
DIRECTIONS = {Direction.INBOUND: pb.DIRECTION_INBOUND, Direction.OUTBOUND: pb.DIRECTION_OUTBOUND}
AUTHORS = {
    Author.CUSTOMER: pb.AUTHOR_CUSTOMER,
    Author.AGENT: pb.AUTHOR_AGENT,
    Author.AI: pb.AUTHOR_AI,
    Author.AUTOMATION: pb.AUTHOR_AUTOMATION,
}
DELIVERY_STATUSES = {
    DeliveryStatus.QUEUED: pb.DELIVERY_STATUS_QUEUED,
    DeliveryStatus.SENDING: pb.DELIVERY_STATUS_QUEUED,
    DeliveryStatus.SENT: pb.DELIVERY_STATUS_SENT,
    DeliveryStatus.DELIVERED: pb.DELIVERY_STATUS_DELIVERED,
    DeliveryStatus.FAILED: pb.DELIVERY_STATUS_FAILED,
}
AGENT_KINDS = {AgentKind.HUMAN: pb.AGENT_KIND_HUMAN, AgentKind.AI: pb.AGENT_KIND_AI}


CHANNEL_OF = inverse(CHANNELS)
STATUS_OF = inverse(STATUSES)
DIRECTION_OF = inverse(DIRECTIONS)
AUTHOR_OF = inverse(AUTHORS)
AGENT_KIND_OF = inverse(AGENT_KINDS)


def duration(value: timedelta) -> duration_pb2.Duration:
    out = duration_pb2.Duration()
    out.FromTimedelta(value)
    return out


def conversation_to_proto(c: Conversation) -> pb.Conversation:
    out = pb.Conversation(
        id=str(c.id),
        customer_id=str(c.customer_id),
        channel=CHANNELS[c.channel],
        status=STATUSES[c.status],
        escalated=c.escalated,
        started_at=to_proto(c.started_at),
        topic=c.topic,
        summary=c.summary,
        message_count=c.message_count,
        created_at=to_proto(c.created_at),
        updated_at=to_proto(c.updated_at),
    )
    for a in c.agents:
        assignment = out.agents.add(
            agent_id=a.agent_id,
            kind=AGENT_KINDS[a.kind],
            assigned_at=to_proto(a.assigned_at),
            handoff_reason=a.handoff_reason,
        )
        if a.unassigned_at is not None:
            assignment.unassigned_at.CopyFrom(to_proto(a.unassigned_at))
    if c.ended_at is not None:
        out.ended_at.CopyFrom(to_proto(c.ended_at))
    if c.duration is not None:
        out.duration.CopyFrom(duration(c.duration))
    if c.csat is not None:
        out.csat = c.csat
    if c.last_message_at is not None:
        out.last_message_at.CopyFrom(to_proto(c.last_message_at))
    return out


def message_to_proto(m: Message) -> pb.Message:
    status = DeliveryStatus(m.delivery_status) if m.delivery_status else None
    return pb.Message(
        id=str(m.id),
        conversation_id=str(m.conversation_id),
        customer_id=str(m.customer_id),
        channel=CHANNELS[m.channel],
        direction=DIRECTIONS[m.direction],
        author=AUTHORS[m.author],
        author_id=m.author_id,
        text=m.text,
        sent_at=to_proto(m.sent_at),
        provider_message_id=m.provider_message_id,
        created_at=to_proto(m.created_at),
        delivery_status=DELIVERY_STATUSES[status] if status else pb.DELIVERY_STATUS_UNSPECIFIED,
        delivery_error=m.delivery_error,
    )


def outbound_to_proto(o: OutboundMessage) -> pb.OutboundMessage:
    return pb.OutboundMessage(
        id=str(o.id),
        customer_id=str(o.customer_id),
        channel=CHANNELS[o.channel],
        recipient=o.recipient,
        to_staff=o.to_staff,
        subject=o.subject,
        text=o.text,
        status=DELIVERY_STATUSES[o.status],
        error=o.error,
        message_id=str(o.message_id) if o.message_id else "",
        conversation_id=str(o.conversation_id) if o.conversation_id else "",
        provider_message_id=o.provider_message_id,
        author=AUTHORS[o.author],
        author_id=o.author_id,
        created_at=to_proto(o.created_at),
        updated_at=to_proto(o.updated_at),
        duplicate=o.duplicate,
    )


def outbound_changed(
    o: OutboundMessage, previous: DeliveryStatus | None
) -> events_pb.OutboundMessageChanged:
    return events_pb.OutboundMessageChanged(
        message=outbound_to_proto(o),
        previous_status=(
            DELIVERY_STATUSES[previous] if previous else pb.DELIVERY_STATUS_UNSPECIFIED
        ),
    )


def message_received(m: Message) -> events_pb.MessageReceived:
    return events_pb.MessageReceived(
        message_id=str(m.id),
        conversation_id=str(m.conversation_id),
        customer_id=str(m.customer_id),
        channel=CHANNELS[m.channel],
        direction=DIRECTIONS[m.direction],
        author=AUTHORS[m.author],
        author_id=m.author_id,
        text=m.text,
        sent_at=to_proto(m.sent_at),
    )


def conversation_opened(c: Conversation) -> events_pb.ConversationOpened:
    first = c.agents[0] if c.agents else None
    return events_pb.ConversationOpened(
        conversation_id=str(c.id),
        customer_id=str(c.customer_id),
        channel=CHANNELS[c.channel],
        started_at=to_proto(c.started_at),
        agent_id=first.agent_id if first else "",
        agent_kind=AGENT_KINDS[first.kind] if first else pb.AGENT_KIND_UNSPECIFIED,
    )


def conversation_closed(c: Conversation) -> events_pb.ConversationClosed:
    out = events_pb.ConversationClosed(
        conversation_id=str(c.id),
        customer_id=str(c.customer_id),
        channel=CHANNELS[c.channel],
        started_at=to_proto(c.started_at),
        escalated=c.escalated,
        message_count=c.message_count,
        topic=c.topic,
        summary=c.summary,
        agent_ids=c.agent_ids,
    )
    if c.ended_at is not None:
        out.ended_at.CopyFrom(to_proto(c.ended_at))
    if c.duration is not None:
        out.duration.CopyFrom(duration(c.duration))
    if c.csat is not None:
        out.csat = c.csat
    return out


def conversation_escalated(c: Conversation, h: HandedOff) -> events_pb.ConversationEscalated:
    return events_pb.ConversationEscalated(
        conversation_id=str(c.id),
        customer_id=str(c.customer_id),
        channel=CHANNELS[c.channel],
        from_agent_id=h.from_agent_id,
        to_agent_id=h.to_agent_id,
        reason=h.reason,
    )


def conversation_rated(c: Conversation) -> events_pb.ConversationRated:
    return events_pb.ConversationRated(
        conversation_id=str(c.id), customer_id=str(c.customer_id), csat=c.csat or 0
    )


def conversation_reopened(c: Conversation) -> events_pb.ConversationReopened:
    return events_pb.ConversationReopened(conversation_id=str(c.id), customer_id=str(c.customer_id))
