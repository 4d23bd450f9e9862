"""Prometheus metrics shared by every process, served on METRICS_PORT (0 = off)."""

from __future__ import annotations

import logging

from prometheus_client import Counter, Gauge, Histogram, start_http_server

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

CONSUMER_PENDING = Gauge(
    "moodline_consumer_pending_messages",
    "Consumer lag: messages on the stream not yet delivered to this durable consumer (as "
    "JetStream reported with the last fetched message; 0 after an empty fetch).",
    ["consumer"],
)
OUTBOX_PENDING = Gauge(
    "moodline_outbox_pending_events",
    "Queue depth of the outbox: committed events not yet published to JetStream.",
)
CELERY_TASKS = Histogram(
    "moodline_celery_task_seconds",
    "Time to run a Celery task, by task name and final state.",
    ["task", "state"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)

_started: set[int] = set()
log = logging.getLogger(__name__)


def serve_metrics(port: int) -> None:
    """Start the /metrics endpoint once per process (no-op for port 0)."""
    if port and port not in _started:
        try:
            start_http_server(port)
        except OSError as exc:  # a port taken must not take the service down with it
            log.warning("metrics not served", extra={"port": port, "error": repr(exc)})
            return
        _started.add(port)
