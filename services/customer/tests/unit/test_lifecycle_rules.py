from datetime import UTC, datetime, timedelta

import pytest
from customer.domain import lifecycle, read_model
from customer.domain.lifecycle import StageFacts
from customer.domain.model import LifecycleStage as S
from customer.domain.model import ReadModel

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def facts(**kw):
    base = {
        "qualified": False,
        "purchases_count": 0,
        "ltv_minor": 0,
        "vip_manual": False,
        "last_activity_at": NOW,
    }
    return StageFacts(**{**base, **kw})


@pytest.mark.parametrize(
    ("kw", "stage"),
    [
        ({}, S.PROSPECT),
        ({"qualified": True}, S.LEAD),
        ({"purchases_count": 1}, S.CUSTOMER),
        ({"purchases_count": 3}, S.REPEAT),
        ({"purchases_count": 1, "ltv_minor": 100_000}, S.CUSTOMER),  # $1000 is not > $1000
        ({"purchases_count": 1, "ltv_minor": 100_001}, S.VIP),
        ({"vip_manual": True}, S.VIP),
        ({"purchases_count": 5, "last_activity_at": NOW - timedelta(days=89)}, S.REPEAT),
        ({"purchases_count": 5, "last_activity_at": NOW - timedelta(days=90)}, S.AT_RISK),
        ({"ltv_minor": 10**7, "last_activity_at": NOW - timedelta(days=120)}, S.AT_RISK),
        ({"last_activity_at": NOW - timedelta(days=180)}, S.CHURNED),
        # Inactivity means risk only after previous engagement (an interaction or a purchase).
        ({"engaged": False, "last_activity_at": NOW - timedelta(days=400)}, S.PROSPECT),
        (
            {"engaged": False, "qualified": True, "last_activity_at": NOW - timedelta(days=95)},
            S.LEAD,
        ),
        # An unresolved payment failure is At Risk, even for a VIP; inactivity still wins.
        ({"purchases_count": 2, "payment_failed": True}, S.AT_RISK),
        ({"ltv_minor": 10**7, "payment_failed": True}, S.AT_RISK),
        ({"payment_failed": True, "last_activity_at": NOW - timedelta(days=200)}, S.CHURNED),
    ],
)
def test_stage_rules(kw, stage):
    assert lifecycle.evaluate(facts(**kw), NOW).stage is stage


def test_transition_is_none_when_the_stage_stays():
    assert lifecycle.transition(S.REPEAT, facts(purchases_count=4), NOW) is None
    decision = lifecycle.transition(S.CUSTOMER, facts(purchases_count=3), NOW)
    assert decision is not None and decision.stage is S.REPEAT and "3 purchases" in decision.reason


def test_vip_flag_survives_inactivity():
    f = facts(ltv_minor=200_000, last_activity_at=NOW - timedelta(days=100))
    assert lifecycle.is_vip(f) and lifecycle.evaluate(f, NOW).stage is S.AT_RISK


def test_read_model_contact_never_moves_backwards_and_counts_channels():
    read = ReadModel()
    read_model.record_interaction(read, "sms", NOW)
    read_model.record_interaction(read, "whatsapp", NOW - timedelta(days=3))
    read_model.record_interaction(read, "whatsapp", NOW - timedelta(days=2))
    assert read.interactions_count == 3
    assert read.most_common_channel == "whatsapp"
    assert read.last_contact_at == NOW and read.last_activity_at == NOW


def test_sentiment_reports_label_changes():
    read = ReadModel()
    args = {"score": 0.5, "emotions": {}, "trend": "stable"}
    assert read_model.record_sentiment(read, label="happy", **args)
    assert not read_model.record_sentiment(read, label="happy", **args)


def test_payment_failure_reason_is_named():
    decision = lifecycle.evaluate(facts(purchases_count=4, payment_failed=True), NOW)
    assert decision.reason == "payment failed"


def test_payment_failure_holds_until_a_later_payment_succeeds():
    read = ReadModel()
    assert read_model.record_payment_failed(read, NOW)
    read_model.record_payment_succeeded(read, NOW - timedelta(hours=1))  # an older success
    assert read.payment_failed_at == NOW
    read_model.record_payment_succeeded(read, NOW + timedelta(hours=1))
    assert read.payment_failed_at is None
    # A failure that happened before the last success, delivered late, changes nothing.
    assert not read_model.record_payment_failed(read, NOW)
    assert read.payment_failed_at is None
    assert read_model.record_payment_failed(read, NOW + timedelta(days=1))
    assert read.payment_failed_at == NOW + timedelta(days=1)


def value(read, as_of, ltv):
    figures = read_model.Value(ltv, "USD", 1, 1, ltv, as_of)
    return read_model.record_value(read, figures, as_of=as_of)


def test_older_value_figures_never_overwrite_newer_ones():
    read = ReadModel()
    assert value(read, NOW, 5_000)
    assert not value(read, NOW - timedelta(seconds=1), 1_000)  # delivered out of order
    assert read.ltv_minor == 5_000 and read.value_as_of == NOW
    assert value(read, NOW, 6_000)  # same moment: the later delivery wins
    assert value(read, NOW + timedelta(seconds=1), 7_000)
    assert read.ltv_minor == 7_000
