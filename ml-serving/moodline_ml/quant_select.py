"""Choose the int8 derivation by its agreement with fp32 on training messages (session 15's rule,
data/README.md). No labels and no held-out set are read.

    .venv/bin/python ml-serving/scripts/reading_scores.py --inputs-only \
        --out ml-serving/build/long_inputs.json
    cd ml-serving && .venv-serve/bin/python -m moodline_ml.quant_select

Each candidate is derived from the fp32 upcast of the committed fp16 artifact, then it and fp32
score (a) the selection holdout, (b) the first 1,500 GoEmotions dev comments and (c) every model
input the sentiment service makes of the long training messages the model was not trained on.
Score = sentiment-label disagreements + emotion-decision (>= 0.5) disagreements with fp32 over
all of them. Messages/s at batch 32 x 64 tokens are measured round-robin in the same run; a
candidate below `--speed-floor` x K0's is out. The lowest score wins, a tie goes to the faster.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import numpy as np

from . import calibration
from .data import load_goemotions, split_customer_train
from .derive import ATTENTION, CALIBRATION, FFN_ALL, FFN_EARLY, fp16_to_fp32, quantize_int8
from .evaluate import load_tokenizer, run, session
from .truncation import MAX_LEN, encode

# name -> (nodes kept in fp32, calibration messages)
CANDIDATES = {
    "K0": (FFN_EARLY, 256),
    "K1": (FFN_EARLY + ATTENTION, 256),
    "K2": (FFN_ALL, 256),
    "K3": (FFN_ALL + ATTENTION, 256),
    "K4": (FFN_EARLY, 1024),
    "K5": (FFN_EARLY + ATTENTION, 1024),
}
DEV_LIMIT = 1500


def calibration_file(size: int, out: Path, tokenizer: str) -> Path:
    """The committed calibration inputs, or `size` messages written the same way into `out`."""
    if size == calibration.SIZE:
        return CALIBRATION
    path = out / f"calibration_{size}.npz"
    if not path.exists():
        calibration.write(path, size, tokenizer)
    return path


def disagreements(ref: tuple[np.ndarray, np.ndarray], got: tuple[np.ndarray, np.ndarray]) -> dict:
    (s0, e0), (s1, e1) = ref, got
    return {
        "label": int((s0.argmax(-1) != s1.argmax(-1)).sum()),
        "emotion": int(((e0 >= 0.5) != (e1 >= 0.5)).sum()),
        "mean_abs_prob_diff": float(np.abs(s0 - s1).mean()),
    }


def speeds(sessions: dict, tok, texts: list[str], rounds: int = 5, n: int = 10) -> dict:
    ids, am = encode(tok, texts[:32], MAX_LEN, pad_to=MAX_LEN)
    feed = {"input_ids": ids, "attention_mask": am}
    got: dict[str, list[float]] = {k: [] for k in sessions}
    for s in sessions.values():
        s.run(None, feed)
    for _ in range(rounds):
        for name, s in sessions.items():
            t = time.perf_counter()
            for _ in range(n):
                s.run(None, feed)
            got[name].append(32 * n / (time.perf_counter() - t))
    return {k: statistics.median(v) for k, v in got.items()}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--fp16", default="artifacts/moodline_minilm_fp16.onnx")
    ap.add_argument("--tokenizer", default="artifacts/tokenizer.json")
    ap.add_argument("--long-inputs", default="build/long_inputs.json")
    ap.add_argument("--out", default="build/quant")
    ap.add_argument("--speed-floor", type=float, default=0.75)
    ap.add_argument("--only", nargs="*", default=list(CANDIDATES))
    a = ap.parse_args(argv)
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    tok = load_tokenizer(a.tokenizer)
    pools = {
        "holdout": [r.text for r in split_customer_train()[1]],
        "dev": [r.text for r in load_goemotions("dev")[:DEV_LIMIT]],
        "long_inputs": json.loads(Path(a.long_inputs).read_text())["inputs"],
    }
    fp32 = fp16_to_fp32(Path(a.fp16), out / "model_fp32.onnx")
    paths = {"fp32": fp32}
    for name in a.only:
        nodes, size = CANDIDATES[name]
        paths[name] = out / f"{name}.onnx"
        if not paths[name].exists():
            quantize_int8(fp32, paths[name], calibration_file(size, out, a.tokenizer), nodes)
    sessions = {k: session(str(p)) for k, p in paths.items()}
    scores = {k: {p: run(s, tok, texts) for p, texts in pools.items()} for k, s in sessions.items()}
    for k, per_pool in scores.items():
        np.savez_compressed(out / f"long_scores_{k}.npz", *per_pool["long_inputs"])
    speed = speeds(sessions, tok, pools["holdout"])
    report = {}
    for name in a.only:
        d = {p: disagreements(scores["fp32"][p], scores[name][p]) for p in pools}
        total = sum(v["label"] + v["emotion"] for v in d.values())
        report[name] = {
            "pools": d,
            "score": total,
            "msgs_per_s": round(speed[name], 1),
            "speed_vs_K0": round(speed[name] / speed["K0"], 3) if "K0" in speed else None,
        }
        print(
            f"{name}: score {total:4d}  "
            + "  ".join(f"{p} {v['label']}/{v['emotion']}" for p, v in d.items())
            + f"  {speed[name]:.0f} msg/s ({report[name]['speed_vs_K0']}x K0)",
            flush=True,
        )
    print(f"fp32: {speed['fp32']:.0f} msg/s")
    eligible = [k for k, v in report.items() if (v["speed_vs_K0"] or 1) >= a.speed_floor]
    best = min(eligible, key=lambda k: (report[k]["score"], -report[k]["msgs_per_s"]))
    report["chosen"] = best
    report["sizes"] = {k: len(v) for k, v in pools.items()}
    (out / "quant_select.json").write_text(json.dumps(report, indent=1) + "\n")
    print(f"chosen: {best} (pools {report['sizes']})")


if __name__ == "__main__":
    main()
