"""One message's score, derived from the model's two probability heads."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

# Column order of the model's outputs (ml-serving/README.md, the Triton contract).
EMOTION_NAMES = ("frustration", "satisfaction", "confusion", "urgency")


class Label(StrEnum):
    HAPPY = "Happy"
    NEUTRAL = "Neutral"
    FRUSTRATED = "Frustrated"


SENTIMENT_ORDER = (Label.HAPPY, Label.NEUTRAL, Label.FRUSTRATED)


@dataclass(frozen=True, slots=True)
class Emotions:
    """Independent probabilities in [0, 1]."""

    frustration: float = 0.0
    satisfaction: float = 0.0
    confusion: float = 0.0
    urgency: float = 0.0

    def as_tuple(self) -> tuple[float, float, float, float]:
        return (self.frustration, self.satisfaction, self.confusion, self.urgency)


@dataclass(frozen=True, slots=True)
class Score:
    label: Label
    # Polarity in [-1, 1]: P(Happy) - P(Frustrated).
    score: float
    # Probability of `label`.
    confidence: float
    emotions: Emotions
    # The model's (Happy, Neutral, Frustrated) probabilities behind `label` and `score`.
    probs: tuple[float, float, float] = (0.0, 0.0, 0.0)


def score_from_probs(sentiment: Sequence[float], emotions: Sequence[float]) -> Score:
    """`sentiment` = softmax over (Happy, Neutral, Frustrated); `emotions` = 4 sigmoids."""
    best = max(range(3), key=sentiment.__getitem__)
    return Score(
        label=SENTIMENT_ORDER[best],
        score=round(float(sentiment[0]) - float(sentiment[2]), 6),
        confidence=float(sentiment[best]),
        emotions=Emotions(*(float(e) for e in emotions)),
        probs=(float(sentiment[0]), float(sentiment[1]), float(sentiment[2])),
    )
