"""Decayed aggregation, labels, trend, emotions and the explanation (domain/aggregate.py)."""

import math
from datetime import UTC, datetime, timedelta

import pytest
from sentiment.domain.aggregate import (
    FAST_DECAY,
    Aggregate,
    Observation,
    Trend,
    label_of,
    replay,
)
from sentiment.domain.scoring import Emotions, Label, Score, score_from_probs


def msg(polarity: float, label: Label | None = None) -> Observation:
    label = label or label_of(polarity)
    return Observation.of_message(Score(label, polarity, 0.9, Emotions(frustration=0.5)))


def test_score_from_probs_maps_the_triton_contract():
    s = score_from_probs([0.1, 0.2, 0.7], [0.9, 0.05, 0.3, 0.6])
    assert s.label is Label.FRUSTRATED
    assert s.score == pytest.approx(-0.6)
    assert s.confidence == pytest.approx(0.7)
    assert s.emotions == Emotions(0.9, 0.05, 0.3, 0.6)


def test_recent_messages_weigh_more():
    # An old happy message and a recent frustrated one: the recent one dominates.
    a = Aggregate().observe(msg(1.0)).observe(msg(-1.0))
    expected = (FAST_DECAY * 1.0 - 1.0) / (FAST_DECAY + 1.0)
    assert a.score == pytest.approx(expected)
    assert a.score < 0
    # A message five interactions old weighs half as much as the newest.
    assert FAST_DECAY**5 == pytest.approx(0.5)


def test_labels_from_thresholds():
    assert label_of(0.25) is Label.HAPPY
    assert label_of(0.24) is Label.NEUTRAL
    assert label_of(-0.25) is Label.FRUSTRATED
    assert Aggregate().label is Label.NEUTRAL and Aggregate().score == 0


def test_trend_needs_three_observations_then_compares_fast_and_slow():
    a = Aggregate().observe(msg(0.8)).observe(msg(0.8))
    assert a.trend is Trend.UNSPECIFIED
    for _ in range(10):
        a = a.observe(msg(0.8))
    assert a.trend is Trend.STABLE
    for _ in range(3):
        a = a.observe(msg(-0.9))
    assert a.trend is Trend.DECLINING
    b = Aggregate().observe_all([msg(-0.8)] * 10)
    assert b.observe_all([msg(0.9)] * 3).trend is Trend.IMPROVING


def test_outcome_signals_count_with_their_weight_but_carry_no_emotions():
    a = Aggregate().observe(msg(0.0)).observe(Observation.of_csat(1))
    assert a.score == pytest.approx((FAST_DECAY * 0 + 2 * -1.0) / (FAST_DECAY + 2))
    assert a.messages == 1 and a.observations == 2
    assert a.emotions.frustration == pytest.approx(0.5)
    assert Observation.of_csat(5).polarity == 1 and Observation.of_csat(3).polarity == 0
    assert Observation.of_escalation().polarity < 0


def test_state_round_trips_and_explains():
    a = Aggregate().observe_all([msg(-0.8), msg(-0.7), msg(0.1), msg(-0.9)])
    b = Aggregate.from_state(a.to_state())
    assert b == a
    assert b.explanation().startswith("3 of the last 4 messages expressed frustration")
    assert math.isclose(sum(b.emotions.as_tuple()), 0.5)


def test_the_explanation_reads_as_a_sentence_whatever_the_counts():
    assert Aggregate().observe(msg(-0.9)).explanation() == "The last message expressed frustration."
    one = Aggregate().observe_all([msg(0.9), msg(0.0), msg(-0.9)]).explanation()
    assert one == "1 of the last 3 messages was neutral."
    two = Aggregate().observe_all([msg(0.0), msg(0.0), msg(0.9)]).explanation()
    assert two.startswith("2 of the last 3 messages were neutral")
    signal = Aggregate().observe(Observation.of_csat(5))
    assert signal.explanation() == "From 1 conversation outcome signal."


def test_replay_puts_outcome_signals_between_the_messages_by_time():
    """A merge's rebuild: messages in their order (an untimed one first), a CSAT and an
    escalation where they happened; a signal at a message's instant comes after it."""
    t0 = datetime(2026, 12, 1, tzinfo=UTC)
    happy, sad = msg(0.8), msg(-0.7)
    csat, escalation = Observation.of_csat(1), Observation.of_escalation()
    rebuilt = replay(
        [(None, happy), (t0, happy), (t0 + timedelta(hours=2), sad)],
        [(t0 + timedelta(hours=3), csat), (t0, escalation)],
    )
    expected = Aggregate().observe_all([happy, happy, escalation, sad, csat])
    assert rebuilt == expected
    assert rebuilt.observations == 5 and rebuilt.messages == 3
    assert rebuilt != Aggregate().observe_all([happy, happy, sad])  # the signals count
