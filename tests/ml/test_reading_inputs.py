"""scripts/reading_scores.py --inputs-only: the model inputs the sentiment service makes of a long
training message (whole text, each sentence alone, each in context), in the order that
`moodline_ml.quant_select` and `fit_reading` rely on, and never of a held-out set."""

import json
import sys
from pathlib import Path

import pytest

ML = Path(__file__).resolve().parents[2] / "ml-serving"
sys.path.insert(0, str(ML / "scripts"))

import reading_scores  # noqa: E402
from sentiment.adapters.sentences import sentence_offsets  # noqa: E402
from sentiment.domain.reading import plan  # noqa: E402

LONG = (
    "Hello, we stayed with you last weekend for my sister's birthday and wanted to write. "
    "The room was lovely and the staff at the front desk could not have been kinder to us. "
    "Breakfast on Saturday was excellent and the kids loved the pool. "
    "The one thing I must mention is that we were charged twice for the spa on the final bill, "
    "and nobody has replied to the two e-mails I sent about it since we got home. "
    "Could someone please look into this and refund the second charge this week? Thank you."
)
SHORT = "Can I move my booking to Friday?"


def _tsv(path: Path, rows: list[tuple[str, str]]) -> Path:
    lines = ["text\tsentiment\temotions\tdomain\tchannel"]
    lines += [f"{t}\t{s}\t\thotel\temail" for t, s in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_long_message_gives_its_whole_text_then_each_sentence_alone_then_in_context(tmp_path):
    f = _tsv(tmp_path / "batch.tsv", [(LONG, "Frustrated"), (SHORT, "Neutral")])
    messages, inputs = reading_scores.model_inputs([f])
    assert [(row["sentiment"], n) for _, row, n in messages] == [("Frustrated", 6)]
    p = plan(LONG, sentence_offsets(LONG))
    assert inputs == p.texts and len(inputs) == 1 + 2 * 6
    assert inputs[0] == LONG and LONG.endswith(inputs[6])  # the last sentence alone


def test_inputs_only_writes_the_messages_and_their_inputs_without_a_model(tmp_path):
    f = _tsv(tmp_path / "batch.tsv", [(LONG, "Frustrated")])
    out = tmp_path / "inputs.json"
    reading_scores.main([str(f), "--inputs-only", "--out", str(out)])
    doc = json.loads(out.read_text())
    assert doc["messages"][0]["sentences"] == 6 and len(doc["inputs"]) == 13


def test_held_out_sets_are_refused(tmp_path):
    f = _tsv(tmp_path / "customer_eval9.tsv", [(LONG, "Frustrated")])
    with pytest.raises(SystemExit, match="held-out"):
        reading_scores.main([str(f), "--inputs-only", "--out", str(tmp_path / "x.json")])
