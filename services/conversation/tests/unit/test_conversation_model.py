import uuid
from datetime import UTC, datetime, timedelta

import pytest
from conversation.domain.model import (
    MAX_TEXT_CHARS,
    AgentKind,
    Author,
    Channel,
    Contact,
    ContactKind,
    Conversation,
    Direction,
    IncomingMessage,
    Status,
    validate_incoming,
)
from moodline_kit.errors import InvalidArgument, PreconditionFailed

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def message(**changes) -> IncomingMessage:
    fields = {
        "provider_message_id": "SM1",
        "channel": Channel.SMS,
        "contact": Contact(ContactKind.PHONE, "+14155550100"),
        "direction": Direction.INBOUND,
        "author": Author.CUSTOMER,
        "text": "Is my order #12345 ready?",
        "sent_at": NOW - timedelta(minutes=1),
    }
    fields.update(changes)
    return IncomingMessage(**fields)


def fields(m: IncomingMessage) -> set[str]:
    return {v.field for v in validate_incoming(m, now=NOW)}


def test_a_complete_message_is_valid():
    assert fields(message()) == set()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"channel": None}, "channel"),
        ({"contact": None}, "customer"),
        ({"contact": Contact(ContactKind.EMAIL, "  ")}, "customer"),
        ({"contact": Contact(ContactKind.CUSTOMER_ID, "nope")}, "customer_id"),
        ({"text": ""}, "text"),
        ({"text": " \n\t "}, "text"),
        ({"text": "x" * (MAX_TEXT_CHARS + 1)}, "text"),
        ({"provider_message_id": " "}, "provider_message_id"),
        ({"provider_message_id": "x" * 201}, "provider_message_id"),
        ({"sent_at": None}, "sent_at"),
        ({"sent_at": datetime(2026, 11, 22, 12, 0)}, "sent_at"),  # naive
        ({"sent_at": NOW + timedelta(days=2)}, "sent_at"),
        ({"direction": None}, "direction"),
        ({"author": None}, "author"),
        ({"direction": Direction.OUTBOUND}, "direction"),  # customer writes inbound
        ({"author": Author.AI}, "direction"),  # the AI writes outbound
        ({"conversation_id": "not-a-uuid"}, "conversation_id"),
    ],
)
def test_each_problem_names_its_field(changes, field):
    assert field in fields(message(**changes))


def test_every_problem_is_reported_at_once():
    assert fields(message(channel=None, text="", sent_at=None)) == {"channel", "text", "sent_at"}


def test_text_at_the_limit_is_accepted():
    assert fields(message(text="x" * MAX_TEXT_CHARS)) == set()


def test_email_contacts_are_case_insensitive_keys():
    assert (
        Contact(ContactKind.EMAIL, "Ann@X.example").key
        == Contact(ContactKind.EMAIL, "ann@x.example ").key
    )


def conversation() -> Conversation:
    return Conversation(
        id=uuid.uuid4(),
        tenant_id=uuid.uuid4(),
        customer_id=uuid.uuid4(),
        channel=Channel.PHONE,
        status=Status.OPEN,
        started_at=NOW,
        created_at=NOW,
        updated_at=NOW,
    )


def test_handoff_from_ai_to_human_escalates_and_ends_the_ai_assignment():
    c = conversation()
    assert c.assign_first_agent("ai-1", AgentKind.AI, NOW)
    assert not c.assign_first_agent("ai-2", AgentKind.AI, NOW)
    later = NOW + timedelta(minutes=3)
    handed = c.hand_off("staff-7", AgentKind.HUMAN, "customer asked for a human", later)
    assert handed.escalated and handed.from_agent_id == "ai-1"
    assert c.escalated
    assert c.agents[0].unassigned_at == later
    assert c.current_agent.agent_id == "staff-7"
    assert c.agent_ids == ["ai-1", "staff-7"]


def test_handoff_between_humans_is_not_an_escalation_and_repeating_it_is_refused():
    c = conversation()
    c.hand_off("staff-1", AgentKind.HUMAN, "", NOW)
    assert not c.hand_off("staff-2", AgentKind.HUMAN, "", NOW).escalated
    with pytest.raises(PreconditionFailed):
        c.hand_off("staff-2", AgentKind.HUMAN, "", NOW)


def test_close_sets_duration_and_is_idempotent():
    c = conversation()
    end = NOW + timedelta(minutes=7, seconds=30)
    assert c.close(ended_at=end, at=end)
    assert c.status is Status.RESOLVED and c.duration == timedelta(minutes=7, seconds=30)
    assert not c.close(ended_at=end + timedelta(hours=1), at=end)
    assert c.ended_at == end
    assert c.reopen(end) and c.ended_at is None and c.duration is None


def test_close_before_the_start_is_refused():
    with pytest.raises(InvalidArgument):
        conversation().close(ended_at=NOW - timedelta(seconds=1), at=NOW)


@pytest.mark.parametrize("csat", [0, 6, -1])
def test_csat_is_one_to_five(csat):
    with pytest.raises(InvalidArgument):
        conversation().rate(csat, NOW)


def test_rating_again_with_the_same_score_is_no_change():
    c = conversation()
    assert c.rate(4, NOW) and not c.rate(4, NOW) and c.rate(5, NOW)
