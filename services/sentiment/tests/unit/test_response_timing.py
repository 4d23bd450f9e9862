"""Response timing: the reply clock and when a reply counts as late (no I/O)."""

from datetime import UTC, datetime, timedelta

import pytest
from sentiment.domain.aggregate import (
    LATE_REPLY_POLARITY,
    VERY_LATE_REPLY_POLARITY,
    Aggregate,
    Observation,
)
from sentiment.domain.response import (
    MAX_TARGET_MINUTES,
    RESPONSE_TARGETS,
    Channel,
    ReplyClock,
    ReplyTargets,
    late_reply,
    target_errors,
)

T0 = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


def minutes(n: float) -> datetime:
    return T0 + timedelta(minutes=n)


def test_the_wait_runs_from_the_first_unanswered_customer_message():
    clock = ReplyClock().customer_wrote(minutes(0)).customer_wrote(minutes(30))
    assert clock.awaiting_since == minutes(0)
    clock, waited = clock.business_replied(minutes(90))
    assert waited == timedelta(minutes=90)
    assert clock == ReplyClock(None, minutes(90))
    # The next customer message starts a new wait; a second reply to nothing ends none.
    clock, waited = clock.business_replied(minutes(95))
    assert waited is None and clock.last_reply_at == minutes(95)
    clock = clock.customer_wrote(minutes(100))
    assert clock.business_replied(minutes(105))[1] == timedelta(minutes=5)


def test_out_of_order_events_never_count_a_wait_twice():
    # The reply was applied first: the customer message sent before it is taken as answered.
    clock, waited = ReplyClock().business_replied(minutes(60))
    assert waited is None
    assert clock.customer_wrote(minutes(0)) == clock
    # A reply older than the running wait does not end it.
    clock = ReplyClock().customer_wrote(minutes(10))
    clock, waited = clock.business_replied(minutes(5))
    assert waited is None and clock.awaiting_since == minutes(10)
    assert clock.last_reply_at == minutes(5)
    # A customer message older than the running wait moves its start back.
    assert ReplyClock().customer_wrote(minutes(10)).customer_wrote(minutes(2)).awaiting_since == (
        minutes(2)
    )


@pytest.mark.parametrize(
    ("channel", "waited", "polarity"),
    [
        (Channel.SMS, timedelta(minutes=59), None),
        (Channel.SMS, timedelta(minutes=61), LATE_REPLY_POLARITY),
        (Channel.WHATSAPP, timedelta(hours=5), VERY_LATE_REPLY_POLARITY),
        (Channel.EMAIL, timedelta(hours=23), None),
        (Channel.EMAIL, timedelta(hours=30), LATE_REPLY_POLARITY),
        (Channel.EMAIL, timedelta(days=5), VERY_LATE_REPLY_POLARITY),
        (Channel.WEBCHAT, timedelta(minutes=11), LATE_REPLY_POLARITY),
        (Channel.PHONE, timedelta(days=3), None),  # answered live: no target
        (None, timedelta(days=3), None),  # unknown channel
    ],
)
def test_a_reply_later_than_the_channel_target_is_a_negative_observation(channel, waited, polarity):
    o = late_reply(waited, channel)
    if polarity is None:
        assert o is None
    else:
        assert o == Observation(polarity, 1.0)


def test_exactly_on_target_is_on_time():
    assert late_reply(RESPONSE_TARGETS[Channel.SMS], Channel.SMS) is None


def test_a_late_reply_pulls_a_happy_customer_down_like_an_escalation():
    happy = Observation(0.9, 1.0)
    base = Aggregate().observe_all([happy, happy])
    late = base.observe(late_reply(timedelta(hours=2), Channel.SMS))
    escalated = base.observe(Observation.of_escalation())
    assert late.score == pytest.approx(escalated.score)
    assert late.score < base.score
    assert late.messages == base.messages  # not a message: no emotions, no label
    very_late = base.observe(late_reply(timedelta(hours=8), Channel.SMS))
    assert very_late.score < late.score


def test_a_tenant_s_targets_replace_the_defaults_channel_by_channel():
    # A clinic promising email replies within 4 hours, callbacks within 30 minutes, and no
    # target on web chat; SMS keeps the default hour.
    targets = ReplyTargets.from_minutes({"email": 240, "phone": 30, "webchat": 0})
    assert targets.minutes() == {
        "phone": 30,
        "sms": 60,
        "whatsapp": 60,
        "email": 240,
        "webchat": 0,
    }
    assert late_reply(timedelta(hours=5), Channel.EMAIL, targets) == Observation(
        LATE_REPLY_POLARITY, 1.0
    )
    assert late_reply(timedelta(hours=5), Channel.EMAIL) is None  # the default: 24 hours
    assert late_reply(timedelta(hours=3), Channel.PHONE, targets) == Observation(
        VERY_LATE_REPLY_POLARITY, 1.0
    )
    assert late_reply(timedelta(days=2), Channel.WEBCHAT, targets) is None
    assert late_reply(timedelta(minutes=61), Channel.SMS, targets) is not None
    assert ReplyTargets().minutes() == ReplyTargets.from_minutes({}).minutes()


def test_a_change_of_targets_is_checked_channel_by_channel():
    assert target_errors({"sms": 0, "email": 1, "webchat": MAX_TARGET_MINUTES}) == {}
    errors = target_errors({"fax": 10, "sms": -1, "email": MAX_TARGET_MINUTES + 1, "phone": 5})
    assert sorted(errors) == ["email", "fax", "sms"]
    assert "unknown channel" in errors["fax"]
