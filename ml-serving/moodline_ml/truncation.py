"""Head + tail truncation: the one encoding that training, evaluation and Triton share.

A message longer than the model's 64 tokens keeps its first `HEAD` tokens ([CLS] and the
opening words) and its last `MAX_LEN - HEAD` ([SEP] and the closing words) instead of only the
first 64. A customer email tends to open with pleasantries and close with its point ("…the old
boiler is still in our garden", "…please pass on my thanks"), so plain head truncation judged
such emails on the greeting. Sun et al., "How to Fine-Tune BERT for Text Classification?"
(2019) found head + tail (¼ head, ¾ tail) the best of the truncation choices for long texts;
`HEAD = 16` keeps that ratio. Messages of up to 64 tokens — nearly all of them — are unchanged.

This file has no dependency beyond numpy so that the Triton tokenizer model can import a copy
of it (`build_repository` puts it next to that model's `model.py`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

MAX_LEN = 64
HEAD = 16


def head_tail(ids: Sequence[int], max_len: int = MAX_LEN, head: int = HEAD) -> Sequence[int]:
    """The first `head` and the last `max_len - head` ids of a sequence longer than `max_len`.

    `ids` carries the special tokens ([CLS] first, [SEP] last), so both stay in place.
    """
    if len(ids) <= max_len:
        return ids
    if not 1 <= head < max_len:
        raise ValueError(f"head must be in 1..{max_len - 1}, got {head}")
    return list(ids[:head]) + list(ids[len(ids) - (max_len - head) :])


def encode(
    tok,
    texts: Sequence[str],
    max_len: int = MAX_LEN,
    pad_to: int | None = None,
    head: int = HEAD,
) -> tuple[np.ndarray, np.ndarray]:
    """input_ids and attention_mask (int64, right-padded with 0) for `texts`.

    `tok` is a `tokenizers.Tokenizer` with truncation and padding off (see `untruncated`).
    Rows are padded to `pad_to` when given (Triton's fixed shape), else to the longest row.
    """
    seqs = [head_tail(e.ids, max_len, head) for e in tok.encode_batch(list(texts))]
    width = pad_to if pad_to is not None else max((len(s) for s in seqs), default=1)
    ids = np.zeros((len(seqs), width), np.int64)
    am = np.zeros((len(seqs), width), np.int64)
    for i, s in enumerate(seqs):
        ids[i, : len(s)] = s
        am[i, : len(s)] = 1
    return ids, am


def untruncated(tok):
    """The tokenizer with truncation and padding switched off (encode() does both)."""
    tok.no_truncation()
    tok.no_padding()
    return tok
