"""Fair sharing of the model (adapters/fair_share.py) on a fake scorer: admission by cost before
anything is read, a lane always free for the other tenants, round-robin chunks, cancellation
and deadlines taken downstream."""

import asyncio
import time
import uuid
from collections import Counter

import pytest
from moodline_kit.errors import ResourceExhausted
from sentiment.adapters.fair_share import FairShare
from sentiment.adapters.triton import Scored
from sentiment.domain.scoring import score_from_probs
from sentiment.service_layer import analyze

A, B = uuid.uuid4(), uuid.uuid4()
LONG = "The parcel came late. " * 40  # > 60 words, 40 sentences


class FakeScorer:
    """Texts start with their tenant's letter; records calls and the most chunks of one tenant
    at the model at once."""

    def __init__(self, delay: float = 0.02) -> None:
        self.delay = delay
        self.calls: list[tuple[str, ...]] = []
        self.cancelled = 0
        self.running: Counter[str] = Counter()
        self.most_running: Counter[str] = Counter()

    async def score(self, texts, budget_s=None):  # type: ignore[no-untyped-def]
        self.calls.append(tuple(texts))
        who = texts[0][0]
        self.running[who] += 1
        self.most_running[who] = max(self.most_running[who], self.running[who])
        try:
            await asyncio.sleep(self.delay)
        except asyncio.CancelledError:
            self.cancelled += 1
            raise
        finally:
            self.running[who] -= 1
        one = score_from_probs([0.1, 0.2, 0.7], [0.1, 0.1, 0.1, 0.1])
        return Scored([one] * len(texts), "1")

    async def close(self) -> None:
        pass


async def _running(share: FairShare):  # type: ignore[no-untyped-def]
    return asyncio.create_task(share.run())


async def _call(share: FairShare, tenant: uuid.UUID, texts: list[str], budget=None):  # type: ignore[no-untyped-def]
    lane = share.lane(tenant, budget)
    with lane.admitted():
        return await lane.score(texts)


async def test_results_come_back_in_order_whole():
    scorer = FakeScorer()
    share = FairShare(scorer, chunk=3)
    runner = await _running(share)
    try:
        scored = await _call(share, A, [f"a{i}" for i in range(8)])
        assert len(scored.scores) == 8 and scored.model_version == "1"
        assert sorted(len(c) for c in scorer.calls) == [2, 3, 3]
    finally:
        runner.cancel()


async def test_a_flood_keeps_one_lane_and_another_tenant_gets_the_other_at_once():
    scorer = FakeScorer(delay=0.05)
    share = FairShare(scorer, lanes=2, chunk=4, max_pending=4)
    runner = await _running(share)
    try:
        flood = [
            asyncio.create_task(_call(share, A, [f"a{n}-{i}" for i in range(64)])) for n in range(4)
        ]
        await asyncio.sleep(0.08)  # the flood is queued (64 chunks) and one chunk is running
        started = time.monotonic()
        await _call(share, B, ["b"])
        assert time.monotonic() - started < 0.09  # its own chunk's time: no wait for A's
        await asyncio.gather(*flood)
        assert scorer.most_running["a"] == 1  # the flooder never held both lanes
    finally:
        runner.cancel()


async def test_with_one_lane_another_tenant_waits_for_at_most_one_chunk_of_a_flood():
    scorer = FakeScorer()
    share = FairShare(scorer, lanes=1, chunk=4, max_pending=4)
    runner = await _running(share)
    try:
        flood = [
            asyncio.create_task(_call(share, A, [f"a{n}-{i}" for i in range(64)])) for n in range(4)
        ]
        await asyncio.sleep(0.03)
        started = len(scorer.calls)
        await _call(share, B, ["b"])
        b_at = next(i for i, c in enumerate(scorer.calls) if c == ("b",))
        assert b_at - started <= 1  # served right after A's running chunk
        await asyncio.gather(*flood)
    finally:
        runner.cancel()


async def test_a_tenant_over_its_pending_limit_is_refused_at_once():
    share = FairShare(FakeScorer(delay=0.2), max_pending=2, retry_after=1.5)
    runner = await _running(share)
    try:
        admitted = [asyncio.create_task(_call(share, A, ["a"])) for _ in range(2)]
        await asyncio.sleep(0)
        with pytest.raises(ResourceExhausted) as refused:
            await _call(share, A, ["a"])
        assert refused.value.retry_after == 1.5
        assert len((await _call(share, B, ["b"])).scores) == 1  # others unaffected
        await asyncio.gather(*admitted)
        assert share.pending(A) == 0
    finally:
        runner.cancel()


async def test_admission_counts_model_inputs_and_says_when_to_come_back():
    """A call of many inputs fills the tenant's queue: the next call is refused although it
    is the tenant's second, and Retry-After is when the queued work ends (its deadline at the
    latest), not a fixed second."""
    share = FairShare(FakeScorer(delay=0.05), lanes=2, chunk=4, max_queued=100, retry_after=1.0)
    runner = await _running(share)
    try:
        big = asyncio.create_task(_call(share, A, [f"a{i}" for i in range(400)], budget=8.0))
        await asyncio.sleep(0.01)
        assert share.queued(A) > 100
        with pytest.raises(ResourceExhausted) as refused:
            await _call(share, A, ["a"])
        assert 1.0 < refused.value.retry_after <= 8.0
        assert len((await _call(share, B, ["b"])).scores) == 1
        big.cancel()
        with pytest.raises(asyncio.CancelledError):
            await big
        assert share.queued(A) == 0 and share.pending(A) == 0
        assert len((await _call(share, A, ["a"])).scores) == 1  # room again
    finally:
        runner.cancel()


class RefusingLane:
    def __init__(self) -> None:
        self.scored = 0

    def admitted(self):  # type: ignore[no-untyped-def]
        raise ResourceExhausted("full", retry_after=2.0)

    async def score(self, texts):  # type: ignore[no-untyped-def]
        self.scored += 1


async def test_a_refused_call_reads_nothing(monkeypatch):
    split = []
    monkeypatch.setattr(analyze, "sentence_offsets", lambda t: split.append(t) or [])
    lane = RefusingLane()
    with pytest.raises(ResourceExhausted):
        await analyze.analyze(texts=[LONG] * 256, scorer=lane)
    assert split == [] and lane.scored == 0


async def test_an_analyze_call_of_long_texts_is_admitted_once():
    scorer = FakeScorer(delay=0.001)
    share = FairShare(scorer, chunk=64, max_pending=1)
    runner = await _running(share)
    try:
        texts = [f"a {LONG}" for _ in range(20)]  # 20 x 81 inputs: more than one model call
        read = await analyze.analyze(texts=texts, scorer=share.lane(A, None))
        assert len(read.readings) == 20
        assert all(r.sentences == 40 for r in read.readings)
        assert share.pending(A) == 0 and share.queued(A) == 0
    finally:
        runner.cancel()


async def test_a_cancelled_call_takes_its_chunks_out_and_cancels_the_running_one():
    scorer = FakeScorer(delay=0.2)
    share = FairShare(scorer, chunk=1)
    runner = await _running(share)
    try:
        call = asyncio.create_task(_call(share, A, ["a1", "a2", "a3", "a4"]))
        await asyncio.sleep(0.05)  # chunk "a1" is running
        call.cancel()
        with pytest.raises(asyncio.CancelledError):
            await call
        await asyncio.sleep(0.3)
        assert scorer.calls == [("a1",)] and scorer.cancelled == 1
        assert share.pending(A) == 0 and share.queued(A) == 0
    finally:
        runner.cancel()


async def test_chunks_past_the_deadline_never_reach_the_model():
    scorer = FakeScorer(delay=0.1)
    share = FairShare(scorer, chunk=1)
    runner = await _running(share)
    try:
        started = time.monotonic()
        with pytest.raises(TimeoutError):
            await _call(share, A, ["a1", "a2", "a3", "a4", "a5"], budget=0.15)
        assert time.monotonic() - started < 0.5
        await asyncio.sleep(0.3)
        assert len(scorer.calls) <= 2
    finally:
        runner.cancel()
