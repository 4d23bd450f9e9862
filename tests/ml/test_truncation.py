"""ml-serving's head + tail truncation (moodline_ml.truncation), shared by training,
evaluation and the Triton tokenizer model: a long text keeps its first 16 and last 48 tokens."""

import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "ml-serving"))

from moodline_ml.truncation import HEAD, MAX_LEN, encode, head_tail

CLS, SEP = 101, 102


def seq(n_words: int) -> list[int]:
    return [CLS, *range(1000, 1000 + n_words), SEP]


class WordTokenizer:
    """A stand-in with the tokenizers.Tokenizer surface encode() uses: one id per word."""

    def encode_batch(self, texts):
        return [SimpleNamespace(ids=[CLS, *(1000 + int(w) for w in t.split()), SEP]) for t in texts]


def test_a_text_that_fits_is_unchanged():
    ids = seq(MAX_LEN - 2)
    assert head_tail(ids) == ids


def test_a_long_text_keeps_its_head_and_its_tail():
    ids = seq(200)
    out = head_tail(ids)
    assert len(out) == MAX_LEN
    assert out[:HEAD] == ids[:HEAD] and out[0] == CLS
    assert out[HEAD:] == ids[-(MAX_LEN - HEAD) :] and out[-1] == SEP


def test_head_63_is_plain_truncation_with_sep_kept():
    ids = seq(200)
    assert head_tail(ids, head=MAX_LEN - 1) == [*ids[: MAX_LEN - 1], SEP]


@pytest.mark.parametrize("head", [0, MAX_LEN])
def test_a_head_outside_the_window_is_refused(head):
    with pytest.raises(ValueError, match="head"):
        head_tail(seq(100), head=head)


def test_encode_pads_to_the_longest_row_or_to_a_fixed_width():
    tok = WordTokenizer()
    texts = ["1 2 3", " ".join(str(i) for i in range(100))]
    ids, am = encode(tok, texts)
    assert ids.shape == am.shape == (2, MAX_LEN) and ids.dtype == np.int64
    assert ids[0, :5].tolist() == [CLS, 1001, 1002, 1003, SEP] and not ids[0, 5:].any()
    assert am[0].sum() == 5 and am[1].sum() == MAX_LEN
    assert ids[1, -1] == SEP and ids[1, HEAD] == 1000 + 100 - (MAX_LEN - HEAD) + 1
    ids, am = encode(tok, ["1 2 3"])
    assert ids.shape == (1, 5)
    ids, am = encode(tok, ["1 2 3"], pad_to=MAX_LEN)
    assert ids.shape == (1, MAX_LEN) and am.sum() == 5
