"""Scoring texts on demand (Analyze): validation, truncation and batching to the model."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Protocol

from moodline_kit.errors import FieldViolation, InvalidArgument

from sentiment.adapters.triton import MAX_BATCH, Scored

MAX_TEXT_BYTES = 16 * 1024
# The model reads the first 64 tokens; sending more text only costs serialisation and
# tokenisation.
MODEL_TEXT_CHARS = 2000


class TextScorer(Protocol):
    async def score(self, texts: Sequence[str]) -> Scored: ...


def validate_texts(texts: Sequence[str]) -> None:
    if not texts:
        raise InvalidArgument.of("texts", "give 1 to 256 texts")
    if len(texts) > MAX_BATCH:
        raise InvalidArgument.of("texts", f"at most {MAX_BATCH} texts per call")
    violations = []
    for i, text in enumerate(texts):
        if not text.strip():
            violations.append(FieldViolation(f"texts[{i}]", "must not be empty"))
        elif len(text.encode()) > MAX_TEXT_BYTES:
            violations.append(
                FieldViolation(f"texts[{i}]", f"at most {MAX_TEXT_BYTES} bytes of UTF-8")
            )
    if violations:
        raise InvalidArgument.of_all(violations)


async def analyze(*, texts: Sequence[str], scorer: TextScorer) -> Scored:
    validate_texts(texts)
    return await scorer.score([t[:MODEL_TEXT_CHARS] for t in texts])


async def score_texts(scorer: TextScorer, texts: Sequence[str]) -> Scored:
    """Any number of texts, one model call per MAX_BATCH of them (run concurrently), scores in
    input order. A JetStream fetch can hand over more messages than it asked for (nats-py
    returns every message already queued for the subscription), so a batch of consumed
    events may exceed the model's batch limit."""
    if len(texts) <= MAX_BATCH:
        return await scorer.score(texts)
    parts = await asyncio.gather(
        *(scorer.score(texts[i : i + MAX_BATCH]) for i in range(0, len(texts), MAX_BATCH))
    )
    return Scored([s for part in parts for s in part.scores], parts[0].model_version)
