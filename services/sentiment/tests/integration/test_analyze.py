"""Analyze scores texts through the real Triton model, in request order; bad input is
INVALID_ARGUMENT naming each text."""

import grpc
import pytest
from moodline.sentiment.v1 import sentiment_pb2 as pb
from moodline_kit.grpc.status import field_violations
from sentiment.testing import WARM_LETTER_WITH_ONE_COMPLAINT

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


async def test_a_complaint_in_the_middle_of_a_friendly_letter_is_found_and_explained(
    sentiment_service, tenant
):
    """The letter is read sentence by sentence (its head and tail are all praise): it is
    Frustrated, and its explanation points at the complaint, with the sentence's own score."""
    reply = await sentiment_service.stub.Analyze(
        pb.AnalyzeRequest(texts=[WARM_LETTER_WITH_ONE_COMPLAINT, "Thanks, see you Friday!"]),
        metadata=tenant,
    )
    letter, short = reply.results
    assert letter.label == pb.SENTIMENT_LABEL_FRUSTRATED
    assert letter.explanation.sentences == 7
    drivers = [s for s in letter.explanation.spans if "label" in s.drives]
    assert all(s.label == pb.SENTIMENT_LABEL_FRUSTRATED for s in drivers)
    strongest = max(drivers, key=lambda s: s.confidence)
    assert strongest.text.startswith("He left the old boiler")
    assert WARM_LETTER_WITH_ONE_COMPLAINT[strongest.start : strongest.end] == strongest.text
    assert strongest.score < 0
    praise = [s for s in drivers if "lovely" in s.text or "Thanks again" in s.text]
    assert not praise
    # a short message is read as one text: one span, the whole of it
    assert short.label == pb.SENTIMENT_LABEL_HAPPY
    assert short.explanation.sentences == 0
    (span,) = short.explanation.spans
    assert (span.start, span.end, span.text) == (0, 23, "Thanks, see you Friday!")
    assert "label" in span.drives and "satisfaction" in span.drives


async def test_a_message_scores_the_same_alone_and_in_any_batch(sentiment_service, tenant):
    """Static int8 quantisation: a message's label and scores do not depend on what it is
    batched with (dynamic activation scales made them)."""
    probe = [
        "Hmm, the colour came out a touch darker than we discussed.",
        WARM_LETTER_WITH_ONE_COMPLAINT,
    ]
    others = [
        f"Message {i}: " + "the room was fine but breakfast was cold. " * (i % 7) for i in range(60)
    ]
    alone = [
        (
            await sentiment_service.stub.Analyze(pb.AnalyzeRequest(texts=[t]), metadata=tenant)
        ).results[0]
        for t in probe
    ]
    batched = (
        await sentiment_service.stub.Analyze(
            pb.AnalyzeRequest(texts=[others[0], probe[0], *others[1:30], probe[1], *others[30:]]),
            metadata=tenant,
        )
    ).results
    for a, b in zip(alone, [batched[1], batched[31]], strict=True):
        assert a.label == b.label
        assert a.score == pytest.approx(b.score, abs=1e-6)
        assert a.confidence == pytest.approx(b.confidence, abs=1e-6)
        for name in ("frustration", "satisfaction", "confusion", "urgency"):
            assert getattr(a.emotions, name) == pytest.approx(getattr(b.emotions, name), abs=1e-6)
