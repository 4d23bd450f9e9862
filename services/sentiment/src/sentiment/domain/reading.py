"""Reading a long message whole: its sentences, each sentence read alone and with its
neighbours, folded into one score, and the spans that explain it.

The model reads 64 tokens (≈ 45 words); a longer text used to be judged on its first 16 and
last 48 tokens (head + tail), so a complaint in the middle of a friendly letter was never seen.
A message of more than `SPLIT_WORDS` words with at least two sentences is now read as:

- the whole text (head + tail, as before: its opening and closing in context);
- every sentence alone (what each sentence says: the spans of the explanation);
- every sentence with the one before and the one after (what it says in context: "the airline
  lost our bags" followed by how the hotel helped is a problem story, not a complaint).

`fold_long` turns those into the message's (Happy, Neutral, Frustrated) probabilities with a
multinomial logistic regression over 19 features (`FEATURES`). Its weights (`COEF`,
`INTERCEPT`) were fitted on training messages only: the 150 long messages (≥ 60 words) of
`ml-serving/data/not_adopted/round4_extra*.tsv`, which the served model was not trained on, so
their scores look like those of unseen messages (5-fold cross-validated macro-F1 0.876 on them,
against 0.652 for head + tail; fitted once, then frozen before any held-out set was scored).
A message of up to `SPLIT_WORDS` words keeps the single reading it always had.

Emotions of a long message: frustration is P(Frustrated) (the annotation guide: a Frustrated
message always carries frustration), satisfaction the mean over the sentences in context,
confusion and urgency the largest over the sentences alone (one confused or urgent sentence
makes the message so).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from sentiment.domain.scoring import EMOTION_NAMES, SENTIMENT_ORDER, Emotions, Score

SPLIT_WORDS = 60
# Sentences beyond this many are not read (a 16 KiB text can hold hundreds); 48 sentences is
# ~700 words, longer than any customer message in the data.
MAX_SENTENCES = 48
# The explanation names at most this many sentences for the label.
LABEL_SPANS = 3
# ... the most confident always; the others only when their own label is at least this sure.
DRIVER_AT = 0.8
EMOTION_AT = 0.5

FEATURES = (
    "whole P(Happy)", "whole P(Neutral)", "whole P(Frustrated)",
    "sentences: max P(F)", "mean P(F)", "mean P(H)", "max P(H)", "share P(F) > 0.9",
    "count P(F) > 0.9 / 5", "mean P(N)", "second-highest P(F)",
    "in context: max P(F)", "mean P(F)", "mean P(H)", "max P(H)", "share P(F) > 0.9",
    "count P(F) > 0.9 / 5", "mean P(N)", "second-highest P(F)",
)  # fmt: skip
COEF = (
    (1.169861, -0.975597, -0.204462, -0.03948, 0.781993, 0.253061, 0.029078, 0.201428,
     0.517649, -1.045252, 1.477236, -0.60115, -0.371549, 2.285932, 0.235312, -1.143715,
     -1.355514, -1.92458, 0.945216),
    (-0.884055, 0.708299, 0.209367, 0.017302, -0.562387, -0.810221, 0.425708, -0.241958,
     -0.530953, 1.40622, -0.028428, 0.008327, -1.09652, -2.006883, 0.122346, -0.307511,
     -0.532038, 3.137016, -0.081459),
    (-0.285806, 0.267297, -0.004905, 0.022178, -0.219606, 0.55716, -0.454786, 0.04053,
     0.013304, -0.360969, -1.448808, 0.592823, 1.468069, -0.279048, -0.357659, 1.451225,
     1.887552, -1.212435, -0.863757),
)  # fmt: skip
INTERCEPT = (-1.449505, -0.07504, 1.524544)


@dataclass(frozen=True, slots=True)
class Span:
    """A part of a message (code-point offsets [start, end) into its text) with the model's
    score of that part read alone, and what of the message's result it drove: "label" and/or
    emotion names."""

    start: int
    end: int
    text: str
    score: Score
    drives: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Reading:
    """A message's score and its explanation (spans in text order)."""

    score: Score
    spans: tuple[Span, ...]
    sentences: int  # sentences read (0: read as one text)


@dataclass(frozen=True, slots=True)
class Plan:
    """What to send to the model for one message: `texts[0]` is the whole text; then, for a
    long one, each sentence alone, then each sentence with its neighbours."""

    text: str
    sentences: tuple[tuple[int, int], ...]  # offsets; empty: read as one text

    @property
    def texts(self) -> list[str]:
        t, o = self.text, self.sentences
        alone = [t[a:b] for a, b in o]
        last = len(o) - 1
        context = [t[o[max(0, i - 1)][0] : o[min(last, i + 1)][1]] for i in range(len(o))]
        return [t, *alone, *context]


def plan(text: str, sentences: Sequence[tuple[int, int]]) -> Plan:
    """`sentences`: a splitter's sentence offsets in `text`. Short texts are read whole."""
    kept = tuple((a, b) for a, b in sentences if text[a:b].strip())[:MAX_SENTENCES]
    if len(text.split()) <= SPLIT_WORDS or len(kept) < 2:
        return Plan(text, ())
    return Plan(text, kept)


def read(p: Plan, scores: Sequence[Score]) -> Reading:
    """The message's reading from the model's scores of `p.texts`, in that order."""
    whole = scores[0]
    if not p.sentences:
        return Reading(whole, (Span(0, len(p.text), p.text, whole, _drives(whole)),), 0)
    n = len(p.sentences)
    alone, context = scores[1 : 1 + n], scores[1 + n : 1 + 2 * n]
    probs = fold_long(whole.probs, [s.probs for s in alone], [s.probs for s in context])
    emotions = Emotions(
        frustration=probs[2],
        satisfaction=sum(s.emotions.satisfaction for s in context) / n,
        confusion=max(s.emotions.confusion for s in alone),
        urgency=max(s.emotions.urgency for s in alone),
    )
    best = max(range(3), key=probs.__getitem__)
    score = Score(
        label=SENTIMENT_ORDER[best],
        score=round(probs[0] - probs[2], 6),
        confidence=probs[best],
        emotions=emotions,
        probs=probs,
    )
    return Reading(score, _spans(p, score, alone), n)


def fold_long(
    whole: Sequence[float],
    alone: Sequence[Sequence[float]],
    context: Sequence[Sequence[float]],
) -> tuple[float, float, float]:
    """(Happy, Neutral, Frustrated) of a long message from the (H, N, F) probabilities of the
    whole text, of its sentences alone and of its sentences in context."""
    x = [*whole, *_features(alone), *_features(context)]
    logits = [
        b + sum(w * v for w, v in zip(row, x, strict=True))
        for row, b in zip(COEF, INTERCEPT, strict=True)
    ]
    top = max(logits)
    exp = [math.exp(v - top) for v in logits]
    total = sum(exp)
    h, n, f = (e / total for e in exp)
    return (h, n, f)


def _features(probs: Sequence[Sequence[float]]) -> list[float]:
    f = sorted((p[2] for p in probs), reverse=True)
    k = len(probs)
    strong = sum(1 for v in f if v > 0.9)
    return [
        f[0],
        sum(f) / k,
        sum(p[0] for p in probs) / k,
        max(p[0] for p in probs),
        strong / k,
        strong / 5,
        sum(p[1] for p in probs) / k,
        f[1] if k > 1 else f[0],
    ]


def _drives(s: Score) -> tuple[str, ...]:
    present = [
        n for n, v in zip(EMOTION_NAMES, s.emotions.as_tuple(), strict=True) if v >= EMOTION_AT
    ]
    return ("label", *present)


def _spans(p: Plan, message: Score, alone: Sequence[Score]) -> tuple[Span, ...]:
    """The sentences that drove the label (up to LABEL_SPANS whose own label is the message's:
    the most confident, and the next ones at DRIVER_AT or more; else the one closest to it),
    and for each emotion the message carries, the sentence with the most of it."""
    k = SENTIMENT_ORDER.index(message.label)
    order = sorted(range(len(alone)), key=lambda i: -alone[i].probs[k])
    agreeing = [i for i in order if alone[i].label == message.label][:LABEL_SPANS]
    agreeing = agreeing[:1] + [i for i in agreeing[1:] if alone[i].confidence >= DRIVER_AT]
    drives: dict[int, list[str]] = {i: ["label"] for i in (agreeing or order[:1])}
    for j, name in enumerate(EMOTION_NAMES):
        if message.emotions.as_tuple()[j] < EMOTION_AT:
            continue
        if name == "frustration":
            i = max(range(len(alone)), key=lambda i: alone[i].probs[2])
        else:
            i = max(range(len(alone)), key=lambda i: alone[i].emotions.as_tuple()[j])
        drives.setdefault(i, []).append(name)
    return tuple(
        Span(a, b, p.text[a:b], alone[i], tuple(drives[i]))
        for i, (a, b) in enumerate(p.sentences)
        if i in drives
    )
