from __future__ import annotations

from moodline_kit.config import GrpcServiceSettings


class SentimentSettings(GrpcServiceSettings, service="sentiment"):
    # Triton gRPC endpoint (KServe v2) and the ensemble's name.
    triton_addr: str = "127.0.0.1:8001"
    triton_model: str = "sentiment"
    # Deadline of one inference call; attempts per batch (exponential backoff between them).
    triton_timeout: float = 10.0
    triton_attempts: int = 3
    # Consecutive failed attempts that open the circuit, and how long it stays open (then one
    # trial call; short: a restarted Triton serves again within a TTL of being back).
    breaker_threshold: int = 5
    breaker_ttl: float = 2.0
    # Messages fetched (and scored with one model call) per batch, at most 256.
    score_batch_size: int = 256
    # Scoring loops fetching batches concurrently from the one durable consumer: while one
    # batch waits for the model, another one's database work runs. 3 = one request per CPU
    # encoder instance (2) always in flight plus one batch in its database phase, so the
    # model never idles while a batch is written. Aggregates stay exact: rows are locked in a
    # fixed order, markers keep each message once.
    scoring_concurrency: int = 3
    fetch_timeout: float = 0.05
    # Synchronous analyze shares the model fairly (adapters/fair_share.py): a call is admitted
    # before it is read, while its tenant has fewer than `analyze_max_pending` calls admitted
    # and fewer than `analyze_max_queued` model inputs waiting (a long text is ~20 inputs);
    # else 429, Retry-After = when the tenant's admitted work ends (at least
    # `analyze_retry_after`). Its inputs go to the model in chunks of `analyze_chunk`, sent by
    # `analyze_lanes` workers round-robin across tenants, one tenant at most lanes - 1 chunks at
    # a time: with 2 lanes (= the CPU encoder's 2 instances) a flooder holds one and the other
    # tenants find the other free. 4 inputs take ~40 ms of one core on the CPU int8 model; a
    # GPU deployment can raise the chunk.
    analyze_lanes: int = 2
    analyze_chunk: int = 4
    analyze_max_pending: int = 4
    analyze_max_queued: int = 1024
    analyze_retry_after: float = 1.0
    # Durable consumers of the CONVERSATION stream (names declared by the Helm chart); where a
    # durable starts when first created is the kit's `consumer_start`.
    scoring_consumer: str = "sentiment-scoring"
    outcomes_consumer: str = "sentiment-outcomes"
