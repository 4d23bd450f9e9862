import json

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from gateway.limits import BodySizeLimit
from pydantic import BaseModel, ConfigDict

from gateway import problems


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    items: list[int] = []


@pytest.fixture
def client():
    app = FastAPI()
    problems.install(app)

    @app.post("/things")
    async def things(body: Body) -> dict:
        return {"ok": True}

    app.add_middleware(BodySizeLimit, max_bytes=64)
    return TestClient(app)


def test_validation_errors_name_each_field_in_problem_json(client):
    response = client.post("/things", json={"items": [1, "x"], "extra": 1})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    fields = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert set(fields) == {"name", "items[1]", "extra"}
    assert fields["extra"] == "unknown field"


def test_malformed_json_is_a_422_not_a_500(client):
    response = client.post(
        "/things", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422


def test_oversized_bodies_are_refused_before_parsing(client):
    response = client.post(
        "/things",
        content=json.dumps({"name": "x" * 200}),
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413
    assert "exceeds 64 bytes" in response.json()["detail"]


def test_oversized_chunked_bodies_are_refused(client):
    def chunks():
        yield b'{"name": "'
        yield b"x" * 100
        yield b'"}'

    response = client.post(
        "/things", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
