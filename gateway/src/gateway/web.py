"""Serves the built web UI (web/dist) at `/`; the API stays under `/api`.

Vite names every file under assets/ by its content hash, so those are cached for a year;
index.html and the other top-level files are revalidated on every load so that a new build
is picked up at once. Any other path that is not an API, docs or health path answers
index.html (the client routes it). Without a build the root redirects to the API docs.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, HTTPException
from fastapi.responses import FileResponse, RedirectResponse, Response

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
# Paths that belong to the server, never to the single-page app.
SERVER_PREFIXES = ("api/", "docs", "redoc", "openapi.json", "healthz", "readyz", "metrics")


def _inside(root: Path, relative: str) -> Path | None:
    path = (root / relative).resolve()
    return path if path.is_file() and path.is_relative_to(root) else None


def mount_web(app: FastAPI, web_dir: str) -> None:
    """Register last: the fallback route answers only what no other route matched."""
    root = Path(web_dir).resolve() if web_dir else None
    index = root / "index.html" if root else None
    if root is None or index is None or not index.is_file():

        @app.get("/", include_in_schema=False)
        async def docs_redirect() -> RedirectResponse:
            return RedirectResponse("/docs")

        return

    @app.api_route("/assets/{path:path}", methods=["GET", "HEAD"], include_in_schema=False)
    async def asset(path: str) -> Response:
        found = _inside(root / "assets", path)
        if found is None:
            raise HTTPException(404)
        return FileResponse(found, headers={"Cache-Control": IMMUTABLE})

    @app.api_route("/{path:path}", methods=["GET", "HEAD"], include_in_schema=False)
    async def app_shell(path: str) -> Response:
        if path.startswith(SERVER_PREFIXES):
            raise HTTPException(404)
        found = _inside(root, path) if path else None
        return FileResponse(found or index, headers={"Cache-Control": REVALIDATE})
