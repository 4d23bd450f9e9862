"""Retries with backoff and the circuit breaker around Triton (no I/O: a fake client)."""

import asyncio

import pytest
from sentiment.adapters.triton import Scorer, ScoringUnavailable


class FakeClient:
    def __init__(self):
        self.fail = False
        self.calls = 0
        self.is_ready = True

    async def infer(self, texts, deadline_s):
        self.calls += 1
        if self.fail:
            raise ConnectionError("triton down")
        return [[0.8, 0.1, 0.1]] * len(texts), [[0.1, 0.9, 0.0, 0.0]] * len(texts), "1"

    async def ready(self, deadline_s):
        return self.is_ready

    async def close(self):
        pass


def scorer(client, **kw):
    return Scorer(
        client,
        attempts=3,
        backoff_initial=0.001,
        backoff_max=0.002,
        breaker_threshold=kw.get("threshold", 5),
        breaker_ttl=kw.get("ttl", 0.2),
    )


async def test_transient_failures_are_retried():
    client = FakeClient()
    s = scorer(client)
    client.fail = True
    with pytest.raises(ScoringUnavailable):
        await s.score(["a"])
    assert client.calls == 3  # attempts
    client.fail = False
    result = await s.score(["a", "b"])
    assert [r.label.value for r in result.scores] == ["Happy", "Happy"]


async def test_breaker_opens_fails_fast_then_half_opens_after_ttl():
    client = FakeClient()
    s = scorer(client, threshold=3, ttl=0.2)
    client.fail = True
    with pytest.raises(ScoringUnavailable):
        await s.score(["a"])
    assert await s.state() == "opened"
    calls = client.calls
    with pytest.raises(ScoringUnavailable) as err:
        await s.score(["a"])
    assert client.calls == calls  # failed fast: no request reached Triton
    assert 0 < err.value.retry_after <= 0.2
    client.fail = False
    await asyncio.sleep(0.25)
    await s.score(["a"])  # the half-open trial succeeds and closes the circuit
    assert await s.state() == "closed"


async def test_consumer_gate_waits_for_ttl_and_a_ready_model():
    client = FakeClient()
    s = scorer(client, threshold=1, ttl=0.1)
    client.fail = True
    with pytest.raises(ScoringUnavailable):
        await s.score(["a"])
    client.is_ready = False
    gate = asyncio.create_task(s.wait_until_available())
    await asyncio.sleep(0.4)
    assert not gate.done()  # TTL passed but the model is not ready
    client.is_ready = True
    await asyncio.wait_for(gate, 2)


class SizeCheckingClient(FakeClient):
    """Happy for texts starting with "h", Frustrated otherwise; remembers each call's size."""

    def __init__(self):
        super().__init__()
        self.sizes = []

    async def infer(self, texts, deadline_s):
        self.sizes.append(len(texts))
        sentiment = [[0.9, 0.05, 0.05] if t.startswith("h") else [0.05, 0.05, 0.9] for t in texts]
        return sentiment, [[0.1, 0.1, 0.0, 0.0]] * len(texts), "1"


async def test_more_texts_than_one_model_call_takes_are_split_and_kept_in_order():
    from sentiment.adapters.triton import MAX_BATCH
    from sentiment.domain.scoring import Label
    from sentiment.service_layer.analyze import score_texts

    client = SizeCheckingClient()
    texts = [("h" if i % 3 else "f") + str(i) for i in range(2 * MAX_BATCH + 88)]
    with pytest.raises(ValueError):  # one call is limited to MAX_BATCH texts
        await scorer(client).score(texts)
    scored = await score_texts(scorer(client), texts)
    assert sorted(client.sizes) == [88, MAX_BATCH, MAX_BATCH]
    assert [s.label for s in scored.scores] == [
        Label.HAPPY if i % 3 else Label.FRUSTRATED for i in range(len(texts))
    ]
    assert scored.model_version == "1"


class SlowClient(FakeClient):
    """Answers like Triton when the call's deadline passes (an error, not a TimeoutError)."""

    async def infer(self, texts, deadline_s):
        self.calls += 1
        await asyncio.sleep(deadline_s)
        raise RuntimeError("StatusCode.DEADLINE_EXCEEDED")


async def test_a_call_cut_short_by_its_callers_deadline_is_a_timeout_and_keeps_the_circuit():
    client = SlowClient()
    s = scorer(client, threshold=2)
    for _ in range(4):
        with pytest.raises(TimeoutError):
            await s.score(["a"], budget_s=0.02)
    assert client.calls == 4  # not retried past the deadline
    assert await s.state() == "closed"  # the model did not fail: no tenant is locked out
