"""Conversation and customer sentiment: exponentially decayed averages over interactions.

Every interaction (a scored customer message, or a conversation outcome signal) is an
observation (polarity p in [-1, 1], weight w). Before an observation is added, the weight of
everything seen before is multiplied by d = 2^(-1/H): an interaction H interactions old counts
half as much as the newest one (half-life in interactions, not in time, so a customer who writes
rarely keeps their sentiment until they write again).

    S <- d*S + w*p      W <- d*W + w      score = S / W

Two averages are kept: a fast one (H = 5) that is the shown score, and a slow one (H = 20).
Trend = fast - slow: >= +0.15 improving, <= -0.15 declining, else stable; unspecified with
fewer than 3 observations. Label from the score: >= +0.25 Happy, <= -0.25 Frustrated, else
Neutral. Emotions are the fast average over messages only (signals carry no emotions).

Outcome signals (conversation events): a CSAT rating c in 1..5 is p = (c - 3) / 2 with weight 2
(a rating says more than one message); an escalation to a human is p = -0.5 with weight 1; a
late reply (response timing, see response.py) is p = -0.5 with weight 1, or p = -1.0 when very
late.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

from sentiment.domain.scoring import Emotions, Label, Score

FAST_HALF_LIFE = 5.0
SLOW_HALF_LIFE = 20.0
FAST_DECAY = 2.0 ** (-1.0 / FAST_HALF_LIFE)
SLOW_DECAY = 2.0 ** (-1.0 / SLOW_HALF_LIFE)
HAPPY_AT = 0.25
FRUSTRATED_AT = -0.25
TREND_DELTA = 0.15
TREND_MIN_OBSERVATIONS = 3
CSAT_WEIGHT = 2.0
ESCALATION_POLARITY = -0.5
ESCALATION_WEIGHT = 1.0
LATE_REPLY_POLARITY = -0.5
VERY_LATE_REPLY_POLARITY = -1.0
LATE_REPLY_WEIGHT = 1.0
RECENT_LABELS = 5
# Interactions remembered for the explanation (the newest; one 20 interactions old weighs
# 2^-4 = 6% of the newest in the fast average).
CONTRIBUTORS_KEPT = 20
TOP_CONTRIBUTORS = 3


class Trend(StrEnum):
    UNSPECIFIED = ""
    IMPROVING = "improving"
    STABLE = "stable"
    DECLINING = "declining"


@dataclass(frozen=True, slots=True)
class Observation:
    polarity: float
    weight: float = 1.0
    emotions: Emotions | None = None  # messages only
    label: Label | None = None  # messages only: kept for the explanation
    # The message id, or the kind of outcome signal: named by the explanation's contributors.
    source: str = field(default="", compare=False)

    @classmethod
    def of_message(cls, score: Score, message_id: str = "") -> Observation:
        return cls(score.score, 1.0, score.emotions, score.label, message_id)

    @classmethod
    def of_csat(cls, csat: int) -> Observation:
        return cls((min(max(csat, 1), 5) - 3) / 2.0, CSAT_WEIGHT, source="csat")

    @classmethod
    def of_escalation(cls) -> Observation:
        return cls(ESCALATION_POLARITY, ESCALATION_WEIGHT, source="escalation")

    @classmethod
    def of_late_reply(cls, *, very_late: bool) -> Observation:
        polarity = VERY_LATE_REPLY_POLARITY if very_late else LATE_REPLY_POLARITY
        return cls(polarity, LATE_REPLY_WEIGHT, source="late_reply")


@dataclass(frozen=True, slots=True)
class Contributor:
    """One interaction's part in the fast average now: `weight` its share of the total weight,
    `contribution` = weight x polarity (the score is the sum of the contributions)."""

    source: str
    label: Label | None
    polarity: float
    weight: float
    contribution: float


def label_of(score: float) -> Label:
    if score >= HAPPY_AT:
        return Label.HAPPY
    if score <= FRUSTRATED_AT:
        return Label.FRUSTRATED
    return Label.NEUTRAL


@dataclass(frozen=True, slots=True)
class Aggregate:
    weight: float = 0.0
    polarity_sum: float = 0.0
    slow_weight: float = 0.0
    slow_polarity_sum: float = 0.0
    emotion_weight: float = 0.0
    emotion_sums: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)
    observations: int = 0
    messages: int = 0
    recent: tuple[str, ...] = field(default=())  # labels of the last messages, newest last
    # The last CONTRIBUTORS_KEPT interactions as (source, label or "", polarity, weight, index):
    # index = `observations` when it was added, so its decayed weight is computed when read
    # (weight x FAST_DECAY^(observations - 1 - index)) instead of decaying every entry on
    # every observation.
    seen: tuple[tuple[str, str, float, float, int], ...] = field(default=())

    def observe(self, o: Observation) -> Aggregate:
        # Called for every message twice (conversation and customer): the constructor directly,
        # not dataclasses.replace (which re-reads every field by name).
        emotion_weight, emotion_sums, recent, messages = (
            self.emotion_weight,
            self.emotion_sums,
            self.recent,
            self.messages,
        )
        w = o.weight
        if o.emotions is not None:
            e = o.emotions
            s0, s1, s2, s3 = emotion_sums
            emotion_weight = FAST_DECAY * emotion_weight + w
            emotion_sums = (
                FAST_DECAY * s0 + w * e.frustration,
                FAST_DECAY * s1 + w * e.satisfaction,
                FAST_DECAY * s2 + w * e.confusion,
                FAST_DECAY * s3 + w * e.urgency,
            )
            messages += 1
        if o.label is not None:
            recent = (*recent, o.label.value)[-RECENT_LABELS:]
        entry = (o.source, o.label.value if o.label else "", o.polarity, w, self.observations)
        seen = (*self.seen[1 - CONTRIBUTORS_KEPT :], entry)
        return Aggregate(
            FAST_DECAY * self.weight + w,
            FAST_DECAY * self.polarity_sum + w * o.polarity,
            SLOW_DECAY * self.slow_weight + w,
            SLOW_DECAY * self.slow_polarity_sum + w * o.polarity,
            emotion_weight,
            emotion_sums,
            self.observations + 1,
            messages,
            recent,
            seen,
        )

    def observe_all(self, observations: Iterable[Observation]) -> Aggregate:
        result = self
        for o in observations:
            result = result.observe(o)
        return result

    @property
    def score(self) -> float:
        return self.polarity_sum / self.weight if self.weight else 0.0

    @property
    def label(self) -> Label:
        return label_of(self.score)

    @property
    def emotions(self) -> Emotions:
        if not self.emotion_weight:
            return Emotions()
        return Emotions(*(s / self.emotion_weight for s in self.emotion_sums))

    @property
    def trend(self) -> Trend:
        if self.observations < TREND_MIN_OBSERVATIONS or not self.slow_weight:
            return Trend.UNSPECIFIED
        delta = self.score - self.slow_polarity_sum / self.slow_weight
        if delta >= TREND_DELTA:
            return Trend.IMPROVING
        if delta <= -TREND_DELTA:
            return Trend.DECLINING
        return Trend.STABLE

    def explanation(self) -> str:
        if not self.observations:
            return "No customer messages scored yet."
        if not self.recent:
            signals = "signal" if self.observations == 1 else "signals"
            return f"From {self.observations} conversation outcome {signals}."
        counts = {label: self.recent.count(label) for label in set(self.recent)}
        n = len(self.recent)
        dominant = max(counts, key=lambda label: (counts[label], label == self.label.value))
        what = {
            "Happy": "sounded happy",
            "Neutral": "was neutral" if counts[dominant] == 1 else "were neutral",
            "Frustrated": "expressed frustration",
        }[dominant]
        if n == 1:
            text = f"The last message {what}"
        else:
            text = f"{counts[dominant]} of the last {n} messages {what}"
        if self.trend in (Trend.IMPROVING, Trend.DECLINING):
            text += f"; {self.trend.value}"
        return text + "."

    def to_state(self) -> dict:
        return {
            "w": self.weight,
            "s": self.polarity_sum,
            "sw": self.slow_weight,
            "ss": self.slow_polarity_sum,
            "ew": self.emotion_weight,
            "es": list(self.emotion_sums),
            "n": self.observations,
            "m": self.messages,
            "r": list(self.recent),
            "c": [list(e) for e in self.seen],
        }

    @classmethod
    def from_state(cls, state: dict | None) -> Aggregate:
        if not state:
            return cls()
        return cls(
            weight=state["w"],
            polarity_sum=state["s"],
            slow_weight=state["sw"],
            slow_polarity_sum=state["ss"],
            emotion_weight=state["ew"],
            emotion_sums=tuple(state["es"]),  # type: ignore[arg-type]
            observations=state["n"],
            messages=state["m"],
            recent=tuple(state["r"]),
            seen=tuple(tuple(e) for e in state.get("c", ())),  # type: ignore[misc]
        )

    def contributors(self) -> list[Contributor]:
        """The remembered interactions' parts in the fast average, newest first."""
        if not self.weight:
            return []
        out = []
        for source, label, polarity, w, index in reversed(self.seen):
            share = w * FAST_DECAY ** (self.observations - 1 - index) / self.weight
            out.append(
                Contributor(
                    source, Label(label) if label else None, polarity, share, share * polarity
                )
            )
        return out

    def drivers(self) -> list[Contributor]:
        """The interactions that drove the label, most influential first: those pulling the
        score towards it (Happy: positive contributions, Frustrated: negative), or for Neutral
        the heaviest; at most TOP_CONTRIBUTORS."""
        everyone = self.contributors()
        label = self.label
        if label is Label.NEUTRAL:
            ranked = sorted(everyone, key=lambda c: -c.weight)
        else:
            sign = 1.0 if label is Label.HAPPY else -1.0
            ranked = sorted(
                (c for c in everyone if sign * c.contribution > 0),
                key=lambda c: -sign * c.contribution,
            )
        return ranked[:TOP_CONTRIBUTORS]


_BEFORE_ALL = datetime.min.replace(tzinfo=UTC)


def replay(
    messages: Iterable[tuple[datetime | None, Observation]],
    signals: Iterable[tuple[datetime, Observation]],
) -> Aggregate:
    """An aggregate rebuilt from scratch (a merge's survivor): the scored messages in the order
    given (one without a time first) and the outcome signals (CSAT, escalation, late reply) each
    in its place by time, after a message of the same instant."""
    timeline = [(at or _BEFORE_ALL, 0, o) for at, o in messages]
    timeline += [(at, 1, o) for at, o in signals]
    timeline.sort(key=lambda entry: (entry[0], entry[1]))  # stable: messages keep their order
    return Aggregate().observe_all(o for _, _, o in timeline)
