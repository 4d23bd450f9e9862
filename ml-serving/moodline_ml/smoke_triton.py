"""Query the `sentiment` ensemble over gRPC (tritonclient), check the contract, optionally
score the evaluation sets through the served path and measure served throughput.

    python moodline_ml/smoke_triton.py --url localhost:8001            # contract smoke test
    python moodline_ml/smoke_triton.py --url localhost:8001 --eval     # + F1 through Triton
Runs from the serving venv (needs tritonclient[grpc] + numpy; --eval also needs scikit-learn).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import tritonclient.grpc as grpcclient

SENTIMENTS = ["Happy", "Neutral", "Frustrated"]
EMOTIONS = ["frustration", "satisfaction", "confusion", "urgency"]
DATA = Path(__file__).resolve().parent.parent / "data"

SAMPLES = [
    "Thank you so much, the team was brilliant!",
    "Can I move my booking to 4pm on Friday?",
    "I've now called three times and nobody has called me back.",
    "Oh great, the heating is broken again. Fantastic.",
    "I don't understand this invoice, what is the second charge?",
    "Water is pouring through the ceiling, please send someone now!",
]


def infer(client, texts, model="sentiment"):
    arr = np.array([[t.encode("utf-8")] for t in texts], dtype=object)
    inp = grpcclient.InferInput("TEXT", list(arr.shape), "BYTES")
    inp.set_data_from_numpy(arr)
    outs = [
        grpcclient.InferRequestedOutput("SENTIMENT_PROBS"),
        grpcclient.InferRequestedOutput("EMOTION_PROBS"),
    ]
    r = client.infer(model, [inp], outputs=outs)
    return r.as_numpy("SENTIMENT_PROBS"), r.as_numpy("EMOTION_PROBS")


def infer_all(url, texts, bs=32, workers=4):
    chunks = [texts[i : i + bs] for i in range(0, len(texts), bs)]
    clients = [grpcclient.InferenceServerClient(url) for _ in range(workers)]
    with ThreadPoolExecutor(workers) as ex:
        res = list(ex.map(lambda ic: infer(clients[ic[0] % workers], ic[1]), enumerate(chunks)))
    return np.concatenate([r[0] for r in res]), np.concatenate([r[1] for r in res])


def load_tsv(name):
    with open(DATA / name, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    y = np.array([SENTIMENTS.index(r["sentiment"]) for r in rows])
    ye = np.array([[float(e in (r["emotions"] or "").split(",")) for e in EMOTIONS] for r in rows])
    return [r["text"] for r in rows], y, ye


def load_goemo_dev(path):
    neg = {
        "anger",
        "annoyance",
        "disappointment",
        "disapproval",
        "disgust",
        "embarrassment",
        "fear",
        "grief",
        "nervousness",
        "remorse",
        "sadness",
    }
    pos = {
        "admiration",
        "amusement",
        "approval",
        "caring",
        "desire",
        "excitement",
        "gratitude",
        "joy",
        "love",
        "optimism",
        "pride",
        "relief",
    }
    labels = (Path(path) / "labels.txt").read_text().split()
    texts, y = [], []
    for line in open(Path(path) / "dev.tsv", encoding="utf-8"):
        t, ids = line.rstrip("\n").split("\t")[:2]
        names = {labels[int(i)] for i in ids.split(",")}
        texts.append(t)
        y.append(2 if names & neg else 0 if names & pos else 1)
    return texts, np.array(y)


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", default="localhost:8001")
    ap.add_argument("--eval", action="store_true")
    ap.add_argument("--goemotions", default="/work/shared/datasets/goemotions")
    ap.add_argument("--out", default="")
    a = ap.parse_args(argv)

    client = grpcclient.InferenceServerClient(a.url)
    for _ in range(60):
        try:
            if client.is_model_ready("sentiment"):
                break
        except Exception:
            pass
        time.sleep(1)
    else:
        sys.exit("sentiment model not ready")
    S, E = infer(client, SAMPLES)
    assert S.shape == (len(SAMPLES), 3) and E.shape == (len(SAMPLES), 4), (S.shape, E.shape)
    assert np.allclose(S.sum(1), 1, atol=1e-3) and ((E >= 0) & (E <= 1)).all()
    for t, s, e in zip(SAMPLES, S, E, strict=True):
        print(f"{SENTIMENTS[int(s.argmax())]:10s} {np.round(s, 3)} emo {np.round(e, 2)}  {t}")
    S1, _ = infer(client, SAMPLES[:1])
    # int8 dynamic quantisation picks activation scales per batch, so a message's probabilities
    # move slightly with its batch-mates; the label must not.
    print(f"batch-of-1 vs batch-of-{len(SAMPLES)} max |diff| {np.abs(S1[0] - S[0]).max():.4f}")
    assert S1[0].argmax() == S[0].argmax() and np.abs(S1[0] - S[0]).max() < 0.05, "batch dependence"
    print("contract OK")
    if not a.eval:
        return
    from sklearn.metrics import f1_score

    report = {}
    for name in sorted(p.stem for p in DATA.glob("customer_eval*.tsv")):
        texts, y, ye = load_tsv(f"{name}.tsv")
        t0 = time.perf_counter()
        S, E = infer_all(a.url, texts)
        dt = time.perf_counter() - t0
        pred = S.argmax(1)
        report[name] = {
            "macro_f1": float(f1_score(y, pred, average="macro")),
            "per_class_f1": dict(
                zip(
                    SENTIMENTS,
                    map(float, f1_score(y, pred, average=None, labels=[0, 1, 2])),
                    strict=True,
                )
            ),
            "emotion_f1": {
                n: float(f1_score(ye[:, i], E[:, i] >= 0.5, zero_division=0))
                for i, n in enumerate(EMOTIONS)
            },
            "msgs_per_s": round(len(texts) / dt, 1),
        }
    gt, gy = load_goemo_dev(a.goemotions)
    t0 = time.perf_counter()
    GS, _ = infer_all(a.url, gt)
    dt = time.perf_counter() - t0
    report["goemotions_dev"] = {
        "macro_f1": float(f1_score(gy, GS.argmax(1), average="macro")),
        "msgs_per_s": round(len(gt) / dt, 1),
    }
    print(json.dumps(report, indent=1))
    if a.out:
        Path(a.out).write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
