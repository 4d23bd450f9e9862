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
