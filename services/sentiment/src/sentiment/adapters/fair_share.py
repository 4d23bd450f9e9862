"""Fair sharing of the model between tenants for synchronous analyze.

Without it one tenant's burst (20 parallel calls of 256 long texts) queued in Triton ahead of
everyone, every tenant's analyze timed out, and Triton kept computing texts whose callers had
gone. Here:

- **admission first, by cost**: a call is admitted (`admit`) before anything of it is read
  (sentence splitting of 256 long texts costs tens of ms of CPU). A tenant has at most
  `max_pending` calls admitted and, while it has model inputs queued, at most `max_queued` of
  them (a long text is ~20 inputs: its sentences alone and in context); one more call is refused
  at once with ResourceExhausted (the gateway's 429) whose Retry-After is when the tenant's
  admitted work should be done or expired (at least `retry_after`): a flood is held at the
  door and told when to come back, and costs the flooder, not the others;
- **lanes**: a call's model inputs are split into chunks of `chunk` inputs; `lanes` workers
  send chunks to the model, round-robin across the tenants that wait, and **one tenant has at
  most `lanes - 1` chunks at the model**, so a lane is always free for the other tenants: their
  call goes to the model at once, however much the flooder queued (with one lane, it waits for
  the running chunk);
- the inbound call's deadline bounds each model call, and a call that is cancelled or past its
  deadline takes its chunks out: queued ones never reach Triton, the running one is cancelled
  (its gRPC stream to Triton is reset).

Background scoring of ingested messages does not pass through here: it has its own Scorer (its
own channel and circuit breaker). Triton's CPU encoder has 2 instances: the analyze lanes use
them for at most one chunk each, so a scoring batch waits for at most one chunk of analyze.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter, deque
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from moodline_kit.errors import ResourceExhausted

from sentiment.adapters.triton import Scored, Scorer

# The model's time per input before any was measured (the CPU int8 encoder on a busy core).
INITIAL_SECONDS_PER_INPUT = 0.02


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
        lanes: int = 2,
        chunk: int = 4,
        max_pending: int = 4,
        max_queued: int = 1024,
        retry_after: float = 1.0,
    ) -> None:
        self._scorer = scorer
        self._lanes = max(1, lanes)
        self._per_tenant = max(1, self._lanes - 1)
        self._chunk = max(1, chunk)
        self._max_pending = max(1, max_pending)
        self._max_queued = max(1, max_queued)
        self._retry_after = retry_after
        self._queues: dict[uuid.UUID, deque[_Chunk]] = {}
        self._turns: deque[uuid.UUID] = deque()  # tenants with queued chunks, round-robin
        self._pending: Counter[uuid.UUID] = Counter()  # admitted calls
        self._queued: Counter[uuid.UUID] = Counter()  # their inputs not yet scored
        self._deadlines: dict[uuid.UUID, list[float | None]] = {}
        self._running: Counter[uuid.UUID] = Counter()  # chunks at the model
        self._seconds_per_input = INITIAL_SECONDS_PER_INPUT
        self._ready = asyncio.Condition()

    def pending(self, tenant: uuid.UUID) -> int:
        return self._pending[tenant]

    def queued(self, tenant: uuid.UUID) -> int:
        return self._queued[tenant]

    def lane(self, tenant: uuid.UUID, budget_s: float | None) -> _TenantLane:
        """The TextScorer one analyze call uses: its tenant and its deadline."""
        return _TenantLane(self, tenant, None if budget_s is None else time.monotonic() + budget_s)

    @contextmanager
    def admit(self, tenant: uuid.UUID, deadline: float | None) -> Iterator[None]:
        """One call of `tenant` holds a place while inside; refused at once when the tenant
        has `max_pending` calls admitted or `max_queued` inputs waiting."""
        if self._pending[tenant] >= self._max_pending or self._queued[tenant] >= self._max_queued:
            raise ResourceExhausted(
                f"at most {self._max_pending} analyze calls and {self._max_queued} model "
                "inputs queued per tenant at a time; retry later",
                retry_after=self._wait(tenant),
            )
        self._pending[tenant] += 1
        self._deadlines.setdefault(tenant, []).append(deadline)
        try:
            yield
        finally:
            self._pending[tenant] -= 1
            self._deadlines[tenant].remove(deadline)
            if not self._pending[tenant]:
                del self._pending[tenant], self._deadlines[tenant]

    def _wait(self, tenant: uuid.UUID) -> float:
        """When the tenant's admitted work should be done: its queued inputs at the measured
        pace of one lane, but no later than its admitted calls' deadlines (then their chunks
        are dropped)."""
        drained = self._queued[tenant] * self._seconds_per_input
        deadlines = self._deadlines.get(tenant, [])
        if deadlines and None not in deadlines:
            drained = min(drained, max(deadlines) - time.monotonic())  # type: ignore[type-var]
        return max(self._retry_after, drained)

    async def score(
        self, tenant: uuid.UUID, texts: Sequence[str], deadline: float | None
    ) -> Scored:
        """Score `texts` for an admitted call of `tenant`, in chunks, in input order."""
        if not texts:
            return Scored([], "")
        chunks = [
            _Chunk(tenant, texts[i : i + self._chunk], deadline)
            for i in range(0, len(texts), self._chunk)
        ]
        self._queued[tenant] += len(texts)
        for c in chunks:
            c.result.add_done_callback(lambda _, n=len(c.texts): self._unqueue(tenant, n))
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
        return Scored([s for p in parts for s in p.scores], parts[0].model_version)

    def _unqueue(self, tenant: uuid.UUID, n: int) -> None:
        self._queued[tenant] -= n
        if self._queued[tenant] <= 0:
            del self._queued[tenant]

    async def _next(self) -> _Chunk:
        """The next chunk of the first tenant in turn with fewer than its share at the model."""
        async with self._ready:
            while True:
                for _ in range(len(self._turns)):
                    tenant = self._turns.popleft()
                    queue = self._queues[tenant]
                    while queue and queue[0].result.done():  # its call was cancelled or failed
                        queue.popleft()
                    if not queue:
                        del self._queues[tenant]
                        continue
                    if self._running[tenant] >= self._per_tenant:
                        self._turns.append(tenant)
                        continue
                    chunk = queue.popleft()
                    if queue:
                        self._turns.append(tenant)  # back of the line: the others go first
                    else:
                        del self._queues[tenant]
                    self._running[tenant] += 1
                    return chunk
                await self._ready.wait()

    async def _done(self, chunk: _Chunk) -> None:
        async with self._ready:
            self._running[chunk.tenant] -= 1
            if not self._running[chunk.tenant]:
                del self._running[chunk.tenant]
            self._ready.notify_all()

    async def _work(self) -> None:
        while True:
            chunk = await self._next()
            try:
                await self._run(chunk)
            finally:
                await asyncio.shield(self._done(chunk))

    async def _run(self, chunk: _Chunk) -> None:
        budget = None if chunk.deadline is None else chunk.deadline - time.monotonic()
        if budget is not None and budget <= 0:
            chunk.result.set_exception(TimeoutError("deadline passed while queued"))
            return
        started = time.monotonic()
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
            return
        except Exception as exc:
            if not chunk.result.done():
                chunk.result.set_exception(exc)
            return
        # the pace of one lane (a moving average), for Retry-After
        pace = (time.monotonic() - started) / len(chunk.texts)
        self._seconds_per_input += 0.2 * (pace - self._seconds_per_input)
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

    def admitted(self):  # type: ignore[no-untyped-def]
        """The call's place in its tenant's share (ResourceExhausted when there is none)."""
        return self.share.admit(self.tenant, self.deadline)

    async def score(self, texts: Sequence[str]) -> Scored:
        return await self.share.score(self.tenant, texts, self.deadline)
