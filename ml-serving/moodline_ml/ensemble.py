"""Merge the N fold runs' out-of-fold predictions into the distillation teacher.

    python -m moodline_ml.ensemble --out build/teacher.npz build/fold0 build/fold1 ...

Each fold run (`train --fold K/N`) trained on every training row outside fold K and wrote
`oof.npz`: its probabilities for the rows of fold K, which it never saw. Together the folds give
every training row a soft target from a model that did not train on it (out-of-fold, so the
targets carry the ambiguity of the row rather than a memorised label). Rows whose text occurs in
several folds (duplicated texts) get the mean.

With --score, the fold models' probabilities are also averaged on GoEmotions dev, the customer
holdout and (reported only) the customer eval set: the ensemble's own macro-F1, an upper bound
of what the distilled single model can reach.
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path

import numpy as np


def merge(run_dirs: list[str]) -> dict[str, np.ndarray]:
    acc: dict[str, list] = defaultdict(list)
    for d in run_dirs:
        z = np.load(Path(d) / "oof.npz", allow_pickle=False)
        for i, t in enumerate(z["texts"].tolist()):
            acc[t].append((z["sentiment"][i], z["emotions"][i], z["goemo"][i]))
    texts = sorted(acc)
    return {
        "texts": np.array(texts),
        "sentiment": np.stack([np.mean([x[0] for x in acc[t]], 0) for t in texts]),
        "emotions": np.stack([np.mean([x[1] for x in acc[t]], 0) for t in texts]),
        "goemo": np.stack([np.mean([x[2] for x in acc[t]], 0) for t in texts]),
    }


def score(run_dirs: list[str]) -> dict:
    import torch

    from .data import load_customer, load_goemotions, split_customer_train
    from .metrics import emotion_report, sentiment_report
    from .model import MoodlineModel
    from .train import get_tokenizer, predict

    tok = get_tokenizer()
    sets = {
        "goemotions_dev": load_goemotions("dev"),
        "customer_holdout": split_customer_train()[1],
        "customer_eval": load_customer("customer_eval"),  # REPORT ONLY
    }
    probs: dict[str, list] = defaultdict(list)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    for d in run_dirs:
        model = MoodlineModel.from_config_only()
        model.load_state_dict(torch.load(Path(d) / "best.pt", map_location="cpu"))
        model.to(device)
        for name, rows in sets.items():
            probs[name].append(predict(model, tok, [r.text for r in rows]))
    out = {}
    for name, rows in sets.items():
        S = np.mean([p[0] for p in probs[name]], 0)
        E = np.mean([p[1] for p in probs[name]], 0)
        rep = {"sentiment": sentiment_report([r.sentiment for r in rows], S)}
        if name.startswith("customer"):
            rep["emotions"] = emotion_report(np.array([r.emotions for r in rows]), E)
        out[name] = rep
    return out


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("runs", nargs="+", help="fold run directories (each with oof.npz, best.pt)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--score", action="store_true")
    a = ap.parse_args(argv)
    teacher = merge(a.runs)
    np.savez(a.out, **teacher)
    print(f"teacher: {len(teacher['texts'])} rows from {len(a.runs)} folds -> {a.out}", flush=True)
    if a.score:
        rep = score(a.runs)
        Path(a.out).with_suffix(".json").write_text(json.dumps(rep, indent=1))
        print(
            "ensemble of the fold models: "
            + str({k: round(v["sentiment"]["macro_f1"], 4) for k, v in rep.items()}),
            flush=True,
        )


if __name__ == "__main__":
    main()
