"""Fair sharing of the model (adapters/fair_share.py) on a fake scorer: bounded per-tenant
admission, round-robin chunks across tenants, cancellation and deadlines taken downstream."""

import asyncio
import time
import uuid

import pytest
from moodline_kit.errors import ResourceExhausted
from sentiment.adapters.fair_share import FairShare
from sentiment.adapters.triton import Scored
from sentiment.domain.scoring import score_from_probs

A, B = uuid.uuid4(), uuid.uuid4()


class FakeScorer:
    def __init__(self, delay: float = 0.02) -> None:
        self.delay = delay
        self.calls: list[tuple[str, ...]] = []
        self.cancelled = 0

    async def score(self, texts, budget_s=None):  # type: ignore[no-untyped-def]
        self.calls.append(tuple(texts))
        try:
            await asyncio.sleep(self.delay)
        except asyncio.CancelledError:
            self.cancelled += 1
            raise
        one = score_from_probs([0.1, 0.2, 0.7], [0.1, 0.1, 0.1, 0.1])
        return Scored([one] * len(texts), "1")

    async def close(self) -> None:
        pass


async def _running(share: FairShare):  # type: ignore[no-untyped-def]
    return asyncio.create_task(share.run())


async def test_results_come_back_in_order_whole():
    scorer = FakeScorer()
    share = FairShare(scorer, chunk=3)
    runner = await _running(share)
    try:
        scored = await share.lane(A, None).score([f"t{i}" for i in range(8)])
        assert len(scored.scores) == 8 and scored.model_version == "1"
        assert [len(c) for c in scorer.calls] == [3, 3, 2]
    finally:
        runner.cancel()


async def test_another_tenant_waits_for_at_most_one_chunk_of_a_flood():
    scorer = FakeScorer()
    share = FairShare(scorer, chunk=4, max_pending=4)
    runner = await _running(share)
    try:
        flood = [
            asyncio.create_task(share.lane(A, None).score([f"a{n}-{i}" for i in range(64)]))
            for n in range(4)
        ]
        await asyncio.sleep(0.03)  # the flood is queued (64 chunks) and one chunk is running
        started = len(scorer.calls)
        await share.lane(B, None).score(["b"])
        b_at = next(i for i, c in enumerate(scorer.calls) if c == ("b",))
        assert b_at - started <= 1  # served right after A's running chunk
        await asyncio.gather(*flood)
    finally:
        runner.cancel()


async def test_a_tenant_over_its_pending_limit_is_refused_at_once():
    share = FairShare(FakeScorer(delay=0.2), max_pending=2, retry_after=1.5)
    runner = await _running(share)
    try:
        admitted = [asyncio.create_task(share.lane(A, None).score(["x"])) for _ in range(2)]
        await asyncio.sleep(0)
        with pytest.raises(ResourceExhausted) as refused:
            await share.lane(A, None).score(["x"])
        assert refused.value.retry_after == 1.5
        assert len((await share.lane(B, None).score(["y"])).scores) == 1  # others unaffected
        await asyncio.gather(*admitted)
        assert share.pending(A) == 0
    finally:
        runner.cancel()


async def test_a_cancelled_call_takes_its_chunks_out_and_cancels_the_running_one():
    scorer = FakeScorer(delay=0.2)
    share = FairShare(scorer, chunk=1)
    runner = await _running(share)
    try:
        call = asyncio.create_task(share.lane(A, None).score(["1", "2", "3", "4"]))
        await asyncio.sleep(0.05)  # chunk "1" is running
        call.cancel()
        with pytest.raises(asyncio.CancelledError):
            await call
        await asyncio.sleep(0.3)
        assert scorer.calls == [("1",)] and scorer.cancelled == 1
        assert share.pending(A) == 0
    finally:
        runner.cancel()


async def test_chunks_past_the_deadline_never_reach_the_model():
    scorer = FakeScorer(delay=0.1)
    share = FairShare(scorer, chunk=1)
    runner = await _running(share)
    try:
        started = time.monotonic()
        with pytest.raises(TimeoutError):
            await share.lane(A, 0.15).score(["1", "2", "3", "4", "5"])
        assert time.monotonic() - started < 0.5
        await asyncio.sleep(0.3)
        assert len(scorer.calls) <= 2
    finally:
        runner.cancel()
