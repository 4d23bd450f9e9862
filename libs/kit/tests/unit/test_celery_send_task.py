"""`moodline_kit.celery.send_task`: the task message carries the caller's W3C trace context in
its headers (the worker's span continues that trace; tests/e2e proves the whole chain)."""

from moodline_kit.celery import send_task
from opentelemetry import context, trace
from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags


class _App:
    def __init__(self) -> None:
        self.sent: list[tuple[str, dict]] = []

    def send_task(self, name: str, **options: object) -> None:
        self.sent.append((name, options))


def test_the_message_carries_the_callers_trace_and_the_call_is_unchanged():
    caller = SpanContext(
        trace_id=0x4BF92F3577B34DA6A3CE929D0E0E4736,
        span_id=0x00F067AA0BA902B7,
        is_remote=True,
        trace_flags=TraceFlags(TraceFlags.SAMPLED),
    )
    app = _App()
    token = context.attach(trace.set_span_in_context(NonRecordingSpan(caller)))
    try:
        send_task(app, "svc.job", args=("t", "r"), queue="jobs", countdown=5)  # type: ignore[arg-type]
    finally:
        context.detach(token)
    [(name, options)] = app.sent
    assert name == "svc.job"
    assert (options["args"], options["queue"], options["countdown"]) == (["t", "r"], "jobs", 5)
    version, trace_id, _span_id, flags = options["headers"]["traceparent"].split("-")  # type: ignore[index]
    assert (version, trace_id, flags) == ("00", "4bf92f3577b34da6a3ce929d0e0e4736", "01")


def test_without_a_trace_the_message_carries_none():
    app = _App()
    send_task(app, "svc.job")  # type: ignore[arg-type]
    [(_, options)] = app.sent
    assert options["args"] == [] and options["queue"] is None
    assert "traceparent" not in options["headers"]  # type: ignore[operator]
