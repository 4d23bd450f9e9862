from automation.adapters.events import PAYLOADS
from automation.domain.conditions import evaluate, facts, holds
from automation.domain.triggers import SUBJECTS, Fired, fired_by, matches


def test_operators() -> None:
    assert holds("eq", "VIP", "vip") and not holds("eq", None, "x")
    assert holds("ne", None, "x") and holds("ne", "a", "b")
    assert holds("contains", "Order late again", "late")
    assert holds("contains", ["vip", "new"], "VIP") and holds("not_contains", ["new"], "vip")
    assert holds("gt", 1500, 1000) and not holds("gt", "n/a", 1)
    assert holds("lte", 2, 2) and holds("in", "sms", ["sms", "email"])
    assert holds("in", ["a", "b"], ["b"]) and holds("is_set", ["x"]) and holds("is_not_set", "")


def test_facts_cover_customer_sentiment_consent_segment_and_event() -> None:
    known = facts(
        customer={"lifecycle_stage": "at_risk", "vip": True, "tags": ["x"], "custom": {"k": 3}},
        sentiment={"label": "frustrated", "frustration": 0.9},
        consents={"marketing": False},
        event={"payment": {"amount": {"amount_minor": 5000}}, "channel": "sms"},
    )
    assert known["customer.custom.k"] == 3
    assert known["segment"] == ["vip", "problem", "at_risk"]
    outcomes = evaluate(
        [
            {"field": "segment", "op": "eq", "value": "problem"},
            {"field": "consent.marketing", "op": "eq", "value": False},
            {"field": "event.payment.amount.amount_minor", "op": "gt", "value": 1000},
            {"field": "sentiment.frustration", "op": "gte", "value": 0.95},
        ],
        known,
    )
    assert [o.holds for o in outcomes] == [True, True, True, False]


def test_sentiment_turning_frustrated_fires_both_triggers_once() -> None:
    payload = {
        "customer_id": "c1",
        "sentiment": {"label": "frustrated"},
        "previous_label": "neutral",
    }
    assert fired_by("sentiment.customer.changed", payload) == [
        Fired("sentiment.changed", "c1", "frustrated"),
        Fired("sentiment.turned_frustrated", "c1"),
    ]
    still = {**payload, "previous_label": "frustrated"}
    assert [f.trigger for f in fired_by("sentiment.customer.changed", still)] == [
        "sentiment.changed"
    ]


def test_only_inbound_messages_fire_message_received() -> None:
    inbound = {"customer_id": "c1", "direction": "inbound"}
    assert fired_by("conversation.message.received", inbound) == [Fired("message.received", "c1")]
    assert fired_by("conversation.message.received", {**inbound, "direction": "outbound"}) == []


def test_to_values_match_case_insensitively() -> None:
    fired = fired_by("customer.tag.added", {"customer_id": "c1", "tag": "VIP"})
    assert matches({"type": "customer.tag_added", "to": "vip"}, fired[0])
    assert not matches({"type": "customer.tag_added", "to": "new"}, fired[0])
    created = fired_by("customer.customer.created", {"customer": {"id": "c9"}})
    assert created == [Fired("customer.created", "c9")]


def test_every_trigger_subject_has_a_payload_type() -> None:
    assert set(SUBJECTS) == set(PAYLOADS)
