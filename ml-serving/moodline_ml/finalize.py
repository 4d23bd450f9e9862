"""Checkpoint averaging + sentiment prior correction, baked into the model's weights.

    python -m moodline_ml.finalize --out build/final build/s1/ckpt_step004000.pt build/s1/...

1. Averages the given checkpoints' weights (uniform "model soup" of one run's last evaluations;
   usually a little better and better calibrated than any single one).
2. Chooses additive offsets for the sentiment logits (Neutral and Frustrated relative to Happy,
   grid step 0.05 within ±0.6) that maximise GoEmotions-dev macro-F1 without lowering the
   customer-holdout macro-F1 (the selection data), and adds them to the sentiment head's bias,
   so the exported graph already contains them (softmax(z + b)). A split-half check (fit on one
   half of dev, score the other) is printed and stored. The customer eval set is only
   reported, never used here.

Writes OUT/best.pt, OUT/best.json (with every score) and OUT/tokenizer (the base one), so
`select_ckpt` and `export` treat it like a training run.
"""

from __future__ import annotations

import argparse
import itertools
import json
from pathlib import Path

import numpy as np
import torch

from .data import SENTIMENTS, load_customer, load_goemotions, split_customer_train
from .model import MoodlineModel
from .train import evaluate_sets, get_tokenizer, predict, save_tokenizer


def average(paths: list[str]) -> dict:
    states = [torch.load(p, map_location="cpu") for p in paths]
    out = {}
    for k, v in states[0].items():
        if v.is_floating_point():
            out[k] = sum(s[k] for s in states) / len(states)
        else:
            out[k] = v
    return out


def macro_f1(gold, logp: np.ndarray, bias: np.ndarray) -> float:
    """3-class macro-F1 of argmax(logp + bias) (same as sklearn's, without its overhead)."""
    gold, pred = np.asarray(gold), (logp + bias).argmax(-1)
    f1s = []
    for c in range(3):
        tp = np.sum((pred == c) & (gold == c))
        denom = np.sum(pred == c) + np.sum(gold == c)
        f1s.append(2 * tp / denom if denom else 0.0)
    return float(np.mean(f1s))


def best_offsets(dev, hold, logp_dev, logp_hold, grid: np.ndarray) -> tuple[np.ndarray, float]:
    """Offsets maximising GoEmotions-dev macro-F1 (5.4k rows) among those that do not lower the
    customer-holdout macro-F1 (96 rows: too small to fit offsets on, fine as a guard rail)."""
    gd, gh = [r.sentiment for r in dev], [r.sentiment for r in hold]
    zero = np.zeros(3, np.float32)
    floor = macro_f1(gh, logp_hold, zero)
    best_b, best_s = zero, macro_f1(gd, logp_dev, zero)
    for bn, bf in itertools.product(grid, grid):
        b = np.array([0.0, bn, bf], np.float32)
        s = macro_f1(gd, logp_dev, b)
        smaller = np.abs(b).sum() < np.abs(best_b).sum()
        if s > best_s + 1e-9 or (abs(s - best_s) <= 1e-9 and smaller):
            if macro_f1(gh, logp_hold, b) >= floor:
                best_b, best_s = b, s
    return best_b, best_s


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("ckpts", nargs="+")
    ap.add_argument("--out", required=True)
    ap.add_argument("--no-offsets", action="store_true")
    ap.add_argument("--max-offset", type=float, default=0.6)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)

    model = MoodlineModel.from_config_only()
    model.load_state_dict(average(a.ckpts))
    tok = get_tokenizer()
    dev = load_goemotions("dev")
    _, hold = split_customer_train()
    cust_eval = load_customer("customer_eval")  # REPORT ONLY
    sets = {"goemotions_dev": dev, "customer_holdout": hold, "customer_eval": cust_eval}

    before = evaluate_sets(model, tok, sets)
    bias = np.zeros(3, np.float32)
    split_check = {}
    if not a.no_offsets:
        S_dev, _ = predict(model, tok, [r.text for r in dev])
        S_hold, _ = predict(model, tok, [r.text for r in hold])
        grid = np.round(np.arange(-a.max_offset, a.max_offset + 1e-6, 0.05), 2)
        L_dev, L_hold = np.log(S_dev + 1e-9), np.log(S_hold + 1e-9)
        bias, _ = best_offsets(dev, hold, L_dev, L_hold, grid)
        # honesty check: offsets fitted on one half of dev (+ holdout), scored on the other half
        idx = np.random.default_rng(0).permutation(len(dev))
        half_a, half_b = idx[: len(dev) // 2], idx[len(dev) // 2 :]
        b_a, _ = best_offsets([dev[i] for i in half_a], hold, L_dev[half_a], L_hold, grid)
        gold_b = [dev[i].sentiment for i in half_b]
        split_check = {
            "offsets_fitted_on_dev_half_a": [float(x) for x in b_a],
            "dev_half_b_f1_without": macro_f1(gold_b, L_dev[half_b], np.zeros(3, np.float32)),
            "dev_half_b_f1_with": macro_f1(gold_b, L_dev[half_b], b_a),
        }
        print(f"split-half check: {split_check}", flush=True)
        with torch.no_grad():
            model.sentiment.bias += torch.from_numpy(bias)
    after = evaluate_sets(model, tok, sets)

    def summary(rep):
        return {k: round(v["sentiment"]["macro_f1"], 4) for k, v in rep.items()}

    sel = (
        0.5 * after["goemotions_dev"]["sentiment"]["macro_f1"]
        + 0.5 * (after["customer_holdout"]["sentiment"]["macro_f1"])
    )
    rec = {
        "averaged": a.ckpts,
        "sentiment_logit_offsets": dict(zip(SENTIMENTS, (float(x) for x in bias), strict=True)),
        "before_offsets": summary(before),
        "offset_split_half_check": split_check,
        "selection_score": sel,
        **after,
    }
    torch.save(model.state_dict(), out / "best.pt")
    (out / "best.json").write_text(json.dumps(rec, indent=1))
    save_tokenizer(tok, out / "tokenizer")  # the base model's tokenizer, unchanged by training
    emo = {k: round(v["f1"], 3) for k, v in after["customer_eval"]["emotions"].items()}
    print(
        f"averaged {len(a.ckpts)} ckpts; offsets N={bias[1]:+.2f} F={bias[2]:+.2f}\n"
        f"  before offsets {summary(before)}\n  after  offsets {summary(after)} sel {sel:.4f}\n"
        f"  customer_eval emotions {emo}",
        flush=True,
    )


if __name__ == "__main__":
    main()
