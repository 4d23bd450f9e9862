"""The model behind Triton (KServe v2 over gRPC, tritonclient aio): one `infer` per batch of up to
256 texts, retried with exponential backoff, behind a circuit breaker (purgatory).

Breaker policy: `breaker_threshold` consecutive failed attempts open the circuit for
`breaker_ttl` seconds; while it is open every call fails at once with ScoringUnavailable (no
request reaches Triton) and the consumer stops fetching (`wait_until_available`), so messages
stay in JetStream. After the TTL the consumer first asks Triton whether the model is ready; the
next real call is the half-open trial: success closes the circuit, failure opens it again.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from moodline_kit.errors import Unavailable
from prometheus_client import Histogram
from purgatory import AsyncCircuitBreakerFactory
from purgatory.domain.model import OpenedState
from tenacity import (
    AsyncRetrying,
    retry_if_not_exception_type,
    stop_after_attempt,
    stop_after_delay,
    wait_exponential,
)

from sentiment.domain.scoring import Score, score_from_probs

log = logging.getLogger(__name__)

MODEL = "sentiment"
MAX_BATCH = 256
CIRCUIT = "triton"
RECONNECT_BACKOFF_MS = (200, 1000)
TRITON_INFER = Histogram(
    "moodline_triton_infer_seconds",
    "Triton inference latency seen by the sentiment service (one model call), by outcome.",
    ["outcome"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)


class ScoringUnavailable(Unavailable):
    """Triton is down or too slow; `retry_after` tells a consumer when to try again."""

    retry_after: float


@dataclass(frozen=True)
class Scored:
    scores: list[Score]
    model_version: str


class InferenceClient(Protocol):
    async def infer(self, texts: Sequence[str], deadline_s: float) -> tuple[list, list, str]: ...
    async def ready(self, deadline_s: float) -> bool: ...
    async def close(self) -> None: ...


class TritonClient:
    """tritonclient.grpc.aio, reduced to what the service needs."""

    def __init__(self, url: str, model: str = MODEL) -> None:
        import tritonclient.grpc.aio as grpcclient

        self._g = grpcclient
        keepalive = grpcclient.KeepAliveOptions()
        self._client = grpcclient.InferenceServerClient(
            url,
            channel_args=[
                ("grpc.max_send_message_length", 2**31 - 1),
                ("grpc.max_receive_message_length", 2**31 - 1),
                ("grpc.keepalive_time_ms", keepalive.keepalive_time_ms),
                ("grpc.keepalive_timeout_ms", keepalive.keepalive_timeout_ms),
                (
                    "grpc.keepalive_permit_without_calls",
                    keepalive.keepalive_permit_without_calls,
                ),
                ("grpc.http2.max_pings_without_data", keepalive.http2_max_pings_without_data),
                # gRPC's default reconnect backoff grows to 120 s: after a Triton restart the
                # channel would stay in TRANSIENT_FAILURE (every call and readiness probe
                # failing at once) for up to two minutes although the server is back. Capped,
                # the client reconnects within ~1 s of Triton answering again.
                ("grpc.initial_reconnect_backoff_ms", RECONNECT_BACKOFF_MS[0]),
                ("grpc.min_reconnect_backoff_ms", RECONNECT_BACKOFF_MS[0]),
                ("grpc.max_reconnect_backoff_ms", RECONNECT_BACKOFF_MS[1]),
            ],
        )
        self._model = model
        self._outputs = [
            grpcclient.InferRequestedOutput("SENTIMENT_PROBS"),
            grpcclient.InferRequestedOutput("EMOTION_PROBS"),
        ]

    async def infer(self, texts: Sequence[str], deadline_s: float) -> tuple[list, list, str]:
        data = np.array([t.encode() for t in texts], dtype=np.object_).reshape(-1, 1)
        text = self._g.InferInput("TEXT", list(data.shape), "BYTES")
        text.set_data_from_numpy(data)
        started, outcome = time.monotonic(), "error"
        try:
            result = await self._client.infer(
                self._model, [text], outputs=self._outputs, client_timeout=deadline_s
            )
            outcome = "ok"
        finally:
            TRITON_INFER.labels(outcome).observe(time.monotonic() - started)
        return (
            result.as_numpy("SENTIMENT_PROBS").tolist(),
            result.as_numpy("EMOTION_PROBS").tolist(),
            result.get_response().model_version or "1",
        )

    async def ready(self, deadline_s: float) -> bool:
        return await self._client.is_server_ready(
            client_timeout=deadline_s
        ) and await self._client.is_model_ready(self._model, client_timeout=deadline_s)

    async def close(self) -> None:
        await self._client.close()


class Scorer:
    def __init__(
        self,
        client: InferenceClient,
        *,
        timeout: float = 10.0,
        attempts: int = 3,
        backoff_initial: float = 0.2,
        backoff_max: float = 2.0,
        breaker_threshold: int = 5,
        breaker_ttl: float = 2.0,
    ) -> None:
        self._client = client
        self._timeout = timeout
        self._attempts = attempts
        self._backoff = (backoff_initial, backoff_max)
        self._ttl = breaker_ttl
        # A call cut short by its caller's deadline says nothing about the model: it does
        # not count towards opening the circuit (a flood of expiring analyze calls would
        # otherwise open it for every tenant).
        self._breakers = AsyncCircuitBreakerFactory(
            default_threshold=breaker_threshold, default_ttl=breaker_ttl, exclude=[TimeoutError]
        )

    async def _breaker(self):  # type: ignore[no-untyped-def]
        return await self._breakers.get_breaker(CIRCUIT)

    async def state(self) -> str:
        """ "closed", "opened" or "half-opened"."""
        return (await self._breaker()).context.state

    async def _retry_after(self) -> float:
        context = (await self._breaker()).context
        opened_at = context.opened_at or time.time()
        return max(0.1, opened_at + self._ttl - time.time())

    async def score(self, texts: Sequence[str], budget_s: float | None = None) -> Scored:
        """`budget_s`: the caller's remaining time (its deadline); attempts and backoff stop
        within it, each model call gets what is left of it (at most the configured timeout)."""
        if not texts:
            return Scored([], "")
        if len(texts) > MAX_BATCH:
            raise ValueError(f"at most {MAX_BATCH} texts per call")
        breaker = await self._breaker()
        deadline = None if budget_s is None else time.monotonic() + budget_s
        stop = stop_after_attempt(self._attempts)
        if budget_s is not None:
            stop = stop | stop_after_delay(budget_s)
        try:
            async for attempt in AsyncRetrying(
                stop=stop,
                wait=wait_exponential(multiplier=self._backoff[0], max=self._backoff[1]),
                retry=retry_if_not_exception_type((OpenedState, TimeoutError)),
                reraise=True,
            ):
                with attempt:
                    left = self._timeout
                    if deadline is not None:
                        left = min(left, deadline - time.monotonic())
                        if left <= 0:
                            raise TimeoutError("the caller's deadline passed")
                    async with breaker:
                        try:
                            sentiment, emotions, version = await self._client.infer(texts, left)
                        except Exception as exc:
                            if deadline is not None and time.monotonic() >= deadline:
                                # Triton answered DEADLINE_EXCEEDED to the caller's deadline
                                raise TimeoutError("the caller's deadline passed") from exc
                            raise
        except TimeoutError:
            raise  # the caller's deadline: DEADLINE_EXCEEDED, not the model's fault
        except OpenedState as exc:
            raise ScoringUnavailable(
                "the sentiment model is unavailable (circuit open)", await self._retry_after()
            ) from exc
        except Exception as exc:
            log.warning("Triton inference failed", extra={"error": repr(exc)})
            raise ScoringUnavailable(
                f"the sentiment model is unavailable: {exc.__class__.__name__}",
                await self._retry_after() if await self.state() == "opened" else 1.0,
            ) from exc
        return Scored(
            [score_from_probs(s, e) for s, e in zip(sentiment, emotions, strict=True)], version
        )

    async def wait_until_available(self) -> None:
        """Return when a call may go to Triton: at once while the circuit is closed; while it is
        open, after the TTL and once Triton says the model is ready."""
        while await self.state() == "opened":
            delay = await self._retry_after()
            if delay > 0.1:
                await asyncio.sleep(min(delay, 1.0))
                continue
            try:
                if await self._client.ready(deadline_s=1.0):
                    return
            except Exception:
                pass
            await asyncio.sleep(min(0.5, self._ttl))

    async def check_ready(self) -> None:
        """Readiness: the Triton server and the model are ready."""
        if not await self._client.ready(deadline_s=1.0):
            raise ConnectionError("Triton model is not ready")

    async def close(self) -> None:
        await self._client.close()
