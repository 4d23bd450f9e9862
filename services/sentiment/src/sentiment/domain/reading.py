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
multinomial logistic regression over 43 named features (`FEATURES`: every column `columns`
computes, among them where the most Frustrated sentence sits and how happy what follows it is,
and the sentences' frustration and satisfaction). The features, the L2 strength and the weights
(`COEF`, `INTERCEPT`) were chosen and fitted on training messages only
(`ml-serving/moodline_ml/fit_reading.py`): the 320 long messages (> 60 words, two sentences or
more) of `ml-serving/data/not_adopted/` and `ml-serving/data/reading/`, which the served model
was not trained on, so their scores look like those of unseen messages (repeated 5-fold
cross-validated macro-F1 0.904 on them; session 9's 19 features refitted 0.896; head + tail
0.79). Session 15 refitted the same recipe (all 43 columns, C = 3, unweighted; `fit_reading
--recipe all 3 none`) on the same messages scored by the int8 derivation that keeps every FFN
output projection in fp32 (`ml-serving/moodline_ml/derive.py`; cross-validated 0.908). Frozen
before any held-out set was scored with them (the adoption rule: `ml-serving/data/README.md`).
A message of up to `SPLIT_WORDS` words keeps the single reading it always had.

Emotions of a long message: frustration is P(Frustrated) (the annotation guide: a Frustrated
message always carries frustration), satisfaction the mean over the sentences in context,
confusion and urgency the largest over the sentences alone (one confused or urgent sentence
makes the message so).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sentiment.domain.scoring import EMOTION_NAMES, SENTIMENT_ORDER, Emotions, Score

# Analyze takes texts of at most this many bytes of UTF-8.
MAX_TEXT_BYTES = 16 * 1024
# The model reads 64 tokens of the whole text (head + tail); a long text's sentences are read
# separately, so only the whole-text reading is cut to this many characters (sending more only
# costs serialisation and tokenisation).
MODEL_TEXT_CHARS = 2000
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
    "whole H", "whole N", "whole F", "alone max F", "alone mean F", "alone mean H", "alone max H",
    "alone share F>0.9", "alone count F>0.9 /5", "alone mean N", "alone second F", "alone min H",
    "alone share F>0.5", "alone count F>0.5 /5", "alone first F", "alone first H", "alone last F",
    "alone last H", "alone place of max F", "alone mean H after max F", "alone max frustration",
    "alone mean satisfaction", "alone sentences /10", "context max F", "context mean F",
    "context mean H", "context max H", "context share F>0.9", "context count F>0.9 /5",
    "context mean N", "context second F", "context min H", "context share F>0.5",
    "context count F>0.5 /5", "context first F", "context first H", "context last F",
    "context last H", "context place of max F", "context mean H after max F",
    "context max frustration", "context mean satisfaction", "context sentences /10",
)  # fmt: skip
COEF = (
    (1.917104, -1.370142, -0.597763, -0.258185, 0.443181, 0.270624, 0.34488, 0.233637, 0.543188,
     -0.764606, 1.871979, 0.253063, -0.138584, -0.004316, 0.903691, -0.327812, -0.21604,
     -0.736397, -0.299319, 0.192952, -0.904624, 0.030933, -0.121191, 0.341126, -0.655365,
     2.080369, 0.845681, -0.86251, -1.031023, -1.475805, 1.281024, -0.172966, -0.472133,
     -0.102201, 0.564255, 0.459795, 1.311206, -0.329284, 1.309452, 0.011397, -0.201984, 2.263359,
     -0.121191),
    (-1.288135, 0.809821, 0.463641, 0.036463, -0.483426, -0.461239, -0.088963, -0.553082,
     -0.448275, 0.929993, -0.24002, -0.028361, -0.646262, -0.697365, -0.960395, -0.023513,
     0.028303, 1.314651, -0.762594, 0.282282, -0.117303, -0.659727, 0.089249, -0.408977,
     -0.606456, -1.409814, -0.164894, -0.162468, -0.037139, 2.001598, 0.215624, -0.176388,
     -0.663243, -0.64497, 0.243465, -1.286487, 0.67795, 0.50098, -1.095872, -0.336796, -0.614009,
     -1.370673, 0.089249),
    (-0.62897, 0.56032, 0.134122, 0.221722, 0.040246, 0.190615, -0.255917, 0.319445, -0.094913,
     -0.165387, -1.631959, -0.224702, 0.784846, 0.701681, 0.056704, 0.351325, 0.187737, -0.578254,
     1.061913, -0.475234, 1.021926, 0.628794, 0.031942, 0.067851, 1.261821, -0.670554, -0.680787,
     1.024979, 1.068163, -0.525793, -1.496648, 0.349354, 1.135376, 0.747171, -0.807721, 0.826692,
     -1.989156, -0.171697, -0.213579, 0.3254, 0.815993, -0.892686, 0.031942),
)  # fmt: skip
INTERCEPT = (-3.671588, 3.227225, 0.444363)


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


def is_long(text: str) -> bool:
    """Read in sentences (when it has two or more); else read whole."""
    return len(text.split()) > SPLIT_WORDS


def plan(text: str, sentences: Sequence[tuple[int, int]]) -> Plan:
    """`sentences`: a splitter's sentence offsets in `text` (none needed for a text that is
    not long). Short texts are read whole."""
    kept = tuple((a, b) for a, b in sentences if text[a:b].strip())[:MAX_SENTENCES]
    if not is_long(text) or len(kept) < 2:
        return Plan(text, ())
    return Plan(text, kept)


def read(p: Plan, scores: Sequence[Score]) -> Reading:
    """The message's reading from the model's scores of `p.texts`, in that order."""
    whole = scores[0]
    if not p.sentences:
        return Reading(whole, (Span(0, len(p.text), p.text, whole, _drives(whole)),), 0)
    n = len(p.sentences)
    alone, context = scores[1 : 1 + n], scores[1 + n : 1 + 2 * n]
    probs = fold_long(columns(whole, alone, context))
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


def fold_long(x: Mapping[str, float]) -> tuple[float, float, float]:
    """(Happy, Neutral, Frustrated) of a long message from its feature columns (`columns`)."""
    v = [x[name] for name in FEATURES]
    logits = [
        b + sum(w * f for w, f in zip(row, v, strict=True))
        for row, b in zip(COEF, INTERCEPT, strict=True)
    ]
    top = max(logits)
    exp = [math.exp(z - top) for z in logits]
    total = sum(exp)
    h, n, f = (e / total for e in exp)
    return (h, n, f)


def columns(whole: Score, alone: Sequence[Score], context: Sequence[Score]) -> dict[str, float]:
    """Every feature the aggregator may use, by name, from the model's scores of a long
    message's whole text, its sentences alone and its sentences in context (`FEATURES` names
    the ones it uses; `ml-serving/moodline_ml/fit_reading.py` compares sets of them)."""
    out = dict(zip(("whole H", "whole N", "whole F"), whole.probs, strict=True))
    for name, scores in (("alone", alone), ("context", context)):
        out |= {f"{name} {k}": v for k, v in _columns(scores).items()}
    return out


def _columns(scores: Sequence[Score]) -> dict[str, float]:
    k = len(scores)
    h = [s.probs[0] for s in scores]
    n = [s.probs[1] for s in scores]
    f = [s.probs[2] for s in scores]
    top = sorted(f, reverse=True)
    strong = sum(1 for v in f if v > 0.9)
    some = sum(1 for v in f if v > 0.5)
    at = max(range(k), key=f.__getitem__)
    after = h[at + 1 :]
    return {
        "max F": top[0],
        "mean F": sum(f) / k,
        "mean H": sum(h) / k,
        "max H": max(h),
        "share F>0.9": strong / k,
        "count F>0.9 /5": strong / 5,
        "mean N": sum(n) / k,
        "second F": top[1] if k > 1 else top[0],
        "min H": min(h),
        "share F>0.5": some / k,
        "count F>0.5 /5": some / 5,
        "first F": f[0],
        "first H": h[0],
        "last F": f[-1],
        "last H": h[-1],
        "place of max F": at / (k - 1) if k > 1 else 0.0,
        "mean H after max F": sum(after) / len(after) if after else 0.0,
        "max frustration": max(s.emotions.frustration for s in scores),
        "mean satisfaction": sum(s.emotions.satisfaction for s in scores) / k,
        "sentences /10": k / 10,
    }


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
