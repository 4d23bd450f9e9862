"""Sentence offsets (adapters/sentences.py) are BlingFire's, code point for code point, without
its wrapper's per-byte Python loop."""

import random

import blingfire
import pytest
from sentiment.adapters.sentences import sentence_offsets
from sentiment.testing import WARM_LETTER_WITH_ONE_COMPLAINT

PIECES = [
    "Hello there.", " I paid €40 for this!", " Ça va? ", "Très bien.", " 😀 great stuff.",
    "\n\nNew paragraph here.", " 東京は大きい。", "Mr. Smith arrived at 5 p.m. today.", "  ",
    "Why?!", " naïve café — ok.", "\tTabbed line.", "ok", "e\u0301 combining.",
]  # fmt: skip


def blingfire_wrapper(text: str) -> list[tuple[int, int]]:
    if not text.strip():
        return []
    _, offsets = blingfire.text_to_sentences_and_offsets(text)
    return [(int(a), int(b)) for a, b in offsets]


@pytest.mark.parametrize("seed", range(5))
def test_the_same_offsets_as_blingfires_wrapper(seed):
    rng = random.Random(seed)
    for _ in range(400):
        text = "".join(rng.choice(PIECES) for _ in range(rng.randint(1, 12)))
        assert sentence_offsets(text) == blingfire_wrapper(text), text


def test_offsets_are_code_points():
    text = "Le café était fermé 😀. Nous sommes revenus lundi."
    (a1, b1), (a2, b2) = sentence_offsets(text)
    assert text[a1:b1] == "Le café était fermé 😀."
    assert text[a2:b2] == "Nous sommes revenus lundi."
    assert sentence_offsets(WARM_LETTER_WITH_ONE_COMPLAINT) == blingfire_wrapper(
        WARM_LETTER_WITH_ONE_COMPLAINT
    )
    assert sentence_offsets("   ") == []
