"""/api/v1/sentiment: synchronous scoring, message/customer sentiment, staff overrides.
Translation only; the sentiment service owns every rule."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request
from moodline.customer.v1 import customer_pb2
from moodline.sentiment.v1 import sentiment_pb2 as pb
from moodline.sentiment.v1 import sentiment_pb2_grpc
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from gateway.auth import Principal
from gateway.deps import Upstreams, metadata, upstreams
from gateway.permissions import Permission, require
from gateway.schemas import SentimentLabel
from gateway.validation import PathId
from gateway.visibility import ensure_visible

router = APIRouter(prefix="/api/v1/sentiment", tags=["sentiment"])

can_read = require(Permission.SENTIMENT_READ)
can_analyze = require(Permission.SENTIMENT_ANALYZE)
can_override = require(Permission.SENTIMENT_OVERRIDE)
can_read_settings = require(Permission.SETTINGS_READ)
can_change_settings = require(Permission.SETTINGS_WRITE)

PROBLEM = {"content": {"application/problem+json": {}}}
ERRORS = {401: PROBLEM, 403: PROBLEM, 404: PROBLEM, 422: PROBLEM, 503: PROBLEM}
MAX_TEXTS = 256
MAX_CHARS = 10_000
LABEL_NAMES = {
    pb.SENTIMENT_LABEL_HAPPY: "Happy",
    pb.SENTIMENT_LABEL_NEUTRAL: "Neutral",
    pb.SENTIMENT_LABEL_FRUSTRATED: "Frustrated",
}
LABEL_VALUES = {v: k for k, v in LABEL_NAMES.items()}
TRENDS = {
    pb.SENTIMENT_TREND_IMPROVING: "improving",
    pb.SENTIMENT_TREND_STABLE: "stable",
    pb.SENTIMENT_TREND_DECLINING: "declining",
}

Label = SentimentLabel


class EmotionsOut(BaseModel):
    frustration: float
    satisfaction: float
    confusion: float
    urgency: float


class SentimentOut(BaseModel):
    label: Label
    score: float = Field(description="polarity in [-1, 1]")
    emotions: EmotionsOut = Field(description="independent probabilities in [0, 1]")


def _text(text: str) -> str:
    if not text.strip():
        raise ValueError("must not be empty")
    return text


# Validated per item, so that a 422 names each bad text as `texts[i]`.
Text = Annotated[str, Field(max_length=MAX_CHARS), AfterValidator(_text)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AnalyzeIn(Strict):
    texts: list[Text] = Field(min_length=1, max_length=MAX_TEXTS)


class SpanOut(BaseModel):
    start: int = Field(description="offset into the message text, in Unicode code points")
    end: int = Field(description="end offset (exclusive), in Unicode code points")
    text: str | None = Field(
        description="the span's text (analyze); null on stored messages (their text is the "
        "conversation's message)"
    )
    sentiment: SentimentOut = Field(description="the span read alone")
    confidence: float
    drives: list[str] = Field(
        description='what of the message\'s result it drove: "label" and/or emotion names'
    )


class ExplanationOut(BaseModel):
    spans: list[SpanOut] = Field(
        description="a message of up to 60 words: one span, the whole text; a longer one is "
        "read sentence by sentence: the sentences that drove its label (up to 3) and, per "
        "emotion it carries, the sentence with the most of it; in text order"
    )
    sentences: int = Field(description="sentences read (0: read as one text)")


class AnalyzeResultOut(SentimentOut):
    confidence: float
    explanation: ExplanationOut


class AnalyzeOut(BaseModel):
    results: list[AnalyzeResultOut]
    model_version: str


class ContributorOut(BaseModel):
    source: str = Field(
        description="the message id, or an outcome signal: csat, escalation or late_reply"
    )
    label: Label | None = Field(description="the message's label; null for a signal")
    polarity: float = Field(description="the interaction's polarity in [-1, 1]")
    weight: float = Field(description="its share of the score's weight now, in [0, 1]")
    contribution: float = Field(description="weight x polarity: its part of the score")


class OverrideStateOut(BaseModel):
    remaining: float = Field(description="the override's weight left")
    evidence: float = Field(
        description="weight of the interactions since it was set; it lapses when evidence "
        ">= remaining"
    )


class DriversOut(BaseModel):
    contributors: list[ContributorOut] = Field(
        description="the interactions that drove the computed label, most influential first "
        "(at most 3)"
    )
    override: OverrideStateOut | None = Field(description="set while an override is active")


class CustomerSentimentOut(BaseModel):
    customer_id: str
    sentiment: SentimentOut
    trend: str = Field(description="improving, stable, declining or empty")
    source: Literal["model", "override"]
    computed: SentimentOut
    override: dict | None
    explanation: str
    drivers: DriversOut = Field(description="what drove the computed sentiment")
    message_count: int


class MessageSentimentOut(BaseModel):
    message_id: str
    conversation_id: str
    customer_id: str
    sentiment: SentimentOut
    confidence: float
    model_version: str
    explanation: ExplanationOut | None = Field(
        description="null for messages scored before explanations existed"
    )


class OverrideIn(Strict):
    label: Label
    reason: str = Field(min_length=1, max_length=500)


def _stub(request: Request) -> sentiment_pb2_grpc.SentimentServiceStub:
    return request.app.state.upstreams.sentiment


def _sentiment(label: int, score: float, e: pb.Emotions) -> dict:
    return {
        "label": LABEL_NAMES.get(label, "Neutral"),
        "score": round(score, 4),
        "emotions": {
            "frustration": e.frustration,
            "satisfaction": e.satisfaction,
            "confusion": e.confusion,
            "urgency": e.urgency,
        },
    }


def _explanation(e: pb.MessageExplanation) -> dict:
    return {
        "spans": [
            {
                "start": s.start,
                "end": s.end,
                "text": s.text or None,
                "sentiment": _sentiment(s.label, s.score, s.emotions),
                "confidence": round(s.confidence, 4),
                "drives": list(s.drives),
            }
            for s in e.spans
        ],
        "sentences": e.sentences,
    }


def _drivers(d: pb.CustomerSentimentDrivers) -> dict:
    return {
        "contributors": [
            {
                "source": c.source,
                "label": LABEL_NAMES.get(c.label),
                "polarity": round(c.polarity, 4),
                "weight": round(c.weight, 4),
                "contribution": round(c.contribution, 4),
            }
            for c in d.contributors
        ],
        "override": {
            "remaining": round(d.override_remaining, 4),
            "evidence": round(d.override_evidence, 4),
        }
        if d.override_active
        else None,
    }


def _customer(c: pb.CustomerSentiment) -> dict:
    return {
        "customer_id": c.customer_id,
        "sentiment": _sentiment(c.sentiment.label, c.sentiment.score, c.sentiment.emotions),
        "trend": TRENDS.get(c.sentiment.trend, ""),
        "source": "override" if c.source == pb.SENTIMENT_SOURCE_OVERRIDE else "model",
        "computed": _sentiment(c.computed.label, c.computed.score, c.computed.emotions),
        "override": {
            "label": LABEL_NAMES.get(c.override.label, "Neutral"),
            "reason": c.override.reason,
            "set_by": c.override.set_by,
            "set_at": c.override.set_at.ToJsonString(),
        }
        if c.HasField("override")
        else None,
        "explanation": c.explanation,
        "drivers": _drivers(c.drivers),
        "message_count": c.message_count,
    }


Stub = Annotated[sentiment_pb2_grpc.SentimentServiceStub, Depends(_stub)]
Up = Annotated[Upstreams, Depends(upstreams)]


@router.post("/analyze", response_model=AnalyzeOut, responses=ERRORS)
async def analyze(body: AnalyzeIn, stub: Stub, who: Principal = Depends(can_analyze)) -> dict:
    """Score 1..256 texts synchronously; results in input order."""
    reply = await stub.Analyze(pb.AnalyzeRequest(texts=body.texts), metadata=metadata(who))
    return {
        "results": [
            {
                **_sentiment(r.label, r.score, r.emotions),
                "confidence": round(r.confidence, 4),
                "explanation": _explanation(r.explanation),
            }
            for r in reply.results
        ],
        "model_version": reply.model_version,
    }


@router.get("/customers/{customer_id}", response_model=CustomerSentimentOut, responses=ERRORS)
async def customer_sentiment(
    customer_id: PathId, stub: Stub, up: Up, who: Principal = Depends(can_read)
) -> dict:
    await ensure_visible(up, who, customer_id, "customer")
    reply = await stub.GetCustomerSentiment(
        pb.GetCustomerSentimentRequest(customer_id=customer_id), metadata=metadata(who)
    )
    return _customer(reply)


@router.put(
    "/customers/{customer_id}/override", response_model=CustomerSentimentOut, responses=ERRORS
)
async def set_override(
    customer_id: PathId,
    body: OverrideIn,
    stub: Stub,
    who: Principal = Depends(can_override),
    up: Upstreams = Depends(upstreams),
) -> dict:
    """Staff override of the label; it lapses when new interactions outweigh it. Only for a
    customer of the tenant (404 otherwise)."""
    # The sentiment service knows customers only once they have messages: the customer
    # service says whether this one exists (NOT_FOUND -> 404), so no phantom override is stored.
    await up.customers.GetCustomer(
        customer_pb2.GetCustomerRequest(id=customer_id), metadata=metadata(who)
    )
    reply = await stub.SetSentimentOverride(
        pb.SetSentimentOverrideRequest(
            customer_id=customer_id,
            label=LABEL_VALUES[body.label],
            reason=body.reason,
            set_by=str(who.actor),
        ),
        metadata=metadata(who),
    )
    return _customer(reply)


@router.delete(
    "/customers/{customer_id}/override", response_model=CustomerSentimentOut, responses=ERRORS
)
async def clear_override(
    customer_id: PathId, stub: Stub, up: Up, who: Principal = Depends(can_override)
) -> dict:
    await ensure_visible(up, who, customer_id, "customer")
    reply = await stub.ClearSentimentOverride(
        pb.ClearSentimentOverrideRequest(customer_id=customer_id), metadata=metadata(who)
    )
    return _customer(reply)


@router.get("/messages/{message_id}", response_model=MessageSentimentOut, responses=ERRORS)
async def message_sentiment(
    message_id: PathId, stub: Stub, up: Up, who: Principal = Depends(can_read)
) -> dict:
    m = await stub.GetMessageSentiment(
        pb.GetMessageSentimentRequest(message_id=message_id), metadata=metadata(who)
    )
    await ensure_visible(up, who, m.customer_id, "message")
    return {
        "message_id": m.message_id,
        "conversation_id": m.conversation_id,
        "customer_id": m.customer_id,
        "sentiment": _sentiment(m.label, m.score, m.emotions),
        "confidence": m.confidence,
        "model_version": m.model_version,
        "explanation": _explanation(m.explanation) if m.HasField("explanation") else None,
    }


# --- /api/v1/settings/sentiment ----------------------------------------------------------------
settings_router = APIRouter(prefix="/api/v1/settings", tags=["sentiment settings"])

# 30 days; the sentiment service checks channels and ranges, this bound only keeps values in
# the int32 of the gRPC message.
MAX_TARGET_MINUTES = 43_200


class SentimentSettingsOut(BaseModel):
    reply_target_minutes: dict[str, int | None] = Field(
        description="per channel (phone, sms, whatsapp, email, webchat): minutes within which "
        "customers expect a reply; null = no target. A later reply counts against the "
        "conversation's and the customer's sentiment (late; over 4x the target: very late)."
    )


class SentimentSettingsIn(BaseModel):
    model_config = {"extra": "forbid"}
    reply_target_minutes: dict[
        str, Annotated[int, Field(ge=1, le=MAX_TARGET_MINUTES, strict=True)] | None
    ] = Field(description="channels to change (the others keep theirs); null = no target")


def _settings_out(s: pb.SentimentSettings) -> dict:
    return {
        "reply_target_minutes": {
            channel: minutes or None for channel, minutes in sorted(s.reply_target_minutes.items())
        }
    }


@settings_router.get("/sentiment", response_model=SentimentSettingsOut, responses=ERRORS)
async def get_sentiment_settings(stub: Stub, who: Principal = Depends(can_read_settings)) -> dict:
    """The tenant's reply targets per channel (the defaults until changed)."""
    return _settings_out(
        await stub.GetSentimentSettings(pb.GetSentimentSettingsRequest(), metadata=metadata(who))
    )


@settings_router.patch("/sentiment", response_model=SentimentSettingsOut, responses=ERRORS)
async def update_sentiment_settings(
    body: SentimentSettingsIn, stub: Stub, who: Principal = Depends(can_change_settings)
) -> dict:
    """Change the reply targets of the channels named; a bad channel or value changes nothing."""
    changes = {k: v or 0 for k, v in body.reply_target_minutes.items()}
    return _settings_out(
        await stub.UpdateSentimentSettings(
            pb.UpdateSentimentSettingsRequest(reply_target_minutes=changes),
            metadata=metadata(who),
        )
    )
