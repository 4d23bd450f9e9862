"""Analyze scores texts through the real Triton model, in request order; bad input is
INVALID_ARGUMENT naming each text."""

import grpc
import pytest
from moodline.sentiment.v1 import sentiment_pb2 as pb
from moodline_kit.grpc.status import field_violations

pytestmark = pytest.mark.integration


async def test_analyze_scores_in_order(sentiment_service, tenant):
    texts = [
        "Thank you so much, the haircut is perfect and the staff were lovely!",
        "This is the third time my refund is late. I am really fed up with you.",
        "What time do you open on Saturday?",
    ]
    reply = await sentiment_service.stub.Analyze(pb.AnalyzeRequest(texts=texts), metadata=tenant)
    assert len(reply.results) == 3
    assert reply.model_version
    happy, frustrated, _ = reply.results
    assert happy.label == pb.SENTIMENT_LABEL_HAPPY and happy.score > 0
    assert frustrated.label == pb.SENTIMENT_LABEL_FRUSTRATED and frustrated.score < 0
    for r in reply.results:
        assert -1 <= r.score <= 1 and 0 <= r.confidence <= 1
        e = r.emotions
        assert all(0 <= v <= 1 for v in (e.frustration, e.satisfaction, e.confusion, e.urgency))
    assert frustrated.emotions.frustration > happy.emotions.frustration


async def test_analyze_256_texts_in_one_call(sentiment_service, tenant):
    texts = [f"message number {i}: the booking was fine" for i in range(256)]
    reply = await sentiment_service.stub.Analyze(pb.AnalyzeRequest(texts=texts), metadata=tenant)
    assert len(reply.results) == 256


async def test_bad_input_names_each_text(sentiment_service, tenant):
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await sentiment_service.stub.Analyze(
            pb.AnalyzeRequest(texts=["ok", "  ", "x" * 20000]), metadata=tenant
        )
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    fields = {v.field for v in field_violations(err.value)}
    assert fields == {"texts[1]", "texts[2]"}
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await sentiment_service.stub.Analyze(pb.AnalyzeRequest(texts=["a"] * 257), metadata=tenant)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_analyze_needs_a_tenant(sentiment_service):
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await sentiment_service.stub.Analyze(pb.AnalyzeRequest(texts=["hi"]))
    assert err.value.code() == grpc.StatusCode.UNAUTHENTICATED
