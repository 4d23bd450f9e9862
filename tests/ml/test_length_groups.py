"""The CPU encoder's grouping of a batch by length (moodline_ml.length_groups): every row once,
short rows apart from long ones when that saves more padding than a run costs."""

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "ml-serving"))

from moodline_ml.length_groups import RUN_TOKENS, STEP, length_groups


def test_every_row_once():
    lengths = np.random.default_rng(0).integers(3, 65, size=300)
    groups = length_groups(lengths)
    rows = np.concatenate(groups)
    assert sorted(rows.tolist()) == list(range(300))
    assert [int(lengths[g].max()) for g in groups] == sorted(int(lengths[g].max()) for g in groups)


def test_sentences_run_apart_from_the_long_texts_of_their_message():
    # a long message as the service sends it: the whole text (64), 8 sentences alone (~20) and
    # in context (~55)
    lengths = np.array([64, *[18, 22, 19, 25, 17, 21, 20, 23], *[52, 58, 55, 60, 57, 54, 59, 50]])
    groups = length_groups(lengths)
    assert len(groups) == 2
    short, _ = groups
    assert sorted(lengths[short].tolist()) == sorted(lengths[1:9].tolist())
    padded = sum(len(g) * int(lengths[g].max()) for g in groups)
    assert padded < 0.75 * len(lengths) * 64  # one run trimmed to 64 pays 17 x 64 tokens


def test_a_lone_short_row_rides_with_the_others_when_a_run_costs_more():
    lengths = np.array([12, 40, 41, 44])  # 1 row x 2 steps of padding (32 tokens) > a run
    assert len(length_groups(lengths)) == 2
    step_up = np.array([STEP, STEP + 1])  # 1 row x 1 step of padding
    assert len(length_groups(step_up)) == (1 if STEP < RUN_TOKENS else 2)
    assert length_groups(np.array([], dtype=np.int64)) == []
    assert [g.tolist() for g in length_groups(np.array([7]))] == [[0]]
