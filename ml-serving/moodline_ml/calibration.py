"""The calibration inputs of the static int8 model: 256 customer training messages, tokenised
as Triton does (head + tail, padded to 64), committed as `artifacts/calibration.npz` so that
`derive` (and the Triton image build) needs neither the tokenizer nor the data to reproduce
the int8 model. Training data only (never a held-out set).

    python -m moodline_ml.calibration        # rewrites artifacts/calibration.npz
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

import numpy as np
from tokenizers import Tokenizer

from .data import DATA_DIR, load_customer, split_customer_train
from .truncation import MAX_LEN, encode, untruncated

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
SIZE = 256


def calibration_texts(size: int = SIZE, seed: int = 0) -> list[str]:
    train, _ = split_customer_train()  # the selection holdout stays out
    texts = [r.text for r in train]
    for path in sorted(DATA_DIR.glob("customer_train_extra*.tsv")):
        texts += [r.text for r in load_customer(path.stem)]
    random.Random(seed).shuffle(texts)
    return texts[:size]


def main(argv=None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tokenizer", default=str(ARTIFACTS / "tokenizer.json"))
    ap.add_argument("--out", default=str(ARTIFACTS / "calibration.npz"))
    ap.add_argument("--size", type=int, default=SIZE)
    a = ap.parse_args(argv)
    tok = untruncated(Tokenizer.from_file(a.tokenizer))
    ids, am = encode(tok, calibration_texts(a.size), MAX_LEN, pad_to=MAX_LEN)
    np.savez_compressed(a.out, input_ids=ids, attention_mask=am)
    print(f"{a.out}: {len(ids)} messages")


if __name__ == "__main__":
    main()
