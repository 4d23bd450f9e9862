"""Metrics shared by training and evaluation."""

from __future__ import annotations

import itertools

import numpy as np
from sklearn.metrics import confusion_matrix, f1_score, precision_recall_fscore_support

from .data import EMOTIONS, SENTIMENTS


def sentiment_report(y_true, probs) -> dict:
    y_true = np.asarray(y_true)
    pred = np.asarray(probs).argmax(-1)
    p, r, f, n = precision_recall_fscore_support(y_true, pred, labels=[0, 1, 2], zero_division=0)
    conf = np.asarray(probs).max(-1)
    return {
        "macro_f1": float(
            f1_score(y_true, pred, labels=[0, 1, 2], average="macro", zero_division=0)
        ),
        "accuracy": float((pred == y_true).mean()),
        "per_class": {
            SENTIMENTS[i]: {
                "precision": float(p[i]),
                "recall": float(r[i]),
                "f1": float(f[i]),
                "support": int(n[i]),
            }
            for i in range(3)
        },
        "confusion": confusion_matrix(y_true, pred, labels=[0, 1, 2]).tolist(),
        "ece": expected_calibration_error(conf, pred == y_true),
    }


def emotion_report(y_true, probs, threshold: float = 0.5) -> dict:
    y_true = np.asarray(y_true)
    pred = (np.asarray(probs) >= threshold).astype(int)
    out = {}
    for i, name in enumerate(EMOTIONS):
        p, r, f, _ = precision_recall_fscore_support(
            y_true[:, i], pred[:, i], average="binary", zero_division=0
        )
        out[name] = {
            "precision": float(p),
            "recall": float(r),
            "f1": float(f),
            "support": int(y_true[:, i].sum()),
        }
    return out


def expected_calibration_error(conf, correct, bins: int = 10) -> float:
    conf, correct = np.asarray(conf), np.asarray(correct).astype(float)
    edges = np.linspace(0, 1, bins + 1)
    ece = 0.0
    for lo, hi in itertools.pairwise(edges):
        m = (conf > lo) & (conf <= hi)
        if m.any():
            ece += m.mean() * abs(conf[m].mean() - correct[m].mean())
    return float(ece)
