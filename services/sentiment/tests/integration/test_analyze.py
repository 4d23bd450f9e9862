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


async def test_a_long_text_is_judged_on_its_head_and_tail(sentiment_service, tenant):
    """Triton's tokenizer keeps the first 16 and the last 48 tokens of a long text: what lies
    between them does not change the result, and the point made at the very end is seen (with
    the first 64 tokens only, all three emails would read as the same praise)."""
    opening = "Hi Sam, I hope you are well and that you had a good weekend with the family. "
    middle = "The new boiler is lovely, the flat is warm and the radiators are quiet. " * 6
    other_middle = "We had friends round at the weekend and the kitchen looked great. " * 6
    complaint = (  # more than 48 tokens: the whole tail lies in it
        "There is one thing I do need to raise though. Your engineer left the old boiler, "
        "the pipes and a pile of packaging in our back garden and said someone would collect "
        "it all by Friday. It is now Wednesday, nobody has come, and nobody answers the phone."
    )
    thanks = (
        "There is one more thing I wanted to say as well. Your engineer was polite and tidy, "
        "took the old boiler and every bit of packaging away the same afternoon and showed us "
        "how the controls work. Thank you all so much, we will recommend you to everyone."
    )
    texts = [opening + middle + complaint, opening + other_middle + complaint]
    texts.append(opening + middle + thanks)
    reply = await sentiment_service.stub.Analyze(pb.AnalyzeRequest(texts=texts), metadata=tenant)
    complaint_1, complaint_2, thanked = reply.results
    assert complaint_1.label == complaint_2.label == pb.SENTIMENT_LABEL_FRUSTRATED
    assert thanked.label == pb.SENTIMENT_LABEL_HAPPY
    # equal inputs to the encoder; int8 activations are quantised per batch, so only ~equal
    assert complaint_2.score == pytest.approx(complaint_1.score, abs=0.01)
    assert complaint_2.emotions.frustration == pytest.approx(
        complaint_1.emotions.frustration, abs=0.01
    )
