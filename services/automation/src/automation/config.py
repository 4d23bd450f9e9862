from __future__ import annotations

from typing import Literal

from moodline_kit.config import GrpcServiceSettings


class AutomationSettings(GrpcServiceSettings, service="automation"):
    # Actions call these (profile, tags, stage/status/folder; outbound messages).
    customer_addr: str = "127.0.0.1:50051"
    conversation_addr: str = "127.0.0.1:50052"
    call_timeout: float = 10.0
    # A trigger consumer created for the first time starts at "now": a newly deployed service
    # must not run workflows on the streams' history.
    consumer_start: Literal["all", "new"] = "new"
    # Loop protection: at most this many runs per customer per hour, all workflows together.
    max_runs_per_customer_per_hour: int = 30
    # Webhook actions: bodies are signed with a per-tenant key derived from this secret;
    # plain http URLs are refused unless allowed (local runs and tests).
    webhook_secret: str = "change-me"
    allow_http_webhooks: bool = False
    webhook_timeout: float = 10.0
    # The Celery queue of run executions (tests give each worker a queue of its own).
    celery_queue: str = "automation"
    # Celery: a step's transient failures are retried with exponential backoff up to this
    # many attempts; a task taking longer than the time limits is stopped (soft, then hard).
    max_step_attempts: int = 8
    retry_base_seconds: float = 2.0
    retry_max_seconds: float = 300.0
    task_soft_time_limit: int = 120
    task_time_limit: int = 150
    # An unacked task whose worker vanished is redelivered by Redis after this many seconds.
    visibility_timeout: int = 600
    # The sweeper (Celery beat): every `sweep_interval` seconds it queues due waits and runs
    # without progress for `stale_after` seconds.
    sweep_interval: float = 15.0
    stale_after: float = 60.0
    # Seconds between a step's effect and its recorded success. Always 0 except in the
    # worker-crash test, which needs a worker to die inside that window.
    pause_after_effect: float = 0.0
