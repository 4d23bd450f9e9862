"""Response models derived from the contract: their fields follow the proto message, and a
message reads into them (enums by name, unset times as null)."""

from __future__ import annotations

from datetime import UTC, datetime

from gateway.automation_schemas import AutomationOut, RunStepOut
from gateway.conversation_schemas import MessageOut
from gateway.proto_models import present
from gateway.routes.automations import automation_out
from gateway.routes.conversations import message_json
from google.protobuf import struct_pb2, timestamp_pb2
from moodline.automation.v1 import automation_pb2
from moodline.conversation.v1 import conversation_pb2

AT = datetime(2026, 12, 7, 10, 30, tzinfo=UTC)


def _ts(at: datetime) -> timestamp_pb2.Timestamp:
    out = timestamp_pb2.Timestamp()
    out.FromDatetime(at)
    return out


def test_the_models_follow_the_contract_but_what_the_api_leaves_out() -> None:
    assert list(AutomationOut.model_fields) == [
        f.name for f in automation_pb2.Workflow.DESCRIPTOR.fields
    ]
    assert list(RunStepOut.model_fields) == [
        f.name for f in automation_pb2.RunStep.DESCRIPTOR.fields
    ]
    assert "delivery_status" not in MessageOut.model_fields
    assert "text" in MessageOut.model_fields


def test_a_message_by_an_automation_is_shown_with_its_author() -> None:
    m = conversation_pb2.Message(
        channel=conversation_pb2.CHANNEL_WHATSAPP,
        direction=conversation_pb2.DIRECTION_OUTBOUND,
        author=conversation_pb2.AUTHOR_AUTOMATION,
        sent_at=_ts(AT),
        created_at=_ts(AT),
    )
    shown = MessageOut.model_validate(message_json(m)).model_dump(mode="json")
    assert shown["author"] == "automation"
    assert shown["channel"] == "whatsapp"
    assert shown["direction"] == "outbound"
    assert shown["sent_at"] == "2026-12-07T10:30:00Z"


def test_a_workflow_reads_with_its_structs_and_an_unset_time_as_null() -> None:
    trigger = struct_pb2.Struct()
    trigger.update({"type": "tag_added", "tag": "vip"})
    w = automation_pb2.Workflow(
        id="w1",
        name="Welcome",
        enabled=True,
        trigger=trigger,
        cooldown_seconds=600,
        version=3,
        created_at=_ts(AT),
        updated_at=_ts(AT),
    )
    shown = automation_out(w)
    assert shown["trigger"] == {"type": "tag_added", "tag": "vip"}
    assert shown["conditions"] == []
    assert shown["cooldown_seconds"] == 600
    assert shown["last_run_at"] is None
    assert shown["version"] == 3


def test_a_step_reads_its_status_by_name_and_its_unset_times_as_null() -> None:
    step = automation_pb2.RunStep(
        index=1, action_id="a1", type="tag", status=automation_pb2.STEP_STATUS_WAITING
    )
    assert present(RunStepOut, step) == {
        "index": 1,
        "action_id": "a1",
        "type": "tag",
        "status": "waiting",
        "attempts": 0,
        "detail": "",
        "started_at": None,
        "finished_at": None,
    }
