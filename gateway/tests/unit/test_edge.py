"""The edge's own rules, on a bare app: unsafe text and numbers refused as 422 naming the field,
a header limit (431), nosniff on every response, a 500 that keeps the connection open, and an
OpenAPI document that states every problem status with its schema."""

import json
import socket
import threading
import time

import pytest
import uvicorn
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient
from gateway.limits import BodySizeLimit
from gateway.middleware import SecurityHeaders, UnexpectedErrors
from gateway.validation import PathId, QueryInstant, refuse_unsafe_input
from moodline_devkit.infra import free_port

from gateway import openapi, problems

ID = "0b7e5a3c-1d2f-4e5a-8b9c-0d1e2f3a4b5c"


def make_app() -> FastAPI:
    app = FastAPI(dependencies=[Depends(refuse_unsafe_input)])
    problems.install(app)
    openapi.install(app)

    @app.post("/api/v1/things/{thing_id}")
    async def things(thing_id: PathId, body: dict, q: str = "") -> dict:
        return {"ok": True}

    @app.get("/api/v1/when")
    async def when(at: QueryInstant) -> dict:
        return {"at": at.isoformat()}

    @app.get("/boom")
    async def boom() -> dict:
        raise RuntimeError("a bug")

    @app.get("/ok")
    async def ok() -> dict:
        return {"ok": True}

    app.add_middleware(UnexpectedErrors)
    app.add_middleware(BodySizeLimit, max_bytes=64 * 1024, max_header_bytes=4096)
    app.add_middleware(SecurityHeaders)
    return app


@pytest.fixture
def client():
    return TestClient(make_app(), raise_server_exceptions=False)


def _fields(response) -> dict[str, str]:  # type: ignore[no-untyped-def]
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return {e["field"]: e["message"] for e in response.json()["errors"]}


def _post(client, body: bytes, path: str = f"/api/v1/things/{ID}"):  # type: ignore[no-untyped-def]
    return client.post(path, content=body, headers={"content-type": "application/json"})


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b'{"name": "a\\u0000b"}', "name"),
        (b'{"tags": ["ok", "\\ud800"]}', "tags[1]"),
        (b'{"custom": {"n": NaN}}', "custom.n"),
        (b'{"custom": {"n": Infinity}}', "custom.n"),
        (b'{"custom": {"n": 1e309}}', "custom.n"),
        (b'{"ltv": 9223372036854775808}', "ltv"),
        (b'{"messages": [{"text": "ok"}, {"text": "\\u0000"}]}', "messages[1].text"),
    ],
)
def test_unsafe_json_values_are_422_naming_the_field(client, body, field):
    assert field in _fields(_post(client, body))


def test_ints_within_int64_and_finite_numbers_pass(client):
    body = b'{"ltv": 9223372036854775807, "n": -1.5e300, "s": "caf\\u00e9 \\ud83d\\ude00"}'
    assert _post(client, body).status_code == 200


def test_unsafe_path_and_query_values_are_422(client):
    assert "q" in _fields(_post(client, b"{}", f"/api/v1/things/{ID}?q=a%00b"))
    assert "thing_id" in _fields(_post(client, b"{}", "/api/v1/things/%00"))
    assert "thing_id" in _fields(_post(client, b"{}", "/api/v1/things/" + "a" * 9000))


def test_timestamps_out_of_range_are_422(client):
    for at in ("9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00", "1899-12-31T00:00:00Z"):
        assert "at" in _fields(client.get("/api/v1/when", params={"at": at}))
    assert client.get("/api/v1/when", params={"at": "2026-11-22T10:00:00Z"}).status_code == 200


def test_headers_over_the_limit_are_431(client):
    response = client.get("/ok", headers={"x-big": "x" * 5000})
    assert response.status_code == 431
    assert response.headers["content-type"] == "application/problem+json"


def test_every_response_says_nosniff(client):
    for response in (client.get("/ok"), client.get("/boom"), _post(client, b'{"a": NaN}')):
        assert response.headers["x-content-type-options"] == "nosniff"


def test_a_500_keeps_the_keep_alive_connection_open():
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(make_app(), host="127.0.0.1", port=port, log_level="critical")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        while not server.started:
            time.sleep(0.05)
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            reader = sock.makefile("rb")
            statuses = []
            for path in ("/boom", "/ok"):
                sock.sendall(f"GET {path} HTTP/1.1\r\nHost: t\r\n\r\n".encode())
                status = reader.readline().split()[1]
                headers = {}
                while (line := reader.readline()) not in (b"\r\n", b""):
                    name, _, value = line.decode().partition(":")
                    headers[name.strip().lower()] = value.strip()
                body = reader.read(int(headers["content-length"]))
                statuses.append((int(status), headers.get("connection"), json.loads(body)))
        assert statuses[0][0] == 500 and statuses[0][1] != "close"
        assert statuses[0][2]["type"].endswith("/internal")
        assert statuses[1][0] == 200  # same connection
    finally:
        server.should_exit = True
        thread.join(10)


def test_openapi_documents_every_problem_status():
    spec = make_app().openapi()
    responses = spec["paths"]["/api/v1/things/{thing_id}"]["post"]["responses"]
    for status in ("400", "401", "403", "404", "409", "412", "413", "422", "429", "503", "504"):
        schema = responses[status]["content"]["application/problem+json"]["schema"]
        assert schema == {"$ref": "#/components/schemas/Problem"}
    assert "Retry-After" in responses["429"]["headers"]
    assert "Problem" in spec["components"]["schemas"]
    assert set(spec["paths"]["/ok"]["get"]["responses"]) == {"200", "431"}
