"""Rows of a batch grouped by length, so the CPU encoder pads each row to about its own length.

The tokenizer pads every text to 64 tokens and a batch used to run once, trimmed to its longest
row. Long messages are read in sentences (the service sends the whole text, each sentence alone
and each in context), so a typical batch mixes 64-token texts with 15-25-token sentences, and
every short row paid for 64 tokens. Rows are grouped by their length rounded up to `STEP`; two
neighbouring groups stay one run when the padding saved is smaller than what one more
onnxruntime run costs (`RUN_TOKENS`: measured on the int8 MiniLM, one thread, ~2 ms per run
against ~0.18 ms per token of one row). The model's result for a row does not depend on its
padding (attention masks the padded positions; checked: identical outputs at its own length
and padded to 64), so grouping changes the cost only, never a score.

This file has no dependency beyond numpy so that the Triton encoder model can import a copy of
it (`build_repository` puts it next to that model's `model.py`).
"""

from __future__ import annotations

from itertools import pairwise

import numpy as np

STEP = 16
RUN_TOKENS = 12


def length_groups(lengths: np.ndarray) -> list[np.ndarray]:
    """Row indices per run (each run trims to its longest row), shortest group first."""
    if len(lengths) == 0:
        return []
    order = np.argsort(lengths, kind="stable")
    width = np.maximum(1, -(-lengths[order] // STEP))  # length rounded up, in STEPs
    cuts = np.flatnonzero(np.diff(width)) + 1  # where the rounded length grows
    bounds = [0]
    for cut in cuts:
        rows = cut - bounds[-1]
        padding = rows * (width[cut] - width[cut - 1]) * STEP
        if padding >= RUN_TOKENS:
            bounds.append(int(cut))
    bounds.append(len(order))
    return [order[a:b] for a, b in pairwise(bounds) if b > a]
