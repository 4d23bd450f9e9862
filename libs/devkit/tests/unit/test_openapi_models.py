"""ResponseModels: a body is checked against the model its route declares."""

from __future__ import annotations

from fastapi import FastAPI
from moodline_devkit.testing.openapi import ResponseModels
from pydantic import BaseModel


class Thing(BaseModel):
    id: str
    count: int


class Stats(BaseModel):
    total: int


def models() -> ResponseModels:
    app = FastAPI()

    @app.get("/things/stats", response_model=Stats)
    async def stats() -> dict:
        return {"total": 1}

    @app.get("/things/{thing_id}", response_model=Thing)
    async def thing(thing_id: str) -> dict:
        return {"id": thing_id, "count": 1}

    return ResponseModels(app.openapi())


def test_a_matching_body_passes() -> None:
    assert models().problems("GET", "/things/a", 200, {"id": "a", "count": 2}) == []


def test_a_body_off_its_model_is_named() -> None:
    problems = models().problems("GET", "/things/a", 200, {"id": "a", "count": "two"})
    assert len(problems) == 1 and "count" in problems[0]
    assert models().problems("GET", "/things/a", 200, {"count": 1})  # id missing


def test_a_literal_path_is_matched_before_a_template() -> None:
    assert models().problems("GET", "/things/stats", 200, {"total": 3}) == []
    assert models().problems("GET", "/things/stats", 200, {"id": "x", "count": 1})


def test_undeclared_statuses_and_paths_are_not_checked() -> None:
    assert models().problems("GET", "/things/a", 418, "anything") == []
    assert models().problems("GET", "/elsewhere", 200, "anything") == []
