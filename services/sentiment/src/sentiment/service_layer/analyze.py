"""Scoring texts on demand (Analyze): validation, reading long texts in sentences
(domain/reading.py) and batching to the model."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from moodline_kit.errors import FieldViolation, InvalidArgument

from sentiment.adapters.sentences import sentence_offsets
from sentiment.adapters.triton import MAX_BATCH, Scored
from sentiment.domain.reading import (
    MAX_TEXT_BYTES,
    MODEL_TEXT_CHARS,
    Plan,
    Reading,
    is_long,
    plan,
    read,
)
from sentiment.domain.scoring import Score

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Read:
    readings: list[Reading]
    model_version: str


class TextScorer(Protocol):
    async def score(self, texts: Sequence[str]) -> Scored: ...


class SharedScorer(TextScorer, Protocol):
    """A tenant's share of the model (adapters/fair_share.py)."""

    def admitted(self) -> AbstractContextManager[None]: ...


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


async def analyze(*, texts: Sequence[str], scorer: SharedScorer) -> Read:
    validate_texts(texts)
    # Admitted (or refused: 429) before any of it is read: reading 256 long texts in sentences
    # costs tens of ms of CPU, which a refused call must not cost.
    with scorer.admitted():
        return await read_texts(scorer, texts)


def plans_of(texts: Sequence[str]) -> tuple[list[Plan], list[str]]:
    """What to send to the model for each text (a long one: split into sentences), and those
    model inputs in order."""
    plans = [plan(t, sentence_offsets(t)) if is_long(t) else plan(t, ()) for t in texts]
    inputs: list[str] = []
    for p in plans:
        first, *rest = p.texts
        inputs.append(first[:MODEL_TEXT_CHARS])
        inputs += rest
    return plans, inputs


def readings_of(plans: Sequence[Plan], scores: Sequence[Score]) -> list[Reading]:
    readings, at = [], 0
    for p in plans:
        n = 1 + 2 * len(p.sentences)
        readings.append(read(p, scores[at : at + n]))
        at += n
    return readings


async def read_texts(scorer: TextScorer, texts: Sequence[str]) -> Read:
    """Every text's reading: short texts are one model input each, a long text is its whole
    text plus its sentences alone and in context; the inputs of all texts go to the model
    together (one call per MAX_BATCH of them), so sentences are batched across messages.
    With long texts, the splitting and the reading run in a worker thread (BlingFire releases
    the GIL, and Python code yields it every few ms): the event loop keeps serving the other
    calls meanwhile."""
    aside = any(is_long(t) for t in texts)
    plans, inputs = await _run(aside, plans_of, texts)
    scored = await score_texts(scorer, inputs)
    return Read(await _run(aside, readings_of, plans, scored.scores), scored.model_version)


async def _run(aside: bool, f: Callable[..., T], *args: Any) -> T:
    return await asyncio.to_thread(f, *args) if aside else f(*args)


async def score_texts(scorer: TextScorer, texts: Sequence[str]) -> Scored:
    """Any number of texts, one model call per MAX_BATCH of them (run concurrently), scores in
    input order. A JetStream fetch can hand over more messages than it asked for (nats-py
    returns every message already queued for the subscription), so a batch of consumed
    events may exceed the model's batch limit."""
    if len(texts) <= MAX_BATCH:
        return await scorer.score(texts)
    calls = [
        asyncio.ensure_future(scorer.score(texts[i : i + MAX_BATCH]))
        for i in range(0, len(texts), MAX_BATCH)
    ]
    try:
        parts = await asyncio.gather(*calls)
    except BaseException:
        for call in calls:  # one failed: the others' work is not wanted any more
            call.cancel()
        raise
    return Scored([s for part in parts for s in part.scores], parts[0].model_version)
