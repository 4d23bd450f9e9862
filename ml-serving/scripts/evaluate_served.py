"""Score every held-out set as served: the sentiment service's reading (domain/reading.py:
short texts whole, long ones sentence by sentence) over the real tritonserver (CPU repository,
int8), and write a JSON report.

    .venv/bin/python ml-serving/scripts/evaluate_served.py --out ml-serving/build/served_report.json

Runs with the workspace venv (it imports the sentiment service); starts its own tritonserver on
`SENTIMENT_MODEL_REPOSITORY` or ml-serving/build/model_repository_cpu. Long = at least 80 words.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import sys
from pathlib import Path

from sentiment.adapters.triton import Scorer, TritonClient
from sentiment.domain import reading
from sentiment.service_layer.analyze import read_texts
from sentiment.testing import running_triton

ML = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ML))
from moodline_ml.data import load_goemotions  # noqa: E402

LABELS = ["Happy", "Neutral", "Frustrated"]
EMOTIONS = ["frustration", "satisfaction", "confusion", "urgency"]
LONG_WORDS = 80


def _f1(tp: int, fp: int, fn: int) -> float:
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def f1_score(gold, pred, labels=None, average=None, zero_division=0) -> float:
    """Binary F1 of True (booleans), or macro-F1 over `labels` (as scikit-learn)."""
    if average is None:
        tp = sum(g and p for g, p in zip(gold, pred, strict=True))
        fp = sum(p and not g for g, p in zip(gold, pred, strict=True))
        fn = sum(g and not p for g, p in zip(gold, pred, strict=True))
        return _f1(tp, fp, fn)
    labels = labels or sorted(set(gold) | set(pred))
    return sum(f1_score([g == k for g in gold], [p == k for p in pred]) for k in labels) / len(
        labels
    )


def load(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))


async def predict(scorer: Scorer, texts: list[str], chunk: int) -> list:
    out = []
    for i in range(0, len(texts), chunk):
        out += (await read_texts(scorer, texts[i : i + chunk])).readings
    return out


def report(rows: list[dict], readings: list) -> dict:
    gold = [r["sentiment"] for r in rows]
    pred = [x.score.label.value for x in readings]
    out = {
        "misread": [
            {"text": r["text"][:120], "gold": g, "predicted": p, "words": len(r["text"].split())}
            for r, g, p in zip(rows, gold, pred, strict=True)
            if g != p
        ],
        "n": len(rows),
        "macro_f1": round(f1_score(gold, pred, labels=LABELS, average="macro"), 4),
        "errors": sum(g != p for g, p in zip(gold, pred, strict=True)),
    }
    frustrated = [p for g, p in zip(gold, pred, strict=True) if g == "Frustrated"]
    if frustrated:
        out["frustrated_recall"] = round(frustrated.count("Frustrated") / len(frustrated), 4)
    for j, name in enumerate(EMOTIONS):
        g = [name in r["emotions"].split(",") for r in rows]
        p = [x.score.emotions.as_tuple()[j] >= 0.5 for x in readings]
        out[f"f1_{name}"] = round(f1_score(g, p, zero_division=0), 4)
    return out


def figures(entry: dict) -> dict:
    """An entry without its misread texts, at every level: what is printed. Held-out errors
    are read (from the JSON report) only after a decision, and only by category."""
    return {k: figures(v) if isinstance(v, dict) else v for k, v in entry.items() if k != "misread"}


async def evaluate(a: argparse.Namespace) -> dict:
    sets = sorted((ML / "data").glob(f"{a.sets}.tsv"))
    result: dict = {"sets": {}, "long_words": LONG_WORDS}
    pooled: dict[str, list] = {"long": [], "short": []}
    with running_triton() as triton:
        scorer = Scorer(TritonClient(triton.grpc_addr), timeout=120)
        for path in sets:
            rows = load(path)
            readings = await predict(scorer, [r["text"] for r in rows], a.chunk)
            entry = report(rows, readings)
            for kind in ("long", "short"):
                pick = [
                    (r, x)
                    for r, x in zip(rows, readings, strict=True)
                    if (len(r["text"].split()) >= LONG_WORDS) == (kind == "long")
                ]
                pooled[kind] += pick
                if pick:
                    entry[kind] = report([r for r, _ in pick], [x for _, x in pick])
            result["sets"][path.stem] = entry
            print(path.stem, json.dumps(figures(entry)))
        for kind, pick in pooled.items():
            result[f"all_{kind}"] = report([r for r, _ in pick], [x for _, x in pick])
            print(kind, json.dumps(figures(result[f"all_{kind}"])))
        if a.goemotions:
            dev = load_goemotions("dev")
            readings = await predict(scorer, [e.text for e in dev], 256)
            gold = [LABELS[e.sentiment] for e in dev]
            pred = [x.score.label.value for x in readings]
            result["goemotions_dev"] = round(f1_score(gold, pred, average="macro"), 4)
            print("goemotions dev", result["goemotions_dev"], flush=True)
        await scorer.close()
    return result


def main(argv=None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=str(ML / "build" / "served_report.json"))
    ap.add_argument("--chunk", type=int, default=64, help="messages per read_texts call")
    ap.add_argument("--goemotions", action="store_true", help="also GoEmotions dev (3-class)")
    ap.add_argument("--sets", default="customer_eval*", help="which held-out sets (a glob)")
    ap.add_argument(
        "--whole",
        action="store_true",
        help="read every text whole (head + tail), as before session 9: the comparison",
    )
    a = ap.parse_args(argv)
    if a.whole:
        reading.SPLIT_WORDS = 10**9
    result = asyncio.run(evaluate(a))
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
