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
--recipe all 3 none`) on 504 such messages, rounds 7b and 8 added (cross-validated 0.899).
Frozen before any held-out set was scored with them (the adoption rule:
`ml-serving/data/README.md`).
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
    (1.802169, -1.402432, -0.449294, 0.374151, 1.080004, -0.076621, 0.286047, -0.360228, 0.13262,
     -1.052939, 1.607224, 0.663723, -0.260829, 0.06764, 0.386945, -0.372862, -0.090424, -0.533268,
     -0.466078, 0.855764, -1.278064, -0.111555, -0.521232, 0.145636, -0.073102, 1.782591,
     0.802233, -0.909891, -1.020205, -1.759046, 0.72054, 0.035331, -0.020965, 0.922518, -0.41776,
     -0.552274, 1.170092, -0.009626, 0.340061, -0.153369, -0.802531, 2.379766, -0.521232),
    (-1.356056, 0.860268, 0.41656, 0.670996, -0.521804, -0.769847, -0.2612, -0.275608, -0.730558,
     1.212423, -0.513411, -0.011102, -0.452383, -0.490934, -0.509937, 0.201524, 0.144716,
     1.335172, 0.103518, -0.620027, 0.159715, -1.102854, 1.115081, 0.326281, -0.914669, -1.135472,
     -0.07856, -0.304154, -0.685553, 1.970913, 0.292222, -0.025244, -0.611893, -1.172884,
     1.173608, -0.995689, 0.645913, 0.366093, -0.233165, -0.197963, -0.091914, -1.10109, 1.115081),
    (-0.446113, 0.542164, 0.032734, -1.045147, -0.5582, 0.846468, -0.024847, 0.635836, 0.597937,
     -0.159483, -1.093813, -0.652621, 0.713212, 0.423294, 0.122992, 0.171337, -0.054292,
     -0.801904, 0.362559, -0.235737, 1.118349, 1.214409, -0.593849, -0.471917, 0.987771,
     -0.647119, -0.723673, 1.214044, 1.705758, -0.211866, -1.012762, -0.010087, 0.632858,
     0.250367, -0.755848, 1.547963, -1.816004, -0.356467, -0.106896, 0.351332, 0.894445,
     -1.278676, -0.593849),
)  # fmt: skip
INTERCEPT = (-1.054484, -0.659722, 1.714207)


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
