"""The override rule: it persists until the interactions after it outweigh it."""

from datetime import UTC, datetime

from sentiment.domain.aggregate import FAST_DECAY, Observation
from sentiment.domain.customer import CustomerSentiment, Source
from sentiment.domain.override import OVERRIDE_WEIGHT, Override
from sentiment.domain.scoring import Emotions, Label, Score


def happy() -> Observation:
    return Observation.of_message(Score(Label.HAPPY, 0.9, 0.9, Emotions()))


def frustrated() -> Observation:
    return Observation.of_message(Score(Label.FRUSTRATED, -0.9, 0.9, Emotions()))


def overridden(label: Label = Label.HAPPY) -> CustomerSentiment:
    base = CustomerSentiment().observe(frustrated()).observe(frustrated())
    return base.with_override(Override(label, "called and resolved", "staff-1", datetime.now(UTC)))


def test_outweighed_exactly_when_decayed_evidence_reaches_the_decayed_override():
    o = Override(Label.HAPPY, "r", "s", datetime.now(UTC))
    remaining, evidence = OVERRIDE_WEIGHT, 0.0
    for i in range(1, 6):
        o = o.after(1.0)
        remaining, evidence = FAST_DECAY * remaining, FAST_DECAY * evidence + 1.0
        assert o.outweighed == (evidence >= remaining)
        assert o.outweighed == (i >= 3)  # with weight-1 messages: the 3rd message


def test_override_is_shown_until_the_third_message_then_lapses():
    c = overridden()
    assert c.shown.label is Label.HAPPY and c.source is Source.OVERRIDE
    assert c.computed.label is Label.FRUSTRATED
    c = c.observe(frustrated()).observe(frustrated())
    assert c.override is not None and c.shown.label is Label.HAPPY
    c = c.observe(frustrated())
    assert c.override is None and c.shown.label is Label.FRUSTRATED
    assert c.source is Source.MODEL


def test_a_csat_rating_weighs_two_messages():
    c = overridden().observe(Observation.of_csat(1))
    assert c.override is not None  # 2.0 < 3 * d
    c = c.observe(frustrated())
    assert c.override is None  # 2d + 1 = 2.74 >= 3 d^2 = 2.27


def test_agreeing_interactions_also_end_the_override_without_a_visible_change():
    c = overridden(Label.HAPPY)
    for _ in range(3):
        c = c.observe(happy())
    assert c.override is None


def test_publish_when_label_trend_or_score_moves():
    c = CustomerSentiment()
    assert not c.should_publish()
    c = c.observe(happy())
    assert c.should_publish()
    c = c.mark_published()
    assert not c.should_publish()
    c = c.observe(happy())
    assert not c.should_publish()  # same label, score moved < 0.1
    c = c.with_override(Override(Label.FRUSTRATED, "r", "s", datetime.now(UTC)))
    assert c.should_publish()
