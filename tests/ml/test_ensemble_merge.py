"""ml-serving's distillation teacher: the folds' out-of-fold probabilities merged by text
(moodline_ml.ensemble.merge needs only numpy, so it runs in the main environment)."""

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "ml-serving"))

from moodline_ml.ensemble import merge


def write_oof(path: Path, texts: list[str], sent: list[list[float]]) -> None:
    path.mkdir(parents=True)
    n = len(texts)
    np.savez(
        path / "oof.npz",
        texts=np.array(texts),
        sentiment=np.array(sent, np.float32),
        emotions=np.full((n, 4), 0.25, np.float32),
        goemo=np.zeros((n, 28), np.float32),
    )


def test_every_row_once_and_duplicated_texts_averaged(tmp_path):
    write_oof(tmp_path / "fold0", ["b", "a"], [[0.2, 0.7, 0.1], [1.0, 0.0, 0.0]])
    write_oof(tmp_path / "fold1", ["c", "a"], [[0.0, 0.0, 1.0], [0.0, 1.0, 0.0]])
    t = merge([str(tmp_path / "fold0"), str(tmp_path / "fold1")])
    assert t["texts"].tolist() == ["a", "b", "c"]
    np.testing.assert_allclose(t["sentiment"][0], [0.5, 0.5, 0.0])  # "a" from both folds
    np.testing.assert_allclose(t["sentiment"][1], [0.2, 0.7, 0.1])
    np.testing.assert_allclose(t["sentiment"][2], [0.0, 0.0, 1.0])
    assert t["emotions"].shape == (3, 4) and t["goemo"].shape == (3, 28)


def test_the_teacher_file_loads_without_pickle(tmp_path):
    write_oof(tmp_path / "fold0", ["x"], [[0.1, 0.2, 0.7]])
    np.savez(tmp_path / "teacher.npz", **merge([str(tmp_path / "fold0")]))
    z = np.load(tmp_path / "teacher.npz", allow_pickle=False)
    assert z["texts"].tolist() == ["x"]
