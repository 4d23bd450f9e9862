"""The engines' JSON codec (orjson) reads and writes what json.dumps/json.loads did."""

import json

import pytest
from moodline_kit.db import create_engine, json_dumps


@pytest.mark.parametrize(
    "value",
    [
        {"observations": [[0.5, 1.0, "2026-11-22T10:00:00+00:00"]], "label": "Happy", "n": 3},
        {"emotions": {"frustration": 0.125, "urgency": 1e-7}, "nested": {"a": [1, None, True]}},
        [],
        {"text": "café — “quoted” ✓"},
    ],
)
def test_round_trips_like_the_json_module(value):
    encoded = json_dumps(value)
    assert isinstance(encoded, str)
    assert json.loads(encoded) == value


def test_non_string_keys_become_strings_as_with_json_dumps():
    assert json.loads(json_dumps({1: "a", 2.5: "b"})) == json.loads(json.dumps({1: "a", 2.5: "b"}))


def test_numpy_scalars_and_number_subclasses_encode_as_json_dumps_does():
    import numpy as np

    class Score(float):
        pass

    value = {"score": np.float64(0.5), "n": np.int64(3), "f32": np.float32(0.25), "s": Score(0.75)}
    assert json.loads(json_dumps(value)) == {"score": 0.5, "n": 3, "f32": 0.25, "s": 0.75}
    with pytest.raises(TypeError):
        json_dumps({"x": object()})


def test_engine_uses_it_unless_told_otherwise():
    engine = create_engine("postgresql+asyncpg://u@127.0.0.1:1/db")
    assert engine.dialect._json_serializer is json_dumps
    custom = create_engine("postgresql+asyncpg://u@127.0.0.1:1/db", json_serializer=json.dumps)
    assert custom.dialect._json_serializer is json.dumps
