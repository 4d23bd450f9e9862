"""Held-out sets must stay unseen: find training texts that are the same message as an eval
text, or a close rewording of it (stdlib only; run by tests/ml and before training).

Similarity is the Jaccard index of the two texts' word sets (lower-cased, punctuation dropped);
0.5 catches rewordings that keep the phrase ("I was worried after last time but the new
hygienist really turned it around" against "I was worried after last time but you really turned
it around"), at the price of a few template look-alikes ("Do I need to shave before the
treatment?" / "Do I need to fast before the blood test?"), which cost only a training row each.
Short replies ("ok see you then") recur naturally in any customer data, so texts of fewer than
`MIN_WORDS` distinct words count only when they are identical after normalisation."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
THRESHOLD = 0.5
MIN_WORDS = 5
_WORD = re.compile(r"[a-z0-9£$€']+")


def words(text: str) -> frozenset[str]:
    return frozenset(_WORD.findall(text.lower().replace("\u2019", "'")))


def texts(name: str) -> list[str]:
    with open(DATA_DIR / f"{name}.tsv", encoding="utf-8", newline="") as f:
        return [r["text"] for r in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)]


def near_duplicates(
    train: Iterable[str], held_out: Iterable[str], threshold: float = THRESHOLD
) -> list[tuple[float, str, str]]:
    """(similarity, training text, held-out text) for every pair at or above `threshold`."""
    held = [(t, words(t)) for t in held_out]
    exact = {" ".join(sorted(w)) for _, w in held}
    found = []
    for t in train:
        w = words(t)
        if len(w) < MIN_WORDS:
            if " ".join(sorted(w)) in exact:
                found.append((1.0, t, next(h for h, hw in held if hw == w)))
            continue
        for h, hw in held:
            if len(hw) < MIN_WORDS:
                continue
            inter = len(w & hw)
            if inter and inter / len(w | hw) >= threshold:
                found.append((inter / len(w | hw), t, h))
    return sorted(found, reverse=True)


def drop_near_duplicates(rows: list, held_out: Iterable[str]) -> tuple[list, list]:
    """Training rows (anything with `.text`) split into (kept, dropped): dropped are those
    within `THRESHOLD` of a held-out text."""
    flagged = {t for _, t, _ in near_duplicates([r.text for r in rows], held_out)}
    return [r for r in rows if r.text not in flagged], [r for r in rows if r.text in flagged]


def held_out_names() -> list[str]:
    return sorted(p.stem for p in DATA_DIR.glob("customer_eval*.tsv"))


def training_names() -> list[str]:
    return sorted(p.stem for p in DATA_DIR.glob("customer_train*.tsv"))
