"""The built web UI at `/`: hashed assets cached for a year, the app shell revalidated, client
routes answered with the shell, server paths never shadowed, nothing outside the build served."""

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from gateway.web import IMMUTABLE, REVALIDATE, mount_web


def _app(web_dir: str) -> TestClient:
    app = FastAPI()

    @app.get("/api/v1/ping")
    async def ping() -> dict:
        return {"ok": True}

    mount_web(app, web_dir)
    return TestClient(app, follow_redirects=False)


@pytest.fixture
def dist(tmp_path):
    (tmp_path / "dist" / "assets").mkdir(parents=True)
    (tmp_path / "dist" / "index.html").write_text("<!doctype html><div id=root></div>")
    (tmp_path / "dist" / "favicon.svg").write_text("<svg/>")
    (tmp_path / "dist" / "assets" / "index-Ab12.js").write_text("console.log(1)")
    (tmp_path / "secret.txt").write_text("outside the build")
    return tmp_path / "dist"


def test_the_shell_is_revalidated_and_assets_are_immutable(dist):
    client = _app(str(dist))
    index = client.get("/")
    assert index.status_code == 200 and "id=root" in index.text
    assert index.headers["cache-control"] == REVALIDATE
    asset = client.get("/assets/index-Ab12.js")
    assert asset.status_code == 200 and asset.headers["cache-control"] == IMMUTABLE
    assert client.head("/assets/index-Ab12.js").status_code == 200
    favicon = client.get("/favicon.svg")
    assert favicon.text == "<svg/>" and favicon.headers["cache-control"] == REVALIDATE


def test_client_routes_get_the_shell_and_server_paths_stay_the_servers(dist):
    client = _app(str(dist))
    assert "id=root" in client.get("/customers/123?tab=notes").text
    assert client.get("/api/v1/ping").json() == {"ok": True}
    assert client.get("/api/v1/unknown").status_code == 404
    assert client.get("/assets/missing.js").status_code == 404
    assert client.get("/openapi.json").status_code == 200


@pytest.mark.parametrize(
    "path", ["/assets/../../secret.txt", "/assets/..%2f..%2fsecret.txt", "/..%2fsecret.txt"]
)
def test_nothing_outside_the_build_is_served(dist, path):
    response = _app(str(dist)).get(path)
    assert "outside the build" not in response.text


@pytest.mark.parametrize("web_dir", ["", "/nonexistent"])
def test_without_a_build_the_root_points_to_the_api_docs(web_dir):
    response = _app(web_dir).get("/")
    assert response.status_code == 307 and response.headers["location"] == "/docs"
