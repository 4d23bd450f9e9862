"""Sentence boundaries (BlingFire: Microsoft's finite-state tokenizer, pinned in
pyproject.toml): code-point offsets of each sentence of a text."""

from __future__ import annotations

import blingfire


def sentence_offsets(text: str) -> list[tuple[int, int]]:
    if not text.strip():
        return []
    _, offsets = blingfire.text_to_sentences_and_offsets(text)
    return [(int(a), int(b)) for a, b in offsets]
