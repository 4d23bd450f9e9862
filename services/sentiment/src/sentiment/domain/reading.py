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
0.79). Frozen before any held-out set was scored with them (the adoption rule:
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
    "whole H", "whole N", "whole F", "alone max F", "alone mean F", "alone mean H",
    "alone max H", "alone share F>0.9", "alone count F>0.9 /5", "alone mean N",
    "alone second F", "alone min H", "alone share F>0.5", "alone count F>0.5 /5",
    "alone first F", "alone first H", "alone last F", "alone last H", "alone place of max F",
    "alone mean H after max F", "alone max frustration", "alone mean satisfaction",
    "alone sentences /10", "context max F", "context mean F", "context mean H", "context max H",
    "context share F>0.9", "context count F>0.9 /5", "context mean N", "context second F",
    "context min H", "context share F>0.5", "context count F>0.5 /5", "context first F",
    "context first H", "context last F", "context last H", "context place of max F",
    "context mean H after max F", "context max frustration", "context mean satisfaction",
    "context sentences /10",
)  # fmt: skip
COEF = (
    (1.953061, -1.335325, -0.631237, -0.098531, 0.593991, 0.234339, 0.324622, 0.110051,
     0.382143, -0.841831, 1.890623, 0.248412, -0.195615, -0.076905, 1.080499, -0.151948,
     -0.185274, -0.727057, -0.384075, 0.261105, -0.842777, -0.015632, -0.122265, 0.378394,
     -0.49211, 2.030332, 0.860854, -0.931244, -1.119698, -1.551723, 1.226697, -0.146704,
     -0.415742, -0.090861, 0.501539, 0.463855, 1.435254, -0.320313, 1.223266, -0.172883,
     -0.377105, 2.230347, -0.122265),
    (-1.368348, 0.846607, 0.477305, -0.236179, -0.730431, -0.396462, -0.155942, -0.498549,
     -0.711224, 1.082456, -0.388566, -0.03226, -0.33392, -0.114873, -0.96048, -0.12911,
     0.192226, 1.250665, -0.385535, 0.490458, -0.265236, -0.63104, 0.156964, -0.395816,
     -0.781756, -1.311456, -0.126287, -0.111086, -0.005782, 2.048775, 0.260225, -0.158937,
     -0.598593, -0.492005, 0.196596, -1.409329, 0.60272, 0.502125, -1.183769, -0.3392,
     -0.548304, -1.301675, 0.156964),
    (-0.584713, 0.488718, 0.153933, 0.334711, 0.13644, 0.162123, -0.16868, 0.388498,
     0.329081, -0.240625, -1.502058, -0.216153, 0.529535, 0.191777, -0.120019, 0.281059,
     -0.006953, -0.523608, 0.76961, -0.751563, 1.108013, 0.646672, -0.034699, 0.017422,
     1.273865, -0.718876, -0.734567, 1.04233, 1.12548, -0.497051, -1.486922, 0.305641,
     1.014335, 0.582867, -0.698135, 0.945474, -2.037974, -0.181812, -0.039497, 0.512083,
     0.925409, -0.928673, -0.034699),
)  # fmt: skip
INTERCEPT = (-3.515869, 3.09557, 0.4203)


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
