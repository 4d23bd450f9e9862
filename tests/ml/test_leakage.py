"""ml-serving's held-out guard: training rows that are a held-out message, or a close rewording
of one, are found and dropped before training (moodline_ml.leakage is stdlib only)."""

import sys
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "ml-serving"))

from moodline_ml import leakage


@dataclass
class Row:
    text: str


HELD_OUT = [
    "I was worried after last time but you really turned it around.",
    "Please send the invoice to our accounts team rather than to me.",
    "ok",
]


def test_rewordings_and_identical_short_replies_are_found():
    found = leakage.near_duplicates(
        [
            "I was worried after last time but the new hygienist really turned it around",
            "please send the invoice to our accounts team rather than to me directly!",
            "OK",
            "ok thanks",  # short, not identical: kept
            "The boiler is leaking again and nobody has called me back.",
        ],
        HELD_OUT,
    )
    assert [t for _, t, _ in found] == [
        "OK",
        "please send the invoice to our accounts team rather than to me directly!",
        "I was worried after last time but the new hygienist really turned it around",
    ]


def test_training_rows_close_to_a_held_out_message_are_dropped():
    rows = [
        Row("Please send the invoice to our accounts team rather than to me directly."),
        Row("Can I move my booking to 4pm on Friday?"),
    ]
    kept, dropped = leakage.drop_near_duplicates(rows, HELD_OUT)
    assert [r.text for r in kept] == ["Can I move my booking to 4pm on Friday?"]
    assert len(dropped) == 1


def test_every_held_out_file_is_guarded():
    names = leakage.held_out_names()
    assert {"customer_eval", "customer_eval2"} <= set(names)
    assert not set(names) & set(leakage.training_names())
    assert all(leakage.texts(n) for n in names)
