"""The input rules every contract shares (moodline_kit.validation)."""

from datetime import UTC, datetime, timedelta, timezone

from google.protobuf import struct_pb2
from google.protobuf.timestamp_pb2 import Timestamp
from moodline.conversation.v1 import conversation_pb2
from moodline.customer.v1 import customer_pb2
from moodline_kit import errors
from moodline_kit.grpc.inputs import unsafe_fields
from moodline_kit.grpc.status import retry_after, to_status
from moodline_kit.validation import (
    NOT_FINITE,
    NUL,
    OUT_OF_RANGE,
    SURROGATE,
    instant_problem,
    text_problem,
)


def test_text_problems():
    assert text_problem("café 😀") is None
    assert text_problem("a\x00b") == NUL
    assert text_problem("lone \ud800") == SURROGATE


def test_instants_outside_the_sane_range():
    assert instant_problem(datetime(2026, 11, 22, tzinfo=UTC)) is None
    assert instant_problem(datetime(2026, 11, 22)) is None  # naive: UTC
    assert instant_problem(datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=14)))) == OUT_OF_RANGE
    late = datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone(timedelta(hours=-14)))
    assert instant_problem(late) == OUT_OF_RANGE


def test_unsafe_fields_of_a_request_at_any_depth():
    struct = struct_pb2.Struct()
    struct.update({"ok": 1.5, "nan": float("nan"), "deep": {"s": "x\x00"}, "l": [float("inf")]})
    request = customer_pb2.UpdateCustomerRequest(
        id="id", tags=["fine", "t\x00"], custom_fields=struct
    )
    found = {(v.field, v.description) for v in unsafe_fields(request)}
    assert found == {
        ("tags[1]", NUL),
        ("custom_fields.nan", NOT_FINITE),
        ("custom_fields.deep.s", NUL),
        ("custom_fields.l[0]", NOT_FINITE),
    }
    listing = customer_pb2.ListCustomersRequest(custom_fields={"k": "v\x00"})
    assert [v.field for v in unsafe_fields(listing)] == ["custom_fields['k']"]


def test_unsafe_fields_in_a_batch_and_timestamps():
    batch = conversation_pb2.IngestMessagesRequest(
        messages=[
            conversation_pb2.IngestMessageRequest(text="fine", sent_at=Timestamp(seconds=10**9)),
            conversation_pb2.IngestMessageRequest(
                text="bad\x00", sent_at=Timestamp(seconds=253402300799)
            ),
        ]
    )
    found = {(v.field, v.description) for v in unsafe_fields(batch)}
    assert found == {("messages[1].text", NUL), ("messages[1].sent_at", OUT_OF_RANGE)}
    assert unsafe_fields(conversation_pb2.IngestMessageRequest(text="ok")) == []


def test_retry_after_travels_in_the_status_details():
    class Failed:
        def __init__(self, error: errors.DomainError) -> None:
            self._trailers = to_status(error)[2]

        def trailing_metadata(self):  # type: ignore[no-untyped-def]
            return self._trailers

    assert retry_after(Failed(errors.ResourceExhausted("busy", retry_after=2.5))) == 2.5
    assert retry_after(Failed(errors.Unavailable("down"))) is None
    assert to_status(errors.ResourceExhausted("busy"))[0].name == "RESOURCE_EXHAUSTED"
