import uuid
from datetime import UTC, datetime

import pytest
from automation.domain.workflow import (
    Workflow,
    find_cycle,
    require_no_cycle,
    validate_definition,
    with_action_ids,
)
from moodline_kit.errors import InvalidArgument


def check(**over):  # type: ignore[no-untyped-def]
    body = {
        "name": "wf",
        "trigger": {"type": "sentiment.turned_frustrated"},
        "conditions": [],
        "actions": [{"type": "add_tag", "tag": "x"}],
        "cooldown_seconds": 600,
        **over,
    }
    validate_definition(**body)


def fields(**over) -> list[str]:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidArgument) as bad:
        check(**over)
    return [v.field for v in bad.value.violations]


def test_a_valid_workflow_passes() -> None:
    check(
        trigger={"type": "customer.stage_changed", "to": "vip"},
        conditions=[
            {"field": "customer.tags", "op": "contains", "value": "vip"},
            {"field": "sentiment.frustration", "op": "gt", "value": 0.5},
            {"field": "segment", "op": "eq", "value": "problem"},
            {"field": "consent.marketing", "op": "ne", "value": False},
            {"field": "event.payment.amount_minor", "op": "gte", "value": 1000},
            {"field": "customer.custom.membership", "op": "in", "value": ["gold", "silver"]},
            {"field": "customer.email", "op": "is_set"},
        ],
        actions=[
            {"type": "send_message", "channel": "email", "template": "Hi {{customer.first_name}}"},
            {"type": "create_task", "title": "Call", "due_in_hours": 2, "priority": "high"},
            {"type": "set_stage", "stage": "at_risk"},
            {"type": "set_status", "status": "called"},
            {"type": "set_folder", "folder": "Follow-ups"},
            {"type": "remove_tag", "tag": "new"},
            {"type": "webhook", "url": "https://hooks.example.com/x"},
            {"type": "wait", "hours": 2},
        ],
    )


def test_every_problem_is_named_by_its_path() -> None:
    assert fields(
        name="",
        trigger={"type": "customer.exploded"},
        conditions=[
            {"field": "customer.shoe_size", "op": "eq", "value": 1},
            {"field": "customer.tags", "op": "between", "value": 1},
            {"field": "customer.lifetime_value_minor", "op": "gt", "value": "a lot"},
            {"field": "customer.tags", "op": "is_set", "value": "x"},
        ],
        actions=[
            {"type": "teleport"},
            {"type": "add_tag"},
            {"type": "send_message", "channel": "pigeon", "text": "a", "template": "b"},
            {"type": "create_task"},
            {"type": "set_stage", "stage": "royalty"},
            {"type": "webhook", "url": "http://plain.example.com"},
            {"type": "wait", "days": 365},
            {"type": "add_tag", "tag": "x", "colour": "red"},
        ],
        cooldown_seconds=-1,
    ) == [
        "name",
        "trigger.type",
        "conditions[0].field",
        "conditions[1].op",
        "conditions[2].value",
        "conditions[3].value",
        "actions[0].type",
        "actions[1].tag",
        "actions[2].channel",
        "actions[2].template",
        "actions[3].title",
        "actions[4].stage",
        "actions[5].url",
        "actions[6].seconds",
        "actions[7].colour",
        "cooldown_seconds",
    ]


def test_trigger_to_values_are_checked() -> None:
    assert fields(trigger={"type": "sentiment.turned_frustrated", "to": "x"}) == ["trigger.to"]
    assert fields(trigger={"type": "customer.stage_changed", "to": "royalty"}) == ["trigger.to"]
    assert fields(actions=[]) == ["actions"]


def test_http_webhooks_only_when_allowed() -> None:
    validate_definition(
        name="wf",
        trigger={"type": "manual"},
        conditions=[],
        actions=[{"type": "webhook", "url": "http://127.0.0.1:9/x"}],
        cooldown_seconds=0,
        allow_http_webhooks=True,
    )


def test_actions_get_stable_ids() -> None:
    out = with_action_ids([{"type": "a"}, {"type": "b", "id": "a1"}, {"type": "c"}])
    assert [a["id"] for a in out] == ["a2", "a1", "a3"]


def wf(name: str, trigger: dict, *actions: dict, enabled: bool = True) -> Workflow:
    now = datetime.now(UTC)
    return Workflow(
        uuid.uuid4(), uuid.uuid4(), name, "", enabled, trigger, [], list(actions), 0, 1, now, now
    )


def test_cycles_through_tags_stages_and_folders_are_found() -> None:
    a = wf("A", {"type": "customer.tag_added", "to": "x"}, {"type": "set_stage", "stage": "vip"})
    b = wf("B", {"type": "customer.stage_changed", "to": "vip"}, {"type": "add_tag", "tag": "X"})
    assert [w.name for w in find_cycle([a, b]) or []] == ["A", "B", "A"]
    with pytest.raises(InvalidArgument, match="'B' → 'A' → 'B'"):
        require_no_cycle(b, [a])


def test_no_cycle_when_values_differ_or_a_workflow_is_disabled() -> None:
    a = wf("A", {"type": "customer.tag_added", "to": "x"}, {"type": "add_tag", "tag": "y"})
    b = wf("B", {"type": "customer.tag_added", "to": "y"}, {"type": "add_tag", "tag": "z"})
    assert find_cycle([a, b]) is None
    c = wf("C", {"type": "customer.tag_added"}, {"type": "add_tag", "tag": "x"}, enabled=False)
    assert find_cycle([a, b, c]) is None
    self_loop = wf("S", {"type": "customer.tag_added"}, {"type": "add_tag", "tag": "q"})
    assert [w.name for w in find_cycle([self_loop]) or []] == ["S", "S"]
