"""Fair sharing of the model between tenants for synchronous analyze.

Without it one tenant's burst (20 parallel calls of 256 long texts) queued in Triton ahead of
everyone, every tenant's analyze timed out, and Triton kept computing texts whose callers had
gone. Here:

- each tenant has at most `max_pending` analyze calls admitted (running or waiting); one more is
  refused at once with ResourceExhausted (the gateway's 429 with Retry-After): the queue is
  bounded, and a flood costs the flooder, not the others;
- a call is split into chunks of `chunk` texts, and `lanes` workers send chunks to the model
  round-robin across the tenants that wait, so another tenant waits for at most one chunk per
  lane, however much the flooder queued;
- the inbound call's deadline bounds each model call, and a call that is cancelled or past its
  deadline takes its chunks out: queued ones never reach Triton, the running one is cancelled
  (its gRPC stream to Triton is reset).

Background scoring of ingested messages does not pass through here: it has its own Scorer (its
own channel and circuit breaker), and the analyze lanes leave Triton's other model instances to
it, so a burst of analyze calls cannot stall message scoring.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter, deque
from collections.abc import Sequence
from dataclasses import dataclass, field

from moodline_kit.errors import ResourceExhausted

from sentiment.adapters.triton import Scored, Scorer


@dataclass
class _Chunk:
    tenant: uuid.UUID
    texts: Sequence[str]
    deadline: float | None  # time.monotonic()
    result: asyncio.Future[Scored] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


class FairShare:
    def __init__(
        self,
        scorer: Scorer,
        *,
        lanes: int = 1,
        chunk: int = 4,
        max_pending: int = 4,
        retry_after: float = 1.0,
    ) -> None:
        self._scorer = scorer
        self._lanes = max(1, lanes)
        self._chunk = max(1, chunk)
        self._max_pending = max(1, max_pending)
        self._retry_after = retry_after
        self._queues: dict[uuid.UUID, deque[_Chunk]] = {}
        self._turns: deque[uuid.UUID] = deque()  # tenants with queued chunks, round-robin
        self._pending: Counter[uuid.UUID] = Counter()
        self._ready = asyncio.Condition()

    def pending(self, tenant: uuid.UUID) -> int:
        return self._pending[tenant]

    def lane(self, tenant: uuid.UUID, budget_s: float | None) -> _TenantLane:
        """The TextScorer one analyze call uses: its tenant and its deadline."""
        return _TenantLane(self, tenant, None if budget_s is None else time.monotonic() + budget_s)

    async def score(
        self, tenant: uuid.UUID, texts: Sequence[str], deadline: float | None
    ) -> Scored:
        if self._pending[tenant] >= self._max_pending:
            raise ResourceExhausted(
                f"at most {self._max_pending} analyze calls per tenant at a time; retry later",
                retry_after=self._retry_after,
            )
        self._pending[tenant] += 1
        chunks = [
            _Chunk(tenant, texts[i : i + self._chunk], deadline)
            for i in range(0, len(texts), self._chunk)
        ]
        try:
            async with self._ready:
                queue = self._queues.setdefault(tenant, deque())
                queue.extend(chunks)
                if tenant not in self._turns:
                    self._turns.append(tenant)
                self._ready.notify(len(chunks))
            parts = await asyncio.gather(*(c.result for c in chunks))
        except BaseException:
            for c in chunks:  # queued ones are skipped, the running one is cancelled
                c.result.cancel()
            raise
        finally:
            self._pending[tenant] -= 1
            if not self._pending[tenant]:
                del self._pending[tenant]
        return Scored([s for p in parts for s in p.scores], parts[0].model_version)

    async def _next(self) -> _Chunk:
        async with self._ready:
            while not self._turns:
                await self._ready.wait()
            tenant = self._turns.popleft()
            queue = self._queues[tenant]
            chunk = queue.popleft()
            if queue:
                self._turns.append(tenant)  # back of the line: the others go first
            else:
                del self._queues[tenant]
            return chunk

    async def _work(self) -> None:
        while True:
            chunk = await self._next()
            if chunk.result.done():  # its call was cancelled or failed meanwhile
                continue
            budget = None if chunk.deadline is None else chunk.deadline - time.monotonic()
            if budget is not None and budget <= 0:
                chunk.result.set_exception(TimeoutError("deadline passed while queued"))
                continue
            call = asyncio.ensure_future(self._scorer.score(chunk.texts, budget_s=budget))

            def _cancel_call(result: asyncio.Future[Scored], call: asyncio.Future = call) -> None:
                if result.cancelled():
                    call.cancel()

            chunk.result.add_done_callback(_cancel_call)
            try:
                scored = await asyncio.shield(call)
            except asyncio.CancelledError:
                if not call.cancelled():  # the worker itself is stopping
                    call.cancel()
                    raise
                continue
            except Exception as exc:
                if not chunk.result.done():
                    chunk.result.set_exception(exc)
                continue
            if not chunk.result.done():
                chunk.result.set_result(scored)

    async def close(self) -> None:
        await self._scorer.close()

    async def run(self) -> None:
        """The lanes (a background job of the service)."""
        workers = [asyncio.create_task(self._work()) for _ in range(self._lanes)]
        try:
            await asyncio.gather(*workers)
        finally:
            for w in workers:
                w.cancel()


@dataclass(frozen=True)
class _TenantLane:
    share: FairShare
    tenant: uuid.UUID
    deadline: float | None

    async def score(self, texts: Sequence[str]) -> Scored:
        return await self.share.score(self.tenant, texts, self.deadline)
