"""The served model's scores of every model input of the long TRAINING messages that the
sentiment service reads in sentences (domain/reading.py: the whole text, each sentence alone,
each sentence in context), through the real tritonserver (CPU repository, int8), written as JSON
for `moodline_ml.fit_reading` (which fits the reading's aggregator on them).

    .venv/bin/python ml-serving/scripts/reading_scores.py --out ml-serving/build/reading_scores.json

Reads `data/not_adopted/*.tsv` and `data/reading/*.tsv` by default: training messages the served
model was not trained on, so its scores on them look like its scores on unseen messages. It
refuses held-out files (`customer_eval*.tsv`).
"""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path

from evaluate_served import ML, load
from sentiment.adapters.sentences import sentence_offsets
from sentiment.adapters.triton import Scorer, TritonClient
from sentiment.domain.reading import MODEL_TEXT_CHARS, plan
from sentiment.service_layer.analyze import score_texts
from sentiment.testing import running_triton

DEFAULT_FILES = ("data/not_adopted/*.tsv", "data/reading/*.tsv")


def _name(path: Path) -> str:
    """Relative to ml-serving (fit_reading knows untrained files by `data/reading/`...) or whole."""
    return str(path.relative_to(ML)) if path.is_relative_to(ML) else str(path)


def _score(s) -> dict:
    return {"probs": list(s.probs), "emotions": list(s.emotions.as_tuple())}


def model_inputs(paths: list[Path]) -> tuple[list[tuple[Path, dict, int]], list[str]]:
    """The long messages of `paths` and every model input the service makes of them, in order:
    per message the whole text, then each sentence alone, then each sentence in context."""
    messages, inputs = [], []
    for path in paths:
        for row in load(path):
            p = plan(row["text"], sentence_offsets(row["text"]))
            if not p.sentences:
                continue
            first, *rest = p.texts
            messages.append((path, row, len(p.sentences)))
            inputs += [first[:MODEL_TEXT_CHARS], *rest]
    return messages, inputs


async def collect(paths: list[Path]) -> list[dict]:
    messages, inputs = model_inputs(paths)
    with running_triton() as triton:
        scorer = Scorer(TritonClient(triton.grpc_addr), timeout=600)
        scores = (await score_texts(scorer, inputs)).scores
        await scorer.close()
    out, at = [], 0
    for path, row, n in messages:
        mine = scores[at : at + 1 + 2 * n]
        at += 1 + 2 * n
        out.append(
            {
                "file": _name(path),
                "text": row["text"],
                "sentiment": row["sentiment"],
                "emotions": row["emotions"],
                "whole": _score(mine[0]),
                "alone": [_score(s) for s in mine[1 : 1 + n]],
                "context": [_score(s) for s in mine[1 + n :]],
            }
        )
    return out


def main(argv=None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("files", nargs="*", help="TSV files (default: not_adopted/ and reading/)")
    ap.add_argument("--out", default=str(ML / "build" / "reading_scores.json"))
    ap.add_argument(
        "--inputs-only",
        action="store_true",
        help="write the messages' model inputs unscored (for moodline_ml.quant_select)",
    )
    a = ap.parse_args(argv)
    paths = [Path(f).resolve() for f in a.files] or sorted(
        p for g in DEFAULT_FILES for p in ML.glob(g)
    )
    held_out = [p.name for p in paths if p.name.startswith("customer_eval")]
    if held_out:
        raise SystemExit(f"held-out sets are never fitted on: {held_out}")
    if a.inputs_only:
        messages, inputs = model_inputs(paths)
        doc = {
            "messages": [
                {"file": _name(p), "sentiment": r["sentiment"], "sentences": n}
                for p, r, n in messages
            ],
            "inputs": inputs,
        }
        Path(a.out).parent.mkdir(parents=True, exist_ok=True)
        Path(a.out).write_text(json.dumps(doc) + "\n")
        print(f"{len(messages)} long messages, {len(inputs)} model inputs -> {a.out}")
        return
    messages = asyncio.run(collect(paths))
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(messages) + "\n")
    print(f"{len(messages)} long messages from {len(paths)} files -> {a.out}")


if __name__ == "__main__":
    main()
