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


def write(out: Path | str, size: int = SIZE, tokenizer: Path | str = ARTIFACTS / "tokenizer.json"):
    """Tokenise `size` calibration messages as Triton does and save them to `out`; their count."""
    tok = untruncated(Tokenizer.from_file(str(tokenizer)))
    ids, am = encode(tok, calibration_texts(size), MAX_LEN, pad_to=MAX_LEN)
    np.savez_compressed(out, input_ids=ids, attention_mask=am)
    return len(ids)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tokenizer", default=str(ARTIFACTS / "tokenizer.json"))
    ap.add_argument("--out", default=str(ARTIFACTS / "calibration.npz"))
    ap.add_argument("--size", type=int, default=SIZE)
    a = ap.parse_args(argv)
    print(f"{a.out}: {write(a.out, a.size, a.tokenizer)} messages")


if __name__ == "__main__":
    main()
