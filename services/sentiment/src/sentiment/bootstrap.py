"""Composition root: the kit's runtime plus the sentiment service's own pieces (the Triton
scorer, the scoring and outcome consumers and the servicer), built at start-up."""

from __future__ import annotations

from dataclasses import dataclass

from moodline.events.v1 import subjects
from moodline.sentiment.v1 import sentiment_pb2, sentiment_pb2_grpc
from moodline_kit import bootstrap, customer_data
from moodline_kit.consumer import BatchIdempotentConsumer, Consumes, IdempotentConsumer
from moodline_kit.grpc.server import GrpcApp
from moodline_kit.service import Service, migrations_of

from sentiment.adapters.fair_share import FairShare
from sentiment.adapters.tables import kit
from sentiment.adapters.triton import Scorer, TritonClient
from sentiment.config import SentimentSettings
from sentiment.entrypoints import consumers
from sentiment.entrypoints.grpc_servicer import SentimentServicer
from sentiment.service_layer import customer_data as participation
from sentiment.service_layer.unit_of_work import SentimentUnitOfWork

NAME = "sentiment"
# What each consumer subscribes to; the Helm chart declares the same filter subjects
# (tests/deploy checks it).
SCORING_SUBJECTS = [subjects.CONVERSATION_MESSAGE_RECEIVED]
OUTCOME_SUBJECTS = [
    subjects.CONVERSATION_CONVERSATION_RATED,
    subjects.CONVERSATION_CONVERSATION_ESCALATED,
    subjects.CONVERSATION_CONVERSATION_CLOSED,
]
SCORING = Consumes("CONVERSATION", "sentiment-scoring", tuple(SCORING_SUBJECTS))
OUTCOMES = Consumes("CONVERSATION", "sentiment-outcomes", tuple(OUTCOME_SUBJECTS))
CUSTOMER_DATA = customer_data.consumes(NAME)


@dataclass
class Container(bootstrap.Runtime):
    scorer: Scorer | None = None
    analyzer: FairShare | None = None
    scoring: BatchIdempotentConsumer | None = None
    outcomes: IdempotentConsumer | None = None


def triton_lane(settings: SentimentSettings) -> Scorer:
    """A channel to the model with its own circuit breaker."""
    client = TritonClient(settings.triton_addr, settings.triton_model)
    return Scorer(
        client,
        timeout=settings.triton_timeout,
        attempts=settings.triton_attempts,
        breaker_threshold=settings.breaker_threshold,
        breaker_ttl=settings.breaker_ttl,
    )


async def build(settings: SentimentSettings) -> Container:
    runtime = await bootstrap.start(
        settings, NAME, kit, SentimentUnitOfWork, [SCORING, OUTCOMES, CUSTOMER_DATA]
    )
    runtime.consume(CUSTOMER_DATA, customer_data.handler(participation.CUSTOMER_DATA))
    # Two lanes to the model, each with its own channel and circuit breaker: message scoring
    # (background) and synchronous analyze (behind the fair share), so that a burst of analyze
    # calls neither queues ahead of message scoring nor opens its circuit.
    scorer = triton_lane(settings)
    analyzer = FairShare(
        triton_lane(settings),
        lanes=settings.analyze_lanes,
        chunk=settings.analyze_chunk,
        max_pending=settings.analyze_max_pending,
        max_queued=settings.analyze_max_queued,
        retry_after=settings.analyze_retry_after,
    )

    async def score(envelopes, u) -> None:  # type: ignore[no-untyped-def]
        await consumers.on_messages_received(envelopes, u, scorer)

    scoring = runtime.consume_batches(
        SCORING,
        score,
        durable=settings.scoring_consumer,
        concurrency=settings.scoring_concurrency,
        batch_size=min(settings.score_batch_size, 256),
        fetch_timeout=settings.fetch_timeout,
        wait_until_ready=scorer.wait_until_available,
    )
    apply = consumers.on_outcome
    outcomes = runtime.consume(OUTCOMES, apply, durable=settings.outcomes_consumer)  # type: ignore[arg-type]
    parts = {"scorer": scorer, "analyzer": analyzer, "scoring": scoring, "outcomes": outcomes}
    return runtime.into(Container, **parts)


def grpc_app(container: Container) -> GrpcApp:
    scorer, analyzer = container.scorer, container.analyzer
    assert scorer is not None and analyzer is not None
    servicer = SentimentServicer(container.uow, analyzer)
    registration = bootstrap.register(servicer, sentiment_pb2, sentiment_pb2_grpc)
    return bootstrap.grpc_app(
        container,
        [registration],
        background=[analyzer.run],
        readiness={"triton": scorer.check_ready},
        closers=[scorer.close, analyzer.close],
    )


SERVICE = Service(
    NAME,
    SentimentSettings,
    build,
    grpc_app,
    migrations_of(__file__),
    consumes=(SCORING, OUTCOMES, CUSTOMER_DATA),
)
