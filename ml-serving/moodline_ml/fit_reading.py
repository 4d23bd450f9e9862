"""Fit the long-message reading's aggregator (services/sentiment/src/sentiment/domain/reading.py)
on TRAINING messages only, and choose its features by cross-validation.

    .venv/bin/python ml-serving/scripts/reading_scores.py      # the served model's scores, JSON
    .venv-train/bin/python -m moodline_ml.fit_reading build/reading_scores.json

The messages it fits on are the long training messages the served model was NOT trained on
(`data/not_adopted/`, `data/reading/`): its scores on them look like its scores on unseen
messages, which is what the aggregator must fold. (Messages of the model's own training files,
if the JSON holds any, are used only with `--with-seen`, and then only in the training folds.)
Every candidate (a set of `reading.columns` names, L2 strength, class weighting) is scored
by repeated stratified 5-fold macro-F1; the best is refitted on all of them and printed as the
`FEATURES`/`COEF`/`INTERCEPT` to freeze in reading.py. Held-out sets never enter (the JSON
writer refuses them). The session's adoption rule: data/README.md.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score, recall_score
from sklearn.model_selection import RepeatedStratifiedKFold

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "services" / "sentiment" / "src"))
from sentiment.domain import reading  # noqa: E402
from sentiment.domain.scoring import score_from_probs  # noqa: E402

LABELS = ["Happy", "Neutral", "Frustrated"]
UNSEEN = ("data/not_adopted/", "data/reading/")
SIDES = ("alone", "context")


def _both(*names: str) -> tuple[str, ...]:
    return tuple(f"{side} {n}" for side in SIDES for n in names)


BASE = (
    "whole H", "whole N", "whole F",
    *_both("max F", "mean F", "mean H", "max H", "share F>0.9", "count F>0.9 /5", "mean N",
           "second F"),
)  # fmt: skip
CANDIDATES = {
    "session 9 (19)": BASE,
    "+ position": BASE
    + _both("first F", "first H", "last F", "last H", "place of max F", "mean H after max F"),
    "+ spread": BASE + _both("min H", "share F>0.5", "count F>0.5 /5"),
    "+ emotions": BASE + _both("max frustration", "mean satisfaction"),
    "+ length": (*BASE, "alone sentences /10"),
    "all": None,  # every column
    "compact": (
        "whole H", "whole N", "whole F",
        *_both("max F", "second F", "mean F", "mean H", "mean N", "last H", "mean H after max F",
               "count F>0.5 /5", "min H"),
    ),
}  # fmt: skip
CS = (0.3, 1.0, 3.0, 10.0, 30.0, 100.0)
WEIGHTS = (None, "balanced")


def load(path: Path) -> list[dict]:
    out = []
    for m in json.loads(path.read_text()):
        whole = score_from_probs(**_kw(m["whole"]))
        alone = [score_from_probs(**_kw(s)) for s in m["alone"]]
        context = [score_from_probs(**_kw(s)) for s in m["context"]]
        out.append(
            {
                "file": m["file"],
                "y": LABELS.index(m["sentiment"]),
                "x": reading.columns(whole, alone, context),
                "whole": int(np.argmax(m["whole"]["probs"])),
                "served": int(np.argmax(reading.fold_long(reading.columns(whole, alone, context)))),
            }
        )
    return out


def _kw(s: dict) -> dict:
    return {"sentiment": s["probs"], "emotions": s["emotions"]}


def matrix(msgs: list[dict], names: tuple[str, ...]) -> np.ndarray:
    return np.array([[m["x"][n] for n in names] for m in msgs], dtype=np.float64)


def model(c: float, weight: str | None) -> LogisticRegression:
    return LogisticRegression(C=c, class_weight=weight, max_iter=10000)


def cross_validate(
    msgs: list[dict], seen: list[dict], names: tuple[str, ...], c: float, weight, repeats: int
) -> dict:
    x, y = matrix(msgs, names), np.array([m["y"] for m in msgs])
    xs, ys = matrix(seen, names), np.array([m["y"] for m in seen], dtype=int)
    f1s, recalls = [], []
    folds = RepeatedStratifiedKFold(n_splits=5, n_repeats=repeats, random_state=7)
    for train, test in folds.split(x, y):
        fit = model(c, weight).fit(np.vstack([x[train], *([xs] if len(xs) else [])]),
                                   np.concatenate([y[train], ys]))  # fmt: skip
        pred = fit.predict(x[test])
        f1s.append(f1_score(y[test], pred, average="macro", labels=[0, 1, 2]))
        recalls.append(recall_score(y[test], pred, labels=[2], average="macro"))
    return {"macro_f1": float(np.mean(f1s)), "sd": float(np.std(f1s)),
            "frustrated_recall": float(np.mean(recalls))}  # fmt: skip


def macro(msgs: list[dict], key: str) -> float:
    return round(f1_score([m["y"] for m in msgs], [m[key] for m in msgs], average="macro"), 4)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("scores", type=Path, help="reading_scores.py's JSON")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument(
        "--with-seen",
        action="store_true",
        help="add the model's own training messages to every training fold",
    )
    ap.add_argument("--out", type=Path, help="write the selection table and the fit as JSON")
    ap.add_argument(
        "--recipe",
        nargs=3,
        metavar=("CANDIDATE", "C", "WEIGHT"),
        help="refit one recipe only, e.g. all 3 none (the committed one) on new scores",
    )
    a = ap.parse_args(argv)
    every = load(a.scores)
    msgs = [m for m in every if m["file"].startswith(UNSEEN)]
    seen = [m for m in every if not m["file"].startswith(UNSEEN)] if a.with_seen else []
    groups = sorted({m["file"].rsplit("/", 2)[-2] for m in msgs})
    print(f"{len(msgs)} unseen long training messages ({', '.join(groups)}), {len(seen)} seen")
    for g in groups:
        part = [m for m in msgs if f"/{g}/" in m["file"]]
        print(f"  {g}: n={len(part)} head+tail {macro(part, 'whole')}, "
              f"the reading as committed {macro(part, 'served')}")  # fmt: skip
    names_all = tuple(msgs[0]["x"])
    table = []
    grid = [(cand, c, w) for cand in CANDIDATES for c in CS for w in WEIGHTS]
    if a.recipe:
        cand, c, w = a.recipe
        grid = [(cand, float(c), None if w == "none" else w)]
    for cand, c, w in grid:
        names = CANDIDATES[cand] or names_all
        r = cross_validate(msgs, seen, names, c, w, a.repeats)
        table.append({"candidate": cand, "features": len(names), "C": c, "weight": w, **r})
        print(f"{cand:>16} ({len(names):2d}) C={c:<4} {w!s:8} macro-F1 "
              f"{r['macro_f1']:.4f} ± {r['sd']:.3f}  F recall {r['frustrated_recall']:.3f}",
              flush=True)  # fmt: skip
    # the best mean; among equals, the fewest features, then the strongest regularisation
    best = max(table, key=lambda t: (round(t["macro_f1"], 4), -t["features"], -t["C"]))
    names = CANDIDATES[best["candidate"]] or names_all
    x, y = matrix(msgs + seen, names), np.array([m["y"] for m in msgs + seen])
    fit = model(best["C"], best["weight"]).fit(x, y)
    print("chosen:", json.dumps(best))
    print("FEATURES =", json.dumps(list(names)))
    print("COEF =", json.dumps([[round(float(v), 6) for v in row] for row in fit.coef_]))
    print("INTERCEPT =", json.dumps([round(float(v), 6) for v in fit.intercept_]))
    if a.out:
        a.out.write_text(json.dumps({
            "table": table, "chosen": best, "features": list(names),
            "coef": fit.coef_.round(6).tolist(), "intercept": fit.intercept_.round(6).tolist(),
        }, indent=1) + "\n")  # fmt: skip


if __name__ == "__main__":
    main()
