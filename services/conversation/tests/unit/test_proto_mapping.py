import uuid
from datetime import UTC, datetime, timedelta

from conversation.adapters import proto
from conversation.domain.model import AgentKind, Channel, Conversation, Status
from moodline.conversation.v1 import conversation_pb2 as pb

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def test_every_domain_enum_has_a_proto_value_and_back():
    for mapping, reverse in (
        (proto.CHANNELS, proto.CHANNEL_OF),
        (proto.STATUSES, proto.STATUS_OF),
        (proto.DIRECTIONS, proto.DIRECTION_OF),
        (proto.AUTHORS, proto.AUTHOR_OF),
        (proto.AGENT_KINDS, proto.AGENT_KIND_OF),
    ):
        assert all(reverse[v] is k for k, v in mapping.items())
        assert 0 not in reverse  # UNSPECIFIED never maps to a domain value
    assert set(proto.CHANNELS) == set(Channel)


def test_closed_conversation_event_carries_duration_csat_and_agents():
    c = Conversation(
        id=uuid.uuid4(),
        tenant_id=uuid.uuid4(),
        customer_id=uuid.uuid4(),
        channel=Channel.PHONE,
        status=Status.OPEN,
        started_at=NOW,
        created_at=NOW,
        updated_at=NOW,
    )
    c.assign_first_agent("ai-1", AgentKind.AI, NOW)
    c.hand_off("staff-1", AgentKind.HUMAN, "asked for a human", NOW + timedelta(minutes=1))
    c.rate(2, NOW)
    c.close(ended_at=NOW + timedelta(minutes=5), at=NOW)
    event = proto.conversation_closed(c)
    assert event.duration.ToTimedelta() == timedelta(minutes=5)
    assert event.csat == 2 and event.escalated
    assert list(event.agent_ids) == ["ai-1", "staff-1"]
    message = proto.conversation_to_proto(c)
    assert message.channel == pb.CHANNEL_PHONE and message.status == pb.CONVERSATION_STATUS_RESOLVED
    assert message.agents[0].unassigned_at.ToDatetime(UTC) == NOW + timedelta(minutes=1)
