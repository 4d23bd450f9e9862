"""Prometheus metrics shared by every process, served on METRICS_PORT (0 = off)."""

from __future__ import annotations

from prometheus_client import Counter, Histogram, start_http_server

GRPC_HANDLED = Histogram(
    "moodline_grpc_server_handling_seconds",
    "Time to handle a unary gRPC call, by method and status code.",
    ["method", "code"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
HTTP_HANDLED = Histogram(
    "moodline_http_server_handling_seconds",
    "Time to handle an HTTP request at the gateway, by route template, method and status.",
    ["route", "method", "status"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
OUTBOX_PUBLISHED = Counter(
    "moodline_outbox_published_total", "Events published from the outbox to JetStream."
)
OUTBOX_FAILURES = Counter(
    "moodline_outbox_publish_failures_total", "Outbox batches that failed to publish (retried)."
)
EVENTS_CONSUMED = Counter(
    "moodline_events_consumed_total",
    "Events handled by idempotent consumers, by consumer and outcome "
    "(applied, duplicate, failed, poison).",
    ["consumer", "outcome"],
)

_started: set[int] = set()


def serve_metrics(port: int) -> None:
    """Start the /metrics endpoint once per process (no-op for port 0)."""
    if port and port not in _started:
        start_http_server(port)
        _started.add(port)
