"""Data loading and label mapping.

Sentiment mapping from GoEmotions (paper's sentiment grouping, issue #6 rule):
  any negative emotion -> Frustrated; else any positive -> Happy; else Neutral
  (ambiguous-only and neutral -> Neutral).
Emotion targets:
  frustration  = anger | annoyance | disappointment | disapproval | disgust
  satisfaction = gratitude | joy | approval | admiration | relief | love | optimism | excitement
  confusion    = confusion
  urgency      = not annotated in GoEmotions: weak NEGATIVE with a low loss weight (Reddit
                 comments are essentially never time-critical service requests), except rows
                 that match URGENCY_RE, which are masked (unknown). Positives come only from the
                 customer-domain data.
"""

from __future__ import annotations

import csv
import os
import random
import re
from dataclasses import dataclass, field
from pathlib import Path

SENTIMENTS = ["Happy", "Neutral", "Frustrated"]
EMOTIONS = ["frustration", "satisfaction", "confusion", "urgency"]

GOEMO_DIR = Path(os.environ.get("GOEMOTIONS_DIR", "/work/shared/datasets/goemotions"))
DATA_DIR = Path(__file__).resolve().parent.parent / "data"

POSITIVE = {
    "admiration",
    "amusement",
    "approval",
    "caring",
    "desire",
    "excitement",
    "gratitude",
    "joy",
    "love",
    "optimism",
    "pride",
    "relief",
}
NEGATIVE = {
    "anger",
    "annoyance",
    "disappointment",
    "disapproval",
    "disgust",
    "embarrassment",
    "fear",
    "grief",
    "nervousness",
    "remorse",
    "sadness",
}
FRUSTRATION = {"anger", "annoyance", "disappointment", "disapproval", "disgust"}
SATISFACTION = {
    "gratitude",
    "joy",
    "approval",
    "admiration",
    "relief",
    "love",
    "optimism",
    "excitement",
}
URGENCY_RE = re.compile(
    r"\b(urgent|urgently|asap|emergency|immediately|right now|right away|"
    r"hurry|as soon as possible)\b",
    re.I,
)
URGENCY_WEAK_NEG_WEIGHT = 0.1


@dataclass
class Example:
    text: str
    sentiment: int  # index into SENTIMENTS
    emotions: list[float]  # 4 targets
    emo_weight: list[float]  # per-emotion loss weight (0 = masked)
    goemo: list[float] | None = None  # 28 multi-hot, None for customer rows
    source: str = "goemotions"
    meta: dict = field(default_factory=dict)


def goemo_labels() -> list[str]:
    return [x.strip() for x in (GOEMO_DIR / "labels.txt").read_text().splitlines() if x.strip()]


def sentiment_from_names(names: set[str]) -> int:
    if names & NEGATIVE:
        return 2
    if names & POSITIVE:
        return 0
    return 1


def load_goemotions(split: str) -> list[Example]:
    labels = goemo_labels()
    out = []
    with open(GOEMO_DIR / f"{split}.tsv", encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 2:
                continue
            text, ids = parts[0], [int(i) for i in parts[1].split(",") if i]
            names = {labels[i] for i in ids}
            multi = [0.0] * len(labels)
            for i in ids:
                multi[i] = 1.0
            emo = [
                float(bool(names & FRUSTRATION)),
                float(bool(names & SATISFACTION)),
                float("confusion" in names),
                0.0,
            ]
            w = [1.0, 1.0, 1.0, 0.0 if URGENCY_RE.search(text) else URGENCY_WEAK_NEG_WEIGHT]
            out.append(Example(text, sentiment_from_names(names), emo, w, multi, "goemotions"))
    return out


def load_customer(name: str) -> list[Example]:
    """name: 'customer_train' or 'customer_eval'."""
    out = []
    with open(DATA_DIR / f"{name}.tsv", encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
            emos = {e.strip() for e in (row["emotions"] or "").split(",") if e.strip()}
            unknown = emos - set(EMOTIONS)
            if unknown:
                raise ValueError(f"unknown emotions {unknown} in {name}: {row['text']!r}")
            out.append(
                Example(
                    row["text"],
                    SENTIMENTS.index(row["sentiment"]),
                    [float(e in emos) for e in EMOTIONS],
                    [1.0] * 4,
                    None,
                    name,
                    {"domain": row["domain"], "channel": row["channel"]},
                )
            )
    return out


def split_customer_train(seed: int = 13, holdout_frac: float = 0.15):
    """Fixed, stratified split of customer_train into (train, holdout) for model selection."""
    rows = load_customer("customer_train")
    rng = random.Random(seed)
    train, hold = [], []
    for s in range(3):
        group = [r for r in rows if r.sentiment == s]
        rng.shuffle(group)
        k = round(len(group) * holdout_frac)
        hold += group[:k]
        train += group[k:]
    return train, hold
