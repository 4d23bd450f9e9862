"""Composition root: engine, NATS, Triton client, unit of work, relay, consumers, servicer."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from functools import partial

from moodline.sentiment.v1 import sentiment_pb2, sentiment_pb2_grpc
from moodline_kit import nats as kit_nats
from moodline_kit.consumer import (
    BatchIdempotentConsumer,
    BatchSubscription,
    IdempotentConsumer,
    Subscription,
)
from moodline_kit.db import check_database, create_engine, session_factory
from moodline_kit.grpc.server import GrpcApp, ServiceRegistration
from moodline_kit.logging import configure_logging
from moodline_kit.outbox import OutboxRelay
from moodline_kit.telemetry import configure_tracing
from nats.aio.client import Client
from nats.js.api import DeliverPolicy
from sqlalchemy.ext.asyncio import AsyncEngine

from sentiment.adapters.fair_share import FairShare
from sentiment.adapters.tables import kit
from sentiment.adapters.triton import Scorer, TritonClient
from sentiment.config import SentimentSettings
from sentiment.entrypoints.grpc_servicer import SentimentServicer
from sentiment.service_layer import handlers
from sentiment.service_layer.unit_of_work import SentimentUnitOfWork

SERVICE = "sentiment"
STREAM = kit_nats.StreamSpec(SERVICE)
CONVERSATION_STREAM = kit_nats.StreamSpec("conversation")
SCORING_DURABLE = "sentiment-scoring"
OUTCOMES_DURABLE = "sentiment-outcomes"
DELIVER = {"all": DeliverPolicy.ALL, "new": DeliverPolicy.NEW}
# What each consumer subscribes to; the Helm chart declares the same filter subjects
# (tests/deploy checks it).
SCORING_SUBJECTS = [handlers.MESSAGE_RECEIVED]
OUTCOME_SUBJECTS = [
    handlers.CONVERSATION_RATED,
    handlers.CONVERSATION_ESCALATED,
    handlers.CONVERSATION_CLOSED,
]


@dataclass
class Container:
    settings: SentimentSettings
    engine: AsyncEngine
    nc: Client
    relay: OutboxRelay
    uow: partial[SentimentUnitOfWork]
    scorer: Scorer
    analyzer: FairShare
    scoring: BatchIdempotentConsumer
    outcomes: IdempotentConsumer


async def build(settings: SentimentSettings) -> Container:
    engine = create_engine(settings.database_url, pool_size=settings.db_pool_size)
    nc = await kit_nats.connect(settings.nats_url, name=SERVICE)
    js = nc.jetstream()
    await kit_nats.ensure_stream(js, STREAM)
    await kit_nats.ensure_stream(js, CONVERSATION_STREAM)
    relay = OutboxRelay(engine, kit, nc)
    uow = partial(
        SentimentUnitOfWork, session_factory(engine), kit, source=SERVICE, on_commit=relay.wake
    )

    def triton_lane() -> Scorer:
        return Scorer(
            TritonClient(settings.triton_addr, settings.triton_model),
            timeout=settings.triton_timeout,
            attempts=settings.triton_attempts,
            breaker_threshold=settings.breaker_threshold,
            breaker_ttl=settings.breaker_ttl,
        )

    # Two lanes to the model, each with its own channel and circuit breaker: message scoring
    # (background) and synchronous analyze (behind the fair share), so that a burst of analyze
    # calls neither queues ahead of message scoring nor opens its circuit.
    scorer = triton_lane()
    analyzer = FairShare(
        triton_lane(),
        lanes=settings.analyze_lanes,
        chunk=settings.analyze_chunk,
        max_pending=settings.analyze_max_pending,
        retry_after=settings.analyze_retry_after,
    )

    async def score(envelopes, u) -> None:  # type: ignore[no-untyped-def]
        await handlers.score_messages(envelopes, u, scorer)

    scoring = BatchIdempotentConsumer(
        js,
        uow,
        kit,
        BatchSubscription(
            settings.scoring_consumer,
            CONVERSATION_STREAM.name,
            SCORING_SUBJECTS,
            score,
        ),
        batch_size=min(settings.score_batch_size, 256),
        fetch_timeout=settings.fetch_timeout,
        wait_until_ready=scorer.wait_until_available,
        deliver_policy=DELIVER[settings.consumer_start],
    )
    outcomes = IdempotentConsumer(
        js,
        uow,
        kit,
        Subscription(
            settings.outcomes_consumer,
            CONVERSATION_STREAM.name,
            OUTCOME_SUBJECTS,
            handlers.apply_outcome,  # type: ignore[arg-type]
        ),
        deliver_policy=DELIVER[settings.consumer_start],
    )
    return Container(settings, engine, nc, relay, uow, scorer, analyzer, scoring, outcomes)


def grpc_app(container: Container) -> GrpcApp:
    async def database_ready() -> None:
        await check_database(container.engine)

    async def nats_ready() -> None:
        kit_nats.check_connected(container.nc)

    async def close_nats() -> None:
        try:
            await asyncio.wait_for(container.nc.drain(), 3)
        except Exception:
            await container.nc.close()

    async def close_database() -> None:
        await container.engine.dispose()

    return GrpcApp(
        name=SERVICE,
        port=container.settings.grpc_port,
        host=container.settings.grpc_host,
        reflection=container.settings.grpc_reflection,
        services=[
            ServiceRegistration(
                sentiment_pb2_grpc.add_SentimentServiceServicer_to_server,
                SentimentServicer(container.uow, container.analyzer),
                sentiment_pb2.DESCRIPTOR.services_by_name["SentimentService"].full_name,
            )
        ],
        readiness_checks={
            "database": database_ready,
            "nats": nats_ready,
            "triton": container.scorer.check_ready,
        },
        background=[
            container.relay.run,
            container.analyzer.run,
            *[container.scoring.run] * max(1, container.settings.scoring_concurrency),
            container.outcomes.run,
        ],
        on_shutdown=[
            close_nats,
            container.scorer.close,
            container.analyzer.close,
            close_database,
        ],
        readiness_interval=container.settings.readiness_interval,
        shutdown_grace=container.settings.shutdown_grace,
        metrics_port=container.settings.metrics_port,
    )


def configure_process(settings: SentimentSettings) -> None:
    configure_logging(settings.service_name, settings.log_level)
    configure_tracing(settings)
