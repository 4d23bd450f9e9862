"""Evaluate ONNX variants exactly as served (tokenizers + onnxruntime), write a JSON report.

    python -m moodline_ml.evaluate --model fp32=build/derived/model_fp32.onnx \
        --model int8=build/derived/model_int8.onnx --tokenizer artifacts/tokenizer.json \
        --out build/eval_report.json
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import onnxruntime as ort
from tokenizers import Tokenizer

from .data import DATA_DIR, SENTIMENTS, load_customer, load_goemotions, split_customer_train
from .metrics import emotion_report, sentiment_report
from .truncation import HEAD, MAX_LEN, encode, untruncated


def _f1s(d: dict) -> dict:
    return {k: round(v["f1"], 3) for k, v in d.items()}


def load_tokenizer(path: str) -> Tokenizer:
    return untruncated(Tokenizer.from_file(path))


def session(path: str, threads: int = 2) -> ort.InferenceSession:
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    return ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])


def run(sess, tok, texts, bs=64, head=HEAD):
    S = np.zeros((len(texts), 3), np.float32)
    E = np.zeros((len(texts), 4), np.float32)
    order = np.argsort([len(t) for t in texts])
    for i in range(0, len(texts), bs):
        idx = order[i : i + bs]
        ids, am = encode(tok, [texts[j] for j in idx], head=head)
        s, e = sess.run(None, {"input_ids": ids, "attention_mask": am})
        S[idx], E[idx] = s, e
    return S, E


def throughput(sess, tok, texts, bs, n_batches=10):
    batch = texts[:bs]
    ids, am = encode(tok, batch)
    feed = {"input_ids": ids, "attention_mask": am}
    sess.run(None, feed)
    t = time.perf_counter()
    for _ in range(n_batches):
        sess.run(None, feed)
    dt = time.perf_counter() - t
    return {
        "batch": bs,
        "seq_len": int(feed["input_ids"].shape[1]),
        "msgs_per_s": round(bs * n_batches / dt, 1),
        "ms_per_batch": round(1000 * dt / n_batches, 1),
    }


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", action="append", required=True, help="name=path.onnx")
    ap.add_argument("--tokenizer", default="artifacts/tokenizer.json")
    ap.add_argument("--out", default="build/eval_report.json")
    ap.add_argument("--reference", default="", help="variant name to compute agreement against")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument(
        "--dev-limit", type=int, default=0, help="subsample GoEmotions dev (smoke tests)"
    )
    ap.add_argument(
        "--head",
        type=int,
        default=HEAD,
        help=f"tokens kept from the start of a long text ({MAX_LEN - 1} = plain truncation)",
    )
    a = ap.parse_args(argv)

    tok = load_tokenizer(a.tokenizer)
    dev = load_goemotions("dev")
    if a.dev_limit:
        dev = dev[: a.dev_limit]
    sets = {
        "goemotions_dev": dev,
        "customer_holdout": split_customer_train()[1],
        "customer_eval": load_customer("customer_eval"),
    }
    for extra in sorted(DATA_DIR.glob("customer_eval?*.tsv")):  # later held-out sets, report only
        sets[extra.stem] = load_customer(extra.stem)
    report, preds = {}, {}
    for spec in a.model:
        name, path = spec.split("=", 1)
        sess = session(path, a.threads)
        rep = {"path": path, "size_mb": round(Path(path).stat().st_size / 1e6, 1)}
        preds[name] = {}
        for sname, rows in sets.items():
            S, E = run(sess, tok, [r.text for r in rows], head=a.head)
            preds[name][sname] = (S, E)
            r = {"sentiment": sentiment_report([x.sentiment for x in rows], S)}
            r["emotions"] = emotion_report(np.array([x.emotions for x in rows]), E)
            if sname == "goemotions_dev":
                r["emotions"].pop("urgency")  # not annotated in GoEmotions
            rep[sname] = r
            print(
                f"{name:6s} {sname:17s} macroF1 {r['sentiment']['macro_f1']:.4f} "
                f"per-class {_f1s(r['sentiment']['per_class'])} "
                f"emo { {k: round(v['f1'], 3) for k, v in r['emotions'].items()} }",
                flush=True,
            )
        short = [r.text for r in sets["customer_eval"]]
        rep["throughput"] = [throughput(sess, tok, short, bs) for bs in (1, 32)]
        print(f"{name:6s} throughput {rep['throughput']}", flush=True)
        report[name] = rep
    ref = a.reference or next(iter(preds))
    for name in preds:
        if name == ref:
            continue
        agg = {}
        for sname in sets:
            S0, E0 = preds[ref][sname]
            S1, E1 = preds[name][sname]
            agg[sname] = {
                "label_agreement": float((S0.argmax(-1) == S1.argmax(-1)).mean()),
                "max_abs_prob_diff": float(np.abs(S0 - S1).max()),
                "emotion_decision_agreement": float(((E0 >= 0.5) == (E1 >= 0.5)).mean()),
                "max_abs_emotion_diff": float(np.abs(E0 - E1).max()),
            }
        report[name][f"agreement_vs_{ref}"] = agg
        print(f"{name} vs {ref}: { {k: round(v['label_agreement'], 4) for k, v in agg.items()} }")
    # misclassified held-out customer examples of the first variant, for the model card's limits
    first = next(iter(preds))
    for sname in [n for n in sets if n.startswith("customer_eval")]:
        S, _ = preds[first][sname]
        report[f"errors_{sname}"] = [
            {
                "text": r.text,
                "gold": SENTIMENTS[r.sentiment],
                "pred": SENTIMENTS[int(S[i].argmax())],
                "p": round(float(S[i].max()), 3),
            }
            for i, r in enumerate(sets[sname])
            if int(S[i].argmax()) != r.sentiment
        ]
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(report, indent=1))
    print(f"wrote {a.out}")


if __name__ == "__main__":
    main()
